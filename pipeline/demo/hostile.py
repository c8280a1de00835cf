"""Misbehaving endpoints under ``/hostile/`` on every outlet host, for the fault-injection tests.

A crawler that runs unattended meets servers that throttle, stall, lie about sizes, reset
connections, loop, or send bytes that are not what they claim; each route here is one of those,
small and bounded so a test stays quick. ``Hostile.route`` returns a ``Response``; what happens on
the wire (streaming, trickling, resetting) is done by the handler in ``server.py``.

- ``/hostile/429[/label]?tries=N&retry_after=S``: 429 with ``Retry-After: S`` (default 2) to the
  first N (default 2) requests of this URL, then an article; ``retry_after=none`` sends no header,
  ``retry_date=S`` an HTTP date S seconds ahead;
- ``/hostile/503[/label]?...``: the same with 503 (default: never an article);
- ``/hostile/reset``: announces 20,000 bytes, sends 1,000 and resets the connection;
- ``/hostile/trickle?bytes=N``: N bytes (at most 60), one every 0.5 s;
- ``/hostile/loop/a``, ``/hostile/loop/b``: 302 to each other, for ever;
- ``/hostile/gzip-bomb?mb=N``, ``/hostile/brotli-bomb?mb=N``: a small body that inflates to N MB
  (default 40, at most 256);
- ``/hostile/huge?mb=N&length=none``: an N MB page (default 40), with or without Content-Length;
- ``/hostile/binary?kind=png|zip``: image or archive bytes served as ``text/html``;
- ``/hostile/malformed``: an article inside broken HTML: unclosed tags, stray bytes, NUL characters;
- ``/hostile/empty``: 200 with an empty body;
- ``/hostile/injection``: an article whose title and text hold SQL and HTML injection attempts;
- ``/hostile/odd-links``: an article linking to hosts named ``..``, very long and non-ASCII.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cache
from html import escape
from urllib.parse import parse_qs

from .responses import HTML, Response, not_found, reason, small_page

try:
    import brotli
except ImportError:  # pragma: no cover - brotli comes with Scrapy
    brotli = None

PREFIX = "/hostile/"
MB = 1024 * 1024
MAX_MB = 256
MAX_TRICKLE_BYTES = 60
TRICKLE_INTERVAL = 0.5
SQL_INJECTION = "'; DROP TABLE articles; --"
HTML_INJECTION = "<script>alert(1)</script>"
ODD_HOSTS = ("..", "a" * 250 + ".test", "www.bücher-übersicht.test", "%2e%2e", "xn--.test")

PARAGRAPHS = (
    "Investigators said on Tuesday that the intruders who crippled the studio's network had been "
    "inside its systems for weeks before the attack became visible to employees on their screens.",
    "Security researchers who examined the malware described a wiper that overwrote the master "
    "boot records of thousands of machines, leaving the company to work with paper and fax machines.",
    "The group calling itself the Guardians of Peace released films, salary spreadsheets and the "
    "private emails of executives, and warned of further releases if its demands were ignored.",
    "Lawyers for former employees said the leaked personnel files exposed social security numbers "
    "and medical records, and that the company had been warned about weaknesses in its defenses.",
)


def article_html(host: str, path: str, title: str, extra: tuple[str, ...] = ()) -> str:
    """A plain, well-formed news article long enough to be stored as one."""
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in (*extra, *PARAGRAPHS))
    return (
        f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{escape(title)}</title>\n'
        f'<link rel="canonical" href="http://{host}{path}">\n'
        '<meta property="article:published_time" content="2014-12-02T10:00:00+00:00"></head>\n'
        f'<body><article><h1>{escape(title)}</h1>\n<p class="byline">By Hostile Fixture</p>\n'
        f"{paragraphs}\n</article></body>\n</html>\n"
    )


def _article(host: str, path: str, title: str, extra: tuple[str, ...] = ()) -> Response:
    return Response(200, article_html(host, path, title, extra).encode())


def _malformed(host: str, path: str) -> Response:
    """Unclosed tags, bytes that are no UTF-8, NUL characters; the article is still in there."""
    paragraphs = "".join(f"<p>{escape(p)}\n" for p in PARAGRAPHS).encode()  # no </p>
    body = (
        b'<html><head><meta charset="utf-8"><title>Studio network was breached for weeks</title>'
        b"<body><div><div><article><h1>Studio network was breached for weeks<h2>"
        b'<p class="byline">By Hostile Fixture\n<p>Stray bytes \xff\xfe\xc3 here and a NUL \x00 there.\n'
        + paragraphs
        + b"<table><tr><td>unclosed cell<b><i>\x00"
    )
    return Response(200, body)


def _odd_links(host: str, path: str) -> Response:
    links = "\n".join(
        f'<p><a href="http://{escape(h)}/story/">A related story on {escape(h[:40])}</a></p>'
        for h in ODD_HOSTS
    )
    links += '\n<p><a href="http://../../etc/passwd">x</a> <a href="/../../../../etc/passwd">y</a></p>'
    html = article_html(host, path, "Links that lead nowhere sensible")
    return Response(200, html.replace("</article>", links + "\n</article>").encode())


@cache
def _gzip_bomb(mb: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b"\0" * MB
    return b"".join(compressor.compress(block) for _ in range(mb)) + compressor.flush()


@cache
def _brotli_bomb(mb: int) -> bytes:
    compressor = brotli.Compressor(quality=5)
    block = b"\0" * MB
    return b"".join(compressor.process(block) for _ in range(mb)) + compressor.finish()


def _huge_chunks(size: int) -> Iterator[bytes]:
    head = b'<!doctype html>\n<html><head><meta charset="utf-8"><title>Huge</title></head><body>\n'
    yield head
    line = b"<p>" + b"All work and no play makes a very large page. " * 20 + b"</p>\n"
    left = size - len(head)
    while left > 0:
        piece = line * max(1, min(left, 64 * 1024) // len(line))
        piece = piece[:left]
        yield piece
        left -= len(piece)


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(range(256)) * 8
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + gzip.compress(b"not an article " * 200, mtime=0)


def _number(params: dict[str, list[str]], name: str, default: int, top: int) -> int:
    try:
        return min(max(int(params.get(name, [str(default)])[0]), 0), top)
    except ValueError:
        return default


class Hostile:
    """The hostile routes of one server; counts requests per URL for the 429/503 routes."""

    def __init__(self) -> None:
        self._tries: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _count(self, url: str) -> int:
        with self._lock:
            self._tries[url] += 1
            return self._tries[url]

    def route(self, host: str, path: str, query: str = "") -> Response:
        params = parse_qs(query)
        name = path[len(PREFIX) :].strip("/")
        if name.split("/")[0] in ("429", "503"):  # /hostile/429/<any label>: another article
            return self._throttled(int(name[:3]), host, path, query, params)
        if name == "reset":
            html = article_html(host, path, "A connection that breaks").encode()
            html += b"<!-- padding -->" * (20_000 // 16)
            return Response(200, chunks=[html[:1000]], declared_length=20_000, reset=True)
        if name == "trickle":
            size = _number(params, "bytes", 20, MAX_TRICKLE_BYTES)
            body = (b"<p>slow</p>" * 10)[:size]
            return Response(200, chunks=[body], declared_length=size, byte_interval=TRICKLE_INTERVAL)
        if name in ("loop/a", "loop/b"):
            target = f"http://{host}{PREFIX}loop/{'b' if name == 'loop/a' else 'a'}"
            return Response(302, small_page(302, "Found", f"See {target}."), headers={"Location": target})
        if name == "gzip-bomb":
            body = _gzip_bomb(_number(params, "mb", 40, MAX_MB))
            return Response(200, body, headers={"Content-Encoding": "gzip"})
        if name == "brotli-bomb" and brotli is not None:
            body = _brotli_bomb(_number(params, "mb", 40, MAX_MB))
            return Response(200, body, headers={"Content-Encoding": "br"})
        if name == "huge":
            size = _number(params, "mb", 40, MAX_MB) * MB
            length = None if params.get("length") == ["none"] else size
            return Response(200, chunks=_huge_chunks(size), declared_length=length)
        if name == "binary":
            return Response(200, ZIP if params.get("kind") == ["zip"] else PNG, HTML)
        if name == "malformed":
            return _malformed(host, path)
        if name == "empty":
            return Response(200, b"", HTML)
        if name == "injection":
            title = f"Hackers {HTML_INJECTION} taunt studio {SQL_INJECTION}"
            extra = (f"The message read {SQL_INJECTION} and then {HTML_INJECTION} in plain sight.",)
            return _article(host, path, title, extra)
        if name == "odd-links":
            return _odd_links(host, path)
        return not_found(host, path)

    def _throttled(self, status: int, host: str, path: str, query: str, params) -> Response:
        tries = _number(params, "tries", 2 if status == 429 else 1_000_000, 1_000_000)
        if self._count(f"{host}{path}?{query}") > tries:
            served = f"This copy answered request {self._tries[f'{host}{path}?{query}']} of {path}?{query}."
            return _article(host, path, f"Studio answers after {status}", (served,))
        headers = {}
        raw = params.get("retry_after", ["2"])[0]
        if "retry_date" in params:
            ahead = _number(params, "retry_date", 2, 86_400)
            when = datetime.now(UTC) + timedelta(seconds=ahead)
            headers["Retry-After"] = format_datetime(when, usegmt=True)
        elif raw != "none":
            headers["Retry-After"] = raw
        text = f"{status} {reason(status)}: try again later."
        return Response(status, small_page(status, reason(status), text), headers=headers)
