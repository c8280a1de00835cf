"""A crawl without network: a short summary by kind of failure, a run that says nothing was
fetched, a failing exit status and a pointer to the offline demo; never a screen of ERROR lines."""

from __future__ import annotations

import re
import socket

import pytest
from sqlalchemy import create_engine

from pipeline.run.crawl import OFFLINE_HINT
from tests.conftest import query, run_cli


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def offline_crawl(make_database, tmp_path_factory):
    """The demo collection (84 seeds, archive and Common Crawl discovery) crawled through a proxy
    on a loopback port where nothing listens: every request is refused, as without a network."""
    url = make_database()
    data = tmp_path_factory.mktemp("offline-var")
    proxy = f"http://127.0.0.1:{_closed_port()}"
    result = run_cli(
        "crawl", "--collection", "demo", "--proxy", proxy,
        env={"DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(data)},
    )
    engine = create_engine(url)
    yield result, engine, data
    engine.dispose()


def test_offline_crawl_fails_with_a_hint_to_the_demo(offline_crawl):
    result, _, _ = offline_crawl
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == OFFLINE_HINT
    assert "make demo" in OFFLINE_HINT and "network" in OFFLINE_HINT


def test_failures_are_summarized_by_kind_not_listed_per_request(offline_crawl):
    result, engine, data = offline_crawl
    [run] = query(engine, "SELECT id FROM crawl_runs")
    [row] = query(
        engine, "SELECT count(*) AS n FROM captures WHERE run_id = :r AND error IS NOT NULL", r=run["id"]
    )
    assert row["n"] > 84  # every seed, its retries, robots.txt and the discovery requests
    # one line for the one kind of failure, counting every request (retries included)
    summary = re.findall(r"(\d+) requests failed: (.+)", result.stdout)
    assert summary == [(str(row["n"]), "connection refused")]
    # the console carries no line per failed request; the log file keeps them all
    assert not re.search(r"\] (ERROR|WARNING): ", result.stderr), result.stderr[-2000:]
    log = (data / "logs" / "demo.log").read_text()
    assert log.count("Gave up retrying") > 84 // 2
    # the failed URLs: a sample, and where the rest are
    failed = result.stdout.split("Failed URLs:")[1].splitlines()
    assert len([line for line in failed if line.startswith("  http")]) == 10
    more = re.search(r"\.\.\. and (\d+) more \(all in (\S+)\)", result.stdout)
    assert more and int(more[1]) + 10 >= 84 and more[2] == str(data / "logs" / "demo.log")


def test_the_run_is_recorded_as_nothing_fetched(offline_crawl):
    _, engine, _ = offline_crawl
    [run] = query(engine, "SELECT status, finished_at FROM crawl_runs")
    assert run["status"] == "nothing_fetched"
    assert run["finished_at"] is not None


def test_a_crawl_that_fetched_pages_is_finished_without_the_hint(tmp_path, make_database, fixture_web):
    url = make_database()
    path = tmp_path / "one.toml"
    path.write_text(
        '[collection]\nname = "one"\ntitle = "One page and a refused one"\n'
        '[[seeds]]\nurl = "http://www.rollingstone.test/"\n'
        f'[[seeds]]\nurl = "http://127.0.0.1:{_closed_port()}/gone"\n'
    )
    result = run_cli(
        "crawl", "--collection", str(path), "--proxy", fixture_web.proxy_url, "-s", "RETRY_TIMES=0",
        env={"DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert OFFLINE_HINT not in result.stdout
    engine = create_engine(url)
    try:
        assert [r["status"] for r in query(engine, "SELECT status FROM crawl_runs")] == ["finished"]
    finally:
        engine.dispose()
