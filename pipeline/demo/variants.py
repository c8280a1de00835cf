"""URL variants of an article: the AMP, print and mobile pages (``index.html`` serves the article).

Every variant shows the same headline and body paragraphs as the article, in its own chrome, and
links to the article with ``<link rel="canonical">``, except the print pages of an outlet whose
``print_canonical`` is False. The URL rules are ``Page.variant_url``:

| variant | URL | page |
| --- | --- | --- |
| amp | ``<path>amp/`` (path ending in ``/``) or ``<path>?outputType=amp`` | ``<html ⚡>`` AMP page |
| print | ``<path>?print=1`` | print-friendly page |
| mobile | ``http://m.<domain><path>`` | mobile page |
| index | ``<path>index.html`` (path ending in ``/``) | the article page itself |
"""

# ruff: noqa: E501 (the HTML templates read better unwrapped)

from __future__ import annotations

from typing import TYPE_CHECKING

from .outlets import OUTLETS
from .outlets.common import and_join, clock, esc, json_ld, long_date, related, tz_abbr
from .page import mobile_host

if TYPE_CHECKING:
    from .page import Page
    from .site import Site

AMP_BOILERPLATE = (
    "<style amp-boilerplate>body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "-moz-animation:-amp-start 8s steps(1,end) 0s 1 normal both;-ms-animation:-amp-start 8s "
    "steps(1,end) 0s 1 normal both;animation:-amp-start 8s steps(1,end) 0s 1 normal both}"
    "@-webkit-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@-moz-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@-ms-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@-o-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}</style>"
    "<noscript><style amp-boilerplate>body{-webkit-animation:none;-moz-animation:none;"
    "-ms-animation:none;animation:none}</style></noscript>"
)


def _name(page: Page) -> str:
    outlet = OUTLETS.get(page.host)
    return outlet.name if outlet else page.host


def _byline(page: Page) -> str:
    return f"By {and_join(page.authors)}" if page.authors else f"By {_name(page)} staff"


def _stamp(page: Page) -> str:
    dt = page.published
    return f"{long_date(dt)} {clock(dt)} {tz_abbr(dt)}"


def _body(page: Page, indent: str) -> str:
    return "\n".join(f"{indent}<p>{esc(p)}</p>" for p in page.paragraphs)


def render_amp(site: Site, page: Page) -> str:
    name, base = _name(page), f"http://{page.host}"
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": page.url,
        "headline": page.title,
        "datePublished": page.published.isoformat(),
        "dateModified": page.last_modified.isoformat(),
        "author": [{"@type": "Person", "name": a} for a in page.authors]
        or {"@type": "Organization", "name": name},
        "publisher": {"@type": "Organization", "name": name},
    }
    figure = ""
    if page.image_alt or page.image_caption:
        figure = f"""    <figure class="amp-lead">
      <amp-img src="{base}/amp/img/{page.path.strip("/").replace("/", "-")}.jpg" width="1200" height="800" layout="responsive" alt="{esc(page.image_alt or "")}"></amp-img>
      <figcaption>{esc(page.image_caption or "")} {esc(page.image_credit or "")}</figcaption>
    </figure>
"""
    return f"""<!doctype html>
<html ⚡ lang="en">
<head>
<meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<script async custom-element="amp-analytics" src="https://cdn.ampproject.org/v0/amp-analytics-0.1.js"></script>
<title>{esc(page.title)} | {esc(name)}</title>
<link rel="canonical" href="{esc(page.url)}">
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">
<script type="application/ld+json">{json_ld(data)}</script>
{AMP_BOILERPLATE}
<style amp-custom>body{{font-family:Georgia,serif;margin:0}}.amp-bar{{background:#111;color:#fff;padding:8px 16px}}.amp-article{{padding:0 16px}}.amp-meta{{color:#666;font-size:14px}}</style>
</head>
<body>
  <header class="amp-bar"><a href="{base}/">{esc(name)}</a> <a class="amp-bar__menu" href="{base}/#sections">Sections</a></header>
  <article class="amp-article">
    <p class="amp-section">{esc(page.section)}</p>
    <h1 class="amp-title">{esc(page.title)}</h1>
    <p class="amp-meta"><span class="amp-byline">{esc(_byline(page))}</span> &middot; <time datetime="{page.published.isoformat()}">{_stamp(page)}</time></p>
{figure}    <div class="amp-body">
{_body(page, "      ")}
    </div>
  </article>
  <div class="amp-share"><a href="https://www.facebook.com/sharer.php?u={esc(page.url)}">Facebook</a> <a href="https://twitter.com/share?url={esc(page.url)}">Twitter</a></div>
  <footer class="amp-footer"><a href="{esc(page.url)}">View the full site</a> &middot; &copy; 2015 {esc(name)}</footer>
  <amp-analytics type="googleanalytics"><script type="application/json">{{"vars": {{"account": "UA-0000000-1"}}}}</script></amp-analytics>
</body>
</html>
"""


def render_print(site: Site, page: Page) -> str:
    name = _name(page)
    outlet = OUTLETS.get(page.host)
    canonical = ""
    if outlet is None or outlet.print_canonical:
        canonical = f'<link rel="canonical" href="{esc(page.url)}">\n'
    dek = f'<p class="print-dek">{esc(page.dek)}</p>\n' if page.dek else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(page.title)} - {esc(name)} (print)</title>
{canonical}<meta name="robots" content="noindex, follow">
<style>body{{font:12pt/1.5 Georgia,serif;max-width:40em;margin:2em auto}}.print-tools{{font:10pt sans-serif}}@media print{{.print-tools{{display:none}}}}</style>
</head>
<body class="print-view">
<div class="print-tools"><a href="javascript:window.print()">Print this page</a> | <a href="javascript:window.close()">Close window</a></div>
<div class="print-masthead">{esc(name)}</div>
<h1>{esc(page.title)}</h1>
{dek}<p class="print-byline">{esc(_byline(page))} | {_stamp(page)}</p>
<div class="print-body">
{_body(page, "")}
</div>
<p class="print-footer">&copy; 2015 {esc(name)}. All rights reserved.</p>
</body>
</html>
"""


def render_mobile(site: Site, page: Page) -> str:
    name = _name(page)
    m_base = f"http://{mobile_host(page.host)}"
    more = "\n".join(
        f'      <li><a href="{m_base}{esc(p.path)}">{esc(p.title)}</a></li>'
        for p in related(site, page, 3)
    )
    figure = ""
    if page.image_alt or page.image_caption:
        figure = f"""    <figure class="m-photo"><img src="{m_base}/img/w480/{page.path.strip("/").replace("/", "-")}.jpg" alt="{esc(page.image_alt or "")}" width="480">
      <figcaption>{esc(page.image_caption or "")}</figcaption></figure>
"""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">
<title>{esc(page.title)} - {esc(name)} Mobile</title>
<link rel="canonical" href="{esc(page.url)}">
<link rel="stylesheet" href="{m_base}/m/static/mobile.css">
</head>
<body class="m-site">
<header class="m-header"><button class="m-menu" type="button">&#9776;</button> <a class="m-logo" href="{m_base}/">{esc(name)}</a></header>
<main class="m-main">
  <article class="m-article">
    <p class="m-section">{esc(page.section)}</p>
    <h1 class="m-title">{esc(page.title)}</h1>
    <p class="m-byline">{esc(_byline(page))}</p>
    <p class="m-date">{_stamp(page)}</p>
{figure}    <div class="m-body">
{_body(page, "      ")}
    </div>
  </article>
  <div class="m-share"><a href="sms:?body={esc(page.url)}">Text</a> <a href="https://twitter.com/share?url={esc(page.url)}">Tweet</a></div>
  <section class="m-more">
    <h2>More from {esc(name)}</h2>
    <ul>
{more}
    </ul>
  </section>
</main>
<footer class="m-footer"><a href="{esc(page.url)}">Desktop site</a> &middot; &copy; 2015 {esc(name)}</footer>
</body>
</html>
"""


RENDERERS = {"amp": render_amp, "print": render_print, "mobile": render_mobile}
