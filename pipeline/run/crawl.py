"""Run one crawl of a collection in this process and summarize it for the operator."""

from __future__ import annotations

import datetime as dt
import gc
import os
import shutil
import socket
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from pipeline.collection import Collection
from pipeline.collector import collect_young_objects_rarely, collector_restored
from pipeline.database import engine_for
from pipeline.extract.forkserver import start_early
from pipeline.paths import data_dir, warc_dir
from pipeline.rebuild.pending import mark_pending, process_pending
from pipeline.run.fetchfailures import failed_requests, hide_request_failures_on_console, summary_lines
from pipeline.run.frontier import redis_settings
from pipeline.run.locks import collection_lock
from pipeline.run.logs import install_run_log, quiet_network_tracebacks
from pipeline.stages import EXTRACT, stage_settings
from pipeline.store.runs import NOTHING_FETCHED, mark_status
from spiders.collection import CollectionSpider
from warc.index import update_index
from warc.recover import recover_open_files

VERSION = "0.1.0"
OFFLINE_HINT = "no page could be fetched: is the network up? `make demo` runs the offline demo"
FAILED_URLS_SHOWN = 10  # when nothing answered: the rest are in the log file and captures


def tune_collector_for_the_crawl() -> None:
    """The objects of the modules, settings and components loaded by the engine's start live as long
    as the crawl: frozen, the garbage collector's full passes do not walk them each time. Then young
    collections run rarely (pipeline.collector). Both last until the crawl ends (collector_restored)."""
    gc.freeze()
    collect_young_objects_rarely()


@contextmanager
def batch_scheduling() -> Iterator[None]:
    """The crawl's threads and processes (the WARC writer, the extraction workers: they inherit
    it) run under Linux's SCHED_BATCH policy, for non-interactive work: a process that wakes (the
    crawl on a network event, the writer on a record) no longer preempts a running one at once,
    and an extraction worker keeps its core and caches for longer. Priority (nice) is unchanged.
    The calling thread's policy is restored afterwards; elsewhere, or where it is not allowed, a
    no-op."""
    try:
        before = os.sched_getscheduler(0), os.sched_getparam(0)
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or a sandbox that forbids it
        before = None
    try:
        yield
    finally:
        if before is not None:
            try:
                os.sched_setscheduler(0, *before)
            except OSError:
                pass


@dataclass
class CrawlReport:
    collection: str
    run_id: int | None
    seconds: float
    pages_fetched: int
    responses: int
    failures: dict[str, str]
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    not_articles: int
    warc_files: list[Path] = field(default_factory=list)
    finish_reason: str = "finished"
    notes: list[str] = field(default_factory=list)
    log_file: Path | None = None
    skipped: bool = False
    not_due: int = 0  # known pages the re-crawl policy left for a later run
    worker: str | None = None  # this process's name in a distributed crawl
    failed_requests: dict[str, int] = field(default_factory=dict)  # kind -> requests (retries count)

    @classmethod
    def skipped_run(cls, collection: str) -> CrawlReport:
        return cls(collection, None, 0.0, 0, 0, {}, 0, 0, 0, 0, skipped=True)

    @property
    def nothing_fetched(self) -> bool:
        """Every request failed before any answer: no network, a dead proxy, every host down."""
        return (
            not self.skipped
            and not self.worker
            and self.finish_reason == "finished"
            and self.responses == 0
            and sum(self.failed_requests.values()) > 0
        )

    @property
    def ok(self) -> bool:
        """A run fails only when nothing at all could be fetched; a skipped run is not a failure."""
        if self.worker:  # a worker may find the others took all the work
            return self.finish_reason in ("finished", "shutdown")
        return self.skipped or self.pages_fetched > 0 or self.not_due > 0 or self.finish_reason != "finished"

    def render(self) -> str:
        if self.skipped:
            return (
                f"Another crawl of '{self.collection}' is running: nothing to do "
                "(this run exits without crawling)."
            )
        ended = "ended" if self.finish_reason == "finished" else f"stopped ({self.finish_reason})"
        lines = [*self.notes]
        lines += [
            f"Crawl of '{self.collection}' (run {self.run_id}"
            + (f", worker {self.worker}" if self.worker else "")
            + f") {ended} after {self.seconds:.1f} s",
            f"  fetched: {self.pages_fetched} pages ({self.responses} HTTP responses archived)"
            f", failed: {len(self.failures)} URLs",
            f"  articles: {self.articles_new} new, {self.articles_updated} updated, "
            f"{self.articles_unchanged} unchanged; {self.not_articles} pages held no article",
        ]
        lines += [f"  {line}" for line in summary_lines(Counter(self.failed_requests))]
        for path in self.warc_files:
            size = path.stat().st_size if path.exists() else 0
            lines.append(f"  WARC: {path} ({size / 1e6:.2f} MB)")
        if self.not_due:
            lines.append(f"  {self.not_due} known pages not due for re-crawl yet ([recrawl] policy)")
        if self.log_file:
            lines.append(f"  log: {self.log_file}")
        if self.finish_reason != "finished":
            lines.append("  the next run resumes where this one stopped")
        elif self.worker:
            lines.append("  the shared frontier is empty: every worker's share is done")
        if self.failures:
            lines.append("Failed URLs:")
            shown = sorted(self.failures.items())
            if self.nothing_fetched:
                shown = shown[:FAILED_URLS_SHOWN]
            width = min(max(len(u) for u, _ in shown), 100)
            for url, reason in shown:
                lines.append(f"  {url:<{width}}  {reason}")
            if len(shown) < len(self.failures):
                where = f" (all in {self.log_file})" if self.log_file else ""
                lines.append(f"  ... and {len(self.failures) - len(shown)} more{where}")
        if self.nothing_fetched:
            lines.append(OFFLINE_HINT)
        return "\n".join(lines)


def crawl_settings(collection: Collection, database_url: str, log_level: str) -> Settings:
    settings = stage_settings(collection)
    contact = collection.contact or "no contact given"
    user_agent = f"incident-archive/{VERSION} (+{contact})"
    settings.setdict(
        {
            "DATABASE_URL": database_url,
            "ARCHIVE_COLLECTION": collection.name,
            "ARCHIVE_WARC_DIR": str(warc_dir() / collection.name),
            "ARCHIVE_WARC_PREFIX": collection.name,
            "ARCHIVE_WARC_INFO": {
                "software": f"incident-archive/{VERSION} (Scrapy {scrapy.__version__}, "
                f"warcio {version('warcio')})",
                "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                "warc-format/warc-1.1/",
                "isPartOf": collection.name,
                "description": collection.title,
                "operator": f"{collection.operator} {contact}".strip(),
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "hostname": socket.gethostname(),
                "http-header-user-agent": user_agent,
            },
            "USER_AGENT": user_agent,
            "LOG_LEVEL": log_level,
        },
        priority="cmdline",
    )
    return settings


def uses_extraction_workers(settings: Settings) -> bool:
    """Whether the crawl's item pipelines extract in worker processes (named, not imported: the
    import is what starting the workers early saves)."""
    names = {
        k if isinstance(k, str) else f"{k.__module__}.{k.__qualname__}"
        for k in settings.getdict("ITEM_PIPELINES")
    }
    return EXTRACT in names and settings.getint("ARCHIVE_EXTRACT_WORKERS") > 0


def run_crawl(
    collection: Collection,
    database_url: str,
    *,
    proxy: str | None = None,
    log_level: str = "INFO",
    overrides: list[tuple[str, str]] = (),
    redis_url: str | None = None,
) -> CrawlReport:
    """Crawl the collection's seeds; every fetch goes to WARC, every article to the corpus.

    One crawl per collection at a time (an advisory lock); a run that finds another one going
    returns a skipped report at once. An interrupted run resumes where it stopped (JOBDIR).
    With `redis_url` this process is one worker of a distributed crawl (frontier.py): workers
    share the lock, the queue and the dupefilter, and resume from Redis.
    """
    engine = engine_for(database_url)
    with collection_lock(engine, collection.name, shared=redis_url is not None) as acquired:
        if not acquired:
            return CrawlReport.skipped_run(collection.name)
        with batch_scheduling():
            return _locked_crawl(collection, database_url, engine, proxy, log_level, overrides, redis_url)


def stored_pending(engine) -> list[str]:
    """Stores the WARC files that runs could not store (pending markers): before a crawl, those
    of earlier runs; after it, this run's own. One line per marker stored, for the report."""
    return [f"stored pending WARC files of {marker}" for marker in process_pending(engine)]


def _locked_crawl(collection, database_url, engine, proxy, log_level, overrides, redis_url) -> CrawlReport:
    settings = crawl_settings(collection, database_url, log_level)
    if proxy:
        settings.set("ARCHIVE_PROXY", proxy, priority="cmdline")  # this crawl's alone (run/proxy.py)
    for name, value in overrides:
        settings.set(name, value, priority="cmdline")
    if uses_extraction_workers(settings):
        start_early()  # the workers' imports run beside everything below, not after it
    directory = Path(settings.get("ARCHIVE_WARC_DIR"))
    recovered = recover_open_files(directory)  # a previous run was killed
    notes = [str(r) for r in recovered]
    if whole := [str(r.path) for r in recovered if r.action == "recovered"]:
        mark_pending(collection.name, None, whole)  # what the killed run had archived, not stored
    notes += stored_pending(engine)
    jobdir = Path(settings.get("JOBDIR") or data_dir() / "jobs" / collection.name)
    if redis_url:
        settings.setdict(redis_settings(collection.name, redis_url), priority="cmdline")
        # each worker its own WARC series: the process id keeps names apart on one machine
        settings.set("ARCHIVE_WARC_PREFIX", f"{collection.name}-{os.getpid()}", priority="cmdline")
    else:
        if (jobdir / "requests.seen").exists():
            notes.append(f"resuming the interrupted run kept in {jobdir}")
        settings.set("JOBDIR", str(jobdir), priority="cmdline")
    log_file = install_run_log(collection.name, log_level)

    settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(CollectionSpider)
    crawler.signals.connect(quiet_network_tracebacks, signal=signals.engine_started)
    crawler.signals.connect(hide_request_failures_on_console, signal=signals.engine_started)
    crawler.signals.connect(tune_collector_for_the_crawl, signal=signals.engine_started)
    started = dt.datetime.now(dt.UTC)
    process.crawl(crawler, collection=collection)
    with collector_restored():  # as it was, for whoever runs on in this process
        process.start()
    stats = crawler.stats.get_stats()
    notes += stored_pending(engine)  # what this run could not store (a database outage)
    notes += stats.get("discovery/notes", [])  # e.g. an archive pattern stopped at its cap
    if stats.get("finish_reason") == "finished" and not redis_url:
        shutil.rmtree(jobdir, ignore_errors=True)  # done: the next run starts afresh
    if directory.exists():
        update_index(directory)  # the CDXJ index beside the WARCs, for replay and lookups
    report = CrawlReport(
        collection=collection.name,
        run_id=stats.get("run/id"),
        seconds=(dt.datetime.now(dt.UTC) - started).total_seconds(),
        pages_fetched=stats.get("pages/fetched", 0),
        responses=stats.get("downloader/response_count", 0),
        failures=dict(getattr(crawler.spider, "failures", {})),
        articles_new=stats.get("db/new", 0),
        articles_updated=stats.get("db/updated", 0),
        articles_unchanged=stats.get("db/unchanged", 0),
        not_articles=stats.get("extract/no_article", 0) + stats.get("normalize/too_short", 0),
        warc_files=[directory / name for name in stats.get("warc/files", [])],
        finish_reason=str(stats.get("finish_reason", "finished")),
        notes=notes,
        log_file=log_file,
        not_due=stats.get("pages/not_due", 0),
        worker=stats.get("frontier/worker"),
        failed_requests=dict(failed_requests(stats)),
    )
    if report.nothing_fetched and report.run_id is not None:
        mark_status(engine, report.run_id, NOTHING_FETCHED)  # not "finished": no page came
    return report
