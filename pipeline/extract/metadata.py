"""Headline, standfirst, section, tags, language, canonical URL and outlet name of a page.

Each function picks one value from what pagemeta.py read, preferring what readers see (the
headline as printed) and what the outlet maintains for machines (structured data) over guesses
from the `<title>`.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml.html import HtmlElement

from pipeline.extract.headline import comparable, names_outlet, title  # noqa: F401 (title: the headline)
from pipeline.extract.pagemeta import PageMeta, clean, in_chrome, jsonld_text, marked

HEADLINE_REACH = 2  # at most this many elements of text between a headline and the standfirst under it
DEK_CANDIDATES = (
    "descendant::body/descendant::*[self::p or self::h2 or self::h3 or self::h4 or self::div or self::span]"
    "[@class or @itemprop='description']"
)
# The last word of a class name that marks a standfirst ("pc-dek", "l-article-header__row--lead").
DEK_WORDS = {
    "dek",
    "deck",
    "standfirst",
    "subhead",
    "subheadline",
    "subtitle",
    "strapline",
    "lead",
    "summary",
}


def _marked_dek_element(page: PageMeta) -> HtmlElement | None:
    for el in page.tree.xpath(DEK_CANDIDATES):
        words = {re.split(r"[-_]+", name)[-1] for name in el.get("class", "").lower().split()}
        marked = words & DEK_WORDS or el.get("itemprop") == "description"
        if marked and not in_chrome(el):
            text = clean(el.text_content())
            if 20 <= len(text) <= 400 and len(el) <= 3:
                return el
    return None


def marked_dek(page: PageMeta) -> str | None:
    """The standfirst the page marks as one (its class or itemprop), outside the page chrome."""
    el = _marked_dek_element(page)
    return clean(el.text_content()) if el is not None else None


def dek_under_headline(page: PageMeta, headline: str | None) -> str | None:
    """The marked standfirst when it is printed just under the headline (within HEADLINE_REACH
    elements of text after the heading that reads as `headline`): the article's opening, as readers
    see it. A marked element elsewhere (a section's strapline, a teaser's summary) is not."""
    el = _marked_dek_element(page)
    if el is None or not headline:
        return None
    key = comparable(headline)
    heading = next(
        (h for h in page.tree.iter("h1", "h2", "h3") if comparable(h.text_content()) == key), None
    )
    if heading is None:
        return None
    seen = 0
    for later in _after(heading):
        if later is el:
            return clean(el.text_content())
        if (later.text or "").strip():
            seen += 1
            if seen > HEADLINE_REACH:
                return None
    return None


def _after(el: HtmlElement):
    """The elements after `el` in document order (its descendants excluded)."""
    for ancestor in (el, *el.iterancestors()):
        for sibling in ancestor.itersiblings():
            yield sibling
            yield from sibling.iterdescendants()


def dek(page: PageMeta, headline: str | None, first_paragraph: str | None) -> str | None:
    """The standfirst: a visible dek under the headline, else a description the page declares that
    is neither the headline nor the start of the body (SEO descriptions often copy one of them)."""
    if (text := marked_dek(page)) is not None:
        return text
    declared = (
        jsonld_text(page.article.get("description"))
        or page.first_micro("description")
        or page.first_meta("og:description", "description", "twitter:description")
    )
    if not declared or len(declared) < 20:
        return None
    key = comparable(declared).rstrip(". ")
    if headline and key == comparable(headline):
        return None
    if first_paragraph and comparable(first_paragraph).startswith(key[:80]):
        return None
    return declared


def section(page: PageMeta) -> str | None:
    value = (
        jsonld_text(page.article.get("articleSection"))
        or page.first_meta("article:section", "section", "og:article:section", "parsely-section")
        or page.first_micro("articlesection")
    )
    if value:
        return value
    crumbs = [a for el in marked(page, "breadcrumb") for a in el.iter("a") if a.text_content().strip()]
    names = [clean(a.text_content()) for a in crumbs]
    names = [n for n in names if n.lower() not in ("home", "homepage", "start")]
    return names[-1] if names else None


def _split_tags(values: list[str]) -> list[str]:
    tags: list[str] = []
    for value in values:
        if not isinstance(value, str):
            continue
        for tag in re.split(r"\s*[,;]\s*", value):
            tag = clean(tag)
            if tag and len(tag) <= 80 and tag not in tags:
                tags.append(tag)
    return tags


def tags(page: PageMeta) -> tuple[str, ...]:
    """Topic tags: JSON-LD keywords, article:tag, microdata keywords, news_keywords/keywords meta,
    then visible links into a /tag/ or /topic/ listing."""
    keywords = page.article.get("keywords")
    if isinstance(keywords, str | list) and keywords:
        return tuple(_split_tags(keywords if isinstance(keywords, list) else [keywords]))
    for values in (
        page.meta.get("article:tag"),
        page.microdata.get("keywords"),
        page.meta.get("news_keywords"),
        page.meta.get("keywords"),
    ):
        if values and (found := _split_tags(values)):
            return tuple(found)
    links = page.tree.xpath(
        'descendant::a[@rel="tag" or contains(@href, "/tag/") or contains(@href, "/tags/")'
        ' or contains(@href, "/topic/")]'
    )
    return tuple(_split_tags([a.text_content() for a in links if not in_chrome(a)]))


def language(page: PageMeta) -> str | None:
    """ISO 639 code: `<html lang>`, Content-Language, JSON-LD inLanguage, og:locale."""
    candidates = [page.tree.get("lang") or "", page.tree.get("xml:lang") or ""]
    candidates += page.meta.get("content-language", []) + page.meta.get("language", [])
    candidates += [jsonld_text(page.article.get("inLanguage")) or ""] + page.meta.get("og:locale", [])
    for value in candidates:
        primary = value.strip().replace("_", "-").split("-")[0].lower()
        if primary.isalpha() and 2 <= len(primary) <= 3:
            return primary
    return None


def canonical_url(page: PageMeta) -> str | None:
    """The URL the page names for itself (normalize/identity.py decides whether to trust it)."""
    for href in page.tree.xpath('descendant::link[@rel="canonical"]/@href'):
        if href.strip():
            return urljoin(page.url, href.strip())
    declared = page.first_meta("og:url") or jsonld_text(page.article.get("url"))
    return urljoin(page.url, declared) if declared else None


def site_name(page: PageMeta) -> str | None:
    """The outlet's own name: og:site_name, the JSON-LD or microdata publisher, application-name,
    else the outlet's side of a `Headline | Outlet` title."""
    publisher = page.article.get("publisher")
    candidates = [
        page.first_meta("og:site_name"),
        jsonld_text(publisher) if isinstance(publisher, dict | list) else None,
        page.first_micro("publisher"),
        page.first_meta("application-name"),
    ]
    html_title = clean(page.tree.findtext(".//title") or "")
    parts = [p for p in re.split(r"\s+[|\-–—:»]\s+", html_title) if p]
    if len(parts) > 1:  # "Outlet: Headline" when the first part names the site, else "Headline | Outlet"
        candidates.append(parts[0] if names_outlet(parts[0], page.url) else parts[-1])
    for name in candidates:
        if name and len(name.split()) <= 6:
            return name
    return None
