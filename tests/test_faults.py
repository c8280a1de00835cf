"""Fault injection: every hostile endpoint of the fixture web crawled as cron would, each into its
own database and data folder. A fault is a reported outcome (a failed capture with its reason, a
page that held no article), never a traceback, a lost or duplicated row, or a broken WARC file."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from warcio.archiveiterator import ArchiveIterator

from pipeline.demo import FixtureWeb
from pipeline.demo.hostile import HTML_INJECTION, SQL_INJECTION
from tests.conftest import query, run_cli

HOST = "http://www.bitwire.test"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
WARC_NAME = re.compile(r"^[a-z0-9-]+-\d{14}-\d{5}-[A-Za-z0-9.-]+\.warc\.gz$")


@pytest.fixture(scope="module")
def web(site):
    """A server of its own that answers conditional requests (and counts hostile tries)."""
    with FixtureWeb(site=site, conditional=True) as web:
        yield web


@dataclass
class Run:
    result: subprocess.CompletedProcess
    engine: object
    env: dict[str, str]
    data: Path
    seconds: float

    @property
    def failed(self) -> dict[str, str]:
        """Failed URL -> reason, from the summary's 'Failed URLs:' block."""
        if "Failed URLs:" not in self.result.stdout:
            return {}
        lines = self.result.stdout.split("Failed URLs:")[1].strip().splitlines()
        return dict(line.strip().split(None, 1) for line in lines if line.strip())

    def captures(self, url: str) -> list[dict]:
        return query(
            self.engine,
            "SELECT status, error, warc_type, warc_record_id, fetched_at, note, etag FROM captures"
            " WHERE url = :url ORDER BY fetched_at",
            url=url,
        )


@pytest.fixture
def crawl(make_database, tmp_path, web):
    """crawl(urls, *settings): one `python -m pipeline crawl` into a fresh database (reusable)."""
    engines = []
    state: dict[str, object] = {}

    def run(urls, *settings, name="faults") -> Run:
        if "env" not in state:
            url = make_database()
            engines.append(create_engine(url))
            state["env"] = {"DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
        seeds = "".join(f'[[seeds]]\nurl = "{u}"\n' for u in urls)
        collection = tmp_path / f"{name}.toml"
        collection.write_text(f'[collection]\nname = "{name}"\ntitle = "Faults"\n{seeds}')
        args = ["crawl", "--collection", str(collection), "--proxy", web.proxy_url]
        for setting in ("AUTOTHROTTLE_ENABLED=False", *settings):
            args += ["-s", setting]
        started = time.monotonic()
        result = run_cli(*args, env=state["env"], timeout=120)
        elapsed = time.monotonic() - started
        assert "Traceback" not in result.stdout + result.stderr, result.stderr[-3000:]
        return Run(result, engines[0], state["env"], tmp_path / "var", elapsed)

    yield run
    for engine in engines:
        engine.dispose()


def token() -> str:
    """A query parameter that makes a URL new to the server's per-URL try counter."""
    return uuid.uuid4().hex[:8]


# warcio 1.x cannot read brotli bodies with brotli 1.2; `import warc` installs the fix (warc/__init__.py)
WARCIO_CHECK_WITH_BROTLI = ["-c", "import sys, warc; from warcio.cli import main; sys.exit(main())", "check"]


def assert_archive_sound(run: Run, brotli: bool = False) -> None:
    """WARC files pass warcio check, are named by our rules and live in the data folder only;
    no capture is stored twice; nothing landed beside the data folder."""
    files = sorted(run.data.rglob("*.warc.gz"))
    assert files
    for path in files:
        assert path.parent.parent == run.data / "warc" and WARC_NAME.match(path.name), path
    warcio = [sys.executable, *WARCIO_CHECK_WITH_BROTLI] if brotli else [_warcio(), "check"]
    check = subprocess.run([*warcio, *map(str, files)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert not list(run.data.rglob("*.open"))
    twice = query(
        run.engine,
        "SELECT warc_record_id FROM captures WHERE warc_record_id IS NOT NULL"
        " GROUP BY warc_record_id HAVING count(*) > 1",
    )
    assert twice == []
    assert query(run.engine, "SELECT url_key FROM articles GROUP BY url_key HAVING count(*) > 1") == []
    outside = [p for p in run.data.parent.iterdir() if p != run.data and p.suffix != ".toml"]
    assert outside == []


def _warcio() -> str:
    return str(Path(sys.executable).parent / "warcio")


def records(run: Run, rec_type: str) -> list:
    found = []
    for path in sorted(run.data.rglob("*.warc.gz")):
        with path.open("rb") as fh:
            found += [
                (dict(r.rec_headers.headers), r.http_headers.get_statuscode() if r.http_headers else None)
                for r in ArchiveIterator(fh)
                if r.rec_type == rec_type
            ]
    return found


# -- conditional re-crawl -------------------------------------------------------


def test_conditional_recrawl_gets_304s_and_writes_server_not_modified_revisits(crawl, site, web):
    urls = [p.url for p in site.articles("on")[:3]]
    first = crawl(urls)
    assert first.result.returncode == 0, first.result.stderr[-2000:]
    assert "articles: 3 new" in first.result.stdout
    originals = {u: first.captures(u)[0] for u in urls}
    assert all(c["status"] == 200 and c["etag"] for c in originals.values())

    second = crawl(urls)
    assert second.result.returncode == 0, second.result.stderr[-2000:]
    assert "articles: 0 new, 0 updated, 3 unchanged" in second.result.stdout
    for url in urls:
        [_, again] = second.captures(url)
        assert again["status"] == 304 and again["warc_type"] == "revisit"
    revisits = [h for h, status in records(second, "revisit") if status == "304"]
    assert len(revisits) == 3
    for headers in revisits:
        original = originals[headers["WARC-Target-URI"]]
        assert headers["WARC-Profile"] == SERVER_NOT_MODIFIED
        assert headers["WARC-Refers-To"] == original["warc_record_id"]
        assert headers["WARC-Refers-To-Target-URI"] == headers["WARC-Target-URI"]
    assert query(second.engine, "SELECT count(*) AS n FROM article_versions")[0]["n"] == 3
    decisions = query(second.engine, "SELECT rule, evidence FROM decisions WHERE kind = 'unchanged_refetch'")
    assert len(decisions) == 3 and {d["rule"] for d in decisions} == {"not-modified-304"}
    assert {d["evidence"]["refers_to"] for d in decisions} == {
        c["warc_record_id"] for c in originals.values()
    }
    assert_archive_sound(second)


def test_the_server_answers_304_only_when_the_validators_match(web, site):
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))
    url = site.articles("on")[0].url

    def status(**headers):
        try:
            with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as r:
                return r.status, r.headers
        except urllib.error.HTTPError as error:
            return error.code, error.headers

    ok, headers = status()
    assert ok == 200 and headers["ETag"] and headers["Last-Modified"]
    assert status(**{"If-None-Match": headers["ETag"]})[0] == 304
    assert status(**{"If-None-Match": f'"other", W/{headers["ETag"]}'})[0] == 304
    assert status(**{"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert status(**{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    # If-None-Match wins over the date (RFC 9110): a stale tag means the page changed
    stale = {"If-None-Match": '"stale"', "If-Modified-Since": headers["Last-Modified"]}
    assert status(**stale)[0] == 200
    assert status(**{"If-Modified-Since": "not a date"})[0] == 200


# -- throttling: Retry-After -----------------------------------------------------


def test_429_waits_for_retry_after_then_stores_the_article(crawl):
    url = f"{HOST}/hostile/429/{token()}?tries=2&retry_after=2"
    run = crawl([url])
    assert run.result.returncode == 0, run.result.stderr[-2000:]
    assert run.failed == {} and "articles: 1 new" in run.result.stdout
    captures = run.captures(url)
    assert [c["status"] for c in captures] == [429, 429, 200]
    assert all(c["warc_type"] == "response" and c["warc_record_id"] for c in captures)  # 429s archived
    pairs = zip(captures, captures[1:], strict=False)
    gaps = [(b["fetched_at"] - a["fetched_at"]).total_seconds() for a, b in pairs]
    assert all(gap >= 1.9 for gap in gaps), gaps  # waited as asked, not hammered
    assert [s for _, s in records(run, "response") if s == "429"] == ["429", "429"]
    assert_archive_sound(run)


def test_503_backs_off_without_header_honours_dates_and_gives_up_on_long_waits(crawl, site):
    bare = f"{HOST}/hostile/503/{token()}?tries=2&retry_after=none"
    dated = f"{HOST}/hostile/503/{token()}?tries=1&retry_date=2"
    too_long = f"{HOST}/hostile/503/{token()}?retry_after=3600"
    always = f"{HOST}/hostile/429/{token()}?tries=99&retry_after=0"
    article = site.articles("on")[0].url
    run = crawl([bare, dated, too_long, always, article], "ARCHIVE_RETRY_AFTER_BACKOFF=0.5")
    assert run.result.returncode == 0, run.result.stderr[-2000:]
    assert run.seconds < 60  # the hour-long Retry-After did not stall the run
    assert "articles: 3 new" in run.result.stdout, run.result.stdout  # the run went on
    assert set(run.failed) == {too_long, always}
    assert run.failed[too_long].startswith("RetryAfterTooLong: HTTP 503 with Retry-After 3600 s")
    assert "ARCHIVE_RETRY_AFTER_MAX (120 s)" in run.failed[too_long]
    assert run.failed[always] == "HTTP 429"  # RETRY_TIMES (2) spent: RetryMiddleware gave up
    assert [c["status"] for c in run.captures(too_long)] == [503]
    assert [c["status"] for c in run.captures(always)] == [429, 429, 429]
    backoff = run.captures(bare)
    assert [c["status"] for c in backoff] == [503, 503, 200]
    pairs = zip(backoff, backoff[1:], strict=False)
    first, second = ((b["fetched_at"] - a["fetched_at"]).total_seconds() for a, b in pairs)
    assert 0.45 <= first and 0.95 <= second  # 0.5 s, then 1 s
    dated_captures = run.captures(dated)
    assert [c["status"] for c in dated_captures] == [503, 200]
    assert (dated_captures[1]["fetched_at"] - dated_captures[0]["fetched_at"]).total_seconds() >= 0.9
    assert_archive_sound(run)


# -- connection-level faults -----------------------------------------------------


def test_reset_and_trickling_connections_are_failed_captures(crawl, site):
    reset = f"{HOST}/hostile/reset?t={token()}"
    trickle = f"{HOST}/hostile/trickle?bytes=40&t={token()}"
    article = site.articles("on")[1].url
    run = crawl([reset, trickle, article], "DOWNLOAD_TIMEOUT=2", "RETRY_TIMES=1")
    assert run.result.returncode == 0, run.result.stderr[-2000:]
    assert run.seconds < 60
    assert "articles: 1 new" in run.result.stdout
    assert run.failed[reset] == "ResponseDataLossError"
    assert run.failed[trickle].startswith("DownloadTimeoutError: Getting")
    for url, reason in ((reset, "ResponseDataLossError"), (trickle, "DownloadTimeoutError")):
        captures = run.captures(url)
        assert len(captures) == 2  # the try and its retry, each a capture with its reason
        assert all(c["status"] is None and c["error"].startswith(reason) for c in captures)
        assert all(c["warc_record_id"] is None for c in captures)  # no half response in the WARC
    assert_archive_sound(run)


def test_redirect_loop_is_bounded_and_every_hop_archived(crawl):
    loop = f"{HOST}/hostile/loop/a"
    run = crawl([loop], "REDIRECT_MAX_TIMES=5")
    assert run.seconds < 60
    hops = query(run.engine, "SELECT url, status FROM captures WHERE url LIKE '%/hostile/loop/%'")
    assert {h["status"] for h in hops} == {302} and 2 <= len(hops) <= 6
    assert "fetched: 0 pages" in run.result.stdout
    assert_archive_sound(run)


def test_redirect_loop_is_named_in_the_failed_urls(crawl):
    loop = f"{HOST}/hostile/loop/a"
    run = crawl([loop], "REDIRECT_MAX_TIMES=5")
    assert loop in run.failed
    assert "redirect loop" in str(run.failed)


# -- size limits and compression bombs -------------------------------------------


def test_bombs_and_oversized_pages_stop_at_the_size_limit(crawl, site):
    gzip_bomb = f"{HOST}/hostile/gzip-bomb?mb=8"
    brotli_bomb = f"{HOST}/hostile/brotli-bomb?mb=64"
    huge = f"{HOST}/hostile/huge?mb=3"
    unannounced = f"{HOST}/hostile/huge?mb=3&length=none"
    article = site.articles("on")[2].url
    run = crawl([gzip_bomb, brotli_bomb, huge, unannounced, article], "DOWNLOAD_MAXSIZE=1000000")
    assert run.result.returncode == 0, run.result.stderr[-2000:]
    assert "articles: 1 new" in run.result.stdout
    for bomb in (gzip_bomb, brotli_bomb):
        assert "exceeded DOWNLOAD_MAXSIZE (1000000 B) during decompression" in run.failed[bomb]
        [capture] = run.captures(bomb)
        assert capture["status"] == 200 and capture["warc_record_id"]  # the small raw body, archived
        assert "exceeded DOWNLOAD_MAXSIZE" in capture["note"]  # and why it is no article
    assert run.failed[huge].startswith("DownloadCancelledError: Expected to receive 3145728 bytes")
    assert run.failed[unannounced] == "DownloadCancelledError"
    assert all(c["error"] and c["warc_record_id"] is None for c in run.captures(huge))
    sizes = query(run.engine, "SELECT max(warc_length) AS n FROM captures")[0]["n"]
    assert sizes < 200_000  # no inflated or oversized body went into the archive
    assert_archive_sound(run, brotli=True)
    # the archived bombs stay readable: verify and a rebuild from the WARC files go through them
    assert run_cli("verify", env=run.env).returncode == 0
    captures = query(run.engine, "SELECT count(*) AS n FROM captures")[0]["n"]
    rebuilt = run_cli("reprocess", env=run.env)
    assert rebuilt.returncode == 0 and "Traceback" not in rebuilt.stderr, rebuilt.stderr[-2000:]
    assert query(run.engine, "SELECT count(*) AS n FROM captures")[0]["n"] == captures


def test_brotli_bomb_is_not_inflated_for_the_outlinks():
    """The WARC middleware reads a page's links within DOWNLOAD_MAXSIZE, brotli included."""
    import resource

    from pipeline.demo.hostile import _brotli_bomb
    from warc.outlinks import decoded_body

    bomb = _brotli_bomb(256)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert decoded_body("br", bomb, 1 << 20) is None
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB


# -- bad bytes and hostile content ------------------------------------------------


def test_binary_empty_and_malformed_pages(crawl):
    png, zip_, empty = (f"{HOST}/hostile/{p}" for p in ("binary", "binary?kind=zip", "empty"))
    malformed = f"{HOST}/hostile/malformed"
    run = crawl([png, zip_, empty, malformed])
    assert run.result.returncode == 0, run.result.stderr[-2000:]
    assert run.failed == {}
    assert "articles: 1 new" in run.result.stdout and "3 pages held no article" in run.result.stdout
    for url, note in ((png, "binary"), (zip_, "binary"), (empty, "empty page")):
        [capture] = run.captures(url)
        assert capture["status"] == 200 and capture["note"] == note
    [row] = query(run.engine, "SELECT title, text FROM corpus")
    assert row["title"] == "Studio network was breached for weeks"
    assert "Guardians of Peace released films" in row["text"]
    assert "\x00" not in row["text"] and "unclosed cell" not in row["text"]
    assert_archive_sound(run)


def test_injection_text_is_stored_verbatim_and_harmless(crawl):
    url = f"{HOST}/hostile/injection"
    run = crawl([url])
    assert run.result.returncode == 0, run.result.stderr[-2000:]
    [row] = query(run.engine, "SELECT title, text FROM corpus")
    assert SQL_INJECTION in row["title"] and HTML_INJECTION in row["title"]
    assert f"The message read {SQL_INJECTION} and then {HTML_INJECTION} in plain sight." in row["text"]
    assert query(run.engine, "SELECT count(*) AS n FROM articles")[0]["n"] == 1  # the table is there
    hits = query(
        run.engine,
        "SELECT count(*) AS n FROM corpus, websearch_to_tsquery('english', :q) q WHERE search @@ q",
        q=SQL_INJECTION,
    )
    assert hits[0]["n"] == 1  # searchable as the text it is
    assert_archive_sound(run)


def test_odd_host_names_cannot_choose_where_files_go(crawl):
    odd = [
        f"{HOST}/hostile/odd-links",
        "http://" + "a" * 60 + "." + "b" * 60 + ".test/story/",
        "http://www.bücher-übersicht.test/story/",
        "http://www.bitwire.test/../../../../etc/passwd",
        "http://www.bitwire.test/%2e%2e/%2e%2e/etc/passwd",
    ]
    run = crawl(odd)
    assert run.result.returncode == 0, run.result.stderr[-2000:]
    assert "articles: 1 new" in run.result.stdout
    assert any("bücher" in u or "xn--" in u for u in run.failed)  # an unknown host: 502, reported
    metadata = [h for h, _ in records(run, "metadata")]
    assert metadata  # the odd outlinks are data inside a record, never a path
    assert_archive_sound(run)
    assert run_cli("verify", env=run.env).returncode == 0
