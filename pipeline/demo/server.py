"""``FixtureWeb``: a loopback HTTP server that clients use as a proxy to reach the fixture outlets.

Requests are routed on the host name of an absolute-form target (``GET http://host/path
HTTP/1.1``, what proxy clients send) or of the ``Host`` header (origin-form). A host that is not
a fixture outlet nor an alias of one (``Site.aliases``: the ``m.`` hosts) gets 502, so a crawl
through this proxy can never reach the network. What each host answers is in ``routes.py``.

``FixtureWeb.edition`` (default 1) says which edition of the content the server serves; set it
between two crawls to make updated pages change (``content/FORMAT.md``, "Editions").

``FixtureWeb.conditional`` (default off, so a plain re-crawl still gets every page whole) makes the
server answer ``If-None-Match`` / ``If-Modified-Since`` with ``304 Not Modified`` as real sites do.
``/hostile/...`` on an outlet host is answered by ``hostile.py``; the handler here does what those
answers need on the wire: stream, trickle one byte at a time, or reset the connection mid-body.
"""

from __future__ import annotations

import gzip
import logging
import socket
import struct
import threading
from collections import deque
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from . import discovery, discovery_archive, hostile
from .outlets import OUTLETS
from .responses import TEXT, Response, reason
from .routes import index_html, route
from .site import Site, load_site

__all__ = ["FixtureWeb", "Hit", "Response", "route"]

log = logging.getLogger(__name__)

LOCAL_NAMES = frozenset({"", "127.0.0.1", "localhost", "::1", "0.0.0.0"})


class Hit(NamedTuple):
    """One request the server answered."""

    method: str
    url: str
    status: int


def _http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


def _accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding value allows gzip (``gzip;q=0`` refuses it)."""
    for item in (accept_encoding or "").split(","):
        name, *params = (s.strip() for s in item.split(";"))
        if name.lower() not in ("gzip", "x-gzip"):
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def _opaque(tag: str) -> str:
    """An entity tag for weak comparison: no ``W/``, no ``-gzip`` coding suffix."""
    tag = tag.strip().removeprefix("W/")
    return tag[: -len('-gzip"')] + '"' if tag.endswith('-gzip"') else tag


def not_modified(response: Response, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """Whether a 200 answer may become 304 (RFC 9110 13.2.2: If-None-Match wins over the date)."""
    if response.status != 200 or response.chunks is not None:
        return False
    if if_none_match is not None:
        etag = response.headers.get("ETag")
        tags = {_opaque(t) for t in if_none_match.split(",") if t.strip()}
        return etag is not None and ("*" in tags or _opaque(etag) in tags)
    if not if_modified_since or response.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return response.last_modified.replace(microsecond=0) <= since


def _not_modified_response(response: Response) -> Response:
    keep = {k: v for k, v in response.headers.items() if k in ("ETag", "Vary", "Cache-Control")}
    return Response(304, b"", response.content_type, keep, last_modified=response.last_modified)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FixtureWeb/1.0"
    sys_version = ""
    timeout = 60  # an idle keep-alive connection is closed after this many seconds
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _refuse(self) -> None:
        self.server.web._count(self.command, self.path, 405)
        self.close_connection = True
        self._send(
            Response(
                405,
                f"method not allowed: {self.command}\n".encode(),
                TEXT,
                {"Allow": "GET, HEAD", "Connection": "close"},
            ),
            False,
        )

    do_CONNECT = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    def _serve(self, head: bool) -> None:
        web = self.server.web
        target = self.path
        if target.lower().startswith(("http://", "https://")):
            parts = urlsplit(target)
            netloc = parts.netloc
        else:
            parts = urlsplit(target if target.startswith("/") else "/" + target)
            netloc = self.headers.get("Host", "")
        try:
            host = (urlsplit("//" + netloc).hostname or "").rstrip(".").lower()
        except ValueError:
            host = netloc.lower()
        path = unquote(parts.path) or "/"
        if host in LOCAL_NAMES or host == self.server.server_address[0]:
            response = self._direct(path)
        elif host in OUTLETS and path.startswith(hostile.PREFIX):
            response = web.hostile.route(host, path, parts.query)
        elif host in OUTLETS or host in web.site.aliases or host in discovery.HOSTS:
            discovery_archive.REQUEST.range = self.headers.get("Range")  # byte-range WARC fetches
            response = route(web.site.at(web.edition), host, path, parts.query)
            if response.delay and web._stopping.wait(response.delay):
                self.close_connection = True
                return
        else:
            response = Response(502, f"unknown fixture host: {host}\n".encode(), TEXT)
        outlet = OUTLETS.get(web.site.aliases.get(host, host))
        encoded = response.chunks is not None or "Content-Encoding" in response.headers
        if outlet is not None and outlet.gzip and not encoded:
            response.headers["Vary"] = "Accept-Encoding"
            if response.body and _accepts_gzip(self.headers.get("Accept-Encoding")):
                response.body = gzip.compress(response.body, mtime=0)
                response.headers["Content-Encoding"] = "gzip"
                if "ETag" in response.headers:  # another representation, another strong tag
                    response.headers["ETag"] = response.headers["ETag"][:-1] + '-gzip"'
        if web.conditional and not_modified(
            response, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        ):
            response = _not_modified_response(response)
        web._count(self.command, f"http://{host or '-'}{parts.path or '/'}", response.status)
        self._send(response, head)

    def _direct(self, path: str) -> Response:
        if path not in ("/", "/index.html"):
            return Response(
                404, b"This is the fixture web's proxy port: see / for how to use it.\n", TEXT
            )
        return Response(200, self.server.web.index_html().encode())

    def _send(self, response: Response, head: bool) -> None:
        self.send_response(response.status, reason(response.status))
        if response.status not in (204, 304):
            self.send_header("Content-Type", response.content_type)
            if response.chunks is None:
                self.send_header("Content-Length", str(len(response.body)))
            elif response.declared_length is not None:
                self.send_header("Content-Length", str(response.declared_length))
            else:  # the end of the body is the end of the connection
                self.send_header("Connection", "close")
                self.close_connection = True
        if response.last_modified is not None:
            self.send_header("Last-Modified", _http_date(response.last_modified))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if head:
            return
        if response.chunks is not None:
            self._stream(response)
        elif response.body:
            self.wfile.write(response.body)

    def _stream(self, response: Response) -> None:
        """Write a hostile body: chunk by chunk, or byte by byte; then maybe reset the connection."""
        stopping = self.server.web._stopping
        self.close_connection = True  # what was announced may not be what was sent
        try:
            for chunk in response.chunks or ():
                if not response.byte_interval:
                    self.wfile.write(chunk)
                    continue
                for i in range(len(chunk)):
                    if stopping.wait(response.byte_interval):
                        return
                    self.wfile.write(chunk[i : i + 1])
        except OSError:  # the client gave up (a size limit, a timeout): nothing to finish
            return
        if response.reset:
            self.server.reset_on_close(self.connection)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], web: FixtureWeb) -> None:
        self.web = web
        self._connections: set[socket.socket] = set()
        self._resets: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def reset_on_close(self, conn: socket.socket) -> None:
        """Close ``conn`` with a TCP reset (SO_LINGER 0), not an orderly FIN."""
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._lock:
            self._resets.add(conn)

    def shutdown_request(self, request: socket.socket) -> None:
        with self._lock:
            reset = request in self._resets
            self._resets.discard(request)
        if reset:
            self.close_request(request)  # no shutdown(SHUT_WR): that would send a FIN first
        else:
            super().shutdown_request(request)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        # a client that hangs up mid-answer (a timeout test, a cancelled crawl) is not an error here
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self) -> None:
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class FixtureWeb:
    """The fixture web on loopback; use ``proxy_url`` as the HTTP proxy of any client.

    >>> with FixtureWeb() as web:  # doctest: +SKIP
    ...     urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        site: Site | None = None,
        edition: int = 1,
        conditional: bool = False,
    ) -> None:
        self.host = host
        self._port = port
        self.site = site if site is not None else load_site()
        self.edition = edition
        self.conditional = conditional  # answer conditional requests with 304 when they match
        self.hostile = hostile.Hostile()
        self.requests = 0
        self._hits: deque[Hit] = deque(maxlen=10_000)
        self._count_lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def _bind(self) -> _Server:
        if self._server is None:
            self._stopping.clear()
            self._server = _Server((self.host, self._port), self)
        return self._server

    def start(self) -> FixtureWeb:
        """Serve from a daemon thread; returns self."""
        if self._thread is not None:
            return self
        server = self._bind()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"fixtureweb-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the foreground until KeyboardInterrupt (or ``stop()`` from another thread)."""
        if self._thread is not None:
            self._thread.join()
            return
        server = self._bind()
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            self._close()

    def stop(self) -> None:
        """Stop serving and close the listening socket and every open connection."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._close()

    def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            self._stopping.set()
            server.close_connections()
            server.server_close()

    def __enter__(self) -> FixtureWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def edition(self) -> int:
        """The edition of the content served; may be changed while serving."""
        return self._edition

    @edition.setter
    def edition(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"edition must be an int >= 1, got {value!r}")
        self._edition = value

    # addresses
    @property
    def port(self) -> int:
        if self._server is not None:
            return self._server.server_address[1]
        if self._port:
            return self._port
        raise RuntimeError("FixtureWeb is not started: the port is chosen when it binds")

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def hits(self) -> list[Hit]:
        """The latest requests answered (at most 10,000), oldest first."""
        with self._count_lock:
            return list(self._hits)

    def _count(self, method: str, url: str, status: int) -> None:
        with self._count_lock:
            self.requests += 1
            self._hits.append(Hit(method, url, status))

    def index_html(self) -> str:
        return index_html(self.site, self.proxy_url, self.edition)
