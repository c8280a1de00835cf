"""Article extraction: trafilatura for text, title and authors; the page's own metadata for dates.

`extract_article` is the one code path: the crawl pipeline and any offline tool call it with the
same bytes and get the same fields.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from scrapy.exceptions import DropItem

from pipeline.items import Extracted, PageItem

log = logging.getLogger(__name__)

EXTRACTOR = "trafilatura"
EXTRACTOR_VERSION = trafilatura.__version__
# Recorded on every version row: a different setting is a different extraction, kept beside it.
TRAFILATURA_OPTIONS = {
    "include_comments": False,
    "include_tables": True,
    "deduplicate": False,
}
FAVOR = ("balanced", "precision", "recall")


def extractor_settings(favor: str = "balanced") -> dict:
    return {
        "trafilatura": TRAFILATURA_OPTIONS | {"favor": favor},
        "dates": "json-ld > meta/microdata > article time > trafilatura",
        "language": "html lang > content-language > og:locale > trafilatura",
        "article_pages": "not the site root; og:type absent or an article type",
    }


# Metadata sources for dates, most explicit first: structured data the outlet maintains beats
# markup conventions, which beat whatever date trafilatura infers from the page text.
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datePublished",
    "date",
    "pubdate",
    "publishdate",
    "dc.date.issued",
    "DC.date.issued",
)
MONTHS = {
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
}
UPDATED_META = ("article:modified_time", "og:updated_time", "dateModified", "lastmod")


def parse_datetime(value: str | None) -> dt.datetime | None:
    """An ISO 8601 timestamp as an aware datetime (naive values are taken as UTC)."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _json_ld_objects(tree) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                objects.append(node)
                stack.extend(v for k, v in node.items() if k == "@graph")
    return objects


def _meta_values(tree) -> dict[str, str]:
    values: dict[str, str] = {}
    for meta in tree.xpath("//meta[@content]"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        if key and key not in values:
            values[key] = meta.get("content")
    for node in tree.xpath("//*[@itemprop][@datetime]"):
        values.setdefault(node.get("itemprop"), node.get("datetime"))
    return values


def page_dates(tree) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Published and updated times from JSON-LD, then meta/microdata, then <time datetime>."""
    for obj in _json_ld_objects(tree):
        published = parse_datetime(obj.get("datePublished"))
        if published:
            return published, parse_datetime(obj.get("dateModified"))
    meta = _meta_values(tree)
    published = next((parse_datetime(meta[k]) for k in PUBLISHED_META if k in meta), None)
    updated = next((parse_datetime(meta[k]) for k in UPDATED_META if k in meta), None)
    if published is None:
        times = [parse_datetime(t) for t in tree.xpath("//article//time/@datetime")]
        published = next((t for t in times if t), None)
    return published, updated


def page_site_name(tree) -> str | None:
    """The outlet's own name for itself: og:site_name, publisher in JSON-LD or microdata, or the
    `Headline | Outlet` suffix of the title."""
    candidates = tree.xpath('//meta[@property="og:site_name"]/@content')
    for obj in _json_ld_objects(tree):
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            candidates.append(publisher["name"])
    for node in tree.xpath('//*[@itemprop="publisher"]//*[@itemprop="name"]'):
        candidates.append(node.get("content") or node.text_content())
    title = tree.xpath("string(//title)")
    for separator in (" | ", " - ", " — ", " – "):
        if separator in title:
            candidates.append(title.rsplit(separator, 1)[1])
            break
    for name in candidates:
        name = " ".join(name.split())
        if name and len(name.split()) <= 6:
            return name
    return None


def page_language(tree) -> str | None:
    candidates = tree.xpath("/html/@lang") + tree.xpath(
        '//meta[@http-equiv="content-language" or @http-equiv="Content-Language"]/@content'
    )
    candidates += tree.xpath('//meta[@property="og:locale"]/@content')
    for value in candidates:
        primary = value.strip().replace("_", "-").split("-")[0].lower()
        if primary.isalpha() and 2 <= len(primary) <= 3:
            return primary
    return None


def is_article_page(url: str, page_type: str | None) -> bool:
    """Home pages and pages that declare another og:type (website, video, profile) hold no article."""
    if urlsplit(url).path in ("", "/"):
        return False
    return not page_type or "article" in page_type.lower()


def clean_authors(raw: str | None) -> list[str]:
    """trafilatura's ';'-joined author string as a list of names, without dates or bylines."""
    names = []
    for part in (raw or "").split(";"):
        name = part.strip().removeprefix("By ").removeprefix("by ").strip()
        if not name or any(ch.isdigit() for ch in name) or name.lower() in MONTHS:
            continue
        if name not in names:
            names.append(name)
    return names


def extract_article(html: str, url: str, favor: str = "balanced") -> Extracted | None:
    """Extract one article from a page's HTML, or None when the page holds no article text.

    `favor` trades recall for precision ("precision", "recall"); "balanced" is trafilatura's default.
    """
    if favor not in FAVOR:
        raise ValueError(f"favor must be one of {', '.join(FAVOR)}, not {favor!r}")
    if not html.strip():
        return None
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        favor_precision=favor == "precision",
        favor_recall=favor == "recall",
        **TRAFILATURA_OPTIONS,
    )
    if document is None or not (document.text or "").strip():
        return None
    if not is_article_page(url, document.pagetype):
        return None
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        tree = None
    published, updated = page_dates(tree) if tree is not None else (None, None)
    if published is None and document.date:
        published = parse_datetime(document.date)
    authors = clean_authors(document.author)
    return Extracted(
        title=document.title,
        dek=document.description,
        authors=authors,
        published_at=published,
        updated_at=updated,
        section=(document.categories or [None])[0] if document.categories else None,
        language=(page_language(tree) if tree is not None else None) or document.language,
        text=document.text,
        canonical_url=document.url,
        site_name=(page_site_name(tree) if tree is not None else None) or document.sitename,
        extractor=EXTRACTOR,
        extractor_version=EXTRACTOR_VERSION,
        extractor_settings=extractor_settings(favor),
    )


class ExtractPipeline:
    """Stage 1: run the extractor on each archived page; pages with no article stay captures only."""

    def __init__(self, stats=None, favor: str = "balanced") -> None:
        self.stats = stats
        self.favor = favor

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, favor=crawler.settings.get("ARCHIVE_EXTRACT_FAVOR", "balanced"))

    def process_item(self, item: PageItem) -> PageItem:
        html = item.body.decode(item.encoding or "utf-8", errors="replace")
        extracted = extract_article(html, item.url, favor=self.favor)
        if extracted is None:
            if self.stats:
                self.stats.inc_value("extract/no_article")
            raise DropItem(f"no article text in {item.url}")
        item.extracted = extracted
        if self.stats:
            self.stats.inc_value("extract/articles")
        return item
