"""The command line as a researcher meets it: help, and clear one-line errors for normal mistakes."""

from __future__ import annotations

import os
import re
import socket

import psycopg

from tests.conftest import query, run_cli


def test_help_lists_the_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("crawl", "demo", "serve-fixtures", "migrate", "psql"):
        assert command in result.stdout


def test_unreachable_database_is_one_line_with_password_masked():
    result = run_cli("migrate", env={"DATABASE_URL": "postgresql://alice:s3cr3t@127.0.0.1:1/corpus"})
    assert result.returncode == 2
    assert "s3cr3t" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot connect to postgresql+psycopg://alice:***@127.0.0.1:1/corpus")


def test_missing_collection_is_named(database_url):
    result = run_cli("crawl", "--collection", "no-such-incident", env={"DATABASE_URL": database_url})
    assert result.returncode == 2
    assert "no-such-incident.toml: collection file not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_collection_is_named(tmp_path, database_url):
    path = tmp_path / "bad.toml"
    path.write_text('[collection]\nname = "bad"\n')
    result = run_cli("crawl", "--collection", str(path), env={"DATABASE_URL": database_url})
    assert result.returncode == 2
    assert f"{path}: [collection] needs a non-empty string 'title'" in result.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_crawl_where_nothing_answers_reports_each_url_and_fails(tmp_path, database_url):
    port = _closed_port()
    urls = [f"http://127.0.0.1:{port}/news/{n}" for n in range(3)]
    seeds = "".join(f'[[seeds]]\nurl = "{u}"\n' for u in urls)
    path = tmp_path / "offline.toml"
    path.write_text(f'[collection]\nname = "offline"\ntitle = "Nothing answers"\n{seeds}')
    result = run_cli(
        "crawl",
        "--collection",
        str(path),
        env={"DATABASE_URL": database_url, "ARCHIVE_DATA_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "fetched: 0 pages" in result.stdout
    failed = result.stdout.split("Failed URLs:")[1]
    for url in urls:
        assert url in failed
    assert failed.count("ConnectionRefusedError") == len(urls)


def test_failed_fetches_and_server_errors_are_reported_not_fatal(tmp_path, database_url, fixture_web, engine):
    urls = [
        "http://www.bitwire.test/status/500",
        "http://www.bitwire.test/status/404",
        "http://unknown-outlet.test/story/",
        "http://www.rollingstone.test/",
        "http://www.bitwire.test/slow?seconds=5",
    ]
    seeds = "".join(f'[[seeds]]\nurl = "{u}"\n' for u in urls)
    path = tmp_path / "mixed.toml"
    path.write_text(f'[collection]\nname = "mixed"\ntitle = "Some fail"\n{seeds}')
    result = run_cli(
        "crawl",
        "--collection",
        str(path),
        "--proxy",
        fixture_web.proxy_url,
        "-s",
        "DOWNLOAD_TIMEOUT=1",
        "-s",
        "RETRY_TIMES=0",
        env={"DATABASE_URL": database_url, "ARCHIVE_DATA_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stdout + result.stderr
    failed = result.stdout.split("Failed URLs:")[1]
    assert re.search(r"status/500 +HTTP 500", failed) and re.search(r"status/404 +HTTP 404", failed)
    assert re.search(r"unknown-outlet\.test/story/ +HTTP 502", failed)  # offline: never the real web
    assert "fetched: 1 pages" in result.stdout
    assert re.search(r"slow\?seconds=5 +DownloadTimeoutError", failed)
    assert "1 pages held no article" in result.stdout  # the home page is a capture, not an article
    [home] = query(
        engine, "SELECT note FROM captures WHERE url = 'http://www.rollingstone.test/' AND status = 200"
    )
    assert home["note"] and "home page" in home["note"]


def test_reading_commands_are_wired(demo_archive, tmp_path):
    env = {"DATABASE_URL": demo_archive.database_url, "ARCHIVE_DATA_DIR": str(demo_archive.data)}
    found = run_cli("search", '"Guardians of Peace"', "--until", "2014-11-30", env=env)
    assert found.returncode == 0, found.stderr
    assert "Guardians" in found.stdout or "«" in found.stdout
    out = tmp_path / "corpus.jsonl"
    exported = run_cli("export", "--format", "jsonl", str(out), env=env)
    assert exported.returncode == 0, exported.stderr
    assert out.exists() and (tmp_path / "corpus.jsonl.manifest.json").exists()
    refused = run_cli("psql", "--researcher", "-c", "DELETE FROM articles", env=env)
    assert refused.returncode != 0 and "read-only" in refused.stderr


def test_the_demo_database_sits_beside_the_corpus_database(database_url, monkeypatch):
    """With DATABASE_URL set, `--demo` means `<database>_demo` on the same server, made on first use;
    it holds for that one command, not for whatever runs next in the same process."""
    from sqlalchemy.engine import make_url

    from pipeline.cli import main

    corpus = make_url(database_url)
    demo_name = f"{corpus.database}_demo"
    admin = corpus.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    try:
        result = run_cli("--demo", "migrate", env={"DATABASE_URL": database_url, "DEMO_DATABASE_URL": ""})
        assert result.returncode == 0, result.stderr
        with psycopg.connect(admin, autocommit=True) as conn:
            assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (demo_name,)).fetchone()
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.delenv("DEMO_DATABASE_URL", raising=False)
        assert main(["--demo", "migrate"]) == 0
        assert os.environ["DATABASE_URL"] == database_url and "DEMO_DATABASE_URL" not in os.environ
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{demo_name}" WITH (FORCE)')
