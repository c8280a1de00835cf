"""Pages that are not articles although they sit at article-like paths: ``kind`` video, paywall,
index and empty (see ``content/FORMAT.md``). Each is wrapped in its outlet's chrome
(``Outlet.shell``); an empty page is zero bytes.
"""

# ruff: noqa: E501 (the HTML templates read better unwrapped)

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from .outlets.common import and_join, clock, esc, host_articles, json_ld, long_date, tz_abbr

if TYPE_CHECKING:
    from .outlets.base import Outlet
    from .page import Page
    from .site import Site


def _plain_shell(title: str, canonical: str, main: str, head_extra: str = "") -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<link rel="canonical" href="{esc(canonical)}">
{head_extra}</head>
<body>
{main}
</body>
</html>
"""


def _stamp(page: Page) -> str:
    return f"{long_date(page.published)} {clock(page.published)} {tz_abbr(page.published)}"


def _byline(page: Page, name: str) -> str:
    return f"By {and_join(page.authors)}" if page.authors else f"By {name} staff"


def _video(page: Page, name: str) -> tuple[str, str]:
    seed = zlib.crc32(page.url.encode())
    clip = f"http://{page.host}/video/media/{seed:08x}.mp4"
    poster = f"http://{page.host}/video/posters/{seed:08x}.jpg"
    head = "\n".join(
        [
            '<meta property="og:type" content="video.other">',
            f'<meta property="og:title" content="{esc(page.title)}">',
            f'<meta property="og:url" content="{esc(page.url)}">',
            f'<meta property="og:video" content="{esc(clip)}">',
            '<meta property="og:video:type" content="video/mp4">',
            f'<meta property="og:image" content="{esc(poster)}">',
            f'<meta property="og:site_name" content="{esc(name)}">',
            f'<meta property="video:release_date" content="{page.published.isoformat()}">',
        ]
    )
    caption = "\n".join(f"      <p>{esc(p)}</p>" for p in page.paragraphs)
    minutes, seconds = 1 + seed % 4, seed % 60
    main = f"""  <main class="video-page">
    <h1 class="video-page__title">{esc(page.title)}</h1>
    <div class="video-player" data-video-id="{seed:08x}">
      <video controls preload="none" poster="{esc(poster)}" width="960" height="540">
        <source src="{esc(clip)}" type="video/mp4">
        Your browser does not support HTML5 video.
      </video>
      <div class="video-player__duration">{minutes}:{seconds:02d}</div>
    </div>
    <div class="video-page__caption">
{caption}
    </div>
    <p class="video-page__meta"><time datetime="{page.published.isoformat()}">{_stamp(page)}</time></p>
    <div class="video-page__up-next"><h2>Up next</h2><p>More videos are loading&hellip;</p></div>
  </main>"""
    return head, main


def _paywall(page: Page, name: str) -> tuple[str, str]:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": page.title,
        "datePublished": page.published.isoformat(),
        "isAccessibleForFree": False,
        "hasPart": {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".paywall-locked",
        },
    }
    head = f'<script type="application/ld+json">{json_ld(data)}</script>'
    dek = f'\n      <p class="paywall-article__dek">{esc(page.dek)}</p>' if page.dek else ""
    main = f"""  <main class="paywall-page">
    <article class="paywall-article">
      <h1 class="paywall-article__title">{esc(page.title)}</h1>{dek}
      <div class="paywall-article__byline">{esc(_byline(page, name))} | {_stamp(page)}</div>
      <div class="paywall-article__body">
        <p>{esc(page.paragraphs[0])}</p>
      </div>
      <div class="paywall-locked" aria-hidden="true"></div>
      <div class="paywall-offer">
        <h2>Subscribe to continue reading</h2>
        <p>You have read all of your free articles this month. Subscribe for unlimited digital access to {esc(name)}, starting at 99 cents for the first four weeks.</p>
        <a class="paywall-offer__cta" href="http://{page.host}/subscribe/">Subscribe now</a>
        <a class="paywall-offer__login" href="http://{page.host}/login/">Already a subscriber? Sign in</a>
      </div>
    </article>
  </main>"""
    return head, main


def _index(site: Site, page: Page, name: str) -> tuple[str, str]:
    stories = [p for p in host_articles(site, page.host) if p.topic == page.topic]
    items = "\n".join(
        f'      <li class="stream__item"><a href="{esc(p.url)}"><h2>{esc(p.title)}</h2></a>'
        f'<p>{esc(p.dek or "")}</p><time datetime="{p.published.isoformat()}">{long_date(p.published)}</time></li>'
        for p in stories
    )
    intro = "\n".join(f"      <p>{esc(p)}</p>" for p in page.paragraphs)
    main = f"""  <main class="stream-page">
    <h1 class="stream-page__title">{esc(page.title)}</h1>
    <div class="stream-page__intro">
{intro}
    </div>
    <ol class="stream">
{items}
    </ol>
  </main>"""
    return "", main


def render_special(site: Site, outlet: Outlet | None, page: Page) -> str:
    """The HTML of a non-article page (``""`` for kind empty)."""
    if page.kind == "empty":
        return ""
    name = outlet.name if outlet else page.host
    if page.kind == "video":
        head, main = _video(page, name)
    elif page.kind == "paywall":
        head, main = _paywall(page, name)
    elif page.kind == "index":
        head, main = _index(site, page, name)
    else:
        raise ValueError(f"{page.url}: no renderer for kind {page.kind!r}")
    shell = outlet.shell if outlet and outlet.shell else _plain_shell
    return shell(f"{page.title} | {name}", page.url, main, head + "\n" if head else "")
