"""Unattended runs: no overlap, logs without secrets, cron, resume after SIGTERM, database outage."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from pipeline.database import sqlalchemy_url, stop_embedded
from pipeline.normalize.forms import canonical_url
from pipeline.run.locks import collection_lock
from tests.conftest import ROOT, query, run_cli
from tests.test_provenance import archived_urls


def write_collection(path, name, urls, extra=""):
    seeds = "".join(f'[[seeds]]\nurl = "{u}"\n' for u in urls)
    path.write_text(f'[collection]\nname = "{name}"\ntitle = "{name}"\n{extra}\n{seeds}')
    return path


@pytest.fixture
def fresh(make_database, tmp_path):
    url = make_database()
    engine = create_engine(url)
    yield engine, url, {"DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    engine.dispose()


ONE_AT_A_TIME = ("CONCURRENT_REQUESTS=1", "AUTOTHROTTLE_ENABLED=False")  # pages fetched in order


def stored_urls(engine) -> list[str]:
    return sorted(r["canonical_url"] for r in query(engine, "SELECT canonical_url FROM corpus"))


def start_crawl(collection, proxy, env, *settings):
    args = [sys.executable, "-m", "pipeline", "crawl", "--collection", str(collection), "--proxy", proxy]
    for setting in settings:
        args += ["-s", setting]
    return subprocess.Popen(
        args, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for_archived(folder, count, process, limit=60.0):
    """Poll the WARC files until `count` responses are archived (bounded by `limit` seconds)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the crawl ended early:\n" + process.stderr.read()[-3000:])
        files = list(folder.glob("*.warc.gz")) + list(folder.glob("*.warc.gz.open"))
        if len(archived_urls(files)) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} responses archived in {limit} s")


def test_an_overlapping_run_exits_at_once_with_status_0(fresh, tmp_path, fixture_web, site):
    engine, _, env = fresh
    collection = write_collection(tmp_path / "overlap.toml", "overlap", [site.articles("on")[0].url])
    with collection_lock(engine, "overlap") as acquired:
        assert acquired
        result = run_cli("crawl", "--collection", str(collection), "--proxy", fixture_web.proxy_url, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Another crawl of 'overlap' is running" in result.stdout
    assert query(engine, "SELECT count(*) FROM captures")[0]["count"] == 0
    again = run_cli("crawl", "--collection", str(collection), "--proxy", fixture_web.proxy_url, env=env)
    assert again.returncode == 0 and "fetched: 1 pages" in again.stdout  # lock released


def test_runs_log_to_a_rotating_file_without_credentials(make_database, tmp_path, fixture_web, site):
    url = make_database().replace("postgres@", "postgres:Sekr1tPass@")  # trust auth ignores it
    env = {"DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    collection = write_collection(
        tmp_path / "logged.toml", "logged", [p.url for p in site.articles("on")[:3]]
    )
    result = run_cli("crawl", "--collection", str(collection), "--proxy", fixture_web.proxy_url, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    log = (tmp_path / "var" / "logs" / "logged.log").read_text()
    assert "Spider opened" in log and "Spider closed (finished)" in log
    engine = create_engine(url)
    stats = query(engine, "SELECT stats::text AS s FROM crawl_runs")[0]["s"]
    engine.dispose()
    for text in (log, result.stdout, result.stderr, stats):
        assert "Sekr1tPass" not in text


def test_cron_line_runs_the_collection_from_the_project(tmp_path):
    result = run_cli("cron", "--collection", "demo", "--schedule", "*/30 * * * *")
    assert result.returncode == 0
    line = result.stdout.strip()
    assert line.startswith("*/30 * * * * cd ") and str(ROOT) in line
    assert "make archive COLLECTION=demo" in line and "var/logs/cron.log 2>&1" in line
    bad = run_cli("cron", "--schedule", "every day")
    assert bad.returncode == 2 and "five cron fields" in bad.stderr


def test_a_cron_line_keeps_where_the_data_goes_and_prints_no_password(tmp_path):
    """Cron starts a job with next to no environment: the database, data folder and Redis set where
    the line was made reach the scheduled run through a file only its owner reads."""
    data = (tmp_path / "data").resolve()
    secret = "postgresql://archive:p'a$s w0rd@db.example.org/archive"
    chosen = {
        "DATABASE_URL": secret,
        "ARCHIVE_DATA_DIR": str(data),
        "REDIS_URL": "redis://frontier.test:6379/0",
    }
    result = run_cli("cron", "--collection", "demo", env=chosen)
    assert result.returncode == 0, result.stderr
    assert "w0rd" not in result.stdout + result.stderr
    line = result.stdout.strip()
    settings = data / "cron" / "demo.env"
    assert f". {settings} && " in line and "make archive COLLECTION=demo" in line
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    # What the job's shell has when make starts, from cron's bare environment:
    before_make = line.split(" ", 5)[5].split(" && make archive")[0]
    job = subprocess.run(
        ["/bin/sh", "-c", f"{before_make} && env"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert job.returncode == 0, job.stderr
    job_env = dict(entry.split("=", 1) for entry in job.stdout.splitlines() if "=" in entry)
    assert {name: job_env.get(name) for name in chosen} == chosen
    # Nothing set: the line reads no file (the run uses the embedded database and var/).
    plain = run_cli("cron", "--collection", "demo", env={"ARCHIVE_DATA_DIR": "", "REDIS_URL": ""})
    assert plain.returncode == 0 and " . " not in plain.stdout


def test_sigterm_stops_cleanly_and_the_next_run_resumes(fresh, tmp_path, fixture_web, site):
    engine, _, env = fresh
    articles = [p.url for p in site.articles("on")]
    slow = [f"http://www.globalwire.test/slow?seconds=1&n={n}" for n in range(6)]
    urls = [u for pair in zip(articles, slow + [None] * len(articles), strict=False) for u in pair if u]
    collection = write_collection(tmp_path / "resumed.toml", "resumed", urls)
    folder = tmp_path / "var" / "warc" / "resumed"
    crawl = start_crawl(
        collection,
        fixture_web.proxy_url,
        env,
        *ONE_AT_A_TIME,
        "DOWNLOAD_DELAY=0.05",
    )
    wait_for_archived(folder, 8, crawl)
    crawl.send_signal(signal.SIGTERM)
    out, err = crawl.communicate(timeout=60)
    assert crawl.returncode == 0, err[-3000:]
    assert "stopped (shutdown)" in out and "the next run resumes" in out
    assert "Traceback" not in err
    assert not list(folder.glob("*.open"))  # in-flight records finished, the file closed
    first = query(engine, "SELECT count(*) AS n FROM articles")[0]["n"]
    assert 0 < first < len(articles)

    result = run_cli("crawl", "--collection", str(collection), "--proxy", fixture_web.proxy_url, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "resuming the interrupted run" in result.stdout
    assert stored_urls(engine) == sorted(canonical_url(u) for u in articles)
    fetched_twice = query(
        engine,
        "SELECT url, count(*) FROM captures WHERE status = 200 AND url NOT LIKE '%robots.txt'"
        " GROUP BY url HAVING count(*) > 1",
    )
    assert fetched_twice == []  # the second run did only what the first had left


def test_database_outage_loses_nothing(tmp_path, fixture_web, site):
    import pgserver

    pgdata = tmp_path / "pg"
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    server.psql("CREATE DATABASE outage;")
    url = sqlalchemy_url(server.get_uri("outage"))
    env = {"DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    articles = [p.url for p in site.articles("on")]
    slow = [f"http://www.globalwire.test/slow?seconds=1&n={n}" for n in range(4)]
    collection = write_collection(tmp_path / "outage.toml", "outage", articles[:10] + slow + articles[10:])
    folder = tmp_path / "var" / "warc" / "outage"
    try:
        assert run_cli("migrate", env=env).returncode == 0
        crawl = start_crawl(
            collection,
            fixture_web.proxy_url,
            env,
            *ONE_AT_A_TIME,
            "ARCHIVE_DB_BATCH_SIZE=3",
        )
        wait_for_archived(folder, 6, crawl)
        stop_embedded(pgdata, mode="immediate")  # the database goes away
        out, err = crawl.communicate(timeout=120)
        assert crawl.returncode == 0, err[-3000:]
        assert "Traceback" not in err
        assert "database unavailable" in err
        assert list((tmp_path / "var" / "pending").glob("outage-*.json"))

        server.ensure_postgres_running()  # ... and comes back
        again = run_cli("crawl", "--collection", str(collection), "--proxy", fixture_web.proxy_url, env=env)
        assert again.returncode == 0, again.stderr[-2000:]
        assert "stored pending WARC files" in again.stdout
        assert not list((tmp_path / "var" / "pending").glob("*.json"))
        with psycopg.connect(server.get_uri("outage")) as conn:
            stored = [r[0] for r in conn.execute("SELECT canonical_url FROM corpus")]
            versions = conn.execute("SELECT count(*) FROM article_versions").fetchone()[0]
        assert sorted(stored) == sorted(canonical_url(u) for u in articles)
        assert versions == len(articles)  # nothing stored twice
    finally:
        stop_embedded(pgdata)


def test_a_stalled_database_does_not_stall_the_crawl(fresh, tmp_path, fixture_web, site):
    """Another crawler holding the story lock (distributed mode), or a slow server, stalls the
    corpus writes, not the crawl: pages go on being fetched and archived, a bounded number of
    batches wait, and once the database answers everything is stored once."""
    from pipeline.dedupe.stories import STORY_LOCK

    engine, url, env = fresh
    articles = [p.url for p in site.articles("on")][:12]
    collection = write_collection(tmp_path / "stall.toml", "stall", articles)
    folder = tmp_path / "var" / "warc" / "stall"
    with engine.connect() as other:
        other.execute(sql("SELECT pg_advisory_lock(:key)"), {"key": STORY_LOCK})
        crawl = start_crawl(
            collection,
            fixture_web.proxy_url,
            env,
            *ONE_AT_A_TIME,
            "ARCHIVE_DB_BATCH_SIZE=2",
        )
        # The first batch of two articles waits for the lock; the crawl fetches on.
        wait_for_archived(folder, 6, crawl)
        assert query(engine, "SELECT count(*) AS n FROM corpus")[0]["n"] == 0
        other.execute(sql("SELECT pg_advisory_unlock(:key)"), {"key": STORY_LOCK})
    out, err = crawl.communicate(timeout=120)
    assert crawl.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    assert stored_urls(engine) == sorted(canonical_url(u) for u in articles)
    versions = query(engine, "SELECT count(*) AS n FROM article_versions")[0]["n"]
    assert versions == len(articles)
