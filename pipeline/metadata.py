"""What a page says about itself: JSON-LD, OpenGraph and other meta tags, microdata, and the visible
headline, standfirst, section and tags.

`read_page` collects the machine-readable statements once; the functions below pick one value
each, preferring what readers see (the headline as printed) and what the outlet maintains for
machines (structured data) over guesses from the `<title>`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml.html import HtmlElement

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "satiricalarticle",
    "blogposting",
    "liveblogposting",
    "report",
    "techarticle",
}
# Elements whose text is page furniture: nothing in them is the headline, standfirst or byline.
CHROME = re.compile(r"comment|related|sidebar|rail|footer|popular|most-?read|trending|newsletter|promo|teaser")
TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|»|«|·|~|/)\s+|\s*_\s*|\s+:\s+")
DEK_CLASS = re.compile(r"(?:^|[-_ ])(?:dek|deck|standfirst|subhead(?:line)?|sub-?title|strapline|lead|summary)(?:$|[-_ ])")


@dataclass(slots=True, eq=False)
class PageMeta:
    """The page's machine-readable statements, read once (keys lowercased)."""

    tree: HtmlElement
    url: str
    json_ld: list[dict[str, Any]] = field(default_factory=list)
    article: dict[str, Any] = field(default_factory=dict)  # the JSON-LD object of an Article type
    meta: dict[str, list[str]] = field(default_factory=dict)
    microdata: dict[str, list[str]] = field(default_factory=dict)

    def first_meta(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.meta.get(key, ()):
                if value.strip():
                    return clean(value)
        return None

    def first_micro(self, key: str) -> str | None:
        return next((clean(v) for v in self.microdata.get(key, ()) if v.strip()), None)


def clean(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def jsonld_types(obj: dict) -> set[str]:
    kind = obj.get("@type") or ()
    return {str(k).lower().rsplit("/", 1)[-1] for k in ([kind] if isinstance(kind, str) else kind)}


def _walk(node: Any, out: list[dict], depth: int = 0) -> None:
    if depth > 6:
        return
    if isinstance(node, list):
        for child in node:
            _walk(child, out, depth + 1)
    elif isinstance(node, dict):
        out.append(node)
        for value in node.values():
            if isinstance(value, dict | list):
                _walk(value, out, depth + 1)


def _json_ld(tree: HtmlElement) -> list[dict]:
    objects: list[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        _walk(data, objects)
    return objects


def _itemprop_value(el: HtmlElement) -> str:
    if el.get("itemscope") is not None:
        names = el.xpath('.//*[@itemprop="name"]')
        return _itemprop_value(names[0]) if names else el.text_content()
    for attr in ("content", "datetime"):
        if el.get(attr) is not None:
            return el.get(attr)
    return el.text_content()


def read_page(tree: HtmlElement, url: str) -> PageMeta:
    page = PageMeta(tree=tree, url=url, json_ld=_json_ld(tree))
    page.article = next((o for o in page.json_ld if jsonld_types(o) & ARTICLE_TYPES), {})
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv")
        content = meta.get("content")
        if key and content is not None:
            page.meta.setdefault(key.strip().lower(), []).append(content)
    for el in tree.xpath("//*[@itemprop]"):
        for key in el.get("itemprop").split():
            page.microdata.setdefault(key.lower(), []).append(_itemprop_value(el))
    return page


def jsonld_text(value: Any) -> str | None:
    """A JSON-LD value as text: a string, the first of a list, or an object's name."""
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id")
    return clean(value) if isinstance(value, str) and value.strip() else None


def page_types(page: PageMeta) -> set[str]:
    """og:type and every JSON-LD @type on the page, lowercased (`article`, `video.other`, ...)."""
    types = {t.strip().lower() for t in page.meta.get("og:type", ())}
    for obj in page.json_ld:
        types |= jsonld_types(obj)
    return types


def _comparable(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub("[\u2018\u2019\u201a\u201b`\u00b4]", "'", re.sub("[\u201c\u201d\u201e]", '"', text))
    return " ".join(re.sub(r"[^\w'\"]+", " ", text).split())


def _in_chrome(el: HtmlElement) -> bool:
    for node in (el, *el.iterancestors()):
        marker = f"{node.get('class', '')} {node.get('id', '')}".lower()
        if node.tag in ("nav", "footer", "aside") or (marker.strip() and CHROME.search(marker)):
            return True
    return False


def _headings(tree: HtmlElement) -> list[str]:
    found = []
    for el in tree.xpath("//body//h1 | //body//h2 | //body//h3"):
        text = clean(el.text_content())
        if 2 < len(text) < 300 and not _in_chrome(el):
            found.append(text)
    return found


def title(page: PageMeta) -> str | None:
    """The headline as readers see it: the visible heading that the page's own metadata or
    `<title>` names, else the metadata headline, else the longest part of `<title>`."""
    declared = [
        jsonld_text(page.article.get("headline")),
        page.first_meta("og:title", "twitter:title", "dc.title"),
        page.first_micro("headline"),
    ]
    declared = [d for d in declared if d]
    html_title = clean(page.tree.findtext(".//title") or "")
    parts = [p for p in TITLE_SEPARATORS.split(html_title) if p and len(p.split()) >= 2]
    wanted = {_comparable(t) for t in declared + parts + [html_title] if t}
    headings = _headings(page.tree)
    for heading in headings:
        if _comparable(heading) in wanted:
            return heading
    for heading in headings:
        key = _comparable(heading)
        if len(key) > 15 and any(w.startswith(key) or key.startswith(w) for w in wanted if len(w) > 15):
            return heading
    if declared:
        return declared[0]
    if parts:
        return max(parts, key=len)
    return html_title or (headings[0] if headings else None)


def dek(page: PageMeta, headline: str | None, first_paragraph: str | None) -> str | None:
    """The standfirst: a visible dek under the headline, else a description the page declares that
    is neither the headline nor the start of the body (SEO descriptions often copy one of them)."""
    for el in page.tree.xpath("//body//*[@class or @itemprop='description']"):
        marker = f"{el.get('class', '')} {el.get('itemprop', '')}".lower()
        if el.tag in ("p", "h2", "h3", "h4", "div", "span") and DEK_CLASS.search(marker) and not _in_chrome(el):
            text = clean(el.text_content())
            if 20 <= len(text) <= 400 and len(el) <= 3:
                return text
    declared = (
        jsonld_text(page.article.get("description"))
        or page.first_micro("description")
        or page.first_meta("og:description", "description", "twitter:description")
    )
    if not declared or len(declared) < 20:
        return None
    key = _comparable(declared).rstrip(". ")
    if headline and key == _comparable(headline):
        return None
    if first_paragraph and _comparable(first_paragraph).startswith(key[:80]):
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
    crumbs = page.tree.xpath(
        '//*[contains(@class, "breadcrumb") or contains(@id, "breadcrumb")]//a[normalize-space()]'
    )
    names = [clean(a.text_content()) for a in crumbs]
    names = [n for n in names if n.lower() not in ("home", "homepage", "start")]
    return names[-1] if names else None


def _split_tags(values: list[str]) -> list[str]:
    tags: list[str] = []
    for value in values:
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
        '//a[@rel="tag" or contains(@href, "/tag/") or contains(@href, "/tags/") or contains(@href, "/topic/")]'
    )
    return tuple(_split_tags([a.text_content() for a in links if not _in_chrome(a)]))


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
    """The URL the page names for itself (normalize.py decides whether to trust it)."""
    for href in page.tree.xpath('//link[@rel="canonical"]/@href'):
        if href.strip():
            return urljoin(page.url, href.strip())
    declared = page.first_meta("og:url") or jsonld_text(page.article.get("url"))
    return urljoin(page.url, declared) if declared else None


def site_name(page: PageMeta) -> str | None:
    """The outlet's own name: og:site_name, the JSON-LD or microdata publisher, application-name,
    else the shorter side of a `Headline | Outlet` title."""
    publisher = page.article.get("publisher")
    candidates = [
        page.first_meta("og:site_name"),
        jsonld_text(publisher) if isinstance(publisher, dict | list) else None,
        page.first_micro("publisher"),
        page.first_meta("application-name"),
    ]
    html_title = clean(page.tree.findtext(".//title") or "")
    parts = [p for p in re.split(r"\s+[|\-–—:»]\s+", html_title) if p]
    if len(parts) > 1:
        candidates.append(min((parts[0], parts[-1]), key=len))
    for name in candidates:
        if name and len(name.split()) <= 6:
            return name
    return None
