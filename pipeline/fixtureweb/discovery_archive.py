"""Web-archive hosts of the fixture web, answered by a real pywb: ``web.archive.test`` speaks as the
Wayback Machine (``/web/<ts>id_/<url>``, ``/cdx/search/cdx``), ``index.commoncrawl.test`` as the
Common Crawl index (``/<crawl>-index``), and ``data.commoncrawl.test`` serves WARC files by byte
range (206). Tests point them at a pywb they start (``configure``); unconfigured, they answer 503."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")
# The Range header of the request this thread answers. `route()` gets no headers, so the server
# must set it (server.py: `discovery_archive.REQUEST.range = self.headers.get("Range")`).
REQUEST = threading.local()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER.add_handler(_NoRedirect())


@dataclass
class ArchiveConfig:
    wayback: str | None = None  # pywb collection URL, e.g. http://127.0.0.1:8091/fixture
    commoncrawl: str | None = None  # pywb collection URL holding the "Common Crawl" WARC files
    cc_data_dir: Path | None = None  # where data.commoncrawl.test serves WARC files from


CONFIG = ArchiveConfig()


def configure(wayback: str | None = None, commoncrawl: str | None = None, cc_data_dir=None) -> None:
    CONFIG.wayback, CONFIG.commoncrawl = wayback, commoncrawl
    CONFIG.cc_data_dir = Path(cc_data_dir) if cc_data_dir else None


def _unavailable(what: str):
    from .routes import TEXT, Response

    return Response(503, f"{what} is not configured in this fixture web (needs pywb)\n".encode(), TEXT)


def _relay(url: str, public_prefix: str, upstream_prefix: str):
    from .routes import Response

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
    from .routes import Response

    q = f"?{query}" if query else ""
    if host == "web.archive.test":
        if not CONFIG.wayback:
            return _unavailable("web.archive.test")
        if path == "/cdx/search/cdx":
            return _relay(f"{CONFIG.wayback}/cdx{q}", "", "")
        if path.startswith("/web/"):
            upstream = f"{CONFIG.wayback}/{path.removeprefix('/web/')}{q}"
            return _relay(upstream, "http://web.archive.test/web", CONFIG.wayback)
        return None
    if host == "index.commoncrawl.test":
        if not CONFIG.commoncrawl:
            return _unavailable("index.commoncrawl.test")
        if re.fullmatch(r"/CC-MAIN-\d{4}-\d{2}-index", path):
            return _relay(f"{CONFIG.commoncrawl}/cdx{q}", "", "")
        return None
    if not CONFIG.cc_data_dir:
        return _unavailable("data.commoncrawl.test")
    file = (CONFIG.cc_data_dir / path.lstrip("/")).resolve()
    if CONFIG.cc_data_dir.resolve() not in file.parents or not file.is_file():
        return None
    data = file.read_bytes()
    m = _RANGE.match(getattr(REQUEST, "range", None) or "")
    if not m:
        return Response(200, data, "application/octet-stream", headers={"Accept-Ranges": "bytes"})
    start = int(m[1])
    end = min(int(m[2]) if m[2] else len(data) - 1, len(data) - 1)
    if start > end:
        return Response(416, b"", "text/plain", headers={"Content-Range": f"bytes */{len(data)}"})
    return Response(
        206,
        data[start : end + 1],
        "application/octet-stream",
        headers={"Content-Range": f"bytes {start}-{end}/{len(data)}", "Accept-Ranges": "bytes"},
    )

