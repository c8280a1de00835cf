"""What flows through the item pipelines: a fetched page, then what was extracted from it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from warc.writer import RecordLocation

if TYPE_CHECKING:
    from pipeline.dedupe.stories import StorySignature
    from pipeline.normalize.forms import TextFacts


@dataclass(slots=True)
class Extracted:
    """Article fields as the extractor read them from the page (before normalization)."""

    title: str | None
    dek: str | None
    authors: list[str]
    published_at: dt.datetime | None
    updated_at: dt.datetime | None
    section: str | None
    language: str | None
    text: str
    canonical_url: str | None
    site_name: str | None
    extractor: str
    extractor_version: str
    extractor_settings: dict = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)  # what was repaired (charset, mojibake, dates)
    # What the page is and how much of it a reader without a subscription sees (extract/pagekind.py):
    access: str = "open"  # open, paywalled or teaser
    page_kind: str = "article"  # article, brief, listing, liveblog or video


@dataclass(frozen=True, slots=True)
class Precomputed:
    """What an extraction worker makes beside the extraction, so that the crawl's reactor thread
    does not go over the text again: the normalized text's facts (which normalization would make)
    and their story signature (which story dedupe checks still fits before it uses it)."""

    facts: TextFacts
    signature: StorySignature


@dataclass(slots=True)
class PageItem:
    """A fetched HTML page with the location of its archived response record."""

    url: str
    body: bytes = field(repr=False)
    encoding: str
    fetched_at: dt.datetime
    warc: RecordLocation
    capture_record_id: str | None = None  # this fetch's own record, when it is a revisit
    content_type: str | None = None  # the response's Content-Type header (its charset)
    discovered_via: str = "seeds"
    discovered_from: str | None = None
    extracted: Extracted | None = field(default=None, repr=False)
    # None when extraction ran in this process: normalization and story dedupe make their own.
    precomputed: Precomputed | None = field(default=None, repr=False)
    # Set by normalization:
    canonical_url: str | None = None
    url_key: str | None = None  # what all URL variants of the article share (normalize/identity.py)
    url_rules: tuple[str, ...] = ()  # the rules that turned the fetched URL into canonical_url
    outlet_domain: str | None = None
    outlet_name: str | None = None
    text: str | None = field(default=None, repr=False)
    content_hash: str | None = None
    word_count: int = 0
    notes: dict[str, str] = field(default_factory=dict)

    def stands_for(self, original_url: str, archive_url: str, archived_at: dt.datetime | None) -> None:
        """This page is a web archive's copy of `original_url`: the article is the original's,
        and where and when the archive captured it is kept beside it (its citation names both)."""
        self.url = original_url
        self.notes["archive_url"] = archive_url
        if archived_at is not None:
            self.notes["archived_at"] = archived_at.isoformat()
