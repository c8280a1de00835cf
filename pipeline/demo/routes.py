"""What a fixture host answers to a GET: ``route(site, host, path, query) -> Response``.

``site`` is the site as the current edition serves it (``Site.at(edition)``). Routes of an
outlet host (``www.*``):

| path | answer |
| --- | --- |
| ``/robots.txt``, ``/``, ``/section/<slug>/`` | robots.txt, home page, section page |
| a page's path | the page (article, or video / paywall / index / empty page) |
| ``<path>?print=1``, ``<path>?outputType=amp`` | the print / AMP variant, if the article has it |
| ``<path>amp/``, ``<path>index.html`` | the AMP variant / the article, if the article has it |
| ``/status/<code>``, ``/redirect/<path>``, ``/slow?seconds=N`` | test helpers |
| ``<path>`` of a page or section without its trailing slash | 301 to ``<path>/`` |
| ``/hostile/...`` | misbehaving endpoints (``hostile.py``, answered by ``server.py``) |

Every page carries an ``ETag`` (a hash of the page as this edition renders it) besides its
``Last-Modified``, so a conditional re-fetch can get ``304 Not Modified`` (``server.py``).

An alias host (``m.*``, ``Site.aliases``) serves the mobile variant of the articles that have one,
its robots.txt, and redirects (302) everything else to the outlet host.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from html import escape
from http import HTTPStatus
from urllib.parse import parse_qs

from . import discovery
from .outlets import OUTLETS
from .page import Page
from .site import Site
from .special import render_special
from .variants import RENDERERS

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
MAX_SLOW_SECONDS = 30.0
_SECTION = re.compile(r"^/section/([a-z0-9-]+)/$")
_STATUS = re.compile(r"^/status/(\d{3})/?$")
_META_CHARSET = re.compile(r'<meta charset="[^"]*">\n?', re.IGNORECASE)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    delay: float = 0.0  # seconds to wait before answering (/slow)
    # Connection-level misbehaviour (hostile.py), acted on by the handler in server.py:
    chunks: Iterable[bytes] | None = None  # body streamed instead of ``body``
    declared_length: int | None = None  # Content-Length sent with ``chunks``; None: close-delimited
    byte_interval: float = 0.0  # trickle: seconds between single bytes of ``chunks``
    reset: bool = False  # after ``chunks``, reset the connection (RST) instead of finishing


def etag_of(body: bytes) -> str:
    """A strong validator for a page: the same bytes, the same tag, edition after edition."""
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def small_page(status: int, title: str, text: str) -> bytes:
    return (
        f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n"
        f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body>\n</html>\n"
    ).encode()


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def not_found(host: str, path: str) -> Response:
    return Response(
        404, small_page(404, "Page not found", f"There is no page at http://{host}{path}.")
    )


def mojibake(text: str) -> str:
    """``it’s`` -> ``itâ€™s``: UTF-8 bytes decoded as Windows-1252 (bytes it lacks kept as is)."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def _as_served(page: Page) -> Page:
    if not page.mojibake:
        return page
    return replace(
        page,
        title=mojibake(page.title),
        dek=mojibake(page.dek) if page.dek else None,
        image_caption=mojibake(page.image_caption) if page.image_caption else None,
        paragraphs=tuple(mojibake(p) for p in page.paragraphs),
    )


def render_page(site: Site, page: Page, variant: str | None = None) -> str:
    """The HTML the server sends for ``page`` (or its ``variant``), as ``site``'s edition."""
    page = _as_served(page)
    outlet = OUTLETS.get(page.host)
    if variant in RENDERERS:
        return RENDERERS[variant](site, page)
    if page.kind != "article":
        return render_special(site, outlet, page)
    if outlet is None:
        raise KeyError(f"no outlet renders {page.host!r}")
    return outlet.render_article(site, page)


def page_response(site: Site, page: Page, variant: str | None = None) -> Response:
    html = render_page(site, page, variant)
    content_type = HTML
    if page.charset and variant is None:
        html = _META_CHARSET.sub("", html, count=1)
        content_type = "text/html" if page.charset == "none" else f"text/html; charset={page.charset}"
    body = html.encode("utf-8")
    return Response(
        200, body, content_type, {"ETag": etag_of(body)}, last_modified=page.last_modified
    )


def _variant_of(site: Site, host: str, path: str, query: str) -> tuple[Page, str | None] | None:
    """The page at ``path`` and which of its variants the URL asks for (None: the page)."""
    if page := site.get(host, path):
        params = parse_qs(query)
        if "print" in page.variants and params.get("print") == ["1"]:
            return page, "print"
        if (
            "amp" in page.variants
            and not page.path.endswith("/")
            and params.get("outputType") == ["amp"]
        ):
            return page, "amp"
        return page, None
    if path.endswith("/amp/"):
        page = site.get(host, path[: -len("amp/")])
        if page and "amp" in page.variants:
            return page, "amp"
    if path.endswith("/index.html"):
        page = site.get(host, path[: -len("index.html")])
        if page and "index" in page.variants:
            return page, None
    return None


def _alias_route(site: Site, alias: str, path: str, query: str) -> Response:
    host = site.aliases[alias]
    if path == "/robots.txt":
        return Response(200, OUTLETS[host].render_robots(alias).encode(), TEXT)
    page = site.get(host, path)
    if page and "mobile" in page.variants:
        return page_response(site, page, "mobile")
    target = f"http://{host}{path}" + (f"?{query}" if query else "")
    return Response(
        302,
        small_page(302, "Found", f"The desktop site has this page: {target}."),
        headers={"Location": target},
    )


def route(site: Site, host: str, path: str, query: str = "") -> Response:
    """The response of fixture host ``host`` (a key of OUTLETS or of ``site.aliases``)."""
    if (found := discovery.route(site, host, path, query)) is not None:
        return found
    if host in site.aliases:
        return _alias_route(site, host, path, query)
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
            return not_found(host, path)
        pages = [p for p in site.pages if p.host == host and p.section_slug == m.group(1)]
        latest = max((p.last_modified for p in pages), default=None)
        return Response(200, html.encode(), last_modified=latest)
    if found := _variant_of(site, host, path, query):
        return page_response(site, *found)
    if m := _STATUS.match(path):
        status = int(m.group(1))
        if not 200 <= status <= 599:
            return not_found(host, path)
        headers = {"Location": f"http://{host}/"} if status in (301, 302, 303, 307, 308) else {}
        body = (
            b""
            if status in (204, 304)
            else small_page(status, f"{status} {reason(status)}", f"Status {status}, as requested.")
        )
        return Response(status, body, headers=headers)
    if path.startswith("/redirect/"):
        target = f"http://{host}/{path[len('/redirect/') :]}" + (f"?{query}" if query else "")
        return Response(
            301,
            small_page(301, "Moved Permanently", f"This page has moved to {target}."),
            headers={"Location": target},
        )
    if path == "/slow":
        raw = parse_qs(query).get("seconds", ["1"])[0]
        try:
            seconds = min(max(float(raw), 0.0), MAX_SLOW_SECONDS)
        except ValueError:
            return Response(
                400, small_page(400, "Bad Request", f"seconds must be a number, got {raw!r}.")
            )
        return Response(
            200,
            small_page(200, "Slow page", f"Answered after {seconds:g} seconds."),
            delay=seconds,
        )
    if not path.endswith("/") and (site.get(host, path + "/") or _SECTION.match(path + "/")):
        return Response(
            301,
            small_page(301, "Moved Permanently", "Trailing slash added."),
            headers={"Location": f"http://{host}{path}/"},
        )
    return not_found(host, path)


def index_html(site: Site, proxy_url: str, edition: int) -> str:
    """The proxy port's own page: how to use it, and every URL of every host."""
    hosts = [h for h in site.hosts if h in OUTLETS] + sorted(set(OUTLETS) - set(site.hosts))
    blocks = []
    for host in hosts:
        urls = [f"http://{host}/", f"http://{host}/robots.txt"]
        urls += sorted(
            {f"http://{host}/section/{p.section_slug}/" for p in site.pages if p.host == host}
        )
        for p in site.pages:
            if p.host == host:
                urls += [p.url, *p.variant_urls]
        items = "\n".join(f'<li><a href="{escape(u)}">{escape(u)}</a></li>' for u in urls)
        blocks.append(
            f"<h2>{escape(OUTLETS[host].name)} ({escape(host)})</h2>\n<ul>\n{items}\n</ul>"
        )
    aliases = ", ".join(f"{a} (for {h})" for a, h in sorted(site.aliases.items()))
    example = f"curl -x {proxy_url} http://www.pacificcourier.test/"
    return (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        "<title>Fixture web</title></head>\n<body>\n<h1>Fixture web</h1>\n"
        "<p>Use this server as an HTTP proxy to reach the hosts below, "
        f"e.g. <code>{escape(example)}</code>. Alias hosts: {escape(aliases or 'none')}. "
        f"Edition served: {edition}. Any other host answers 502.</p>\n"
        + "\n".join(blocks)
        + "\n</body>\n</html>\n"
    )
