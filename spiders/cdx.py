"""What the two CDX sources share: reading an answer (the Wayback Machine's JSON table, with its
resume key, or pywb's JSON lines), the query's date window, and the per-pattern cap that the run
summary reports when a source holds more than a collection asked for."""

from __future__ import annotations

import json
from dataclasses import dataclass

CAP_HIT = "discovery/cdx_cap_hit"  # stat: patterns stopped at their cap with rows left
UNPAGED = "discovery/cdx_unpaged"  # stat: full answers with no way to ask for the rest
NOTES = "discovery/notes"  # stat: lines for the run summary (a list)


@dataclass(frozen=True, slots=True)
class CdxPage:
    rows: list[dict]
    resume_key: str | None = None
    table: bool = False  # the Wayback Machine's form, which can carry a resume key


def cdx_page(body: bytes) -> CdxPage:
    """Rows of a CDX answer and the resume key that ends it, if any (``showResumeKey=true``: an
    empty row, then a row holding the key). Raises ValueError on anything but JSON."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return CdxPage([])
    if text.startswith("["):
        table = json.loads(text)
        if not isinstance(table, list) or not table:
            return CdxPage([])
        header, *rows = table
        key = None
        if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
            key, rows = str(rows[-1][0]), rows[:-2]
        rows = [row for row in rows if row]
        return CdxPage([dict(zip(header, row, strict=False)) for row in rows], key, table=True)
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    if not all(isinstance(row, dict) for row in rows):
        raise ValueError("a line of the answer is not a JSON object")
    return CdxPage(rows)


def cdx_rows(body: bytes) -> list[dict]:
    """Rows of a CDX answer, without its resume key."""
    return cdx_page(body).rows


def page_count(body: bytes) -> int:
    """The answer to ``showNumPages=true``: pywb's ``{"pages": N, ...}`` or a bare number (the
    Wayback CDX server). Raises ValueError on anything else."""
    answer = json.loads(body.decode("utf-8", "replace").strip() or "null")
    if isinstance(answer, dict):
        answer = answer.get("pages")
    if isinstance(answer, bool) or not isinstance(answer, int) or answer < 0:
        raise ValueError(f"not a page count: {body[:80]!r}")
    return answer


def window_params(start, end) -> list[tuple[str, str]]:
    """``from``/``to`` of the collection's window, in the 14-digit form both APIs take."""
    params = []
    if start:
        params.append(("from", start.strftime("%Y%m%d")))
    if end:
        params.append(("to", end.strftime("%Y%m%d") + "235959"))
    return params


class CapNotes:
    """Counts a pattern stopped at its cap, with a line for the run summary."""

    def cap_hit(self, source: str, pattern: str, cap: int) -> None:
        self.count(CAP_HIT)
        self._note(
            f"{source}: {pattern} stopped at its cap of {cap} rows (limit in the collection "
            "file); the archive holds more"
        )

    def unpaged(self, source: str, pattern: str, rows: int) -> None:
        self.count(UNPAGED)
        self._note(
            f"{source}: {pattern} answered a full page of {rows} rows and no resume key "
            "(a CDX server without paging): there may be more"
        )

    def _note(self, line: str) -> None:
        stats = self.crawler.stats
        notes = list(stats.get_value(NOTES) or [])
        if line not in notes:
            stats.set_value(NOTES, [*notes, line])
        self.logger.warning(line)
