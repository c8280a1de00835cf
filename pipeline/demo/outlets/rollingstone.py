"""Rolling Stone: a faithful rendition of the Penske Media WordPress theme (pmc-rollingstone-2018).

Metadata: JSON-LD NewsArticle, OpenGraph, ``article:published_time``. The chrome is the one the seed
(``shared/seeds/rolling-stone-sony-hack-2014.txt``) shows a naive extractor letting through:
breadcrumbs, a lead photo whose alt text and caption title repeat, the photo credit, the
"In This Article:" tag list, a "Powered by" sponsor widget and an inline SVG sprite whose icon
titles read "... Created with Sketch.".
"""

# ruff: noqa: E501 (the HTML templates read better unwrapped)

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Outlet
from .common import (
    esc,
    host_articles,
    json_ld,
    known_sections,
    long_date,
    most_read,
    paragraphs_html,
    related,
    slugify,
)

if TYPE_CHECKING:
    from ..site import Page, Site

HOST = "www.rollingstone.test"
NAME = "Rolling Stone"
BASE = f"http://{HOST}"
THEME = "/wp-content/themes/vip/pmc-rollingstone-2018"
NAV = (
    "Music",
    "Politics",
    "TV & Movies",
    "Culture",
    "RS Country",
    "Video",
    "Charts",
    "Sub-Culture",
    "RS Recommends",
)
# a sub-section's parent in the breadcrumbs ("Home / Culture / Culture News")
PARENT = {
    "Culture News": "Culture",
    "Music News": "Music",
    "TV & Movie News": "TV & Movies",
    "Politics News": "Politics",
}
SPRITE = ("Arrow", "Calendar", "Path", "Shape", "Plus", "minus")


def _seo(title: str) -> str:
    # WordPress SEO titles on migrated posts keep the straight quotes of the old CMS
    return (
        title.replace("\u2018", "'")
        .replace("\u2019", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
    )


def _section_url(name: str) -> str:
    return f"{BASE}/section/{slugify(name)}/"


def _head(title: str, canonical: str, extra: str = "") -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="canonical" href="{esc(canonical)}">
<link rel="stylesheet" id="pmc-core-css" href="{THEME}/assets/build/css/main.css?ver=1.0.86" type="text/css" media="all">
<link rel="stylesheet" id="rs-fonts-css" href="{THEME}/assets/build/css/fonts.css?ver=1.0.86" type="text/css" media="all">
<link rel="icon" href="{THEME}/assets/app/icons/favicon.png" sizes="32x32">
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<script src="{THEME}/assets/build/js/main.js?ver=1.0.86" defer></script>
{extra}</head>
"""


def _header() -> str:
    items = "\n".join(
        f'        <li class="l-header__menu-item"><a class="l-header__menu-link" href="{_section_url(n)}">{esc(n)}</a></li>'
        for n in NAV
    )
    return f"""<body class="post-template-default single single-post single-format-standard">
<div class="l-page" id="site_wrap">
  <header class="l-header" data-header>
    <div class="l-header__wrap">
      <a class="l-header__branding" href="{BASE}/" title="Rolling Stone"><span class="screen-reader-text">Rolling Stone</span></a>
      <nav class="l-header__nav" aria-label="Main">
        <ul class="l-header__menu">
{items}
        </ul>
      </nav>
      <a class="c-subscribe l-header__subscribe" href="{BASE}/subscribe/">Subscribe</a>
      <button class="l-header__search" type="button" aria-label="Search"><svg class="c-icon"><use xlink:href="#search"></use></svg></button>
    </div>
  </header>
"""


def _card(page: Page, cls: str = "c-card") -> str:
    return (
        f'<li class="{cls}"><a class="{cls}__wrap" href="{esc(page.url)}">'
        f'<span class="{cls}__tag">{esc(page.section)}</span> '
        f'<h3 class="{cls}__heading">{esc(page.title)}</h3></a></li>'
    )


def _footer() -> str:
    return f"""  <aside class="c-newsletter" id="newsletter">
    <h4 class="c-newsletter__heading">Get The Rolling Stone Newsletter</h4>
    <p class="c-newsletter__text">The latest news, reviews and exclusive interviews, sent to your inbox.</p>
    <form class="c-newsletter__form" action="{BASE}/newsletter/" method="post">
      <input type="email" name="email" placeholder="Enter Your Email" aria-label="Email address">
      <button type="submit">Sign Up</button>
    </form>
  </aside>
  <footer class="l-footer">
    <nav class="l-footer__nav" aria-label="Footer">
      <ul>
        <li><a href="{BASE}/contact/">Contact Us</a></li>
        <li><a href="{BASE}/advertising/">Advertise</a></li>
        <li><a href="{BASE}/legal/">Legal</a></li>
        <li><a href="{BASE}/privacy-policy/">Privacy Policy</a></li>
        <li><a href="{BASE}/terms-of-use/">Terms of Use</a></li>
        <li><a href="{BASE}/adchoices/">AdChoices</a></li>
      </ul>
    </nav>
    <p class="l-footer__copyright">Rolling Stone is a part of Penske Media Corporation. &copy; 2024 Rolling Stone, LLC. All rights reserved.</p>
  </footer>
</div>
"""


def _sprite() -> str:
    symbols = "\n".join(
        f'        <symbol id="{name.lower()}" viewBox="0 0 24 24"><title>{name} Created with Sketch.</title>'
        f'<path d="M0 0h24v24H0z" fill="none"></path></symbol>'
        for name in SPRITE
    )
    return f"""      <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" class="pmc-svg-sprite" aria-hidden="true">
{symbols}
      </svg>
"""


def render_article(site: Site, page: Page) -> str:
    published = page.published.isoformat()
    modified = page.last_modified.isoformat()
    image = f"{BASE}/wp-content/uploads/2018/06/{slugify(page.image_alt or 'lead')}.jpg"
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": page.url},
        "headline": page.title,
        "description": page.dek or "",
        "image": {"@type": "ImageObject", "url": image, "width": 1800, "height": 1200},
        "datePublished": published,
        "dateModified": modified,
        "articleSection": page.section,
        "keywords": list(page.tags),
        "publisher": {
            "@type": "Organization",
            "name": "Rolling Stone",
            "logo": {"@type": "ImageObject", "url": f"{BASE}{THEME}/assets/app/icons/logo.png"},
        },
    }
    if page.authors:
        data["author"] = [{"@type": "Person", "name": a} for a in page.authors]
    meta = [
        f'<meta name="description" content="{esc(page.dek or page.title)}">',
        '<meta property="og:locale" content="en_US">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{esc(_seo(page.title))}">',
        f'<meta property="og:description" content="{esc(page.dek or "")}">',
        f'<meta property="og:url" content="{esc(page.url)}">',
        '<meta property="og:site_name" content="Rolling Stone">',
        f'<meta property="og:image" content="{esc(image)}">',
        f'<meta property="article:published_time" content="{published}">',
        f'<meta property="article:modified_time" content="{modified}">',
        f'<meta property="article:section" content="{esc(page.section)}">',
        *(f'<meta property="article:tag" content="{esc(t)}">' for t in page.tags),
        '<meta name="twitter:card" content="summary_large_image">',
        '<meta name="twitter:site" content="@RollingStone">',
        f'<script type="application/ld+json">{json_ld(data)}</script>',
    ]
    parent = PARENT.get(page.section)
    crumbs = [f'<a class="c-breadcrumbs__link" href="{BASE}/">Home</a>']
    if parent:
        crumbs.append(
            f'<a class="c-breadcrumbs__link" href="{_section_url(parent)}">{esc(parent)}</a>'
        )
    crumbs.append(
        f'<a class="c-breadcrumbs__link" href="{_section_url(page.section)}">{esc(page.section)}</a>'
    )
    byline = ""
    if page.authors:
        names = ", ".join(
            f'<a class="c-byline__link" href="{BASE}/author/{slugify(a)}/">{esc(a)}</a>'
            for a in page.authors
        )
        byline = (
            f'<div class="c-byline__authors"><span class="c-byline__by">By</span> {names}</div>'
        )
    figure = ""
    if page.image_alt or page.image_caption:
        figure = f"""      <figure class="c-picture c-picture--lead">
        <div class="c-picture__frame">
          <img class="c-crop__img wp-post-image" src="{esc(image)}" alt="{esc(page.image_alt or "")}" width="1800" height="1200" loading="eager">
        </div>
        <figcaption class="c-picture__caption">
          <p class="c-picture__title">{esc(page.image_alt or "")}</p>
          <p class="c-picture__excerpt">{esc(page.image_caption or "")}</p>
          <cite class="c-picture__source">{esc(page.image_credit or "")}</cite>
        </figcaption>
      </figure>
"""
    tags = ", ".join(
        f'<a class="c-tags__item" href="{BASE}/t/{slugify(t)}/" rel="tag">{esc(t)}</a>'
        for t in page.tags
    )
    tags_html = (
        f'<div class="c-tags"><span class="c-tags__label">In This Article:</span> {tags}</div>'
        if tags
        else ""
    )
    share = "\n".join(
        f'          <li class="c-social-bar__item"><a class="c-social-bar__link" href="{esc(href)}" title="{label}" '
        f'target="_blank" rel="noopener"><svg class="c-icon"><use xlink:href="#{icon}"></use></svg></a></li>'
        for label, icon, href in (
            ("Share on Facebook", "facebook", f"https://www.facebook.com/sharer.php?u={page.url}"),
            ("Share on Twitter", "twitter", f"https://twitter.com/intent/tweet?url={page.url}"),
            ("Share on Reddit", "reddit", f"https://www.reddit.com/submit?url={page.url}"),
            ("Share by Email", "email", f"mailto:?subject={_seo(page.title)}&body={page.url}"),
        )
    )
    related_items = "\n".join(f"        {_card(p)}" for p in related(site, page, 4))
    popular_items = "\n".join(
        f"        {_card(p, 'c-trending')}" for p in most_read(site, HOST, page.url, 5)
    )
    return (
        _head(f"{_seo(page.title)} - Rolling Stone", page.url, "\n".join(meta) + "\n")
        + _header()
        + f"""  <main class="l-page__content" id="main">
    <article class="l-article" id="post-{page.path.rstrip("/").rsplit("-", 1)[-1]}">
      <header class="l-article-header">
        <div class="c-breadcrumbs">{" ".join(crumbs)}</div>
        <h1 class="l-article-header__row l-article-header__row--title t-bold t-bold--condensed">{esc(page.title)}</h1>
        <h2 class="l-article-header__row l-article-header__row--lead t-semibold">{esc(page.dek or "")}</h2>
        <div class="l-article-header__row l-article-header__row--meta">
          <div class="c-byline">{byline}<time class="c-timestamp" datetime="{published}">{long_date(page.published)}</time></div>
          <ul class="c-social-bar">
{share}
          </ul>
        </div>
      </header>
{figure}      <div class="l-article-content">
        <div class="c-content t-copy">
{paragraphs_html(page, "          ")}
        </div>
        {tags_html}
        <div class="c-sponsor" data-widget="sponsored-content"><span class="c-sponsor__label">Powered by</span> <a class="c-sponsor__link" href="{BASE}/partners/" rel="sponsored nofollow"><img src="{THEME}/assets/app/images/partner-logo.svg" alt="" width="90" height="20"></a></div>
      </div>
{_sprite()}    </article>
    <section class="l-section c-related" aria-label="Related">
      <h4 class="c-related__heading">You Might Also Like</h4>
      <ul class="c-related__list">
{related_items}
      </ul>
    </section>
    <aside class="l-sidebar c-trending">
      <h4 class="c-trending__heading">Most Popular</h4>
      <ol class="c-trending__list">
{popular_items}
      </ol>
    </aside>
  </main>
"""
        + _footer()
        + "</body>\n</html>\n"
    )


def _listing(site: Site, heading: str, pages: list[Page], canonical: str) -> str:
    cards = (
        "\n".join(f"        {_card(p)}" for p in pages)
        or '        <li class="c-card">No stories yet.</li>'
    )
    return (
        _head(
            f"{heading} - Rolling Stone"
            if heading != NAME
            else "Rolling Stone: Music, Film, TV and Political News Coverage",
            canonical,
        )
        + _header()
        + f"""  <main class="l-page__content" id="main">
    <h1 class="l-archive__heading">{esc(heading)}</h1>
    <ul class="l-archive__list">
{cards}
    </ul>
  </main>
"""
        + _footer()
        + _sprite()
        + "</body>\n</html>\n"
    )


def render_home(site: Site) -> str:
    return _listing(site, NAME, host_articles(site, HOST)[:20], f"{BASE}/")


def render_section(site: Site, slug: str) -> str | None:
    sections = known_sections(site, HOST, NAV + tuple(PARENT))
    if slug not in sections:
        return None
    name = sections[slug]
    pages = [
        p
        for p in host_articles(site, HOST)
        if slug in (p.section_slug, slugify(PARENT.get(p.section, "")))
    ]
    return _listing(site, name, pages, f"{BASE}/section/{slug}/")


OUTLET = Outlet(HOST, NAME, False, render_article, render_home, render_section, founded=1967)
