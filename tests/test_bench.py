"""`make bench` cannot rot: a small end-to-end benchmark run for real (fixture pages, as on a machine
without ../shared/extraction-dev), checked for its shape and sanity, never for its timings."""

from __future__ import annotations

import json
import subprocess

from bench.sitepages import RawPage, prepare, shingle_jaccard
from tests.conftest import run_module

PAGES = 48
MODES = {"end_to_end", "plain_scrapy", "warc_only", "extract_only"}


def bench(*args: str, env: dict[str, str], timeout: int = 240) -> subprocess.CompletedProcess:
    return run_module(
        "bench.endtoend", *args, env=env, timeout=timeout, unset=("DATABASE_URL", "ARCHIVE_DATA_DIR")
    )


def test_small_run_without_saved_pages(make_database, tmp_path):
    env = {
        "ARCHIVE_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": make_database(),
        "EXTRACTION_DEV": str(tmp_path / "no-such-folder"),  # the fallback: fixture-web pages
    }
    done = bench("--pages", str(PAGES), "--repeat", "2", env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "FALLBACK fixture-web pages" in done.stdout
    assert "| end_to_end |" in done.stdout and "| extract_only |" in done.stdout
    assert "within each round: end_to_end / extract_only" in done.stdout

    result = json.loads((tmp_path / "var" / "bench" / "latest.json").read_text(encoding="utf-8"))
    assert result["ok"] is True
    assert result["pages"] == PAGES
    assert set(result["pages_per_s"]) == MODES
    assert all(rate > 0 for rate in result["pages_per_s"].values())
    # two runs of every mode, each mode's fastest reported
    assert result["runs"] == 2
    for mode, rates in result["pages_per_s_runs"].items():
        assert len(rates) == 2 and abs(result["pages_per_s"][mode] - max(rates)) < 0.01
    assert isinstance(result["stage_seconds"], dict)
    assert all(v >= 0 for v in result["stage_seconds"].values())
    assert result["peak_rss_mb"] > 0
    assert all(mb > 0 for mb in result["peak_rss_mb_by_mode"].values())
    assert result["warc_bytes_per_page"] > 0
    assert result["source"]["real_pages"] is False
    for mode in ("plain_scrapy", "warc_only", "end_to_end"):
        assert result["modes"][mode]["pages"] == PAGES  # every article page was reached
        assert result["modes"][mode]["failures"] == 0
    assert result["modes"]["plain_scrapy"]["warc_bytes"] == 0  # capture really was off
    # Extraction alone does what the crawl extracts: the section pages too, not the articles only.
    extract_only = result["modes"]["extract_only"]
    assert extract_only["pages_extracted"] == PAGES + result["section_pages"] > extract_only["pages"] == PAGES
    # ...in two halves, either side of end_to_end, added up
    assert len(extract_only["part_seconds"]) == 2
    assert abs(sum(extract_only["part_seconds"]) - extract_only["seconds"]) < 0.01
    # The verdicts are the fastest runs' ratios; each round's own, and their median, beside them.
    ratios, fastest = result["ratios"], result["pages_per_s"]
    assert abs(ratios["end_to_end_vs_extract_only"] - fastest["end_to_end"] / fastest["extract_only"]) < 0.002
    assert (
        abs(ratios["warc_only_overhead_pct"] - (fastest["plain_scrapy"] / fastest["warc_only"] - 1) * 100)
        < 0.2
    )
    share = [
        result["pages_per_s_runs"]["end_to_end"][i] / result["pages_per_s_runs"]["extract_only"][i]
        for i in range(2)
    ]
    assert all(
        abs(a - b) < 0.002 for a, b in zip(share, ratios["end_to_end_vs_extract_only_rounds"], strict=True)
    )
    assert abs(ratios["end_to_end_vs_extract_only_median"] - sum(share) / 2) < 0.002
    assert len(ratios["warc_only_overhead_pct_rounds"]) == 2

    assert all(cpu > 0 for cpu in result["cpu_seconds"].values())
    # where the CPU went: the crawl process, its WARC writer, its extraction workers, and the
    # PostgreSQL backends of the run's database (a server on this machine)
    roles = result["modes"]["end_to_end"]["cpu_seconds_by_role"]
    assert {"crawl", "warc writer", "extraction", "postgresql"} <= set(roles)
    assert all(seconds > 0 for seconds in roles.values())
    assert set(result["modes"]["plain_scrapy"]["cpu_seconds_by_role"]) <= {"crawl", "postgresql", "other"}
    assert "CPU ms per page by process, end_to_end: crawl" in done.stdout

    # Every article page is one article (the fixture pages all hold one, extract_only agrees);
    # each syndicated copy joins its original's story.
    corpus = result["corpus"]
    assert corpus["ok"] is True and corpus["not_articles"] == {}
    assert result["syndicated"] == PAGES // 10
    assert corpus["articles"] == corpus["expected_articles"] == PAGES
    assert corpus["stories"] == corpus["expected_stories"] == PAGES - result["syndicated"]


def test_pages_and_repeat_must_be_positive_integers(tmp_path):
    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    for option in ("--pages", "--repeat"):
        for value in ("abc", "0", "-5", ""):
            done = bench(f"{option}={value}", env=env, timeout=60)
            assert done.returncode == 2
            assert done.stderr.strip().count("\n") == 0, done.stderr  # one line, no traceback
            assert "positive integer" in done.stderr and option in done.stderr
    assert not (tmp_path / "var" / "bench" / "latest.json").exists()


def test_an_unreachable_database_is_one_line(tmp_path):
    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "var"), "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"}
    done = bench("--pages=40", env=env, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("bench: cannot create a throwaway database"), done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0


def test_articles_from_one_template_are_distinct_but_keep_the_markup():
    words = " ".join(f"word{n} alpha beta gamma delta epsilon" for n in range(40))
    raw = RawPage(
        "t1",
        "http://old.example/story",
        "The Headline",
        '<html><head><title>The Headline</title><link rel="canonical" href="http://old.example/story">'
        '<script>var tracking = "keep me as I am";</script></head><body><nav><a href="/">Home</a></nav>'
        f"<h1>The Headline</h1><p>{words}</p><p>Second paragraph, &amp; an entity.</p></body></html>",
    )
    template = prepare(raw)
    vocabulary = ("harbor", "minister", "vessel", "quarter", "signal", "winter")
    one = template.render("a", "http://www.a.test/x/", "First (No. 1)", vocabulary).decode()
    two = template.render("b", "http://www.b.test/y/", "Second (No. 2)", vocabulary).decode()
    for page in (one, two):
        assert '<script>var tracking = "keep me as I am";</script>' in page
        assert '<nav><a href="/">Home</a></nav>' in page
        assert "&amp;" in page and "&amp;amp;" not in page
        assert "old.example" not in page
    assert '<link rel="canonical" href="http://www.a.test/x/">' in one
    assert "<title>First (No. 1)</title>" in one and "<h1>First (No. 1)</h1>" in one
    body = [page.split("<p>", 1)[1] for page in (one, two)]
    assert shingle_jaccard(*body) < 0.3
    assert template.render("a", "http://www.a.test/x/", "First (No. 1)", vocabulary).decode() == one
