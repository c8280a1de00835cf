"""Extraction in worker processes (pipeline/extract/pool.py): the same results as `extract_page`, workers
that die (over their CPU limit, or killed from outside) cost no page but the one that killed them,
and none outlives the crawl process."""

from __future__ import annotations

import asyncio
import copy
import gc
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scrapy.exceptions import DropItem

from pipeline.dedupe.stories import SignatureParams, StorySignature
from pipeline.demo.hostile import MB, _huge_chunks
from pipeline.demo.page import FIXTURE_NOW
from pipeline.demo.routes import route
from pipeline.extract.article import extract_page
from pipeline.extract.pool import ExtractPool, run_job
from pipeline.items import PageItem
from pipeline.normalize.comparison import content_hash
from pipeline.normalize.forms import NormalizePipeline, canonical_url, normalize_text
from tests.conftest import ROOT, query, run_cli
from tests.test_unattended import fresh, write_collection  # noqa: F401 - a fixture
from warc.writer import RecordLocation

HUGE_URL = "http://www.bitwire.test/hostile/huge?mb=4"  # about 2 s of extraction CPU (4 MB of text)


class Stats(Counter):
    def inc_value(self, key, count=1, start=0):
        self[key] += count


def arguments(site, page) -> tuple:
    response = route(site, page.host, page.path)
    return (response.body, page.url, "balanced", response.content_type, FIXTURE_NOW)


def pages(site, count: int) -> list[tuple]:
    """Articles, and pages with none: a home page, an empty page, an image."""
    home = route(site, site.hosts[0], "/")
    return [arguments(site, p) for p in site.articles("on")[:count]] + [
        (home.body, f"http://{site.hosts[0]}/", "balanced", home.content_type, FIXTURE_NOW),
        (b"", "http://x.test/a/empty", "balanced", None, None),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "http://x.test/a/png", "balanced", "text/html", None),
    ]


async def started(pool: ExtractPool) -> ExtractPool:
    await asyncio.wait([asyncio.wrap_future(pool.ready)])
    return pool


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(stat.parent.name))
    return found


def workers_of(pid: int) -> list[int]:
    """The pool workers of a process: the children of its fork server."""
    return [worker for server in children(pid) for worker in children(server)]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def assert_same(result, args) -> None:
    expected = extract_page(*args)
    assert result.extraction == expected
    if expected.article is None:
        assert result.precomputed is None
    else:
        text = normalize_text(expected.article.text)  # what the normalize stage would store
        dek = normalize_text(expected.article.dek or "") or None
        assert result.precomputed.facts == (text, len(text.split()), content_hash(text, dek))
        signature = StorySignature.of(normalize_text(expected.article.text), SignatureParams())
        assert np.array_equal(result.precomputed.signature.values, signature.values)
        assert result.precomputed.signature.bands == signature.bands
        assert result.precomputed.signature.fits(normalize_text(expected.article.text), SignatureParams())


@pytest.mark.parametrize("workers", [2, 0])
def test_the_pool_gives_what_extract_page_gives(site, workers):
    jobs = pages(site, 6)

    async def run():
        pool = ExtractPool(workers)
        try:
            if workers:
                await started(pool)
            return await asyncio.gather(*(pool.run(args) for args in jobs)), pool
        finally:
            pool.close()

    results, pool = asyncio.run(run())
    for result, args in zip(results, jobs, strict=True):
        assert_same(result, args)
    assert all(r.cpu_seconds > 0 for r in results if r.extraction.article is not None)
    if workers:  # closing the pool ends its workers: each leaves by itself, none is killed
        assert [process.exitcode for process, _, _ in pool.ready.result()] == [0] * workers


def test_an_item_is_normalized_alike_with_or_without_its_workers_text_facts(site):
    """The normalize stage takes the text facts a worker made, or makes them itself (extraction in
    the crawl process, reprocessing): the stored fields are the same either way."""

    def normalized(args, extraction, precomputed):
        item = PageItem(
            url=args[1],
            body=args[0],
            encoding="utf-8",
            fetched_at=FIXTURE_NOW,
            warc=RecordLocation("x.warc.gz", 0, 1, "<urn:uuid:x>", "sha1:X", "2014-12-19T00:00:00Z"),
            extracted=copy.deepcopy(extraction.article),
            precomputed=precomputed,
        )
        try:
            item = NormalizePipeline().process_item(item)
        except DropItem as dropped:
            return str(dropped)
        fields = ("text", "word_count", "content_hash", "canonical_url", "outlet_domain", "outlet_name")
        return [getattr(item, f) for f in fields], item.extracted.title, item.extracted.dek

    results = [(args, run_job(args)) for args in pages(site, 12)]
    articles = [(args, r) for args, r in results if r.extraction.article is not None]
    assert articles and all(r.precomputed is not None for _, r in articles)
    for args, result in articles:
        with_facts = normalized(args, result.extraction, result.precomputed)
        assert with_facts == normalized(args, result.extraction, None)
        if not isinstance(with_facts, str):
            assert with_facts[0][0] == result.precomputed.facts.text and with_facts[0][1] >= 25


def test_a_workers_job_leaves_no_garbage_behind(site):
    """What a worker makes of a page (extraction, signature) is freed as soon as the page is done:
    so a worker's garbage collector can run rarely (collect_young_objects_rarely) without its
    memory growing between two passes."""
    jobs = pages(site, 6)
    run_job(jobs[0])  # imports and caches
    gc.disable()
    try:
        while gc.collect():  # what earlier tests left, and what freeing it leaves
            pass
        for args in jobs:
            run_job(args)
            assert gc.collect() == 0, f"extracting {args[1]} left objects for the garbage collector"
    finally:
        gc.enable()


def test_a_page_over_the_cpu_limit_fails_alone_and_the_pool_recovers(site):
    huge = (b"".join(_huge_chunks(4 * MB)), HUGE_URL, "balanced", None, None)
    jobs = pages(site, 6)
    stats = Stats()

    async def run():
        pool = await started(ExtractPool(2, stats, max_seconds=0.5))
        try:
            results = await asyncio.gather(pool.run(huge), *(pool.run(args) for args in jobs))
            return results, await pool.run(jobs[0])  # the workers that took the dead ones' places
        finally:
            pool.close()

    (over, *results), after = asyncio.run(run())
    assert over.extraction.article is None and over.extraction.reason == "extraction failed: worker died"
    for result, args in zip(results, jobs, strict=True):
        assert_same(result, args)
    assert_same(after, jobs[0])
    assert stats["extract/worker_died"] == 1 and stats["extract/worker_restarts"] == 2  # tried twice


def test_workers_killed_from_outside_lose_no_page_and_ignore_sigint(site):
    jobs = pages(site, 12) * 3
    stats = Stats()

    async def run():
        pool = await started(ExtractPool(2, stats))
        try:
            workers = workers_of(os.getpid())
            assert len(workers) == 2
            os.kill(workers[0], signal.SIGINT)  # Ctrl-C reaches the whole process group
            assert_same(await pool.run(jobs[0]), jobs[0])
            running = [asyncio.ensure_future(pool.run(args)) for args in jobs]
            await asyncio.sleep(0.05)  # the pages are submitted, some done
            for pid in workers:
                os.kill(pid, signal.SIGKILL)  # as the kernel's OOM killer would
            return await asyncio.gather(*running)
        finally:
            pool.close()

    results = asyncio.run(run())
    for result, args in zip(results, jobs, strict=True):
        assert_same(result, args)
    assert stats["extract/worker_restarts"] == 2 and stats["extract/worker_died"] == 0


CHILD = """
import asyncio, os, sys, time
from pipeline.extract.pool import ExtractPool

async def main():
    pool = ExtractPool(2)
    await asyncio.wait([asyncio.wrap_future(pool.ready)])
    print(os.getpid(), flush=True)
    time.sleep(120)

if __name__ == "__main__":
    asyncio.run(main())
"""


EARLY_START = """
import pathlib, sys, time
from scrapy.settings import Settings
from pipeline.extract.forkserver import start_early
from pipeline.run.crawl import uses_extraction_workers

settings = Settings()
settings.setmodule("pipeline.settings")
assert uses_extraction_workers(settings)
start_early()
assert "trafilatura" not in sys.modules  # the crawl process has not paid for the import

def children() -> list[str]:
    listed = pathlib.Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    return [pathlib.Path(f"/proc/{c}/cmdline").read_bytes().replace(bytes(1), b" ").decode() for c in listed]

def fork_server_started() -> bool:
    return any("multiprocessing.forkserver" in c and "pipeline.extract.pool" in c for c in children())

# A child read between its fork and its exec shows an empty or the parent's command line: look
# again for a while rather than take that instant for the answer.
deadline = time.monotonic() + 10
while not fork_server_started() and time.monotonic() < deadline:
    time.sleep(0.05)
for command_line in children():
    print(command_line)
"""


def test_a_crawl_starts_the_workers_imports_before_its_own():
    """The fork server (and its import of the extraction libraries, seconds of CPU) starts before
    the crawl builds its crawler, so that the first pages do not wait for it."""
    done = subprocess.run(
        [sys.executable, "-c", "import os" + EARLY_START],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "multiprocessing.forkserver" in done.stdout and "pipeline.extract.pool" in done.stdout


def test_the_crawl_process_leaves_the_workers_libraries_to_them():
    """datasketch, with the SciPy it loads, makes the story signatures in the workers: the crawl
    process does not import it (half a second of its start), the fork server does, once."""
    from pipeline.extract.forkserver import PRELOAD

    code = (
        "import sys, pipeline.run.crawl, pipeline.store.postgres, pipeline.extract.pool, warc.middleware, spiders\n"
        "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]"]
    assert "datasketch" in PRELOAD


def test_only_crawls_that_extract_in_workers_start_them_early():
    from scrapy.settings import Settings

    from pipeline.run.crawl import uses_extraction_workers

    def settings(**overrides) -> Settings:
        s = Settings()
        s.setmodule("pipeline.settings")
        s.setdict(overrides, priority="cmdline")
        return s

    assert uses_extraction_workers(settings())
    assert not uses_extraction_workers(settings(ITEM_PIPELINES={}))  # a capture-only crawl
    assert not uses_extraction_workers(settings(ARCHIVE_EXTRACT_WORKERS=0))  # on the reactor thread


def test_a_crawl_and_the_processes_it_starts_run_as_batch_work():
    """Processes started during a crawl (the WARC writer, the fork server and its workers) inherit
    SCHED_BATCH; the calling thread gets its own policy back afterwards (tests crawl in-process)."""
    from pipeline.run.crawl import batch_scheduling

    before = os.sched_getscheduler(0)
    with batch_scheduling():
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(os.sched_getscheduler(0))"],
            capture_output=True,
            text=True,
        )
    assert int(child.stdout) == os.SCHED_BATCH
    assert os.sched_getscheduler(0) == before != os.SCHED_BATCH


def test_workers_leave_when_the_crawl_process_is_killed():
    child = subprocess.Popen([sys.executable, "-c", CHILD], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert int(child.stdout.readline()) == child.pid
        servers = children(child.pid)
        workers = workers_of(child.pid)
        assert len(workers) == 2
    finally:
        child.kill()
        child.wait(timeout=30)
    deadline = time.monotonic() + 20
    while any(map(alive, workers + servers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(alive, workers + servers))


def test_a_crawl_goes_on_past_a_page_that_kills_its_worker(fresh, tmp_path, fixture_web, site):  # noqa: F811
    engine, _, env = fresh
    articles = [p.url for p in site.articles("on")[:4]]
    collection = write_collection(tmp_path / "killer.toml", "killer", [*articles, HUGE_URL])
    result = run_cli(
        "crawl",
        "--collection",
        str(collection),
        "--proxy",
        fixture_web.proxy_url,
        "-s",
        "ARCHIVE_EXTRACT_MAX_SECONDS=0.5",
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    stored = [r["canonical_url"] for r in query(engine, "SELECT canonical_url FROM corpus")]
    assert sorted(stored) == sorted(canonical_url(u) for u in articles)
    notes = query(engine, "SELECT note FROM captures WHERE url = :url", url=HUGE_URL)
    assert [n["note"] for n in notes] == ["extraction failed: worker died"]
    stats = query(engine, "SELECT stats FROM crawl_runs")[0]["stats"]
    assert stats["extract/worker_died"] == 1 and stats["extract/worker_restarts"] == 2
    log = (tmp_path / "var" / "logs" / "killer.log").read_text()
    assert "an extraction worker died on " + HUGE_URL in log


def test_every_stage_reports_its_seconds(demo_archive):
    runs = query(demo_archive.engine, "SELECT stats FROM crawl_runs")
    assert len(runs) == 2
    for run in runs:
        for stage in ("extract", "extract_wait", "normalize", "relevance", "dedupe", "store"):
            assert isinstance(run["stats"][f"stage_seconds/{stage}"], float), stage
        assert run["stats"]["stage_seconds/extract"] > 0
