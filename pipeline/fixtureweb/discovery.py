"""Discovery fixtures: sitemaps, feeds, reference pages and web-archive hosts (filled in by the
discovery work). `route` answers for any host in `HOSTS` and for discovery paths of outlet hosts;
it returns None for everything it does not serve, so the outlet routes answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .routes import Response
    from .site import Site

# Extra fixture hosts that are not outlets (e.g. a reference wiki, a web archive).
HOSTS: frozenset[str] = frozenset()


def route(site: Site, host: str, path: str, query: str) -> Response | None:
    return None
