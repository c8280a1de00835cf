"""Extraction off the reactor thread: worker processes run `extract_page` (and the story signature
of the text it finds), so that a crawl uses every core while the reactor fetches, archives and stores.

Workers are started by a fork server (or spawned), never forked from the running reactor. They
ignore SIGINT, so that Ctrl-C and SIGTERM reach only the crawl process, which stops cleanly and
shuts the pool down; they exit by themselves when the crawl process is gone (kill -9): they wait
for the end of a pipe only the crawl process writes to (the fork server outlives it while its
workers live). Their warnings and errors come back with each result into the crawl's log.

A worker that dies (a crash in a C library, the kernel's OOM killer, or a page over
ARCHIVE_EXTRACT_MAX_SECONDS of CPU, which the kernel stops with SIGPROF) breaks the pool and every
page in flight with it: the pool is made anew, and each of those pages is tried once more alone in
a one-worker pool, so that only the page that kills a worker is reported as "extraction failed".
Work in flight is bounded by Scrapy: each item holds its response in the scraper's slot until the
pipelines are done with it, and no request is sent while those responses exceed
SCRAPER_SLOT_MAX_ACTIVE_SIZE (5 MB by default); CONCURRENT_REQUESTS bounds the rest.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cache
from logging.handlers import QueueHandler
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from pipeline.extract import ExtractPipeline, PageExtraction, extract_page
from pipeline.forkserver import worker_context
from pipeline.normalize import normalize_text
from pipeline.stagetime import add_seconds
from pipeline.stories import SignatureParams, StorySignature

if TYPE_CHECKING:
    from pipeline.items import PageItem

log = logging.getLogger(__name__)
WORKER_LOG_LEVEL = logging.WARNING  # what workers send back to the crawl's log
# CPU seconds a worker may spend on one page (a 4 MB page takes about 2 s), unless the setting
# ARCHIVE_EXTRACT_MAX_SECONDS says otherwise (0: no limit).
MAX_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class JobResult:
    """One page's extraction, the signature of its normalized text, the worker's CPU seconds."""

    extraction: PageExtraction
    signature: StorySignature | None = None
    cpu_seconds: float = 0.0
    logs: tuple[logging.LogRecord, ...] = ()


def failed(reason: str) -> JobResult:
    return JobResult(PageExtraction(None, f"extraction failed: {reason}"))


_records: list[logging.LogRecord] = []  # a worker's log records, sent back with the page's result
_max_seconds = 0.0  # a worker's CPU limit per page (0: none); never set in the crawl process


class _Collect(QueueHandler):
    """QueueHandler.prepare makes a record picklable (message formatted, traceback as text)."""

    def enqueue(self, record: logging.LogRecord) -> None:
        _records.append(record)


def run_job(arguments: tuple) -> JobResult:
    """What a worker does with one page: `extract_page(*arguments)`, then the story signature of
    the article's normalized text (the same `normalize_text` as the normalize stage). The CPU time
    is the thread's: a worker's whole, and no more than the page's when run in the crawl process."""
    started = time.thread_time()
    if _max_seconds:
        signal.setitimer(signal.ITIMER_PROF, _max_seconds)  # SIGPROF's default action: exit
    try:
        extraction = extract_page(*arguments)
        signature = None
        if extraction.article is not None:
            signature = StorySignature.of(normalize_text(extraction.article.text), SignatureParams())
    finally:
        if _max_seconds:
            signal.setitimer(signal.ITIMER_PROF, 0)
    logs = tuple(_records)
    _records.clear()
    return JobResult(extraction, signature, time.thread_time() - started, logs)


def _start_worker(crawl_alive: Connection, max_seconds: float) -> None:
    global _max_seconds
    _max_seconds = max_seconds
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root = logging.getLogger()
    root.setLevel(WORKER_LOG_LEVEL)
    root.addHandler(_Collect(None))

    def exit_with_crawl() -> None:
        try:
            crawl_alive.recv_bytes()  # nothing is ever sent: this returns when the crawl is gone
        finally:
            os._exit(1)

    threading.Thread(target=exit_with_crawl, name="crawl-alive", daemon=True).start()


@cache
def _crawl_alive() -> tuple[Connection, Connection]:
    """A pipe whose write end this process alone holds (open while it lives, never written to)."""
    return multiprocessing.Pipe(duplex=False)


def _executor(workers: int, max_seconds: float) -> Executor:
    return ProcessPoolExecutor(
        workers,
        mp_context=worker_context(),  # workers start with trafilatura & co. imported
        initializer=_start_worker,
        initargs=(_crawl_alive()[0], max_seconds),
    )


def _worker_pid() -> int:
    time.sleep(0.02)  # long enough for an idle worker to take the next task
    return os.getpid()


def _started(executor: Executor, workers: int) -> Future:
    """Starts the workers from a thread of its own (the first start of the fork server imports the
    extraction libraries, seconds that the reactor must not wait), until each has answered."""
    ready: Future = Future()

    def start() -> None:
        try:
            answered: set[int] = set()
            for _ in range(100):  # a worker that never answers breaks the pool, or is slow: go on
                answered |= {f.result() for f in [executor.submit(_worker_pid) for _ in range(workers)]}
                if len(answered) >= workers:
                    break
            ready.set_result(None)
        except BaseException as exc:  # the first page reports it
            ready.set_exception(exc)

    threading.Thread(target=start, name="extract-pool-start", daemon=True).start()
    return ready


class ExtractPool:
    """Runs `run_job` in `workers` processes (none: in this thread), surviving dead workers."""

    def __init__(self, workers: int, stats=None, max_seconds: float = 0.0) -> None:
        self.workers = workers
        self.stats = stats
        self.max_seconds = max_seconds
        self.executor = _executor(workers, max_seconds) if workers > 0 else None
        self.ready = _started(self.executor, workers) if self.executor else None
        self.alone: Executor | None = None  # one worker: pages from a broken pool, one at a time
        self.alone_lock = asyncio.Lock()

    async def run(self, arguments: tuple) -> JobResult:
        ready = self.ready
        if ready is not None and not ready.done():
            await asyncio.wait([asyncio.wrap_future(ready)])  # the workers' start, once
        if ready is not None and ready is self.ready and ready.exception() is not None:
            self._without_workers(ready.exception())
        executor = self.executor
        if executor is None:
            return run_job(arguments)
        try:
            return self._received(await asyncio.wrap_future(executor.submit(run_job, arguments)))
        except BrokenProcessPool:
            self._replace(executor)
        except Exception as exc:  # e.g. a result that could not be sent back
            log.error("extraction failed on %s: %r", arguments[1], exc)
            return failed(type(exc).__name__)
        async with self.alone_lock:
            self.alone = self.alone or _executor(1, self.max_seconds)
            try:
                return self._received(await asyncio.wrap_future(self.alone.submit(run_job, arguments)))
            except BrokenProcessPool:
                self.alone.shutdown(wait=False)
                self.alone = None
                self._count("extract/worker_died")
                log.error("an extraction worker died on %s: not extracted", arguments[1])
                return failed("worker died")

    def _received(self, result: JobResult) -> JobResult:
        for record in result.logs:
            logging.getLogger(record.name).handle(record)
        return result

    def _without_workers(self, exc: BaseException) -> None:
        log.error("extraction workers could not start (%r): extracting on the reactor thread", exc)
        self.executor.shutdown(wait=False)
        self.executor = self.ready = None

    def _replace(self, broken: Executor) -> None:
        """A new pool for the broken one (once, whichever of its pages notices first)."""
        if self.executor is not broken:
            return
        log.warning("an extraction worker died: new pool; the pages it held are tried again one by one")
        self._count("extract/pool_restarts")
        broken.shutdown(wait=False)
        self.executor = _executor(self.workers, self.max_seconds)
        self.ready = _started(self.executor, self.workers)

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    def close(self) -> None:
        for executor in (self.executor, self.alone):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self.executor = self.alone = None


class PooledExtractPipeline:
    """Stage 1 of a crawl: ExtractPipeline's extraction, run by the pool (ARCHIVE_EXTRACT_WORKERS
    processes; 0 extracts on the reactor thread)."""

    def __init__(self, stage: ExtractPipeline, workers: int, max_seconds: float = 0.0) -> None:
        self.stage = stage
        self.stats = stage.stats
        self.workers = workers
        self.max_seconds = max_seconds
        self.pool: ExtractPool | None = None
        self.in_flight = 0

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.utils.asyncio import is_asyncio_available

        favor = crawler.settings.get("ARCHIVE_EXTRACT_FAVOR", "balanced")
        stage = ExtractPipeline(crawler.stats, favor=favor)
        if not is_asyncio_available():
            log.warning("extraction runs on the reactor thread: the pool needs the asyncio reactor")
            return stage
        workers = crawler.settings.getint("ARCHIVE_EXTRACT_WORKERS", os.cpu_count() or 1)
        max_seconds = crawler.settings.getfloat("ARCHIVE_EXTRACT_MAX_SECONDS", MAX_SECONDS)
        return cls(stage, max(workers, 0), max(max_seconds, 0.0))

    def open_spider(self) -> None:
        self.pool = ExtractPool(self.workers, self.stats, self.max_seconds)

    async def process_item(self, item: PageItem) -> PageItem:
        assert self.pool is not None, "open_spider makes the pool"
        started = time.perf_counter()
        self.in_flight += 1
        if self.stats is not None:
            self.stats.max_value("extract/in_flight_max", self.in_flight)  # what Scrapy lets in
        try:
            result = await self.pool.run(self.stage.arguments(item))
        finally:
            self.in_flight -= 1
        add_seconds(self.stats, "extract_wait", time.perf_counter() - started)
        add_seconds(self.stats, "extract", result.cpu_seconds)
        item.story_signature = result.signature
        return self.stage.accept(item, result.extraction)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()
