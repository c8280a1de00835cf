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
    ``shell(title, canonical, main, head_extra)`` wraps a ``<main>`` fragment in the outlet's
    chrome (the pages of ``demo/special.py``: video, paywall, index); None for outlets without one.
    ``founded`` is the year the outlet started (a stated publication date before it is wrong);
    ``print_canonical`` is False for an outlet whose print pages carry no canonical link;
    ``prints_standfirst`` is False for one that prints no standfirst under its headlines.
    """

    host: str
    name: str
    gzip: bool
    render_article: Callable[[Site, Page], str]
    render_home: Callable[[Site], str]
    render_section: Callable[[Site, str], str | None]
    render_robots: Callable[[str], str] = robots_txt
    shell: Callable[[str, str, str, str], str] | None = None
    founded: int | None = None
    print_canonical: bool = True
    prints_standfirst: bool = True
