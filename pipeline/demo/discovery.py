"""Discovery fixtures: what a crawler finds its way in by. Per outlet host: robots.txt with
``Sitemap:`` lines, a sitemap index of monthly sitemaps, news sitemaps, RSS and Atom feeds, bad
input (malformed, huge and entity-bomb documents, a calendar trap, a redirect loop), and a page
that robots.txt forbids; a reference wiki; and web-archive hosts relayed to a real pywb
(``ARCHIVE_UPSTREAM``) plus a Common Crawl data host that answers byte ranges (``CC_DATA_DIR``).

`route` returns None for everything it does not serve, so the outlet routes answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import discovery_docs as docs
from .discovery_archive import archive_route
from .moved import moved_route
from .responses import Response, not_found, page_response

if TYPE_CHECKING:
    from .site import Site

WIKI = "en.wikipedia.test"
ARCHIVE = "web.archive.test"
CC_INDEX = "index.commoncrawl.test"
CC_DATA = "data.commoncrawl.test"
# Extra fixture hosts that are not outlets.
HOSTS: frozenset[str] = frozenset({WIKI, ARCHIVE, CC_INDEX, CC_DATA})
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


def route(site: Site, host: str, path: str, query: str) -> Response | None:
    if host in (ARCHIVE, CC_INDEX, CC_DATA):
        return archive_route(host, path, query) or not_found(host, path)
    if host == WIKI:
        html = docs.wiki_page(site, path)
        return Response(200, html.encode()) if html else not_found(host, path)
    if host not in site.hosts:
        return None
    if path == "/robots.txt":
        return Response(200, docs.robots(host).encode(), TEXT)
    if path == "/sitemap.xml":
        return Response(200, docs.sitemap_index(site, host).encode(), XML)
    if path.startswith("/sitemaps/") and (body := docs.monthly_sitemap(site, host, path)) is not None:
        return Response(200, body, XML)
    if path == "/news-sitemap.xml" and host in docs.NEWS_SITEMAPS:
        return Response(200, docs.news_sitemap(site, host).encode(), XML)
    if path == "/feed/" and host in docs.RSS_FEEDS:
        return Response(200, docs.rss(site, host).encode(), "application/rss+xml; charset=utf-8")
    if path == "/atom.xml" and host in docs.ATOM_FEEDS:
        return Response(200, docs.atom(site, host).encode(), "application/atom+xml; charset=utf-8")
    if (bad := docs.bad_document(path)) is not None:
        return Response(200, bad, XML)
    if path == docs.FORBIDDEN_PATH and host == docs.FORBIDDING_HOST:
        page = docs.forbidden_page(site)
        return page_response(site, page) if page else None
    if path.startswith("/calendar/"):
        return Response(200, docs.calendar_page(host, path).encode())
    if path.startswith("/loop/"):
        target = "/loop/b/" if path.startswith("/loop/a") else "/loop/a/"
        return Response(302, b"", headers={"Location": f"http://{host}{target}"})
    if (gone := docs.gone(host, path)) is not None:
        return Response(410, gone.encode())
    return moved_route(site, host, path)  # live answers of articles that are gone all the same
