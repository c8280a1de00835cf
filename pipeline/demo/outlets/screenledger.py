"""Screen Ledger (Hollywood trade).

Metadata: OpenGraph, ``article:published_time`` / ``article:modified_time``,
``<meta name="author">`` and a ``<time datetime>`` in the byline. Chrome: breadcrumbs,
newsletter box, "Most read", share bar.
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

HOST = "www.screenledger.test"
NAME = "Screen Ledger"
BASE = f"http://{HOST}"
NAV = (
    "Film",
    "TV",
    "Box Office",
    "Business",
    "Awards",
    "Music",
    "Reviews",
    "Tech",
    "Festivals",
    "Obituaries",
)


def _shell(title: str, canonical: str, main: str, head_extra: str = "") -> str:
    nav = "\n".join(
        f'          <a class="sl-nav__item" href="{BASE}/section/{slugify(n)}/">{esc(n)}</a>'
        for n in NAV
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="canonical" href="{esc(canonical)}">
<link rel="stylesheet" href="/assets/sl-2014.css">
<script async src="/assets/ads/gpt-loader.js"></script>
<script src="/assets/sl-2014.js" defer></script>
{head_extra}</head>
<body>
<div class="sl-wrapper">
  <header class="sl-header">
    <div class="sl-header__top">
      <a class="sl-logo" href="{BASE}/">SCREEN LEDGER</a>
      <a class="sl-header__subscribe" href="{BASE}/subscribe/">Subscribe</a>
      <a class="sl-header__login" href="{BASE}/login/">Log in</a>
    </div>
    <nav class="sl-nav">
{nav}
    </nav>
  </header>
{main}
  <footer class="sl-footer">
    <div class="sl-footer__links">
      <a href="{BASE}/about/">About Screen Ledger</a> <a href="{BASE}/advertise/">Advertise</a>
      <a href="{BASE}/tips/">Send us a tip</a> <a href="{BASE}/terms/">Terms of Use</a>
      <a href="{BASE}/privacy/">Privacy Policy</a>
    </div>
    <p>&copy; 2015 Screen Ledger Media. All rights reserved.</p>
  </footer>
</div>
</body>
</html>
"""


def _newsletter() -> str:
    return f"""    <div class="sl-newsletter">
      <h4>Ledger Daily</h4>
      <p>The business of Hollywood, every morning before the studios open. Sign up for our free newsletter.</p>
      <form action="{BASE}/newsletter/" method="post"><input type="email" name="email" placeholder="Your email"><input type="submit" value="Subscribe"></form>
    </div>
"""


def _most_read(site: Site, exclude: str | None) -> str:
    items = "\n".join(
        f'        <li><a href="{esc(p.url)}">{esc(p.title)}</a></li>'
        for p in most_read(site, HOST, exclude, 5)
    )
    return f"""    <div class="sl-most-read">
      <h4>Most Read</h4>
      <ol>
{items}
      </ol>
    </div>
"""


def render_article(site: Site, page: Page) -> str:
    image = f"{BASE}/files/{page.published:%Y/%m}/{slugify(page.title)[:40]}.jpg"
    head = [
        f'<meta name="description" content="{esc(page.dek or page.title)}">',
        f'<meta property="og:title" content="{esc(page.title)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:url" content="{esc(page.url)}">',
        f'<meta property="og:description" content="{esc(page.dek or "")}">',
        f'<meta property="og:image" content="{esc(image)}">',
        f'<meta property="og:site_name" content="{NAME}">',
        f'<meta property="article:published_time" content="{page.published.isoformat()}">',
        f'<meta property="article:modified_time" content="{page.last_modified.isoformat()}">',
        f'<meta property="article:section" content="{esc(page.section)}">',
        *(f'<meta property="article:tag" content="{esc(t)}">' for t in page.tags),
    ]
    if page.authors:
        head.append(f'<meta name="author" content="{esc(", ".join(page.authors))}">')
    authors = and_join(
        [f'<a rel="author" href="{BASE}/author/{slugify(a)}/">{esc(a)}</a>' for a in page.authors]
    )
    updated = ""
    if page.updated:
        updated = f' <span class="sl-byline__updated">Updated <time datetime="{page.updated.isoformat()}">{clock(page.updated, "caps")} {tz_abbr(page.updated)}</time></span>'
    figure = ""
    if page.image_alt or page.image_caption:
        figure = f"""      <figure class="sl-article__image">
        <img src="{esc(image)}" alt="{esc(page.image_alt or "")}">
        <figcaption><span class="sl-caption">{esc(page.image_caption or "")}</span> <span class="sl-credit">{esc(page.image_credit or "")}</span></figcaption>
      </figure>
"""
    rel = "\n".join(
        f'          <li><a href="{esc(p.url)}">{esc(p.title)}</a></li>'
        for p in related(site, page, 3)
    )
    main = f"""  <div class="sl-breadcrumbs"><a href="{BASE}/">Home</a> &rsaquo; <a href="{BASE}/section/{page.section_slug}/">{esc(page.section)}</a></div>
  <div class="sl-content">
    <article class="sl-article">
      <h1 class="sl-article__title">{esc(page.title)}</h1>
      {f'<h2 class="sl-article__dek">{esc(page.dek)}</h2>' if page.dek else ""}
      <div class="sl-byline">{f'<span class="sl-byline__author">By {authors}</span> ' if page.authors else ""}<time class="sl-byline__date" datetime="{page.published.isoformat()}">{long_date(page.published)} {clock(page.published, "caps")} {tz_abbr(page.published)}</time>{updated}</div>
      <div class="sl-share"><a class="sl-share__fb" href="https://www.facebook.com/sharer.php?u={esc(page.url)}">Share on Facebook</a> <a class="sl-share__tw" href="https://twitter.com/share?url={esc(page.url)}">Tweet</a> <a class="sl-share__mail" href="mailto:?body={esc(page.url)}">Email</a></div>
{figure}      <div class="sl-article__body">
{paragraphs_html(page, "        ")}
      </div>
      <div class="sl-article__tags">Filed under: {", ".join(f'<a href="{BASE}/tag/{slugify(t)}/">{esc(t)}</a>' for t in page.tags)}</div>
      <div class="sl-related">
        <h4>Related Stories</h4>
        <ul>
{rel}
        </ul>
      </div>
    </article>
    <aside class="sl-sidebar">
{_newsletter()}{_most_read(site, page.url)}    </aside>
  </div>"""
    return _shell(f"{page.title} | {NAME}", page.url, main, "\n".join(head) + "\n")


def _listing(site: Site, heading: str, pages: list[Page], canonical: str, title: str) -> str:
    items = (
        "\n".join(
            f'      <div class="sl-river__item"><span class="sl-river__section">{esc(p.section)}</span>'
            f'<h3><a href="{esc(p.url)}">{esc(p.title)}</a></h3><p>{esc(p.dek or "")}</p></div>'
            for p in pages
        )
        or '      <div class="sl-river__item">Nothing here yet.</div>'
    )
    main = f"""  <div class="sl-content">
    <section class="sl-river">
      <h1>{esc(heading)}</h1>
{items}
    </section>
    <aside class="sl-sidebar">
{_newsletter()}{_most_read(site, None)}    </aside>
  </div>"""
    return _shell(title, canonical, main)


render_home, render_section = fronts(HOST, NAME, NAV, _listing, "Latest", f"{NAME} | Entertainment Industry News")


OUTLET = Outlet(
    HOST, NAME, False, render_article, render_home, render_section, shell=_shell, founded=1934
)
