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

import re
from html import escape
from urllib.parse import parse_qs

from . import discovery
from .outlets import OUTLETS
from .page import Page
from .responses import TEXT, Response, not_found, page_response, reason, small_page
from .site import Site

MAX_SLOW_SECONDS = 30.0
_SECTION = re.compile(r"^/section/([a-z0-9-]+)/$")
_STATUS = re.compile(r"^/status/(\d{3})/?$")


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
