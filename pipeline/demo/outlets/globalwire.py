"""Global Wire (wire agency).

Metadata: minimal, old-style ``<meta name="date">`` and ``<meta name="byl">`` tags; the dateline is
inside the first paragraph, as written in the content. Light chrome: nav, share links, "More
stories", footer.
"""

# ruff: noqa: E501 (the HTML templates read better unwrapped)

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Outlet
from .common import (
    and_join,
    clock,
    esc,
    fronts,
    most_read,
    paragraphs_html,
    related,
    slugify,
)

if TYPE_CHECKING:
    from datetime import datetime

    from ..site import Page, Site

HOST = "www.globalwire.test"
NAME = "Global Wire"
BASE = f"http://{HOST}"
NAV = (
    "Top News",
    "U.S.",
    "World",
    "Politics",
    "Business",
    "Technology",
    "Entertainment",
    "Sports",
    "Health",
    "Science",
)
_AP_MONTHS = (
    "Jan.",
    "Feb.",
    "March",
    "April",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
)


def _ap(dt: datetime) -> str:
    """AP style: ``Dec. 19, 2014 4:12 PM``."""
    return f"{_AP_MONTHS[dt.month - 1]} {dt.day}, {dt.year} {clock(dt, 'caps')}"


def _shell(title: str, canonical: str, main: str, head_extra: str = "") -> str:
    nav = "\n".join(f'  <a href="{BASE}/section/{slugify(n)}/">{esc(n)}</a>' for n in NAV)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<link rel="canonical" href="{esc(canonical)}">
<link rel="stylesheet" href="/s/gw.css">
<script src="/s/gw.js" async></script>
{head_extra}</head>
<body>
<div class="gw-bar"><a class="gw-brand" href="{BASE}/">GLOBAL WIRE</a> <span class="gw-tagline">Independent. Worldwide. Since 1921.</span></div>
<div class="gw-nav">
{nav}
</div>
{main}
<footer class="gw-foot">
  <a href="{BASE}/about/">About Global Wire</a> &middot; <a href="{BASE}/licensing/">Content licensing</a> &middot; <a href="{BASE}/terms/">Terms</a> &middot; <a href="{BASE}/privacy/">Privacy</a>
  <p>&copy; 2015 Global Wire. All rights reserved. This material may not be published, broadcast, rewritten or redistributed without a license.</p>
</footer>
</body>
</html>
"""


def _list(pages: list[Page]) -> str:
    return "\n".join(f'  <li><a href="{esc(p.url)}">{esc(p.title)}</a></li>' for p in pages)


def render_article(site: Site, page: Page) -> str:
    byl = f"By {and_join(page.authors)}" if page.authors else ""
    head = [f'<meta name="date" content="{page.published.isoformat()}">']
    if page.updated:
        head.append(f'<meta name="last-modified" content="{page.updated.isoformat()}">')
    if byl:
        head.append(f'<meta name="byl" content="{esc(byl)}">')
    if page.tags:
        head.append(f'<meta name="keywords" content="{esc(", ".join(page.tags))}">')
    photo = ""
    if page.image_alt or page.image_caption:
        photo = f"""<figure class="gw-photo"><img src="/photos/{page.published:%Y%m%d}-{slugify(page.title)[:32]}.jpg" alt="{esc(page.image_alt or "")}">
<figcaption class="gw-cutline">{esc(page.image_caption or "")} ({esc(page.image_credit or "")})</figcaption></figure>
"""
    stamp = f"Published {_ap(page.published)}"
    if page.updated:
        stamp += f" &middot; Updated {_ap(page.updated)}"
    main = f"""<div class="gw-story">
<h1>{esc(page.title)}</h1>
<div class="gw-byline">{f"{esc(byl)}, Global Wire" if byl else "Global Wire"}</div>
<div class="gw-stamp">{stamp}</div>
{photo}<div class="gw-text">
{paragraphs_html(page, "")}
</div>
<div class="gw-share">Share: <a href="https://www.facebook.com/sharer.php?u={esc(page.url)}">Facebook</a> <a href="https://twitter.com/share?url={esc(page.url)}">Tweet</a> <a href="mailto:?body={esc(page.url)}">Email</a></div>
</div>
<div class="gw-more">
<h3>More stories</h3>
<ul>
{_list(related(site, page, 5))}
</ul>
<h3>Most viewed</h3>
<ul>
{_list(most_read(site, HOST, page.url, 3))}
</ul>
</div>"""
    return _shell(f"{page.title} | {NAME}", page.url, main, "\n".join(head) + "\n")


def _listing(site: Site, heading: str, pages: list[Page], canonical: str, title: str) -> str:
    items = "\n".join(
        f'  <li><a href="{esc(p.url)}">{esc(p.title)}</a> <span>{_ap(p.published)}</span></li>'
        for p in pages
    )
    main = f'<div class="gw-list">\n<h1>{esc(heading)}</h1>\n<ul>\n{items or "  <li>No stories.</li>"}\n</ul>\n</div>'
    return _shell(title, canonical, main)


render_home, render_section = fronts(HOST, NAME, NAV, _listing, "Latest stories", f"{NAME} | Breaking news from around the world")


OUTLET = Outlet(
    HOST, NAME, False, render_article, render_home, render_section, shell=_shell, founded=1921,
    prints_standfirst=False,
)
