"""The ``Outlet`` record: one fixture host's name, transfer options and renderers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .common import robots_txt

if TYPE_CHECKING:
    from ..site import Page, Site


@dataclass(frozen=True, slots=True)
class Outlet:
    """How one fixture host renders its pages.

    ``render_article(site, page)`` and ``render_home(site)`` return HTML;
    ``render_section(site, slug)`` returns HTML or None for an unknown section;
    ``render_robots(host)`` returns robots.txt text.
    """

    host: str
    name: str
    gzip: bool
    render_article: Callable[[Site, Page], str]
    render_home: Callable[[Site], str]
    render_section: Callable[[Site, str], str | None]
    render_robots: Callable[[str], str] = robots_txt
