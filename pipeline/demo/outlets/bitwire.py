"""Bitwire (tech news).

Metadata: schema.org microdata only (``itemscope itemtype=".../NewsArticle"``, ``itemprop``
headline, author, datePublished, dateModified, articleBody). Chrome: cookie notice, share bar,
comments, "Related" and "Popular" lists. Served gzip-compressed.
"""

# ruff: noqa: E501 (the HTML templates read better unwrapped)

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Outlet
from .common import (
    clock,
    comments_for,
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

HOST = "www.bitwire.test"
NAME = "Bitwire"
BASE = f"http://{HOST}"
NAV = (
    "Security",
    "Gadgets",
    "Apps",
    "Business",
    "Science",
    "Policy",
    "Gaming",
    "Reviews",
    "Startups",
)
SCHEMA = "https://schema.org"


def _shell(title: str, canonical: str, main: str, head_extra: str = "") -> str:
    nav = "\n".join(
        f'      <li><a href="{BASE}/section/{slugify(n)}/">{esc(n)}</a></li>' for n in NAV
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>{esc(title)}</title>
<link rel="canonical" href="{esc(canonical)}">
<link rel="stylesheet" href="/static/bw/app.4f1c2e.css">
<script src="/static/bw/app.4f1c2e.js" defer></script>
<script src="/static/bw/comments-widget.js" defer></script>
{head_extra}</head>
<body class="bw">
<div id="bw-cookie-notice" class="bw-cookie-notice">This site uses cookies. <a href="{BASE}/cookies/">Learn more</a> <button>OK</button></div>
<header class="bw-header">
  <a class="bw-logo" href="{BASE}/">bitwire</a>
  <nav class="bw-nav">
    <ul>
{nav}
    </ul>
  </nav>
  <form class="bw-search" action="{BASE}/search/"><input name="q" placeholder="Search Bitwire"></form>
</header>
{main}
<footer class="bw-footer">
  <p><a href="{BASE}/about/">About</a> &middot; <a href="{BASE}/jobs/">Jobs</a> &middot; <a href="{BASE}/ethics/">Ethics policy</a> &middot; <a href="{BASE}/privacy/">Privacy</a> &middot; <a href="{BASE}/terms/">Terms</a></p>
  <p>&copy; 2015 Bitwire Inc.</p>
</footer>
</body>
</html>
"""


def _list(pages: list[Page]) -> str:
    return "\n".join(f'        <li><a href="{esc(p.url)}">{esc(p.title)}</a></li>' for p in pages)


def render_article(site: Site, page: Page) -> str:
    authors = ", ".join(
        f'<span itemprop="author" itemscope itemtype="{SCHEMA}/Person"><a itemprop="url" href="{BASE}/people/{slugify(a)}/">'
        f'<span itemprop="name">{esc(a)}</span></a></span>'
        for a in page.authors
    )
    figure = ""
    if page.image_alt or page.image_caption:
        src = f"{BASE}/uploads/{page.published:%Y%m}/{slugify(page.title)[:40]}.jpg"
        figure = f"""    <figure class="bw-hero" itemprop="image" itemscope itemtype="{SCHEMA}/ImageObject">
      <img itemprop="url" src="{esc(src)}" alt="{esc(page.image_alt or "")}">
      <figcaption><span itemprop="caption">{esc(page.image_caption or "")}</span> <small class="bw-credit">{esc(page.image_credit or "")}</small></figcaption>
    </figure>
"""
    modified = f'<meta itemprop="dateModified" content="{page.last_modified.isoformat()}">'
    if page.updated:
        modified = (
            f' &middot; updated <time itemprop="dateModified" datetime="{page.updated.isoformat()}">'
            f"{long_date(page.updated)} {clock(page.updated, 'caps')}</time>"
        )
    comments = "\n".join(
        f"""      <div class="bw-comment"><div class="bw-comment__head"><b>{esc(n)}</b> &middot; {esc(w)}</div>
        <div class="bw-comment__text">{esc(t)}</div><div class="bw-comment__votes"><button>&#9650; Upvote</button> <button>Reply</button></div></div>"""
        for n, w, t in comments_for(page, page.comments or 2 + len(page.paragraphs) % 2)
    )
    main = f"""<main class="bw-main">
  <article class="bw-article" itemscope itemtype="{SCHEMA}/NewsArticle">
    <meta itemprop="mainEntityOfPage" content="{esc(page.url)}">
    <div class="bw-article__section"><a href="{BASE}/section/{page.section_slug}/" itemprop="articleSection">{esc(page.section)}</a></div>
    <h1 itemprop="headline">{esc(page.title)}</h1>
    {f'<p class="bw-standfirst" itemprop="description">{esc(page.dek)}</p>' if page.dek else ""}
    <div class="bw-meta">{f"by {authors} &middot; " if authors else ""}<time itemprop="datePublished" datetime="{page.published.isoformat()}">{long_date(page.published)} {clock(page.published, "caps")} {tz_abbr(page.published)}</time>{modified}</div>
    <div class="bw-share"><a href="https://www.facebook.com/sharer.php?u={esc(page.url)}">Share on Facebook</a> <a href="https://twitter.com/intent/tweet?url={esc(page.url)}">Tweet</a> <a href="mailto:?body={esc(page.url)}">Email</a></div>
    <span itemprop="publisher" itemscope itemtype="{SCHEMA}/Organization"><meta itemprop="name" content="{NAME}"></span>
{figure}    <div class="bw-body" itemprop="articleBody">
{paragraphs_html(page, "      ")}
    </div>
    <div class="bw-tags">{" ".join(f'<a class="bw-tag" href="{BASE}/tag/{slugify(t)}/">{esc(t)}</a>' for t in page.tags)}</div>
  </article>
  <div class="bw-newsletter"><strong>The Bitwire Brief</strong> &mdash; the day in tech, in five minutes. <form action="{BASE}/brief/"><input type="email" name="email" placeholder="you@example.com"><button>Sign me up</button></form></div>
  <section class="bw-comments" id="comments">
    <h2>Reader comments</h2>
{comments}
    <p class="bw-comments__login"><a href="{BASE}/login/">Log in</a> to join the discussion.</p>
  </section>
  <aside class="bw-rail">
    <div class="bw-related"><h3>Related</h3>
      <ul>
{_list(related(site, page, 4))}
      </ul>
    </div>
    <div class="bw-popular"><h3>Popular on Bitwire</h3>
      <ol>
{_list(most_read(site, HOST, page.url, 5))}
      </ol>
    </div>
  </aside>
</main>"""
    return _shell(f"{page.title} | {NAME}", page.url, main)


def _listing(site: Site, heading: str, pages: list[Page], canonical: str, title: str) -> str:
    items = (
        "\n".join(
            f'    <article class="bw-card"><h2><a href="{esc(p.url)}">{esc(p.title)}</a></h2>'
            f'<p>{esc(p.dek or "")}</p><time datetime="{p.published.isoformat()}">{long_date(p.published)}</time></article>'
            for p in pages
        )
        or "    <p>No stories yet.</p>"
    )
    return _shell(
        title,
        canonical,
        f'<main class="bw-main bw-list">\n  <h1>{esc(heading)}</h1>\n{items}\n</main>',
    )


render_home, render_section = fronts(HOST, NAME, NAV, _listing, "Latest", f"{NAME} - Technology news and analysis")


OUTLET = Outlet(
    HOST, NAME, True, render_article, render_home, render_section, shell=_shell, founded=2006
)
