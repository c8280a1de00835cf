"""Stage 4: the corpus. The Scrapy side of storage: buffers the captures the WARC middleware
reports and the items the pipeline passes, and writes them in batches (corpus.py) on a thread of
its own, so that the reactor goes on fetching and feeding the extraction workers while PostgreSQL
works. URL variants wait on disk for the end of the run (spill.py); the time spent writing is
`stage_seconds/store`."""

from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import DBAPIError

from pipeline.database import engine_for
from pipeline.paths import warc_reference
from pipeline.rebuild.pending import mark_pending
from pipeline.signals import capture_noted, page_not_modified
from pipeline.stagetime import add_seconds
from pipeline.store.captures import capture_row
from pipeline.store.corpus import CorpusWriter
from pipeline.store.runs import finish_run, start_run
from pipeline.store.spill import ItemSpill
from warc.middleware import CaptureRecord, capture_recorded

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pipeline.items import PageItem

log = logging.getLogger(__name__)
# Batches handed to the writer thread and not yet written: one being written, one waiting. Past
# that the crawl waits for the database, so a slow or unreachable one holds no more in memory.
MAX_BATCHES_IN_FLIGHT = 2


class PostgresPipeline:
    """The Scrapy side of the store: buffers captures (from the WARC middleware) and items."""

    def __init__(self, engine: Engine, collection: str, batch_size: int, crawler=None):
        self.writer = CorpusWriter(engine)
        self.engine = engine
        self.collection = collection
        self.batch_size = batch_size
        self.crawler = crawler
        self.stats = crawler.stats if crawler is not None else None
        self.captures: list[dict] = []
        self.items: list[PageItem] = []
        self.notes: dict[str, str] = {}
        self.unsynced = False
        self.not_modified: list[dict] = []
        self.variants = ItemSpill()
        self.writes = ThreadPoolExecutor(1, thread_name_prefix="corpus-writer")  # one: batches in order
        self.in_flight: deque[Future] = deque()
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("DATABASE_URL")
        if not url:
            raise NotConfigured("DATABASE_URL not set")
        pipeline = cls(
            engine_for(url),
            collection=crawler.settings.get("ARCHIVE_COLLECTION"),
            batch_size=crawler.settings.getint("ARCHIVE_DB_BATCH_SIZE"),
            crawler=crawler,
        )
        pipeline.warc_dir = crawler.settings.get("ARCHIVE_WARC_DIR")
        crawler.signals.connect(pipeline.on_capture, signal=capture_recorded)
        crawler.signals.connect(pipeline.on_engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(pipeline.on_item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.on_not_modified, signal=page_not_modified)
        crawler.signals.connect(pipeline.on_capture_noted, signal=capture_noted)
        return pipeline

    def open_spider(self) -> None:
        spider_name = self.crawler.spider.name if self.crawler and self.crawler.spider else "?"
        self.run_id = start_run(self.engine, self.collection, spider_name)
        if self.crawler:
            self.crawler.stats.set_value("run/id", self.run_id)

    def on_capture(self, capture: CaptureRecord) -> None:
        """Called inside the WARC middleware: the write is left to the reactor's next turn."""
        self.captures.append(capture_row(capture, self.run_id))
        if len(self.captures) >= self.batch_size * 4:
            self.write_in_background()

    def on_not_modified(self, url, fetched_at, capture_record_id, original_record_id) -> None:
        self.not_modified.append(
            {
                "url": url,
                "fetched_at": fetched_at,
                "capture": capture_record_id,
                "original": original_record_id,
            }
        )

    def on_item_dropped(self, item, exception) -> None:
        """A page the pipeline judged not an article stays a capture, with the reason noted."""
        record_id = getattr(item, "capture_record_id", None) or getattr(
            getattr(item, "warc", None), "record_id", None
        )
        if record_id:
            self.notes[record_id] = str(exception)[:500]

    def on_capture_noted(self, capture_record_id: str | None, note: str) -> None:
        if capture_record_id:
            self.notes[capture_record_id] = note[:500]

    def process_item(self, item: PageItem) -> PageItem:
        if item.url != item.canonical_url:
            # URL variants (AMP, print, mobile, tracking) wait for the end of the run, so the
            # article's own page is versioned first whatever order the downloads finished in.
            self.variants.append(replace(item, body=b""))  # the store has no use for the bytes
            return item
        self.items.append(item)
        if len(self.items) >= self.batch_size:
            self.write_in_background()
        else:
            self._collect()
        return item

    def write_in_background(self) -> None:
        """Hands what is buffered to the writer thread and returns, unless MAX_BATCHES_IN_FLIGHT
        are not yet written: then it waits for the oldest (the database is the bottleneck)."""
        captures, items, notes, unmodified = self.captures, self.items, self.notes, self.not_modified
        if captures or items or notes or unmodified:
            self.captures, self.items, self.notes, self.not_modified = [], [], {}, []
            self.in_flight.append(self.writes.submit(self._write, captures, items, notes, unmodified))
        while len(self.in_flight) > MAX_BATCHES_IN_FLIGHT:
            self._collect(self.in_flight[0])
        self._collect()

    def flush(self) -> None:
        """Writes what is buffered and waits until every batch handed on is written."""
        self.write_in_background()
        while self.in_flight:
            self._collect(self.in_flight[0])

    def _write(self, captures, items, notes, unmodified) -> tuple[float, dict[str, int] | None]:
        """On the writer thread: one batch; (seconds, the writer's counts, or None if the database
        was unavailable)."""
        started = time.perf_counter()
        try:
            self.writer.write(captures, items, run_id=self.run_id, notes=notes, not_modified=unmodified)
        except DBAPIError as exc:
            # The WARC files hold all of it: stored from there when the database is back.
            self.unsynced = True
            log.warning(
                "database unavailable, %d captures and %d pages wait in the WARC files: %s",
                len(captures),
                len(items),
                str(exc.orig or exc).strip().splitlines()[0] if str(exc.orig or exc).strip() else exc,
            )
            return time.perf_counter() - started, None
        return time.perf_counter() - started, dict(self.writer.counts)

    def _collect(self, wait_for: Future | None = None) -> None:
        """Takes the results of the written batches (waiting for `wait_for` first) into the stats,
        on the reactor thread, in order."""
        if wait_for is not None:
            wait_for.exception()  # blocks until it is done
        while self.in_flight and self.in_flight[0].done():
            future = self.in_flight.popleft()
            try:
                seconds, counts = future.result()
            except Exception:  # a bug, not an outage: the batch is stored from the WARC files
                self.unsynced = True
                log.exception("storing a batch failed: its pages wait in the WARC files")
                continue
            add_seconds(self.stats, "store", seconds)
            if self.stats is None:
                continue
            if counts is None:
                self.stats.inc_value("db/write_failures")
            for key, value in (counts or {}).items():
                self.stats.set_value(f"db/{key}", value)

    def close_spider(self) -> None:
        self.flush()
        for batch in self.variants.batches(self.batch_size):
            self.items = batch
            self.flush()

    def on_engine_stopped(self) -> None:
        """Captures can still arrive after close_spider (late responses); store them, then close the run."""
        self.flush()
        self.writes.shutdown()
        if self.run_id is None or self.crawler is None:
            return
        stats = self.crawler.stats.get_stats()
        warc_files = [str(Path(self.warc_dir) / name) for name in stats.get("warc/files", [])]
        if self.unsynced:  # the run driver stores them once the crawl is over (run/crawl.py)
            mark_pending(self.collection, self.run_id, warc_files)
        reason = stats.get("finish_reason", "finished")
        try:
            finish_run(
                self.engine,
                self.run_id,
                status="finished" if reason == "finished" else str(reason),
                stats=stats,
                warc_files=[warc_reference(Path(p)) for p in warc_files],
            )
        except DBAPIError:
            log.warning("database unavailable: run %s is not marked finished", self.run_id)
