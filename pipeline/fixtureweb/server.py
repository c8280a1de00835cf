"""``FixtureWeb``: a loopback HTTP server that clients use as a proxy to reach the fixture outlets.

Requests are routed on the host name of an absolute-form target (``GET http://host/path
HTTP/1.1``, what proxy clients send) or of the ``Host`` header (origin-form). A host that is not
a fixture outlet gets 502, so a crawl through this proxy can never reach the network.
"""

from __future__ import annotations

import gzip
import logging
import re
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from .outlets import OUTLETS
from .site import Site, load_site

log = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
MAX_SLOW_SECONDS = 30.0
LOCAL_NAMES = frozenset({"", "127.0.0.1", "localhost", "::1", "0.0.0.0"})
_SECTION = re.compile(r"^/section/([a-z0-9-]+)/$")
_STATUS = re.compile(r"^/status/(\d{3})/?$")


class Hit(NamedTuple):
    """One request the server answered."""

    method: str
    url: str
    status: int


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    delay: float = 0.0  # seconds to wait before answering (/slow)


def _http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


def _small_page(status: int, title: str, text: str) -> bytes:
    return (
        f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n"
        f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body>\n</html>\n"
    ).encode()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _not_found(host: str, path: str) -> Response:
    return Response(
        404, _small_page(404, "Page not found", f"There is no page at http://{host}{path}.")
    )


def route(site: Site, host: str, path: str, query: str = "") -> Response:
    """The response of fixture host ``host`` (a key of OUTLETS) to a GET of ``path``."""
    outlet = OUTLETS[host]
    if path == "/robots.txt":
        return Response(200, outlet.render_robots(host).encode(), TEXT)
    if path == "/":
        pages = [p for p in site.pages if p.host == host]
        latest = max((p.last_modified for p in pages), default=None)
        return Response(200, outlet.render_home(site).encode(), last_modified=latest)
    if m := _SECTION.match(path):
        html = outlet.render_section(site, m.group(1))
        if html is None:
            return _not_found(host, path)
        pages = [p for p in site.pages if p.host == host and p.section_slug == m.group(1)]
        latest = max((p.last_modified for p in pages), default=None)
        return Response(200, html.encode(), last_modified=latest)
    if page := site.get(host, path):
        return Response(
            200, outlet.render_article(site, page).encode(), last_modified=page.last_modified
        )
    if m := _STATUS.match(path):
        status = int(m.group(1))
        if not 200 <= status <= 599:
            return _not_found(host, path)
        headers = {"Location": f"http://{host}/"} if status in (301, 302, 303, 307, 308) else {}
        body = (
            b""
            if status in (204, 304)
            else _small_page(
                status, f"{status} {_reason(status)}", f"Status {status}, as requested."
            )
        )
        return Response(status, body, headers=headers)
    if path.startswith("/redirect/"):
        target = f"http://{host}/{path[len('/redirect/') :]}" + (f"?{query}" if query else "")
        return Response(
            301,
            _small_page(301, "Moved Permanently", f"This page has moved to {target}."),
            headers={"Location": target},
        )
    if path == "/slow":
        raw = parse_qs(query).get("seconds", ["1"])[0]
        try:
            seconds = min(max(float(raw), 0.0), MAX_SLOW_SECONDS)
        except ValueError:
            return Response(
                400, _small_page(400, "Bad Request", f"seconds must be a number, got {raw!r}.")
            )
        return Response(
            200,
            _small_page(200, "Slow page", f"Answered after {seconds:g} seconds."),
            delay=seconds,
        )
    if not path.endswith("/") and (site.get(host, path + "/") or _SECTION.match(path + "/")):
        return Response(
            301,
            _small_page(301, "Moved Permanently", "Trailing slash added."),
            headers={"Location": f"http://{host}{path}/"},
        )
    return _not_found(host, path)


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
        elif host in OUTLETS:
            response = route(web.site, host, path, parts.query)
            if response.delay and web._stopping.wait(response.delay):
                self.close_connection = True
                return
        else:
            response = Response(502, f"unknown fixture host: {host}\n".encode(), TEXT)
        if host in OUTLETS and OUTLETS[host].gzip:
            response.headers["Vary"] = "Accept-Encoding"
            if response.body and _accepts_gzip(self.headers.get("Accept-Encoding")):
                response.body = gzip.compress(response.body, mtime=0)
                response.headers["Content-Encoding"] = "gzip"
        web._count(self.command, f"http://{host or '-'}{parts.path or '/'}", response.status)
        self._send(response, head)

    def _direct(self, path: str) -> Response:
        if path not in ("/", "/index.html"):
            return Response(
                404, b"This is the fixture web's proxy port: see / for how to use it.\n", TEXT
            )
        return Response(200, self.server.web.index_html().encode())

    def _send(self, response: Response, head: bool) -> None:
        self.send_response(response.status, _reason(response.status))
        if response.status != 204:
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
        if response.last_modified is not None:
            self.send_header("Last-Modified", _http_date(response.last_modified))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head and response.body:
            self.wfile.write(response.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], web: FixtureWeb) -> None:
        self.web = web
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(conn)

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

    def __init__(self, host: str = "127.0.0.1", port: int = 0, site: Site | None = None) -> None:
        self.host = host
        self._port = port
        self.site = site if site is not None else load_site()
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
        hosts = [h for h in self.site.hosts if h in OUTLETS] + sorted(
            set(OUTLETS) - set(self.site.hosts)
        )
        blocks = []
        for host in hosts:
            urls = [f"http://{host}/", f"http://{host}/robots.txt"]
            urls += sorted(
                {
                    f"http://{host}/section/{p.section_slug}/"
                    for p in self.site.pages
                    if p.host == host
                }
            )
            urls += [p.url for p in self.site.pages if p.host == host]
            items = "\n".join(f'<li><a href="{escape(u)}">{escape(u)}</a></li>' for u in urls)
            blocks.append(
                f"<h2>{escape(OUTLETS[host].name)} ({escape(host)})</h2>\n<ul>\n{items}\n</ul>"
            )
        example = f"curl -x {self.proxy_url} http://www.pacificcourier.test/"
        return (
            '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
            "<title>Fixture web</title></head>\n<body>\n<h1>Fixture web</h1>\n"
            "<p>Use this server as an HTTP proxy to reach the hosts below, "
            f"e.g. <code>{escape(example)}</code>. "
            "Any other host answers 502.</p>\n" + "\n".join(blocks) + "\n</body>\n</html>\n"
        )
