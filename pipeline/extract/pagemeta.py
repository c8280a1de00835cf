"""What a page states about itself in markup, read once: JSON-LD, `<meta>` tags (OpenGraph and the
rest), microdata, and an index of the body's class and id names.

The functions that pick one value each (metadata.py, dates.py, bylines.py, pagekind.py) read this
instead of walking the tree again.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Any

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
# ("commentary" and "trail" are not furniture: those two words must end there.)
CHROME = re.compile(
    r"(?<![a-z])(?:comments?(?![a-z])|rail(?![a-z])|related|sidebar|footer|popular|most-?read|trending"
    r"|newsletter|promo|teaser)"
)


# JSON-LD wrapped for XHTML parsers: "<![CDATA[ {...} ]]>", "//<![CDATA[ ... //]]>"
CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")


@dataclass(slots=True, eq=False)
class PageMeta:
    """The page's machine-readable statements, read once (keys lowercased)."""

    tree: HtmlElement
    url: str
    json_ld: list[dict[str, Any]] = field(default_factory=list)
    article: dict[str, Any] = field(default_factory=dict)  # the JSON-LD object of an Article type
    meta: dict[str, list[str]] = field(default_factory=dict)
    microdata: dict[str, list[str]] = field(default_factory=dict)
    # (element, "class id" lowercased) of every element of the body that has either: one pass
    # in Python beats XPath predicates on attributes, which libxml2 evaluates slowly on big pages
    classed: list[tuple[HtmlElement, str]] = field(default_factory=list)

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
    for script in tree.xpath('descendant::script[@type="application/ld+json"]'):
        try:
            data = json.loads(CDATA.sub("", script.text or ""), strict=False)
        except ValueError:
            continue
        _walk(data, objects)
    return objects


def _itemprop_value(el: HtmlElement) -> str:
    if el.get("itemscope") is not None:
        names = el.xpath('descendant::*[@itemprop="name"]')
        return _itemprop_value(names[0]) if names else el.text_content()
    for attr in ("content", "datetime"):
        if el.get(attr) is not None:
            return el.get(attr)
    return el.text_content()


def read_page(tree: HtmlElement, url: str) -> PageMeta:
    page = PageMeta(tree=tree, url=url, json_ld=_json_ld(tree))
    page.article = next((o for o in page.json_ld if jsonld_types(o) & ARTICLE_TYPES), {})
    for meta in tree.iter("meta"):
        keys = meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv")
        content = meta.get("content")
        # RDFa lets one tag state several properties: property="og:title twitter:title"
        for key in (keys or "").lower().split() if content is not None else ():
            page.meta.setdefault(key, []).append(content)
    body = tree.find("body")
    for el in body.iter() if body is not None else ():
        if not isinstance(el.tag, str):
            continue
        if (name := el.get("class")) or el.get("id"):
            page.classed.append((el, f"{name or ''} {el.get('id') or ''}".lower()))
        if prop := el.get("itemprop"):
            for key in prop.split():
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


@cache
def _words_pattern(words: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(map(re.escape, words)))


def marked(page: PageMeta, *words: str) -> list[HtmlElement]:
    """Elements of the body whose class or id contains one of `words` (lowercase), in page order."""
    pattern = _words_pattern(words)
    return [el for el, marker in page.classed if pattern.search(marker)]


def in_chrome(el: HtmlElement) -> bool:
    """True inside page furniture. The classes of <body> and <html> describe the whole page's
    layout ("gp-right-sidebar", "has-related"), not the element."""
    for node in (el, *el.iterancestors()):
        if node.tag in ("body", "html"):
            return False
        marker = f"{node.get('class', '')} {node.get('id', '')}".lower()
        if node.tag in ("nav", "footer", "aside") or (marker.strip() and CHROME.search(marker)):
            return True
    return False
