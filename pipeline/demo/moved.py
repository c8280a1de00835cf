"""Articles whose live URL still answers, but not with the article: dead links that do not say
so. Each is in the fixture archive (archive.py), captured in December 2014; live, one answers 200
with a "Page not found" page (a soft 404), one with the site's generic page for any address it
does not have in that folder (a soft 404 without the words), and one redirects to the home page."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .parse import parse_page
from .responses import Response

if TYPE_CHECKING:
    from .page import Page
    from .site import Site

_CONTENT = Path(__file__).resolve().parent / "discovery_content" / "moved"
# file stem -> (host, how the live site answers now)
MOVED = {
    "insurers-weigh-sony-hack-claims": ("www.pacificcourier.test", "says-not-found"),
    "lawmakers-question-sony-network-security": ("www.globalwire.test", "generic-page"),
    "sony-hack-timeline": ("www.bitwire.test", "home"),
}
ARCHIVE_TIME = "20141223100000"  # when the fixture archive captured them

NOT_FOUND_PAGE = (
    "<!doctype html><html><head><title>Page not found | Pacific Courier</title></head><body>"
    '<nav><a href="/">Home</a> <a href="/business/">Business</a></nav>'
    "<h1>Sorry, we couldn't find that page</h1><p>Try searching for what you were looking for.</p>"
    "</body></html>\n"
)


def generic_page(host: str) -> str:
    """What the site answers for any address it does not have: no "not found" in it."""
    name = host.removeprefix("www.").split(".")[0].title()
    return (
        f"<!doctype html><html><head><title>{name}</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/news/">News</a></nav>'
        "<h1>Looking for something?</h1><p>The story at this address has moved, or the address "
        "was mistyped. Search our coverage or start again from the front page.</p>"
        f"<footer><p>Copyright 2014 {name}. All rights reserved.</p></footer></body></html>\n"
    )


@cache
def moved_pages() -> tuple[tuple[Page, str], ...]:
    """(page, how the live site answers it now), in file order."""
    found = []
    for stem, (host, how) in MOVED.items():
        text = (_CONTENT / f"{stem}.txt").read_text(encoding="utf-8")
        found.append((parse_page(text, host=host, source=_CONTENT / f"{stem}.txt"), how))
    return tuple(found)


def moved_route(site: Site, host: str, path: str) -> Response | None:
    for page, how in moved_pages():
        if page.host != host:
            continue
        if how == "generic-page":
            folder = page.path.rsplit("/", 1)[0] + "/"
            if path.startswith(folder) and site.get(host, path) is None:
                return Response(200, generic_page(host).encode())
        elif path == page.path:
            if how == "home":
                return Response(301, b"", headers={"Location": f"http://{host}/"})
            return Response(200, NOT_FOUND_PAGE.encode())
    return None
