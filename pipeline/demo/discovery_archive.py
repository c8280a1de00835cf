"""Web-archive hosts of the fixture web: ``web.archive.test`` speaks as the Wayback Machine
(``/cdx/search/cdx``, ``/web/<ts>id_/<url>``), ``index.commoncrawl.test`` as the Common Crawl index
(``/<crawl>-index``), and ``data.commoncrawl.test`` serves WARC files by byte range (206). CDX
queries are answered from the fixture archive's CDXJ index by cdxserver.py (the documented paging
and collapsing, which pywb lacks); replay is relayed to a real pywb. Tests point them at the
archive they start (``configure``); unconfigured, they answer 503.

Like the real archives, a host can be set to throttle (``Throttle``: every n-th request a 429 with
Retry-After), and every request an archive host answers is logged with when it came and went
(``requests()``), so tests can check a client's politeness from the server's side."""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .cdxserver import CdxIndex, read_index
from .responses import TEXT, Response

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")
# The Range header of the request this thread answers. `route()` gets no headers, so the server
# must set it (server.py: `discovery_archive.REQUEST.range = self.headers.get("Range")`).
REQUEST = threading.local()
WAYBACK, CC_INDEX, CC_DATA = "web.archive.test", "index.commoncrawl.test", "data.commoncrawl.test"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER.add_handler(_NoRedirect())


@dataclass(frozen=True)
class Throttle:
    """Every ``every``-th request to the host answers 429 with ``Retry-After: retry_after``."""

    every: int
    retry_after: int = 1


class ArchiveRequest(NamedTuple):
    """One request an archive host answered: monotonic times it came and was answered."""

    host: str
    target: str  # path?query
    status: int
    rows: int  # CDX rows in the answer
    came: float
    answered: float


@dataclass
class ArchiveConfig:
    wayback: str | None = None  # pywb collection URL, e.g. http://127.0.0.1:8091/fixture
    commoncrawl: str | None = None  # pywb collection URL holding the "Common Crawl" WARC files
    cc_data_dir: Path | None = None  # where data.commoncrawl.test serves WARC files from
    index: Path | None = None  # the CDXJ index the CDX hosts answer from
    block_lines: int = 3  # CDX lines per ZipNum block of the paged index
    page_size: int = 1  # blocks per page, by default and at most
    throttle: dict[str, Throttle] = field(default_factory=dict)


CONFIG = ArchiveConfig()
_LOCK = threading.Lock()
_LOG: list[ArchiveRequest] = []
_COUNTS: dict[str, int] = {}


def configure(wayback=None, commoncrawl=None, cc_data_dir=None, index=None, throttle=None) -> None:
    """Point the archive hosts at an archive (nothing: unconfigured); the log starts afresh."""
    CONFIG.wayback, CONFIG.commoncrawl = wayback, commoncrawl
    CONFIG.cc_data_dir = Path(cc_data_dir) if cc_data_dir else None
    CONFIG.index = Path(index) if index else None
    CONFIG.throttle = dict(throttle or {})
    with _LOCK:
        _LOG.clear()
        _COUNTS.clear()


def throttle(rules: dict[str, Throttle]) -> None:
    """Set (or, with {}, lift) the hosts' throttling; counts and the log start afresh."""
    CONFIG.throttle = dict(rules)
    with _LOCK:
        _LOG.clear()
        _COUNTS.clear()


def requests() -> list[ArchiveRequest]:
    with _LOCK:
        return list(_LOG)


def _unavailable(what: str):
    return Response(503, f"{what} is not configured in this fixture web (needs pywb)\n".encode(), TEXT)


def _relay(url: str, public_prefix: str, upstream_prefix: str):
    try:
        answer = _OPENER.open(url, timeout=20)
    except urllib.error.HTTPError as error:
        answer = error
    except (urllib.error.URLError, OSError) as error:
        return _unavailable(f"the archive upstream ({error})")
    with answer:
        body = answer.read()
        headers = {}
        for name in ("Location", "Memento-Datetime", "Link"):
            if answer.headers.get(name):
                headers[name] = answer.headers[name].replace(upstream_prefix, public_prefix)
        content_type = answer.headers.get("Content-Type", "application/octet-stream")
        return Response(answer.status, body, content_type, headers=headers)


def archive_route(host: str, path: str, query: str):
    """The archive host's answer, throttled as configured, logged."""
    came = time.monotonic()
    with _LOCK:
        _COUNTS[host] = count = _COUNTS.get(host, 0) + 1
    rule, rows = CONFIG.throttle.get(host), 0
    if rule and count % rule.every == 0:
        headers = {"Retry-After": str(rule.retry_after)}
        response = Response(429, b"Too many requests: slow down\n", TEXT, headers=headers)
    else:
        response, rows = _answer(host, path, query)
    if response is not None:
        target = f"{path}?{query}" if query else path
        with _LOCK:
            _LOG.append(ArchiveRequest(host, target, response.status, rows, came, time.monotonic()))
    return response


def _cdx(answer_of, query: str):
    if not CONFIG.index or not CONFIG.index.exists():
        return _unavailable("the CDX index"), 0
    index = CdxIndex(read_index(CONFIG.index), CONFIG.block_lines, CONFIG.page_size)
    answer = answer_of(index, query)
    return Response(answer.status, answer.body, answer.content_type), answer.rows


def _answer(host: str, path: str, query: str):
    q = f"?{query}" if query else ""
    if host == WAYBACK:
        if path == "/cdx/search/cdx":
            return _cdx(CdxIndex.wayback, query)
        if not CONFIG.wayback:
            return _unavailable(WAYBACK), 0
        if path.startswith("/web/"):
            upstream = f"{CONFIG.wayback}/{path.removeprefix('/web/')}{q}"
            return _relay(upstream, f"http://{WAYBACK}/web", CONFIG.wayback), 0
        return None, 0
    if host == CC_INDEX:
        if re.fullmatch(r"/CC-MAIN-\d{4}-\d{2}-index", path):
            return _cdx(CdxIndex.pywb, query)
        return None, 0
    if not CONFIG.cc_data_dir:
        return _unavailable(CC_DATA), 0
    file = (CONFIG.cc_data_dir / path.lstrip("/")).resolve()
    if CONFIG.cc_data_dir.resolve() not in file.parents or not file.is_file():
        return None, 0
    data = file.read_bytes()
    m = _RANGE.match(getattr(REQUEST, "range", None) or "")
    if not m:
        return Response(200, data, "application/octet-stream", headers={"Accept-Ranges": "bytes"}), 0
    start = int(m[1])
    end = min(int(m[2]) if m[2] else len(data) - 1, len(data) - 1)
    if start > end:
        return Response(416, b"", "text/plain", headers={"Content-Range": f"bytes */{len(data)}"}), 0
    headers = {"Content-Range": f"bytes {start}-{end}/{len(data)}", "Accept-Ranges": "bytes"}
    return Response(206, data[start : end + 1], "application/octet-stream", headers=headers), 0
