"""A CDX server over a CDXJ index, answering as the documented APIs do, for the archive hosts of
the fixture web. pywb 2.x, which replays the fixture archive, has no ``collapse=urlkey``, no resume
keys and no paging over a plain CDXJ index (only ``collapseTime``, and pages of a ZipNum index),
so the two APIs the spiders page through are answered here, from the index pywb reads:

- the Wayback Machine's (internetarchive/wayback, wayback-cdx-server/README.md): a JSON table with
  a header row; ``filter=[!]field:regex`` (whole-value match), ``collapse=field[:N]`` on adjacent
  rows, ``from``/``to``, ``limit``, ``showResumeKey=true`` (an empty row, then the key, only when
  rows are left) and ``resumeKey``; ``page``/``pageSize``/``showNumPages`` as ZipNum pages;
- pywb's paged index, as index.commoncrawl.org serves it: JSON lines; ``showNumPages=true`` answers
  ``{"pages": N, "pageSize": P, "blocks": B}``; ``page`` from 0 (filters apply after paging, so a
  page can be empty: 404 "No Captures found"); a page past the last one is a 400.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote_plus

import surt

WAYBACK_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_ALIASES = {"original": "url", "mimetype": "mime", "statuscode": "status"}  # Wayback -> CDXJ names
MAX_ROWS = 150_000  # the Wayback CDX server's default ceiling for one query


@dataclass(frozen=True, slots=True)
class Line:
    urlkey: str
    timestamp: str
    fields: dict

    def get(self, name: str) -> str:
        if name in ("urlkey", "timestamp"):
            return getattr(self, name)
        return str(self.fields.get(_ALIASES.get(name, name), "-"))


class QueryError(ValueError):
    """A query the server answers with 400."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    rows: int = 0


def read_index(path: Path) -> list[Line]:
    lines = []
    for text in Path(path).read_text(encoding="utf-8").splitlines():
        if text.strip() and not text.startswith(("#", "!")):
            key, stamp, fields = text.split(" ", 2)
            lines.append(Line(key, stamp, json.loads(fields)))
    return sorted(lines, key=lambda line: (line.urlkey, line.timestamp))


class CdxIndex:
    def __init__(self, lines: list[Line], block_lines: int = 3000, page_size: int = 50) -> None:
        self.lines = lines
        self.block_lines, self.page_size = block_lines, page_size  # ZipNum block, blocks a page

    def wayback(self, query: str) -> Answer:
        try:
            q = parse_qs(query, keep_blank_values=True)
            scope = self._scope(q)
            if _one(q, "showNumPages") == "true":
                return Answer(200, f"{self._pages(q, scope)[0]}\n".encode(), "text/plain")
            selected, resume = self._select(q, self._page(q, scope), MAX_ROWS)
        except QueryError as exc:
            return Answer(400, f"{exc}\n".encode(), "text/plain")
        fields = _one(q, "fl").split(",") if _one(q, "fl") else list(WAYBACK_FIELDS)
        show_key = _one(q, "showResumeKey") == "true" and resume is not None
        if _one(q, "output") != "json":
            text = "".join(" ".join(line.get(f) for f in fields) + "\n" for line in selected)
            text += f"\n{resume}\n" if show_key else ""
            return Answer(200, text.encode(), "text/plain", len(selected))
        table = [[line.get(f) for f in fields] for line in selected]
        table = [fields, *table] if table else []
        if show_key:
            table += [[], [resume]]
        return Answer(200, json.dumps(table).encode(), rows=len(selected))

    def pywb(self, query: str) -> Answer:
        try:
            q = parse_qs(query, keep_blank_values=True)
            scope = self._scope(q)
            if _one(q, "showNumPages") == "true":
                pages, size, blocks = self._pages(q, scope)
                return Answer(200, json.dumps({"pages": pages, "pageSize": size, "blocks": blocks}).encode())
            selected, _ = self._select(q, self._page(q, scope), None)
        except QueryError as exc:
            return Answer(400, json.dumps({"message": str(exc)}).encode())
        if not selected:
            message = {"message": f"No Captures found for: {_one(q, 'url')}"}
            return Answer(404, json.dumps(message).encode())
        rows = [{"urlkey": line.urlkey, "timestamp": line.timestamp, **line.fields} for line in selected]
        return Answer(200, "".join(json.dumps(r) + "\n" for r in rows).encode(), "text/x-ndjson", len(rows))

    def _scope(self, q: dict) -> list[Line]:
        """The lines the url and matchType name, in index order (before any filter)."""
        url = _one(q, "url")
        if not url:
            raise QueryError("url= is required")
        match = _one(q, "matchType") or ("prefix" if url.endswith("*") else "exact")
        key = surt.surt(url.rstrip("*"))
        if match == "exact":
            return [line for line in self.lines if line.urlkey == key]
        if match == "prefix":
            return [line for line in self.lines if line.urlkey.startswith(key)]
        raise QueryError(f"matchType={match} is not served here")

    def _pages(self, q: dict, scope: list[Line]) -> tuple[int, int, int]:
        size = self._page_size(q)
        blocks = -(-len(scope) // self.block_lines)
        return -(-blocks // size), size, blocks

    def _page_size(self, q: dict) -> int:
        size = _number(q, "pageSize", self.page_size)
        if not 1 <= size <= self.page_size:
            raise QueryError(f"pageSize must be 1 to {self.page_size}")
        return size

    def _page(self, q: dict, scope: list[Line]) -> list[Line]:
        if "page" not in q:
            return scope
        page, (pages, size, _) = _number(q, "page", 0), self._pages(q, scope)
        if page < 0:
            return scope
        if page >= pages:
            raise QueryError(f"Page {page} invalid: First Page is 0, Last Page is {pages - 1}")
        rows = size * self.block_lines
        return scope[page * rows : (page + 1) * rows]

    def _select(self, q: dict, lines: list[Line], ceiling: int | None) -> tuple[list[Line], str | None]:
        """Lines after resumeKey, from/to, filters and collapse, up to limit; and the resume key
        (the last line looked at) when rows are left."""
        start = (_one(q, "from") or "").ljust(14, "0")
        end = (_one(q, "to") or "").ljust(14, "9")
        filters = [_filter(f) for f in q.get("filter", [])]
        collapses = [_collapse(c) for c in q.get("collapse", [])]
        limit = _number(q, "limit", ceiling or len(lines))
        limit = min(limit, ceiling) if ceiling else limit
        after = _resume(_one(q, "resumeKey"))
        out: list[Line] = []
        previous, last = None, None
        for line in lines:
            if after and (line.urlkey, line.timestamp) <= after:
                continue
            keys = tuple(line.get(name)[:n] for name, n in collapses)
            wanted = start <= line.timestamp <= end and all(f(line) for f in filters)
            if wanted and not (collapses and keys == previous):
                if len(out) >= limit:
                    return out, quote_plus(f"{last.urlkey} {last.timestamp}!")
                out.append(line)
                previous = keys
            last = line
        return out, None


def _one(q: dict, name: str) -> str:
    return (q.get(name) or [""])[-1]


def _number(q: dict, name: str, default: int) -> int:
    text = _one(q, name)
    try:
        return int(text) if text else default
    except ValueError:
        raise QueryError(f"{name}={text} is not a number") from None


def _filter(spec: str):
    negate, spec = spec.startswith("!"), spec.removeprefix("!")
    name, _, pattern = spec.partition(":")
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise QueryError(f"filter={spec}: {exc}") from None
    return lambda line: bool(rx.fullmatch(line.get(name))) != negate


def _collapse(spec: str) -> tuple[str, int | None]:
    name, _, n = spec.partition(":")
    return name, int(n) if n.isdigit() else None


def _resume(key: str) -> tuple[str, str] | None:
    if not key:
        return None
    urlkey, _, stamp = key.rstrip("!").rpartition(" ")
    if not urlkey:
        raise QueryError(f"resumeKey={key} is not a key this server gave")
    return urlkey, stamp
