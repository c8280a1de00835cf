"""What one benchmark mode does, in its own process (so peak RSS is that mode's alone); the
orchestrator (bench/endtoend.py) starts it as ``python -m bench.endtoend --child MODE ...`` and
reads the JSON it leaves.

The crawl modes go through ``pipeline.run.crawl.run_crawl``, the code ``python -m pipeline crawl``
runs, with the benchmark's settings as its overrides; they differ only in what they switch off.
extract_only is ``pipeline.extract.article.extract_page`` over the same page bytes on a process pool of
one worker per core: the rate the crawl's extraction could reach if nothing else cost anything.
"""

from __future__ import annotations

import datetime as dt
import gzip
import mmap
import os
import resource
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.sitepages import CONTENT_TYPE

CRAWL_MODES = ("plain_scrapy", "warc_only", "end_to_end")
MODES = (*CRAWL_MODES, "extract_only")
# Loopback needs no politeness; everything else is the product's own settings.
BENCH_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}
MODE_SETTINGS = {
    "plain_scrapy": {"ARCHIVE_WARC_ENABLED": False, "ITEM_PIPELINES": {}},
    "warc_only": {"ITEM_PIPELINES": {}},
    "end_to_end": {},
}
STAGE_PREFIX = "stage_seconds/"
EXTRACT_CHUNK = 8  # pages per task handed to a pool worker


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MB."""
    kb = _status_kb(os.getpid(), "VmHWM:") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kb(pid: int) -> int:
    """A process's resident set, from /proc/<pid>/statm: one short line, read each sample."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children", "rb") as fh:
                    children = [int(c) for c in fh.read().split()]
            except (OSError, ValueError):
                continue
            found += children
            todo += children
    return found


class TreeMemory:
    """Samples the resident memory of this process and all its descendants together (extraction
    workers, their fork server): a mode's memory is all of it, not only its main process's. Notes
    their CPU time too, which other load on the machine disturbs less than wall time, by the role
    of each process, and the CPU of the PostgreSQL backends serving `database_url` (when that
    server runs on this machine) beside it."""

    def __init__(self, interval: float = 0.5, database_url: str | None = None) -> None:
        self.interval = interval
        self.peak_kb = 0
        self.cpu_ticks: dict[int, int] = {}
        self.roles: dict[int, str] = {}
        self.backend_ticks: dict[int, int] = {}
        self._backends = _BackendPids(database_url) if database_url else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
        if self._backends:
            self._backends.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        me = os.getpid()
        pids = (me, *_descendants(me))
        total = sum(_rss_kb(pid) for pid in pids)
        self.peak_kb = max(self.peak_kb, total, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        for pid in pids:
            self.cpu_ticks[pid] = max(self.cpu_ticks.get(pid, 0), _cpu_ticks(pid))
            if pid not in self.roles:
                self.roles[pid] = "crawl" if pid == me else _role(pid)
        for pid in self._backends.pids() if self._backends else ():
            self.backend_ticks[pid] = max(self.backend_ticks.get(pid, 0), _cpu_ticks(pid))

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024

    @property
    def cpu_seconds(self) -> float:
        """User + system CPU of every process seen, up to its last sample."""
        return sum(self.cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")

    @property
    def cpu_seconds_by_role(self) -> dict[str, float]:
        """cpu_seconds by role (crawl, warc writer, extraction, other), and "postgresql": the
        backends of the run's database (not part of cpu_seconds; absent when not measurable)."""
        by_role: dict[str, float] = {}
        for pid, ticks in self.cpu_ticks.items():
            role = self.roles.get(pid, "other")
            by_role[role] = by_role.get(role, 0) + ticks / os.sysconf("SC_CLK_TCK")
        if self.backend_ticks:
            by_role["postgresql"] = sum(self.backend_ticks.values()) / os.sysconf("SC_CLK_TCK")
        return by_role


def _role(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    if "warc.writer" in command:
        return "warc writer"
    if "multiprocessing" in command:
        return "extraction"  # the pool's workers and their fork server
    return "other"


class _BackendPids:
    """The server pids of the connections to one database, when that server is on this machine
    (its pids are then ours to read in /proc); nothing otherwise."""

    def __init__(self, database_url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        from bench.benchdb import libpq_url

        self.connection = None
        if make_url(database_url).host in (None, "", "localhost", "127.0.0.1", "::1"):
            try:
                self.connection = psycopg.connect(libpq_url(database_url), autocommit=True, connect_timeout=3)
            except psycopg.Error:
                self.connection = None

    def pids(self) -> list[int]:
        if self.connection is None:
            return []
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return [pid for (pid,) in rows if Path(f"/proc/{pid}").exists()]

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    except (OSError, ValueError, IndexError):
        return 0


class CrawlerProbe:
    """A Scrapy extension that keeps a reference to the crawler (its stats outlive the crawl) and
    notes when the engine starts and stops."""

    crawlers: list = []
    times: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        cls.crawlers.append(crawler)
        probe = cls()
        crawler.signals.connect(probe.started, signal=signals.engine_started)
        crawler.signals.connect(probe.stopped, signal=signals.engine_stopped)
        return probe

    def started(self) -> None:
        self.times["engine_started"] = time.perf_counter()

    def stopped(self) -> None:
        self.times["engine_stopped"] = time.perf_counter()


def crawl_overrides(mode: str) -> list[tuple[str, object]]:
    import pipeline.settings as product

    extensions = dict(getattr(product, "EXTENSIONS", {}))
    extensions[f"{CrawlerProbe.__module__}.CrawlerProbe"] = 0
    settings = {**BENCH_SETTINGS, **MODE_SETTINGS[mode], "EXTENSIONS": extensions}
    return list(settings.items())


def run_crawl_mode(mode: str, collection_file: Path, database_url: str, proxy: str) -> dict:
    from pipeline.collection import load_collection
    from pipeline.paths import warc_dir
    from pipeline.run.crawl import run_crawl

    collection = load_collection(collection_file)
    with TreeMemory(database_url=database_url) as memory:
        started, main_cpu = time.perf_counter(), time.process_time()
        report = run_crawl(
            collection, database_url, proxy=proxy, log_level="INFO", overrides=crawl_overrides(mode)
        )
        seconds, main_cpu = time.perf_counter() - started, time.process_time() - main_cpu
    if not CrawlerProbe.crawlers:
        raise RuntimeError("the crawl did not start (no crawler)")
    crawler = CrawlerProbe.crawlers[-1]
    stats = crawler.stats.get_stats()
    folder = warc_dir() / collection.name
    warc_files = sorted(p for p in folder.glob("*") if p.name.endswith((".warc", ".warc.gz")))
    times = CrawlerProbe.times
    engine = times.get("engine_stopped", 0) - times.get("engine_started", 0)
    failures = dict(report.failures)
    return {
        "mode": mode,
        "seconds": seconds,
        "engine_seconds": engine if engine > 0 else None,
        "finish_reason": report.finish_reason,
        "pages_fetched": report.pages_fetched,
        "responses": report.responses,
        "failures": len(failures),
        "failure_examples": dict(sorted(failures.items())[:5]),
        "articles_new": report.articles_new,
        "stage_seconds": {
            k.removeprefix(STAGE_PREFIX): float(v)
            for k, v in stats.items()
            if k.startswith(STAGE_PREFIX) and isinstance(v, int | float)
        },
        "stats": {k: v for k, v in stats.items() if isinstance(v, int | float) and not isinstance(v, bool)},
        "warc_files": [str(p) for p in warc_files],
        "warc_bytes": sum(p.stat().st_size for p in warc_files),
        "peak_rss_mb": memory.peak_mb,
        "main_peak_rss_mb": peak_rss_mb(),
        "cpu_seconds": memory.cpu_seconds,
        "cpu_seconds_by_role": memory.cpu_seconds_by_role,
        "main_cpu_seconds": main_cpu,  # the crawl process alone (all its threads)
    }


# extract_only: the pool's workers read the pages from the memory-mapped pages.bin themselves.
_PAGES: memoryview | None = None


def _init_worker(pages_file: str, warm: tuple[str, int, int]) -> None:
    from pipeline.collector import collect_young_objects_rarely

    global _PAGES
    collect_young_objects_rarely()  # as the crawl's extraction workers do
    with open(pages_file, "rb") as fh:
        _PAGES = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
    _extract([warm])  # imports, caches and lazy set-up: not the measured pages' cost


def _ready(_: int) -> int:
    time.sleep(0.2)  # long enough that every worker takes one: all are started before the clock
    return os.getpid()


def _extract(pages: list[tuple[str, int, int]]) -> tuple[dict[str, str], float]:
    """The pages extract_page finds no article on (URL -> reason), and this worker's peak RSS."""
    from pipeline.extract.article import extract_page

    not_articles = {}
    now = dt.datetime.now(dt.UTC)
    for url, offset, length in pages:
        body = gzip.decompress(_PAGES[offset : offset + length])
        result = extract_page(body, url, "balanced", CONTENT_TYPE, now)
        if result.article is None:
            not_articles[url] = str(result.reason)
    return not_articles, peak_rss_mb()


EXTRACT_PARTS = {"all": slice(None), "first": slice(0, None, 2), "second": slice(1, None, 2)}


def run_extract_mode(site_dir: Path, part: str = "all") -> dict:
    """extract_only, its workers scheduled as a crawl's are (pipeline.run.crawl.batch_scheduling), over
    every page or one half of them (`part`: every other page, so both halves hold the same mix)."""
    from pipeline.run.crawl import batch_scheduling

    with batch_scheduling():
        return _run_extract_mode(site_dir, EXTRACT_PARTS[part])


def merge_extract_parts(parts: list[dict]) -> dict:
    """One extract_only result from its halves, run at different times: their pages, seconds and CPU
    added up, their peaks the highest."""
    merged = dict(parts[0])
    for key in ("seconds", "pages_extracted", "article_pages", "articles", "cpu_seconds"):
        merged[key] = sum(p[key] for p in parts)
    for key in ("peak_rss_mb", "main_peak_rss_mb", "worker_peak_rss_mb"):
        merged[key] = max(p[key] for p in parts)
    merged["not_articles"] = {url: why for p in parts for url, why in p["not_articles"].items()}
    merged["part_seconds"] = [p["seconds"] for p in parts]
    return merged


def _run_extract_mode(site_dir: Path, part: slice) -> dict:
    from bench.benchsite import BuiltSite

    site = BuiltSite(site_dir, {})
    # Every page the crawl extracts: the articles and the section pages that link them.
    index = site.index()[part]
    pages = [(p["url"], p["offset"], p["length"]) for p in index]
    article_pages = {p["url"] for p in index if p["kind"] == "article"}
    workers = os.cpu_count() or 1
    chunks = [pages[i : i + EXTRACT_CHUNK] for i in range(0, len(pages), EXTRACT_CHUNK)]
    not_articles: dict[str, str] = {}
    worker_rss = 0.0
    pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(str(site.pages_file), pages[0]))
    with TreeMemory() as memory, pool:
        list(pool.map(_ready, range(workers)))
        started = time.perf_counter()
        for rejected, rss in pool.map(_extract, chunks):
            not_articles.update((url, why) for url, why in rejected.items() if url in article_pages)
            worker_rss = max(worker_rss, rss)
        seconds = time.perf_counter() - started
        memory.sample()  # before the pool's workers exit
    return {
        "mode": "extract_only",
        "seconds": seconds,
        "workers": workers,
        "pages_extracted": len(pages),
        "article_pages": len(article_pages),
        "articles": len(article_pages) - len(not_articles),
        "not_articles": not_articles,
        "cpu_seconds": memory.cpu_seconds,
        "peak_rss_mb": memory.peak_mb,
        "main_peak_rss_mb": peak_rss_mb(),
        "worker_peak_rss_mb": worker_rss,
    }
