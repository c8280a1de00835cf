"""Extraction off the reactor thread: worker processes run `extract_page` (and the story signature
of the text it finds), so that a crawl uses every core while the reactor fetches, archives and stores.

Workers are started by a fork server (or spawned), never forked from the running reactor. They
ignore SIGINT, so that Ctrl-C and SIGTERM reach only the crawl process, which stops cleanly and
shuts the pool down; they exit by themselves when the crawl process is gone (kill -9): they wait
for the end of a pipe only the crawl process writes to (the fork server outlives it while its
workers live). Their warnings and errors come back with each result into the crawl's log.

A worker that dies (a crash in a C library, the kernel's OOM killer, or a page over
ARCHIVE_EXTRACT_MAX_SECONDS of CPU, which the kernel stops with SIGPROF) is replaced; the page it
was running is tried once more and the one it had not started is handed on, so that only a page
that kills a worker twice is reported as "extraction failed". Work in flight is bounded by
Scrapy: each item holds its response in the scraper's slot until the pipelines are done with it,
and no request is sent while those responses exceed SCRAPER_SLOT_MAX_ACTIVE_SIZE (5 MB by
default); CONCURRENT_REQUESTS bounds the rest.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cache
from logging.handlers import QueueHandler
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from pipeline.collector import collect_young_objects_rarely
from pipeline.dedupe.stories import SignatureParams, StorySignature
from pipeline.extract.article import ExtractPipeline, PageExtraction, extract_page
from pipeline.extract.forkserver import worker_context
from pipeline.items import PageItem, Precomputed
from pipeline.normalize.forms import TextFacts
from pipeline.stagetime import add_seconds
from warc.childprocess import Child, Message, serve

log = logging.getLogger(__name__)
WORKER_LOG_LEVEL = logging.WARNING  # what workers send back to the crawl's log


@dataclass(frozen=True, slots=True)
class JobResult:
    """One page's extraction, what was made beside it (None without an article), and the worker's
    CPU seconds and log records."""

    extraction: PageExtraction
    precomputed: Precomputed | None = None
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
    """What a worker does with one page: `extract_page(*arguments)`, then the article's text facts
    (`TextFacts`, which the normalize stage would make) and the story signature of its normalized
    text. The CPU time is the thread's: a worker's whole, and no more than the page's when run in
    the crawl process."""
    started = time.thread_time()
    if _max_seconds:
        signal.setitimer(signal.ITIMER_PROF, _max_seconds)  # SIGPROF's default action: exit
    try:
        extraction = extract_page(*arguments)
        precomputed = None
        if extraction.article is not None:
            facts = TextFacts.of(extraction.article.text, extraction.article.dek)
            precomputed = Precomputed(facts, StorySignature.of(facts.text, SignatureParams()))
    finally:
        if _max_seconds:
            signal.setitimer(signal.ITIMER_PROF, 0)
    logs = tuple(_records)
    _records.clear()
    return JobResult(extraction, precomputed, time.thread_time() - started, logs)


def _start_worker(crawl_alive: Connection, max_seconds: float) -> None:
    global _max_seconds
    _max_seconds = max_seconds
    collect_young_objects_rarely()
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


def _serve(tasks: Connection, results: Connection, crawl_alive: Connection, max_seconds: float) -> None:
    """A worker: a page's arguments in, its JobResult out, one at a time, until its task pipe closes
    (the pool closed it, or the crawl process is gone)."""
    _start_worker(crawl_alive, max_seconds)
    serve(run_job, tasks.fileno(), results.fileno())


def _spawn(max_seconds: float) -> tuple[BaseProcess, Connection, Connection]:
    """Starts one worker; (its process, the write end of its task pipe, the read end of its result
    pipe). Blocks until the fork server has forked it: the first time, until it has imported the
    extraction libraries, so the pool calls this off the reactor thread."""
    task_reader, task_writer = multiprocessing.Pipe(duplex=False)
    result_reader, result_writer = multiprocessing.Pipe(duplex=False)
    process = worker_context().Process(
        target=_serve,
        args=(task_reader, result_writer, _crawl_alive()[0], max_seconds),
        name="extract-worker",
        daemon=True,
    )
    process.start()
    task_reader.close()  # the worker's ends: closed here, so a dead worker is an end of file
    result_writer.close()
    return process, task_writer, result_reader


@dataclass(eq=False)
class _Job(Message):
    arguments: tuple = ()


class ExtractPool:
    """Runs `run_job` in `workers` processes (none: in this thread), surviving dead workers.

    No thread of its own in the crawl process: pages go down each worker's pipe and results come
    back through the reactor's own event loop (concurrent.futures' pool costs the reactor thread
    two helper threads, a wake-up pipe and their hand-offs of the GIL on every page). Each worker
    holds at most two pages, the one it runs and the next, so a slow page holds up one other at most;
    the rest wait here. A worker that dies is replaced: the page it was running is tried once more,
    the one it had not started yet goes back to the head of the queue, and a page that kills a
    second worker is reported as "extraction failed: worker died"."""

    def __init__(self, workers: int, stats=None, max_seconds: float = 0.0) -> None:
        self.workers = workers
        self.stats = stats
        self.max_seconds = max_seconds
        self.queue: deque[_Job] = deque()
        self.alive: list[Child] = []
        self.starting = 0  # replacements being started
        self.closed = False
        self.ready: Future | None = None
        if workers > 0:
            self.ready = Future()
            threading.Thread(target=self._start_all, name="extract-pool-start", daemon=True).start()
        self.attached: asyncio.Future | None = None

    def _start_all(self) -> None:
        try:
            self.ready.set_result([_spawn(self.max_seconds) for _ in range(self.workers)])
        except BaseException as exc:  # the first page reports it
            self.ready.set_exception(exc)

    async def _attach(self) -> None:
        """The started workers' pipes joined to this event loop (once, on the first page)."""
        try:
            spawned = await asyncio.wrap_future(self.ready)
        except Exception as exc:
            log.error("extraction workers could not start (%r): extracting on the reactor thread", exc)
            self.workers = 0
            return
        for process, tasks, results in spawned:
            self._join(process, tasks, results)

    def _join(self, process: BaseProcess, tasks: Connection, results: Connection) -> None:
        self.alive.append(Child(process, tasks, results, self.lost))
        self.dispatch()

    async def run(self, arguments: tuple) -> JobResult:
        if self.workers and self.attached is None:
            self.attached = asyncio.ensure_future(self._attach())
        if self.attached is not None and not self.attached.done():
            await asyncio.shield(self.attached)
        if not self.workers or self.closed:
            return run_job(arguments)
        job = _Job.of(arguments, arguments=arguments)
        self.queue.append(job)
        self.dispatch()
        try:
            result = await job.answer
        except Exception as exc:  # a page that breaks the extractor, or a result that does not pickle
            log.error("extraction failed on %s: %r", arguments[1], exc)
            result = failed(type(exc).__name__)
        self.dispatch()  # its worker has room for another
        return self._received(result)

    def dispatch(self) -> None:
        """Hands waiting pages to the workers holding the fewest, up to two each."""
        while self.queue and self.alive:
            worker = min(self.alive, key=lambda w: len(w.held))
            if len(worker.held) >= 2:
                return
            worker.send(self.queue.popleft())

    def lost(self, worker: Child, held: list[_Job]) -> None:
        """A worker died, holding these pages."""
        self.alive.remove(worker)
        worker.process.join(timeout=1)
        if held:
            running = held[0]
            if running.tries >= 2:
                held.pop(0)
                self._count("extract/worker_died")
                log.error("an extraction worker died on %s: not extracted", running.arguments[1])
                running.settle(True, failed("worker died"))
            else:
                log.warning("an extraction worker died on %s: tried once more", running.arguments[1])
        self.queue.extendleft(reversed(held))
        self._count("extract/worker_restarts")
        self.starting += 1
        asyncio.ensure_future(self._replace())

    async def _replace(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            spawned = await loop.run_in_executor(None, _spawn, self.max_seconds)
        except Exception as exc:
            log.error("no extraction worker could replace a dead one: %r", exc)
            spawned = None
        finally:
            self.starting -= 1
        if spawned is not None and self.closed:
            _close_spawned(*spawned)  # the pool closed while it started
        elif spawned is not None:
            self._join(*spawned)
        elif not self.alive and not self.starting:
            self.workers = 0  # none left: the waiting pages are extracted here, on this thread
            while self.queue:
                job = self.queue.popleft()
                if not job.answer.done():
                    job.settle(True, run_job(job.arguments))

    def _received(self, result: JobResult) -> JobResult:
        for record in result.logs:
            logging.getLogger(record.name).handle(record)
        return result

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    def close(self) -> None:
        """Ends the workers (their pipes close; each ends after its page) and waits for them."""
        self.closed = True
        for job in self.queue:
            job.answer.cancel()
        self.queue.clear()
        for worker in self.alive:
            worker.end()
        for worker in self.alive:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
        self.alive.clear()
        if self.ready is not None and self.attached is None:  # started, never used
            self.ready.add_done_callback(_close_unused)


def _close_unused(ready: Future) -> None:
    if ready.exception() is None:
        for spawned in ready.result():
            _close_spawned(*spawned)


def _close_spawned(process: BaseProcess, tasks: Connection, results: Connection) -> None:
    """Ends a started worker the pool never joined: its task pipe closes, and it exits."""
    tasks.close()
    results.close()
    process.join(timeout=10)


class PooledExtractPipeline:
    """Stage 1 of a crawl: ExtractPipeline's extraction, run by the pool (ARCHIVE_EXTRACT_WORKERS
    processes; 0, or a reactor other than asyncio's, extracts on the reactor thread)."""

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

        stage = cls.configured(crawler.settings, crawler.stats)
        if stage.workers and not is_asyncio_available():
            log.warning("extraction runs on the reactor thread: its workers need the asyncio reactor")
            stage.workers = 0
        return stage

    @classmethod
    def configured(cls, settings, stats=None):
        workers = max(settings.getint("ARCHIVE_EXTRACT_WORKERS"), 0)
        max_seconds = max(settings.getfloat("ARCHIVE_EXTRACT_MAX_SECONDS"), 0.0)
        return cls(ExtractPipeline.configured(settings, stats), workers, max_seconds)

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
        item.precomputed = result.precomputed
        return self.stage.accept(item, result.extraction)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()
