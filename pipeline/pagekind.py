"""Pages that hold no article, and why: a home page, an index of teasers, a video, a paywall stub.

Each rule is one measurable fact about the page, so a researcher can check a dropped page by hand:

- home page: the URL path is `/` (or an index file at the root);
- video page: the page declares a video (og:type video.*, or a JSON-LD VideoObject and no
  Article), or its URL is under /video(s)/ and it has less than VIDEO_MAX_WORDS of text;
- index page: at least INDEX_SHARE of the extracted words are teasers (short blocks around a
  headline link to another page of the same site) or whole link texts (menus): a section front,
  a tag page, or a page whose only "text" is its navigation;
- paywall stub: the page says it is paywalled (JSON-LD isAccessibleForFree false, a paywall
  element, or "subscribe to continue reading" text) and less than PAYWALL_MAX_WORDS remain.
  Longer paywalled text is kept (crawlers are often shown the whole article), with a note.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from pipeline.pagemeta import ARTICLE_TYPES, PageMeta, marked, page_types

VIDEO_MAX_WORDS = 150
INDEX_SHARE = 0.5
PAYWALL_MAX_WORDS = 150
TEASER_LINK_WORDS = 4  # a headline link has at least this many words
TEASER_MAX_WORDS = 80  # a teaser is a headline, a standfirst and a date, not an article
TEASER_LINK_SHARE = 0.2  # ... and its headline link is at least this share of its words
_TEASER_TAGS = {"li", "article", "dd", "tr", "div", "section"}
_WORD = re.compile(r"\w")
_HOME_PATHS = {"", "/", "/index.html", "/index.htm", "/index.php", "/default.aspx", "/home", "/home/"}
# What paywalls say; strict, because these lines are removed from the text of a paywalled page.
PAYWALL_TEXT = re.compile(
    r"\b(?:subscribe|log ?in|sign ?in|register)(?: now)? to (?:continue|keep) reading\b"
    r"|\bto (?:continue|keep) reading,? (?:please )?(?:subscribe|log ?in|sign ?in)\b"
    r"|^already a (?:subscriber|member)\b"
    r"|\b(?:this|the) (?:article|story|content) is (?:only )?(?:available|reserved) (?:to|for) (?:paid )?"
    r"(?:subscribers|members)\b|\bbecome a (?:member|subscriber) to read\b|\bsubscribe for full access\b",
    re.I,
)
_PAYWALL_WORDS = ("paywall", "premium-gate", "subscriber-only", "subscribers-only", "meter-wall", "regwall")


def is_home_page(url: str) -> bool:
    """The site root, unless a query names an article there (`/?fArticleId=...`)."""
    parts = urlsplit(url)
    query = [p for p in parts.query.split("&") if p and not p.lower().startswith("utm_")]
    return parts.path.lower() in _HOME_PATHS and not query


def declared_video(page: PageMeta) -> bool:
    types = page_types(page)
    if any(t.startswith("video") for t in types if "." in t):
        return True
    return "videoobject" in types and not types & ARTICLE_TYPES and "article" not in types


def video_url(url: str) -> bool:
    return bool(re.search(r"/videos?/", urlsplit(url).path, re.I))


def paywalled(page: PageMeta, lines: tuple[str, ...] | list[str]) -> bool:
    """True when the page declares or shows a paywall."""
    for obj in page.json_ld:
        if str(obj.get("isAccessibleForFree", "true")).strip().lower() in ("false", "0", "no"):
            return True
    if marked(page, *_PAYWALL_WORDS):
        return True
    return any(PAYWALL_TEXT.search(line) for line in lines)


def without_paywall_prompts(lines: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(line for line in lines if not (PAYWALL_TEXT.search(line) and len(line.split()) < 25))


def _teaser(anchor: HtmlElement) -> HtmlElement | None:
    """The block a headline link stands in: its nearest list item, article or classed div, if that
    is short (TEASER_MAX_WORDS) and the link is a good part of it (TEASER_LINK_SHARE): a headline
    with its standfirst and date, not a paragraph that happens to hold a link."""
    link_words = len(anchor.text_content().split())
    node = anchor
    for _ in range(3):
        node = node.getparent()
        if node is None or node.tag == "body":
            return None
        words = len(node.text_content().split())
        if words > TEASER_MAX_WORDS:
            return None
        if node.tag in _TEASER_TAGS and (node.tag != "div" or node.get("class")):
            return node if link_words >= TEASER_LINK_SHARE * words else None
    return None


def listing_share(page: PageMeta, lines: tuple[str, ...]) -> float:
    """Share of the extracted words that are teasers or whole link texts (menus, link lists)."""
    own = urlsplit(page.url)
    teasers: dict[int, str] = {}
    links: set[str] = set()
    for anchor in page.tree.xpath("descendant::body/descendant::a[@href]"):
        text = anchor.text_content()
        links.add(_compact(text))
        if len(text.split()) < TEASER_LINK_WORDS:
            continue
        target = urlsplit(urljoin(page.url, anchor.get("href")))
        if target.hostname != own.hostname or target.path in ("", "/", own.path):
            continue
        if (block := _teaser(anchor)) is not None:
            teasers.setdefault(id(block), _compact(block.text_content()))
    blob = "\n".join(teasers.values())
    total = inside = 0
    for line in lines:
        words = sum(1 for w in line.split() if _WORD.search(w))
        key = _compact(line.removeprefix("- "))
        total += words
        inside += words if key in links or (blob and key in blob) else 0
    return inside / total if total else 0.0


def _compact(text: str) -> str:
    """Text without whitespace: extractors and text_content() space block boundaries differently."""
    return "".join(text.split())
