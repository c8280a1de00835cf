"""Rebuild the corpus from WARC files, with no network: `reprocess` (ours) and `import-warc` (anyone's).

The WARC files are the source of truth. Every response and revisit record becomes a capture
(idempotently, by WARC-Record-ID), and every HTML page goes through the same extract → normalize →
dedupe → store stages as a live crawl, so the same bytes give the same rows.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.exceptions import DropItem
from scrapy.http import Headers, Request, Response, TextResponse
from scrapy.responsetypes import responsetypes
from sqlalchemy.engine import Engine
from warcio.exceptions import ArchiveLoadFailed

from pipeline.collection import Collection, CollectionError, load_collection
from pipeline.items import PageItem
from pipeline.paths import warc_reference
from pipeline.rebuild.records import ArchivedResponse, discovery_metadata, read_responses, warc_files
from pipeline.rebuild.revisits import Revisits
from pipeline.rebuild.verify import Problem
from pipeline.signals import source_note
from pipeline.stages import processing_stages, stage_settings
from pipeline.store.captures import capture_row
from pipeline.store.corpus import CorpusWriter
from pipeline.store.runs import finish_run, start_run
from spiders.commoncrawl import record_item, record_page
from spiders.pages import ARCHIVE_URL, ORIGINAL_URL
from spiders.pages import page_item as spider_page_item
from warc.middleware import CAPTURE_RECORD, FETCH_STARTED, LOCATION

log = logging.getLogger(__name__)

BATCH = 200


@dataclass
class ReprocessReport:
    files: int = 0
    records: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    run_id: int | None = None

    def render(self) -> str:
        c = self.counts
        lines = [str(p) for p in self.problems]
        lines.append(
            f"read {self.records} response/revisit records from {self.files} WARC files"
            f" (run {self.run_id}); {len(self.problems)} unreadable"
        )
        lines.append(
            f"  articles: {c.get('new', 0)} new, {c.get('updated', 0)} updated, "
            f"{c.get('unchanged', 0)} unchanged, {c.get('reextracted', 0)} re-extracted; "
            f"{c.get('url_folded', 0)} URL variants folded; "
            f"{c.get('not_articles', 0)} pages held no article"
        )
        return "\n".join(lines)


def page_item(
    archived: ArchivedResponse,
    via: str,
    found: dict[str, str] | None = None,
    capture_record_id: str | None = None,
) -> PageItem | None:
    """The page as the crawl made it (spiders.pages.page_item, from the response rebuilt): under
    its original URL when it came from a web archive, with the discovery the crawl recorded in the
    WARC metadata record. `capture_record_id`: the fetch's own record, when it is a revisit."""
    capture, found = archived.capture, found or {}
    if archived.body is None or capture.status not in (200, 206):
        return None
    meta = {
        FETCH_STARTED: capture.fetched_at,
        LOCATION: archived.location,
        CAPTURE_RECORD: capture_record_id or archived.location.record_id,
        "discovered_via": found.get("discovered-via", via),
        "discovered_from": found.get("via", warc_reference(archived.location.path)),
    }
    if (archive := ARCHIVE_URL.match(capture.url)) and found.get("discovered-via"):
        meta[ORIGINAL_URL] = archive["url"]
    headers = Headers(archived.headers)
    response_class = responsetypes.from_args(headers=headers, url=capture.url, body=archived.body)
    request = Request(capture.url, meta=meta)
    body, status = archived.body, capture.status
    response = response_class(capture.url, status=status, headers=headers, body=body, request=request)
    if found.get("discovered-via") == "commoncrawl" and capture.status == 206:
        return _commoncrawl_item(response)
    if capture.status != 200 or not isinstance(response, TextResponse):
        return None
    return spider_page_item(response)


def _commoncrawl_item(response: Response) -> PageItem | None:
    """A Common Crawl byte range (one gzipped WARC record) rebuilt as the crawl made it."""
    try:
        inside = record_page(response.body)
    except (ArchiveLoadFailed, OSError, ValueError):
        inside = None
    return record_item(inside, response) if inside is not None else None


def known_collection(name: str) -> Collection | None:
    """The collection file of that name, when there is one (imported WARCs may name none)."""
    try:
        return load_collection(name)
    except CollectionError:
        return None


class Reprocessor:
    """Runs archived pages through the pipeline stages and the store, in batches."""

    def __init__(self, engine: Engine, collection: str, via: str, favor: str = "balanced"):
        self.engine = engine
        self.collection = collection
        self.via = via
        self.writer = CorpusWriter(engine)
        # The crawl's stages, configured as the crawl configures them, extracting in this process.
        settings = stage_settings(
            known_collection(collection), ARCHIVE_EXTRACT_FAVOR=favor, ARCHIVE_EXTRACT_WORKERS=0
        )
        self.stages = processing_stages(settings)
        self.not_articles = 0
        self.loop: asyncio.AbstractEventLoop | None = None

    def _through_stages(self, item: PageItem, notes: dict[str, str]) -> PageItem | None:
        for stage in self.stages:
            try:
                result = stage.process_item(item)
                if inspect.isawaitable(result):  # a stage written for the crawl's event loop
                    result = self.loop.run_until_complete(result)
                item = result
            except DropItem as reason:
                self.not_articles += 1
                notes[item.capture_record_id or item.warc.record_id] = str(reason)[:500]
                return None
        return item

    def run(self, paths: Iterable[Path]) -> ReprocessReport:
        self.loop = asyncio.new_event_loop()
        for stage in self.stages:
            if hasattr(stage, "open_spider"):
                stage.open_spider()
        try:
            return self._run(paths)
        finally:
            for stage in self.stages:
                if hasattr(stage, "close_spider"):
                    stage.close_spider()
            self.loop.close()

    def _run(self, paths: Iterable[Path]) -> ReprocessReport:
        report = ReprocessReport()
        report.run_id = start_run(self.engine, self.collection, self.via)
        captures: list[dict] = []
        items: list[PageItem] = []
        notes: dict[str, str] = {}
        variants: list[PageItem] = []
        revisits = Revisits(self.engine)
        files = warc_files(paths)
        for path in files:
            report.files += 1
            metadata = discovery_metadata(path)
            for archived in read_responses(path, report.problems):
                report.records += 1
                captures.append(capture_row(archived.capture, report.run_id))
                record_id = archived.location.record_id
                page, why_not = revisits.read(archived)  # a revisit: the page it repeats
                if why_not:
                    notes[record_id] = why_not
                found = metadata.get(record_id) or {}
                if page and found.get("discovery-source"):  # read by the crawl for its links
                    notes[record_id], page = source_note(found["discovery-source"]), None
                item = page_item(page, self.via, found, record_id) if page else None
                if item is not None and (item := self._through_stages(item, notes)) is not None:
                    # URL variants after every article's own page, as a crawl does.
                    (variants if item.url != item.canonical_url else items).append(item)
                if len(captures) >= BATCH:
                    self.writer.write(captures, items, run_id=report.run_id, notes=notes)
                    captures, items, notes = [], [], {}
        self.writer.write(captures, items, run_id=report.run_id, notes=notes)
        self.writer.write([], variants, run_id=report.run_id)
        report.counts = dict(self.writer.counts, not_articles=self.not_articles)
        stats = report.counts | {
            "files": report.files,
            "records": report.records,
            "problems": [str(p) for p in report.problems],
        }
        finish_run(self.engine, report.run_id, "finished", stats, [warc_reference(p) for p in files])
        return report
