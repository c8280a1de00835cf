"""The offline fixture web: fictional news outlets (plus one faithful Rolling Stone page) served on
loopback as virtual hosts, reached by using ``FixtureWeb.proxy_url`` as an HTTP proxy.

The content (``content/<host>/*.txt``, format in ``content/FORMAT.md``) also labels what a clean
corpus must make of it: URL variants of an article (``Page.variant_urls``), editions that change or
only look changed (``Page.has_real_update``, ``FixtureWeb.edition``), same-story pages
(``Site.story_pairs()``) and bad input (``Site.bad_pages``).
"""

from __future__ import annotations

from .page import Edition, Page
from .server import FixtureWeb
from .site import BadPage, Site, load_site

__all__ = ["BadPage", "Edition", "FixtureWeb", "Page", "Site", "load_site"]
