"""What kind of page an article stands on, or why a page holds none.

A page is kept when it carries article prose, whatever else it is, and flagged so that researchers
filter in SQL instead of losing rows. Each rule is one measurable fact a researcher can check:

- article prose: PROSE_SENTENCES sentences (ended by . ! ? 。！？) of PROSE_SENTENCE_WORDS words or
  more, in consecutive paragraphs of the page's own text, or all within one teaser-like block (a
  round-up's item tells its story; a teaser's standfirst is a sentence or two); a link's whole
  text never counts (CJK characters count half a word each: those scripts put no spaces between
  words);
- teaser: a short block around a headline link to another page of the same site (TEASER_*).

`page_kind` of a kept page (the first that applies):
- liveblog: the page declares a JSON-LD LiveBlogPosting;
- video: it declares a video (og:type video.*, or a JSON-LD VideoObject and no Article) or sits
  under /video(s)/, and has less than VIDEO_MAX_WORDS of text: the text is the clip's story;
- listing: at least INDEX_SHARE of its words are teasers or link texts, but it has prose of its
  own (a round-up of other stories, a section front with an introduction);
- brief: an open or paywalled text under BRIEF_MAX_WORDS (a teaser's length is the paywall's);
- article: everything else.

`access`: open; paywalled (the page says so: JSON-LD isAccessibleForFree false, a paywall
element, or "subscribe to continue reading" text, and it gives PAYWALL_MAX_WORDS or more);
teaser (it says so and gives less: the headline and the lede or standfirst, kept as published).

A page that declares itself one article (an article type in og:type or JSON-LD, no collection type,
and a publication time of its own in JSON-LD or `article:published_time`) is never an index page:
a blog post of two sentences above a long list of other posts is kept as a `listing`.

No article (a capture only, with the reason): home page (the URL path is the site root); video
page, index page (as above, without prose, and not declared one article); paywall stub (paywalled,
but no headline, or no lede or standfirst of PROSE_SENTENCE_WORDS words); no article text; too
short (under MIN_WORDS, no prose, and no headline on a page that declares itself an article in
og:type or JSON-LD: such a post of a few lines is a brief).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from pipeline.extract.pagemeta import ARTICLE_TYPES, PageMeta, marked, page_types

PAGE_KINDS = ("article", "brief", "listing", "liveblog", "video")
ACCESS = ("open", "paywalled", "teaser")
MIN_WORDS = 25  # below this, without article prose, a page is a stub
PROSE_SENTENCES = 3
PROSE_SENTENCE_WORDS = 8
BRIEF_MAX_WORDS = 150
VIDEO_MAX_WORDS = 150
INDEX_SHARE = 0.5
PAYWALL_MAX_WORDS = 150
TEASER_LINK_WORDS = 4  # a headline link has at least this many words
TEASER_MAX_WORDS = 80  # a teaser is a headline, a standfirst and a date, not an article
TEASER_LINK_SHARE = 0.2  # ... and its headline link is at least this share of its words
_TEASER_TAGS = {"li", "article", "dd", "tr", "div", "section"}
_WORD = re.compile(r"\w")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SENTENCE = re.compile(r"[^.!?。！？]+[.!?。！？]+")
# JSON-LD types that say the page gathers other pages, whatever its og:type says.
COLLECTION_TYPES = {"collectionpage", "searchresultspage", "profilepage"}
_OWN_DATE_META = ("article:published_time", "og:article:published_time")
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


@dataclass(frozen=True, slots=True)
class Verdict:
    """A page's kind and access when it is kept, or the reason it is not (`reason` set)."""

    reason: str | None = None
    page_kind: str = "article"
    access: str = "open"


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


def declared_article(page: PageMeta) -> bool:
    """The page says it is one article, published at a time of its own: a section front may carry
    og:type article (some sites set it on every page), but gives no publication time of its own."""
    types = page_types(page)
    if not types & ARTICLE_TYPES or types & COLLECTION_TYPES:
        return False
    return bool(page.article.get("datePublished") or page.first_meta(*_OWN_DATE_META))


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


def _prompt(line: str) -> bool:
    return PAYWALL_TEXT.search(line) is not None and len(line.split()) < 25


def without_paywall_prompts(lines: tuple[str, ...]) -> tuple[str, ...]:
    """The text without the paywall's prompts, and without the offer after the last prompt when it
    is shorter than the text before it (a prompt above a whole article leaves the article)."""
    prompts = [i for i, line in enumerate(lines) if _prompt(line)]
    if prompts:
        last = prompts[-1]
        if sum(len(x.split()) for x in lines[last + 1 :]) < sum(len(x.split()) for x in lines[:last]):
            lines = lines[:last]
    return tuple(line for line in lines if not _prompt(line))


def words(text: str) -> float:
    """Words of a text: whitespace-separated tokens holding a letter or digit, and half a word for
    each CJK character (those scripts put no spaces between words)."""
    cjk = len(_CJK.findall(text))
    spaced = _CJK.sub(" ", text) if cjk else text
    return sum(1 for token in spaced.split() if _WORD.search(token)) + cjk / 2


def _long_sentences(line: str) -> int:
    return sum(1 for s in _SENTENCE.findall(line) if words(s) >= PROSE_SENTENCE_WORDS)


def classify(
    page: PageMeta, lines: tuple[str, ...], paywall: bool, title: str | None, dek: str | None
) -> Verdict:
    """Kind and access of the page whose body is `lines` (paywall prompts removed), or why it is
    no article. `paywall`: the page says it is paywalled."""
    size = sum(words(line) for line in lines)
    listing = _Listing(page) if lines else None
    share = listing.share(lines) if listing else 0.0
    prose = listing is not None and listing.has_prose(lines)
    video = declared_video(page) or (video_url(page.url) and size < VIDEO_MAX_WORDS)
    access = "open" if not paywall else "paywalled" if size >= PAYWALL_MAX_WORDS else "teaser"
    if video and not prose:
        return Verdict("video page")
    if share >= INDEX_SHARE and not prose and not (title and declared_article(page)):
        return Verdict("index page")
    if access == "teaser":
        if not title or not any(words(text) >= PROSE_SENTENCE_WORDS for text in (*lines, dek or "")):
            return Verdict("paywall stub")
    elif not lines:
        return Verdict("no article text")
    elif size < MIN_WORDS and not prose and not (title and page_types(page) & ARTICLE_TYPES):
        return Verdict("too short")
    if "liveblogposting" in page_types(page):
        kind = "liveblog"
    elif video and size < VIDEO_MAX_WORDS:
        kind = "video"
    elif share >= INDEX_SHARE:
        kind = "listing"
    elif access != "teaser" and size < BRIEF_MAX_WORDS:
        kind = "brief"
    else:
        kind = "article"
    return Verdict(None, kind, access)


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
        count = len(node.text_content().split())
        if count > TEASER_MAX_WORDS:
            return None
        if node.tag in _TEASER_TAGS and (node.tag != "div" or node.get("class")):
            return node if link_words >= TEASER_LINK_SHARE * count else None
    return None


def _target(base: str, href: str) -> tuple[str | None, str] | None:
    """Host and path a link leads to; None for an href that is no URL (`http://[x]/`)."""
    try:
        parts = urlsplit(urljoin(base, href))
        return parts.hostname, parts.path
    except ValueError:
        return None


class _Listing:
    """The page's link texts and teaser blocks, compared with the extracted lines."""

    def __init__(self, page: PageMeta) -> None:
        own = urlsplit(page.url)
        teasers: dict[int, str] = {}
        self.links: set[str] = set()
        for anchor in page.tree.xpath("descendant::body/descendant::a[@href]"):
            text = anchor.text_content()
            self.links.add(_compact(text))
            if len(text.split()) < TEASER_LINK_WORDS:
                continue
            target = _target(page.url, anchor.get("href"))
            if target is None or target[0] != own.hostname or target[1] in ("", "/", own.path):
                continue
            if (block := _teaser(anchor)) is not None:
                teasers.setdefault(id(block), _compact(block.text_content()))
        self.blocks = list(teasers.values())
        self.blob = "\n".join(self.blocks)

    def _listed(self, line: str) -> bool:
        key = _compact(line.removeprefix("- "))
        return key in self.links or bool(self.blob and key in self.blob)

    def _block(self, line: str) -> int | None:
        """The teaser block a line stands in (its number), None for the page's own text; -1 for a
        whole link text."""
        key = _compact(line.removeprefix("- "))
        if key in self.links:
            return -1
        if not (self.blob and key in self.blob):
            return None
        return next(i for i, block in enumerate(self.blocks) if key in block)

    def share(self, lines: tuple[str, ...]) -> float:
        """Share of the extracted words that are teasers or whole link texts (menus, link lists)."""
        total = inside = 0
        for line in lines:
            count = sum(1 for w in line.split() if _WORD.search(w))
            total += count
            inside += count if self._listed(line) else 0
        return inside / total if total else 0.0

    def has_prose(self, lines: tuple[str, ...]) -> bool:
        """True when consecutive lines hold PROSE_SENTENCES long sentences, all in the page's own
        text or all in one teaser-like block (an item of a round-up tells its story; a teaser's
        standfirst is a sentence or two). A link's whole text is never prose."""
        run, current = 0, None
        for line in lines:
            block = self._block(line)
            found = _long_sentences(line) if block != -1 else 0
            run = run + found if found and block == current else found
            current = block
            if run >= PROSE_SENTENCES:
                return True
        return False


def listing_share(page: PageMeta, lines: tuple[str, ...]) -> float:
    """Share of the extracted words that are teasers or whole link texts (menus, link lists)."""
    return _Listing(page).share(lines)


def _compact(text: str) -> str:
    """Text without whitespace: extractors and text_content() space block boundaries differently."""
    return "".join(text.split())
