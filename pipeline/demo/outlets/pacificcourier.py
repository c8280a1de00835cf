"""The Pacific Courier (Los Angeles daily).

Metadata: JSON-LD NewsArticle (headline, author list, datePublished, dateModified) and a visible
byline "By A and B". A `scripted` page's body is built in the browser: the HTML holds it only in
the JSON-LD `articleBody`. Chrome: cookie banner, share bar, related and most-read lists,
newsletter box, reader comments. Served gzip-compressed.
"""

# ruff: noqa: E501 (the HTML templates read better unwrapped)

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Outlet
from .common import (
    and_join,
    clock,
    comments_for,
    esc,
    fronts,
    json_ld,
    long_date,
    most_read,
    paragraphs_html,
    related,
    slugify,
    tz_abbr,
)

if TYPE_CHECKING:
    from ..site import Page, Site

HOST = "www.pacificcourier.test"
NAME = "The Pacific Courier"
BASE = f"http://{HOST}"
NAV = (
    "Local",
    "California",
    "Business",
    "Entertainment",
    "Technology",
    "Sports",
    "Politics",
    "Opinion",
    "Food",
    "Obituaries",
)


def _stamp(dt) -> str:
    return f"{long_date(dt)}, {clock(dt, 'caps')} {tz_abbr(dt)}"


def _shell(title: str, canonical: str, main: str, head_extra: str = "") -> str:
    nav = "\n".join(
        f'        <li><a href="{BASE}/section/{slugify(n)}/">{esc(n)}</a></li>' for n in NAV
    )
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{esc(title)}</title>
  <link rel="canonical" href="{esc(canonical)}">
  <link rel="stylesheet" href="/static/css/courier.min.css?v=20141120">
  <link rel="alternate" type="application/rss+xml" title="The Pacific Courier" href="{BASE}/feeds/latest.xml">
  <script src="/static/js/vendor/consent.js" defer></script>
  <script src="/static/js/courier.min.js?v=20141120" defer></script>
{head_extra}</head>
<body class="pc-site">
  <div class="pc-cookie-banner" role="dialog" aria-label="Cookie consent">
    <p>We use cookies to personalize content and ads and to analyze our traffic. By continuing to use this site you agree to our <a href="{BASE}/privacy/">privacy policy</a>.</p>
    <button type="button" class="pc-cookie-accept">Accept cookies</button>
    <button type="button" class="pc-cookie-settings">Cookie settings</button>
  </div>
  <header class="pc-masthead">
    <div class="pc-topbar"><a href="{BASE}/subscribe/">Subscribe for 99&cent;</a> | <a href="{BASE}/account/login/">Sign in</a> | <a href="{BASE}/e-edition/">E-Edition</a></div>
    <a class="pc-logo" href="{BASE}/">The Pacific Courier</a>
    <nav class="pc-nav" aria-label="Sections">
      <ul>
{nav}
      </ul>
    </nav>
  </header>
{main}
  <footer class="pc-footer">
    <ul class="pc-footer-links">
      <li><a href="{BASE}/about/">About us</a></li>
      <li><a href="{BASE}/contact/">Contact</a></li>
      <li><a href="{BASE}/terms/">Terms of service</a></li>
      <li><a href="{BASE}/privacy/">Privacy policy</a></li>
      <li><a href="{BASE}/corrections/">Corrections</a></li>
      <li><a href="{BASE}/careers/">Careers</a></li>
    </ul>
    <p class="pc-copyright">Copyright &copy; 2015, The Pacific Courier. All rights reserved.</p>
  </footer>
</body>
</html>
"""


def _links(pages: list[Page]) -> str:
    return "\n".join(f'        <li><a href="{esc(p.url)}">{esc(p.title)}</a></li>' for p in pages)


def render_article(site: Site, page: Page) -> str:
    image = f"{BASE}/media/photos/{page.published:%Y/%m}/{slugify(page.title)[:48]}.jpg"
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": page.title,
        "description": page.dek or "",
        "url": page.url,
        "mainEntityOfPage": page.url,
        "datePublished": page.published.isoformat(),
        "dateModified": page.last_modified.isoformat(),
        "author": [{"@type": "Person", "name": a} for a in page.authors],
        "articleSection": page.section,
        **({"articleBody": "\n\n".join(page.paragraphs)} if page.scripted else {}),
        "keywords": ", ".join(page.tags),
        "image": [image],
        "publisher": {
            "@type": "Organization",
            "name": NAME,
            "logo": {"@type": "ImageObject", "url": f"{BASE}/static/img/logo.png"},
        },
    }
    if not page.authors:
        data["author"] = {"@type": "Organization", "name": NAME}
    head = f'  <meta name="description" content="{esc(page.dek or page.title)}">\n'
    head += f'  <script type="application/ld+json">{json_ld(data)}</script>\n'
    byline = f"By {esc(and_join(page.authors))}" if page.authors else "By Courier staff"
    updated = ""
    if page.updated:
        updated = f'<span class="pc-updated">Updated {_stamp(page.updated)}</span>'
    figure = ""
    if page.image_alt or page.image_caption:
        figure = f"""      <figure class="pc-lead-photo">
        <img src="{esc(image)}" alt="{esc(page.image_alt or "")}" width="1200" height="800">
        <figcaption>{esc(page.image_caption or "")} <span class="pc-credit">{esc(page.image_credit or "")}</span></figcaption>
      </figure>
"""
    comments = "\n".join(
        f"""        <li class="pc-comment"><p class="pc-comment-meta"><strong>{esc(n)}</strong> <span>{esc(w)}</span></p>
          <p class="pc-comment-body">{esc(t)}</p><a class="pc-comment-reply" href="#reply">Reply</a></li>"""
        for n, w, t in comments_for(page, page.comments or 3)
    )
    main = f"""  <main class="pc-main">
    <article class="pc-article">
      <header class="pc-article-header">
        <a class="pc-kicker" href="{BASE}/section/{page.section_slug}/">{esc(page.section)}</a>
        <h1 class="pc-headline">{esc(page.title)}</h1>
        {f'<p class="pc-dek">{esc(page.dek)}</p>' if page.dek else ""}
        <div class="pc-byline"><span class="pc-author">{byline}</span>
          <span class="pc-published">{_stamp(page.published)}</span> {updated}</div>
        <div class="pc-share">
          <a href="https://www.facebook.com/sharer/sharer.php?u={esc(page.url)}">Share on Facebook</a>
          <a href="https://twitter.com/intent/tweet?url={esc(page.url)}">Tweet</a>
          <a href="mailto:?subject={esc(page.title)}">Email</a>
        </div>
      </header>
{figure}      <div class="pc-article-body"{' id="story-root" data-hydrate="story"' if page.scripted else ""}>
{"" if page.scripted else paragraphs_html(page, "        ")}
      </div>
      <div class="pc-newsletter">
        <h3>Essential California</h3>
        <p>Get the day&rsquo;s top stories from across the state in your inbox every weekday morning.</p>
        <form action="{BASE}/newsletters/subscribe" method="post"><input type="email" name="email" placeholder="Email address"><button>Sign up</button></form>
      </div>
      <section class="pc-comments" id="comments">
        <h3>Comments ({page.comments or 3:,})</h3>
        <p class="pc-comments-note">Comments are moderated. Please keep the conversation civil.</p>
        <ol>
{comments}
        </ol>
      </section>
    </article>
    <aside class="pc-rail">
      <h3>Related stories</h3>
      <ul class="pc-related">
{_links(related(site, page, 4))}
      </ul>
      <h3>Most read</h3>
      <ol class="pc-most-read">
{_links(most_read(site, HOST, page.url, 5))}
      </ol>
    </aside>
  </main>"""
    return _shell(f"{page.title} | {NAME}", page.url, main, head)


def _listing(site: Site, heading: str, pages: list[Page], canonical: str, title: str) -> str:
    items = (
        "\n".join(
            f'      <li class="pc-teaser"><a href="{esc(p.url)}"><h2>{esc(p.title)}</h2></a>'
            f"<p>{esc(p.dek or '')}</p><span>{long_date(p.published)}</span></li>"
            for p in pages
        )
        or "      <li>No stories in this section yet.</li>"
    )
    main = f"""  <main class="pc-main pc-front">
    <h1 class="pc-section-title">{esc(heading)}</h1>
    <ul class="pc-teasers">
{items}
    </ul>
  </main>"""
    return _shell(title, canonical, main)


render_home, render_section = fronts(HOST, NAME, NAV, _listing, "Latest news", f"{NAME}: Los Angeles news, California and the world")


OUTLET = Outlet(
    HOST, NAME, True, render_article, render_home, render_section, shell=_shell, founded=1881
)
