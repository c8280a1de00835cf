"""Stage 2: normal forms. Unicode and whitespace of the text, the canonical URL, the outlet."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, NamedTuple

from scrapy.exceptions import DropItem

from pipeline.items import PageItem
from pipeline.normalize.comparison import content_hash
from pipeline.normalize.identity import identify, registered_domain
from pipeline.stagetime import timed

if TYPE_CHECKING:
    from pipeline.collection import Collection

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def normalize_text(text: str) -> str:
    """NFC, one space between words, one newline between paragraphs, no empty paragraphs."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


class TextFacts(NamedTuple):
    """What the corpus keeps of an article's extracted text: its normal form, word count and
    content hash. Made once, where the text is extracted: an extraction worker makes them beside
    the story signature (which needs the normal form anyway), so the crawl's reactor thread does not
    go over the text again. A NamedTuple: it comes back from the worker pickled."""

    text: str
    word_count: int
    content_hash: str

    @classmethod
    def of(cls, extracted_text: str, standfirst: str | None = None) -> TextFacts:
        """`standfirst`: the article's dek, left out of the hash when it opens the text."""
        text = normalize_text(extracted_text)
        dek = normalize_text(standfirst) if standfirst else None
        return cls(text, len(text.split()), content_hash(text, dek))


_SITE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*")  # scheme and host: all a domain depends on
_OUTLETS: dict[str, str] = {}
MAX_OUTLETS = 10_000


def outlet_domain(url: str) -> str:
    """The registered domain an outlet is known by (www.example.co.uk -> example.co.uk), aliases folded.

    Looked up once per host: the spider asks for every link of every page."""
    site = _SITE.match(url)
    if site is None:
        return registered_domain(url)
    key = site.group()
    if (domain := _OUTLETS.get(key)) is None:
        if len(_OUTLETS) >= MAX_OUTLETS:
            _OUTLETS.clear()
        domain = _OUTLETS[key] = registered_domain(url)
    return domain


def outlet_names(collection: Collection) -> dict[str, str]:
    """Outlet names the collection file gives its seeds, by registered domain."""
    return {outlet_domain(s.url): s.outlet for s in collection.seeds if s.outlet}


def canonical_url(page_url: str, declared: str | None = None) -> str:
    """The canonical URL of a page fetched from `page_url` that declares `declared` (see identity.py)."""
    return identify(page_url, declared).canonical_url


class NormalizePipeline:
    """Fills the item's canonical URL, outlet, normalized text, hash and word count."""

    def __init__(self, stats=None, outlet_names: dict[str, str] | None = None) -> None:
        self.stats = stats
        self.outlet_names = outlet_names or {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls.configured(crawler.settings, crawler.stats)

    @classmethod
    def configured(cls, settings, stats=None):
        return cls(stats, settings.getdict("ARCHIVE_OUTLET_NAMES"))

    @timed("normalize")
    def process_item(self, item: PageItem) -> PageItem:
        extracted = item.extracted
        assert extracted is not None, "NormalizePipeline runs after ExtractPipeline"
        facts = item.precomputed.facts if item.precomputed else TextFacts.of(extracted.text, extracted.dek)
        text, words = facts.text, facts.word_count
        # Extraction decided the page is an article (a teaser may have a dozen words); no text at all
        # is nothing to store.
        if not words:
            if self.stats:
                self.stats.inc_value("normalize/too_short")
            raise DropItem(f"no text in {item.url}: not an article")
        item.text = text
        item.word_count = words
        item.content_hash = facts.content_hash
        identity = identify(item.url, extracted.canonical_url)
        item.canonical_url = identity.canonical_url
        item.url_key = identity.key
        item.url_rules = identity.rules
        item.outlet_domain = identity.outlet_domain
        item.outlet_name = (
            self.outlet_names.get(item.outlet_domain)
            or (extracted.site_name or "").strip()
            or item.outlet_domain
        )
        if extracted.title:
            extracted.title = normalize_text(extracted.title)
        if extracted.dek:
            extracted.dek = normalize_text(extracted.dek)
        return item
