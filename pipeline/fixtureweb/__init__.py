"""The offline fixture web: fictional news outlets (plus one faithful Rolling Stone page) served on
loopback as virtual hosts, reached by using ``FixtureWeb.proxy_url`` as an HTTP proxy."""

from __future__ import annotations

from .server import FixtureWeb
from .site import Page, Site, load_site

__all__ = ["FixtureWeb", "Page", "Site", "load_site"]
