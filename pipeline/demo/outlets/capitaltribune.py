"""Capital Tribune (Washington daily).

Metadata: none at all, no JSON-LD, OpenGraph, meta author or machine-readable date. Only the
``<title>`` and a visible byline "By Name | December 19, 2014 5:42 p.m. EST", plus "This story was
updated at ..." when updated. Wire copy republished from Global Wire carries the wire's name in
the byline and a line "This article was originally published by Global Wire."
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
    long_date,
    most_read,
    paragraphs_html,
    related,
    slugify,
    tz_abbr,
)

if TYPE_CHECKING:
    from ..site import Page, Site

HOST = "www.capitaltribune.test"
NAME = "Capital Tribune"
BASE = f"http://{HOST}"
NAV = (
    "National",
    "Politics",
    "World",
    "Business",
    "Technology",
    "Opinion",
    "Arts",
    "Sports",
    "Local",
    "Weather",
)


def _stamp(dt) -> str:
    return f"{long_date(dt)} {clock(dt)} {tz_abbr(dt)}"


def _source_name(site: Site, host: str) -> str:
    try:
        return site.outlet(host).name
    except KeyError:  # a source with no pages in the fixture web
        return host


def _shell(title: str, canonical: str, main: str, head_extra: str = "") -> str:
    nav = " | ".join(f'<a href="{BASE}/section/{slugify(n)}/">{esc(n)}</a>' for n in NAV)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<link rel="canonical" href="{esc(canonical)}">
<link rel="stylesheet" type="text/css" href="/css/tribune.css">
<link rel="stylesheet" type="text/css" href="/css/print.css" media="print">
<script type="text/javascript" src="/js/tribune.js"></script>
{head_extra}</head>
<body>
<div id="cookie-consent" class="consent-bar">The Capital Tribune uses cookies to improve your experience. <a href="{BASE}/privacy/">Privacy policy</a> <a href="#" class="consent-close">Close</a></div>
<div id="container">
  <div id="masthead">
    <div class="date-line">Washington, D.C.</div>
    <a href="{BASE}/" class="nameplate">Capital Tribune</a>
    <div class="top-links"><a href="{BASE}/subscribe/">Subscribe</a> <a href="{BASE}/todays-paper/">Today&#39;s Paper</a> <a href="{BASE}/login/">Sign In</a></div>
  </div>
  <div id="nav">{nav}</div>
{main}
  <div id="footer">
    <a href="{BASE}/about/">About the Tribune</a> | <a href="{BASE}/contact/">Contact Us</a> | <a href="{BASE}/ethics/">Standards &amp; Ethics</a> | <a href="{BASE}/terms/">Terms of Service</a> | <a href="{BASE}/privacy/">Privacy Policy</a>
    <br>&copy; 1996-2015 Capital Tribune Company
  </div>
</div>
</body>
</html>
"""


def _list(pages: list[Page]) -> str:
    return "\n".join(f'      <li><a href="{esc(p.url)}">{esc(p.title)}</a></li>' for p in pages)


def render_article(site: Site, page: Page) -> str:
    source = _source_name(site, page.syndicated_from) if page.syndicated_from else None
    if source:
        who = f"{and_join(page.authors)}, {source}" if page.authors else source
    else:
        who = and_join(page.authors) if page.authors else "Tribune Staff"
    byline = f"By {esc(who)} | {_stamp(page.published)}"
    updated = ""
    if page.updated:
        updated = f'\n    <p class="updated"><em>This story was updated at {clock(page.updated)} {tz_abbr(page.updated)} on {long_date(page.updated)}.</em></p>'
    note = ""
    if source:
        note = f'\n    <p class="syndication"><em>This article was originally published by {esc(source)}.</em></p>'
    photo = ""
    if page.image_alt or page.image_caption:
        src = f"/images/{page.published:%Y/%m/%d}/{slugify(page.title)[:32]}.jpg"
        photo = f"""    <div class="photo">
      <img src="{src}" alt="{esc(page.image_alt or "")}" width="620">
      <div class="caption">{esc(page.image_caption or "")} <span class="credit">({esc(page.image_credit or "")})</span></div>
    </div>
"""
    main = f"""  <div id="breadcrumb"><a href="{BASE}/">Home</a> &gt; <a href="{BASE}/section/{page.section_slug}/">{esc(page.section)}</a></div>
  <div id="content">
    <h1 class="headline">{esc(page.title)}</h1>
    {f'<h3 class="subhead">{esc(page.dek)}</h3>' if page.dek else ""}
    <div class="byline">{byline}</div>
    <div class="tools"><a href="https://www.facebook.com/sharer.php?u={esc(page.url)}">Share on Facebook</a> <a href="https://twitter.com/share?url={esc(page.url)}">Tweet</a> <a href="mailto:?body={esc(page.url)}">Email</a> <a href="javascript:window.print()">Print</a></div>
{photo}    <div id="story-body">
{paragraphs_html(page, "    ")}
    </div>{updated}{note}
    <div class="signup-box"><b>Tribune Politics Daily</b><br>The news from Capitol Hill and the White House, every evening. <a href="{BASE}/newsletters/">Sign up</a></div>
  </div>
  <div id="sidebar">
    <h4>Related Stories</h4>
    <ul>
{_list(related(site, page, 4))}
    </ul>
    <h4>Most Read</h4>
    <ol>
{_list(most_read(site, HOST, page.url, 5))}
    </ol>
  </div>"""
    return _shell(f"{page.title} | {NAME}", page.url, main)


def _listing(site: Site, heading: str, pages: list[Page], canonical: str, title: str) -> str:
    items = (
        "\n".join(
            f'    <div class="headline-item"><a href="{esc(p.url)}">{esc(p.title)}</a> <span class="stamp">{long_date(p.published)}</span></div>'
            for p in pages
        )
        or "    <p>There are no stories in this section.</p>"
    )
    return _shell(
        title, canonical, f'  <div id="content">\n    <h2>{esc(heading)}</h2>\n{items}\n  </div>'
    )


render_home, render_section = fronts(HOST, NAME, NAV, _listing, "Top Stories", f"{NAME} - Washington and the Nation")


OUTLET = Outlet(
    HOST,
    NAME,
    False,
    render_article,
    render_home,
    render_section,
    shell=_shell,
    founded=1877,
    print_canonical=False,
)
