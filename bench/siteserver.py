"""The benchmark site on loopback: ``python -m bench.siteserver SITE_DIR`` prints its port, then
serves until stdin closes or SIGTERM.

Clients use it as an HTTP proxy (absolute-form targets, as for the fixture web), so the outlets
keep their own host names. Pages are answered from the memory-mapped pages.bin as they were built
(gzip, or decompressed for a client that does not accept it), over HTTP/1.1 keep-alive, by one
asyncio loop with no parsing beyond the request line and two headers: the server must not take
the CPU the crawl is measured with.

``http://127.0.0.1:PORT/__bench__/hits`` answers what was served since the last
``/__bench__/reset``: article pages (all and distinct), section pages, and misses.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import mmap
import signal
import sys
import time
from email.utils import formatdate
from pathlib import Path

LOCAL = (b"127.0.0.1", b"localhost")
LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT"
MAX_HEAD = 64 * 1024


class Site:
    """The pages by URL (bytes, without scheme), and the counters of what was served."""

    def __init__(self, folder: Path) -> None:
        index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        self._file = (folder / "pages.bin").open("rb")
        self.data = memoryview(mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ))
        self.pages: dict[bytes, tuple[int, int, str, str]] = {
            p["url"].removeprefix("http://").encode(): (p["offset"], p["length"], p["kind"], p["etag"])
            for p in index
        }
        self.reset()

    def reset(self) -> None:
        self.hits = {"article": 0, "section": 0, "missing": 0}
        self.articles: set[bytes] = set()
        self.missing: list[str] = []
        self.cpu_started = time.process_time()

    def counts(self) -> dict:
        return {
            **self.hits,
            "article_distinct": len(self.articles),
            "missing_urls": self.missing[:20],
            "cpu_seconds": round(time.process_time() - self.cpu_started, 3),
        }


def _response(status: str, headers: list[tuple[str, str]], body: bytes | memoryview, head: bool) -> list:
    lines = [f"HTTP/1.1 {status}", f"Date: {formatdate(usegmt=True)}", "Server: loopbench"]
    lines += [f"{k}: {v}" for k, v in headers]
    lines.append(f"Content-Length: {len(body)}")
    out = ["\r\n".join(lines).encode("latin-1") + b"\r\n\r\n"]
    if not head and len(body):
        out.append(body)
    return out


def answer(site: Site, request_head: bytes) -> tuple[list, bool]:
    """The response (a list of byte chunks) to one request head, and whether to keep the connection."""
    lines = request_head.split(b"\r\n")
    try:
        method, target, version = lines[0].split(b" ", 2)
    except ValueError:
        return _response("400 Bad Request", [("Connection", "close")], b"bad request\n", False), False
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    keep = headers.get(b"connection", b"").lower() != b"close" and version == b"HTTP/1.1"
    if target.startswith(b"http://"):
        host, slash, path = target[7:].partition(b"/")
        path = slash + path
    else:
        host, path = headers.get(b"host", b""), target
    host = host.split(b":", 1)[0].lower()
    head = method == b"HEAD"
    if host in LOCAL:
        return _control(site, path, head), keep
    page = site.pages.get(host + path)
    if page is None or method not in (b"GET", b"HEAD"):
        site.hits["missing"] += 1
        if len(site.missing) < 100:
            site.missing.append((host + path).decode("latin-1"))
        return _response("404 Not Found", [("Content-Type", "text/plain")], b"not found\n", head), keep
    offset, length, kind, etag = page
    site.hits[kind] += 1
    if kind == "article":
        site.articles.add(host + path)
    body: bytes | memoryview = site.data[offset : offset + length]
    fields = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "max-age=300"),
        ("ETag", etag),
        ("Last-Modified", LAST_MODIFIED),
        ("Vary", "Accept-Encoding"),
    ]
    if b"gzip" in headers.get(b"accept-encoding", b"").lower():
        fields.append(("Content-Encoding", "gzip"))
    else:
        body = gzip.decompress(body)
    return _response("200 OK", fields, body, head), keep


def _control(site: Site, path: bytes, head: bool) -> list:
    if path == b"/__bench__/reset":
        site.reset()
    if path in (b"/__bench__/hits", b"/__bench__/reset"):
        body = json.dumps(site.counts()).encode()
        return _response("200 OK", [("Content-Type", "application/json")], body, head)
    return _response("404 Not Found", [("Content-Type", "text/plain")], b"see /__bench__/hits\n", head)


class _Connection(asyncio.Protocol):
    def __init__(self, site: Site) -> None:
        self.site = site
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self.transport.close()
                return
            request, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            chunks, keep = answer(self.site, request)
            self.transport.writelines(chunks)
            if not keep:
                self.transport.close()
                self.transport = None

    def connection_lost(self, exc) -> None:
        self.transport = None


async def serve(folder: Path, port: int = 0) -> None:
    site = Site(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(site), "127.0.0.1", port, backlog=512)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_reader(sys.stdin.fileno(), lambda: sys.stdin.buffer.read1(1) or stop.set())
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not (Path(args[0]) / "index.json").is_file():
        print(
            "usage: python -m bench.siteserver SITE_DIR (a folder bench/benchsite.py built)", file=sys.stderr
        )
        return 2
    asyncio.run(serve(Path(args[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
