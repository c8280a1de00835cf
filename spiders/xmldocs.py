"""Sitemaps and feeds read safely: a size limit (also after gunzip), no DTD entities (billion
laughs), no network, and a one-line DocumentError for anything malformed. No Scrapy here."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
import zlib
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from lxml import etree

_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


class DocumentError(ValueError):
    """A sitemap or feed that cannot be read; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One URL a sitemap or feed lists, with what it says of it."""

    url: str
    lastmod: dt.date | None = None
    published: dt.date | None = None
    title: str | None = None
    summary: str | None = None


def _gunzip(body: bytes, limit: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
            data = fh.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise DocumentError(f"bad gzip data: {exc}") from None
    if len(data) > limit:
        raise DocumentError(f"over {limit:,} bytes once decompressed (size limit)")
    return data


def parse_xml(body: bytes, limit: int) -> etree._Element:
    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body, limit)
    if len(body) > limit:
        raise DocumentError(f"{len(body):,} bytes, over the {limit:,}-byte size limit")
    if _ENTITY.search(body):
        raise DocumentError("declares XML entities (refused: entity expansion)")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise DocumentError(f"not well-formed XML: {exc}") from None
    if root is None:
        raise DocumentError("empty document")
    return root


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _child_text(element, *names: str) -> str | None:
    for child in element.iter():
        if child is not element and _local(child) in names and (child.text or "").strip():
            return child.text.strip()
    return None


def parse_date(text: str | None) -> dt.date | None:
    """W3C datetime (sitemaps, Atom) or RFC 822 (RSS); None when it is neither."""
    if not text:
        return None
    text = text.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        return None


def read_sitemap(root) -> tuple[str, list[Entry]]:
    """('index', child sitemaps) or ('urlset', pages); news:publication_date and news:title kept."""
    kind = _local(root)
    if kind not in ("sitemapindex", "urlset"):
        raise DocumentError(f"not a sitemap (root element <{kind}>)")
    wanted = "sitemap" if kind == "sitemapindex" else "url"
    entries = []
    for element in root:
        if _local(element) != wanted:
            continue
        loc = _child_text(element, "loc")
        if not loc:
            continue
        entries.append(
            Entry(
                url=loc,
                lastmod=parse_date(_child_text(element, "lastmod")),
                published=parse_date(_child_text(element, "publication_date")),
                title=_child_text(element, "title"),
            )
        )
    return ("index" if kind == "sitemapindex" else "urlset"), entries


def read_feed(root) -> list[Entry]:
    """The items of an RSS (0.9x, 1.0, 2.0) or Atom feed."""
    if _local(root) not in ("rss", "RDF", "feed"):
        raise DocumentError(f"not an RSS or Atom feed (root element <{_local(root)}>)")
    entries = []
    for element in root.iter():
        if _local(element) not in ("item", "entry"):
            continue
        url = None
        for child in element:
            if _local(child) == "link":
                href = child.get("href")
                if href and child.get("rel", "alternate") == "alternate":
                    url = href.strip()
                    break
                if not href and (child.text or "").strip():
                    url = child.text.strip()
                    break
        if url is None:
            guid = next((c for c in element if _local(c) == "guid"), None)
            if guid is not None and guid.get("isPermaLink", "true") == "true" and guid.text:
                url = guid.text.strip()
        if not url:
            continue
        when = _child_text(element, "pubDate", "published", "date", "updated")
        entries.append(
            Entry(
                url=url,
                published=parse_date(when),
                title=_child_text(element, "title"),
                summary=_child_text(element, "description", "summary"),
            )
        )
    return entries
