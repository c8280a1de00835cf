"""End-to-end benchmark (`make bench`, or `python -m bench.endtoend --pages N`): how fast the whole
archive runs (crawl, WARC, extract, dedupe, store) on N article pages made from real saved news
pages, served on loopback, beside what bounds it, all measured in one run:

- plain_scrapy: the same crawl, WARC capture and item pipelines off (Scrapy and our spider only);
- warc_only: the same crawl with WARC capture, no item pipelines;
- end_to_end: everything, into a throwaway PostgreSQL database, whose corpus is then checked;
- extract_only: extraction alone over the same page bytes, one worker process per core: every
  page the crawl extracts, the section pages as well as the articles, in two halves (every
  other page each), run just before and just after end_to_end.

Each mode runs in its own process, so its peak RSS is its own. Pages/s is article pages fetched
(or extracted) divided by the mode's wall seconds, in every mode. With ``--repeat K`` the four
modes run K times in turn (each end_to_end into a database of its own) and each mode's fastest
run is reported, all runs' rates beside it: other load on a shared machine only ever slows a
run, so the fastest is the closest to what the code costs (as ``timeit`` reasons), and the target
ratios are those of the fastest runs. Each round's own ratios, and their median, are reported
beside them (extraction alone runs either side of end_to_end, so that a round compares the two
at about the same moment of a shared machine whose speed drifts). The site
(bench/benchsite.py) is built into var/bench/site once per N and data set; results go to stdout
as a table and to var/bench/latest.json. Missing a target ratio is a result, not a failure (exit
status 0); a mode that crashes, misses pages, or a corpus that does not hold what was served is
(exit status 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from bench.errors import BenchError, UsageError
from bench.modes import BENCH_SETTINGS, CRAWL_MODES, MODE_SETTINGS, MODES
from pipeline.paths import PROJECT_ROOT

TARGET_E2E_SHARE = 0.70  # end_to_end must reach this share of extract_only's pages/s
TARGET_WARC_OVERHEAD = 10.0  # warc_only may be at most this many percent slower than plain_scrapy
CHILD_TIMEOUT = 6 * 3600


def positive_int(value: str, option: str = "--pages (N)") -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise UsageError(f"{option} must be a positive integer, got {value!r}")
    return number


# ---- the children -------------------------------------------------------------------------------


def child_main(args: argparse.Namespace) -> int:
    from bench import modes

    if args.child == "extract_only":
        result = modes.run_extract_mode(Path(args.site), args.part or "all")
    else:
        result = modes.run_crawl_mode(args.child, Path(args.collection), args.database_url, args.proxy)
    Path(args.result).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


def run_child(mode: str, workdir: Path, env: dict[str, str], *extra: str) -> dict:
    """Run one mode in a child process; its output goes to workdir/child.log."""
    result = workdir / "result.json"
    log_file = workdir / "child.log"
    command = [sys.executable, "-m", "bench.endtoend", "--child", mode, "--result", str(result), *extra]
    with log_file.open("w", encoding="utf-8") as out:
        try:
            done = subprocess.run(
                command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=out, timeout=CHILD_TIMEOUT
            )
            code = done.returncode
        except subprocess.TimeoutExpired:
            raise BenchError(f"{mode} took more than {CHILD_TIMEOUT} s (log: {log_file})") from None
    if code != 0 or not result.is_file():
        lines = [line for line in log_file.read_text(errors="replace").splitlines() if line.strip()]
        last = lines[-1].strip() if lines else "no output"
        raise BenchError(f"{mode} failed (exit status {code}): {last[:300]} (log: {log_file})")
    return json.loads(result.read_text(encoding="utf-8"))


# ---- the site server ----------------------------------------------------------------------------


@contextmanager
def site_server(site_dir: Path):
    """The site served by `python -m bench.siteserver` in its own process; yields its proxy URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.siteserver", str(site_dir)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = (process.stdout.readline() if process.stdout else "").strip()
        if not port.isdigit():
            raise BenchError(f"the site server did not start (exit status {process.poll()})")
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.stdin:
            process.stdin.close()  # the server stops when its stdin closes
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_hits(proxy: str, reset: bool = False) -> dict:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{proxy}/__bench__/{'reset' if reset else 'hits'}", timeout=10) as answer:
        return json.loads(answer.read())


def mode_problem(mode: str, result: dict) -> str | None:
    """Whether a crawl mode did what its name says: a harness whose switches stopped working (a
    renamed setting, extraction moved out of the item pipelines) must not report a number."""
    stats = result["stats"]
    extracted = stats.get("extract/articles", 0) + stats.get("extract/no_article", 0)
    stored = sum(v for k, v in stats.items() if k.startswith("db/"))
    if mode == "plain_scrapy" and result["warc_bytes"]:
        return f"WARC capture was not off ({result['warc_bytes']} bytes of WARC written)"
    if mode != "plain_scrapy" and not result["warc_bytes"]:
        return "no WARC file was written"
    if mode != "end_to_end" and (extracted or stored):
        return f"the pipeline was not off ({extracted} pages extracted, db stats {stored})"
    if mode == "end_to_end" and not extracted:
        return "no page went through extraction"
    return None


# ---- the run ------------------------------------------------------------------------------------


def fastest(rounds: list[dict[str, dict]]) -> dict[str, dict]:
    """Each mode's fastest run among the rounds."""
    return {m: min((r[m] for r in rounds), key=lambda result: result["seconds"]) for m in MODES}


def run_crawls(
    site, database_url: str, runs: Path, label: str = "", before_end_to_end=None
) -> dict[str, dict]:
    """The three crawl modes, one after the other, against one site server; `before_end_to_end`
    is called just before end_to_end starts, its result kept as results["before_end_to_end"]."""
    from bench.benchsite import log

    pages, results = site.meta["pages"], {}
    with site_server(site.path) as proxy:
        for mode in CRAWL_MODES:
            if mode == "end_to_end" and before_end_to_end:
                results["before_end_to_end"] = before_end_to_end()
            log(f"{mode}{label}: crawling {pages} articles ({site.meta['section_pages']} section pages)")
            workdir = runs / mode
            workdir.mkdir(parents=True)
            env = {**os.environ, "ARCHIVE_DATA_DIR": str(workdir / "data"), "DATABASE_URL": database_url}
            server_hits(proxy, reset=True)
            result = run_child(
                mode,
                workdir,
                env,
                *("--collection", str(site.collection_file), "--database-url", database_url),
                *("--proxy", proxy),
            )
            result["server"] = hits = server_hits(proxy)
            result["pages"] = hits["article_distinct"]
            results[mode] = result
            if problem := mode_problem(mode, result):
                raise BenchError(f"{mode}: {problem} (log: {workdir / 'child.log'})")
            if hits["article_distinct"] != pages:
                raise BenchError(
                    f"{mode} fetched {hits['article_distinct']} of the {pages} article pages "
                    f"(finish reason {result['finish_reason']}, {result['failures']} failed URLs; "
                    f"log: {workdir / 'child.log'})"
                )
    return results


def run_extract(site, workdir_of: Path, part: str, label: str) -> dict:
    """One half of extract_only (`part`: "first" or "second"), in its own process."""
    from bench.benchsite import log

    log(f"extract_only{label}, {part} half: every other page on {os.cpu_count()} worker processes")
    workdir = workdir_of / f"extract_only-{part}"
    workdir.mkdir(parents=True)
    return run_child("extract_only", workdir, dict(os.environ), "--site", str(site.path), "--part", part)


def run(pages: int, repeat: int = 1) -> int:
    from bench.benchdb import check_corpus, throwaway_database
    from bench.benchsite import bench_dir, build_site
    from bench.modes import merge_extract_parts

    started = time.perf_counter()
    runs = bench_dir() / "run"
    out = bench_dir() / "latest.json"
    out.unlink(missing_ok=True)  # a failed run leaves no earlier run's numbers behind as its own
    shutil.rmtree(runs, ignore_errors=True)
    rounds: list[dict[str, dict]] = []
    site = None
    for turn in range(repeat):
        label = f" (run {turn + 1} of {repeat})" if repeat > 1 else ""
        workdir_of = runs / f"run-{turn + 1}" if repeat > 1 else runs
        with throwaway_database() as (database_url, database_where):  # first: a failure here is quick
            site = site or build_site(pages)
            first_half = partial(run_extract, site, workdir_of, "first", label)
            results = run_crawls(site, database_url, workdir_of, label, before_end_to_end=first_half)
            halves = [results.pop("before_end_to_end"), run_extract(site, workdir_of, "second", label)]
            every_page = pages + site.meta["section_pages"]
            result = merge_extract_parts(halves)
            result["pages"] = result["article_pages"]
            results["extract_only"] = result
            if result["pages_extracted"] != every_page or result["pages"] != pages:
                raise BenchError(
                    f"extract_only extracted {result['pages_extracted']} of {every_page} pages "
                    f"({result['pages']} of {pages} articles)"
                )
            corpus = check_corpus(database_url, site.articles(), result["not_articles"])
        rounds.append(results)
        if corpus.problem():
            break  # reported below
    results = fastest(rounds)

    meta = site.meta
    summary = summarize(pages, meta, results, rounds, corpus, database_where, time.perf_counter() - started)
    out.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    print(render(summary))
    print(f"\nJSON: {out}")
    if problem := corpus.problem():
        print(f"bench: corpus check failed: {problem}", file=sys.stderr)
        return 1
    return 0


def round_ratios(rounds: list[dict[str, dict]]) -> tuple[list[float], list[float]]:
    """Within each round: end_to_end's rate as a share of extract_only's, and warc_only's extra
    time per page over plain_scrapy's, in percent."""
    share, overhead = [], []
    for r in rounds:
        rate = {m: r[m]["pages"] / r[m]["seconds"] for m in MODES}
        share.append(rate["end_to_end"] / rate["extract_only"])
        overhead.append((rate["plain_scrapy"] / rate["warc_only"] - 1) * 100)
    return share, overhead


def summarize(pages, meta, results, rounds, corpus, database_where, total_seconds) -> dict:
    rates = {m: results[m]["pages"] / results[m]["seconds"] for m in MODES}
    e2e = results["end_to_end"]
    share, overhead = round_ratios(rounds)
    return {
        "ok": corpus.ok,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "pages": pages,
        "syndicated": meta["syndicated"],
        "section_pages": meta["section_pages"],
        "pages_per_s": {m: round(rates[m], 3) for m in MODES},
        "seconds": {m: round(results[m]["seconds"], 3) for m in MODES},
        "cpu_seconds": {m: round(results[m]["cpu_seconds"], 2) for m in MODES},
        "stage_seconds": {k: round(v, 3) for k, v in sorted(e2e["stage_seconds"].items())},
        "peak_rss_mb": round(e2e["peak_rss_mb"], 1),
        "peak_rss_mb_by_mode": {m: round(results[m]["peak_rss_mb"], 1) for m in MODES},
        "warc_bytes_per_page": round(e2e["warc_bytes"] / pages, 1),
        "warc_bytes": e2e["warc_bytes"],
        "runs": len(rounds),
        "pages_per_s_runs": {m: [round(r[m]["pages"] / r[m]["seconds"], 3) for r in rounds] for m in MODES},
        "ratios": {
            "end_to_end_vs_extract_only": round(rates["end_to_end"] / rates["extract_only"], 3),
            "end_to_end_vs_extract_only_rounds": [round(x, 3) for x in share],
            "end_to_end_vs_extract_only_median": round(statistics.median(share), 3),
            "end_to_end_vs_extract_only_target": TARGET_E2E_SHARE,
            "warc_only_overhead_pct": round(
                (results["warc_only"]["seconds"] / results["plain_scrapy"]["seconds"] - 1) * 100, 1
            ),
            "warc_only_overhead_pct_rounds": [round(x, 1) for x in overhead],
            "warc_only_overhead_pct_median": round(statistics.median(overhead), 1),
            "warc_only_overhead_pct_target": TARGET_WARC_OVERHEAD,
        },
        "corpus": {
            "ok": corpus.ok,
            "article_pages": corpus.pages,
            "article_pages_captured": corpus.captured,
            "not_articles": corpus.not_articles,
            "articles": corpus.articles,
            "expected_articles": corpus.expected_articles,
            "stories": corpus.stories,
            "expected_stories": corpus.expected_stories,
            "missing_examples": dict(list(corpus.missing.items())[:5]),
            "database": database_where,
        },
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "source": {
            "name": meta["source"],
            "real_pages": meta["real_pages"],
            "templates_used": meta["templates_used"],
            "templates_rejected": len(meta["templates_rejected"]),
        },
        "site": {
            "html_bytes_per_page": round(meta["html_bytes"] / max(pages + meta["section_pages"], 1)),
            "gzip_bytes_per_page": round(meta["gzip_bytes"] / max(pages + meta["section_pages"], 1)),
            "build_seconds": meta["build_seconds"],
        },
        "settings": {"all_crawls": BENCH_SETTINGS, **{m: MODE_SETTINGS[m] for m in CRAWL_MODES}},
        "modes": {m: {k: v for k, v in r.items() if k != "stats"} for m, r in results.items()},
        "end_to_end_stats": e2e["stats"],
        "total_seconds": round(total_seconds, 1),
    }


def every_run(s: dict) -> list[str]:
    """The rates of every run, and the two ratios within each round (where extraction alone ran
    either side of end_to_end), with their median, beside the fastest runs' ratios above."""
    rates, r = s["pages_per_s_runs"], s["ratios"]
    return [
        "- pages/s of every run: "
        + "; ".join(f"{m} " + ", ".join(f"{rate:.1f}" for rate in rates[m]) for m in MODES),
        "- within each round: end_to_end / extract_only "
        + ", ".join(f"{x:.0%}" for x in r["end_to_end_vs_extract_only_rounds"])
        + "; warc_only vs plain_scrapy "
        + ", ".join(f"{x:+.1f}%" for x in r["warc_only_overhead_pct_rounds"])
        + f" (medians: {r['end_to_end_vs_extract_only_median']:.0%} and "
        f"{r['warc_only_overhead_pct_median']:+.1f}%)",
    ]


def cpu_by_role(s: dict) -> list[str]:
    """CPU ms per article page by process, for each crawl mode: where a mode's time goes."""
    lines = []
    for mode in CRAWL_MODES:
        roles = s["modes"][mode].get("cpu_seconds_by_role") or {}
        if roles:
            parts = ", ".join(f"{role} {seconds * 1000 / s['pages']:.1f}" for role, seconds in roles.items())
            lines.append(f"- CPU ms per page by process, {mode}: {parts}")
    return lines


def render(s: dict) -> str:
    """The report: the modes table, the ratios against their targets, the stages, the setting."""
    r = s["ratios"]
    e2e_ok = r["end_to_end_vs_extract_only"] >= r["end_to_end_vs_extract_only_target"]
    warc_ok = r["warc_only_overhead_pct"] <= r["warc_only_overhead_pct_target"]
    fastest = ", each mode's fastest run" if s.get("runs", 1) > 1 else ""
    lines = [
        f"End-to-end benchmark: {s['pages']} article pages ({s['syndicated']} syndicated copies) "
        f"+ {s['section_pages']} section pages, {s['machine']['cpu_count']} CPUs"
        + (f", each mode's fastest of {s['runs']} runs" if s.get("runs", 1) > 1 else ""),
        f"Pages: {s['source']['name']} ({s['source']['templates_used']} templates, "
        f"{s['source']['templates_rejected']} unusable)",
        "",
        "| mode | pages | seconds | pages/s | peak RSS MB | CPU s | crawl engine s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for mode in MODES:
        m = s["modes"][mode]
        engine = f"{m['engine_seconds']:.1f}" if m.get("engine_seconds") else "-"
        lines.append(
            f"| {mode} | {m['pages']} | {s['seconds'][mode]:.1f} | {s['pages_per_s'][mode]:.1f} "
            f"| {s['peak_rss_mb_by_mode'][mode]:.0f} | {s['cpu_seconds'][mode]:.1f} | {engine} |"
        )
    lines += [
        "",
        f"- end_to_end / extract_only: {r['end_to_end_vs_extract_only']:.0%}{fastest} "
        f"(target >= {r['end_to_end_vs_extract_only_target']:.0%}: {'met' if e2e_ok else 'MISSED'}); "
        f"extract_only extracted {s['modes']['extract_only']['pages_extracted']} pages, the section "
        "pages as well as the articles, as the crawl does, half just before end_to_end and half "
        "just after it",
        f"- warc_only vs plain_scrapy: {r['warc_only_overhead_pct']:+.1f}% time per page{fastest} "
        f"(target <= +{r['warc_only_overhead_pct_target']:.0f}%: {'met' if warc_ok else 'MISSED'})",
        f"- WARC bytes per page (end_to_end): {s['warc_bytes_per_page']:,.0f} "
        f"(served: {s['site']['gzip_bytes_per_page']:,} gzip, {s['site']['html_bytes_per_page']:,} HTML)",
        f"- peak RSS: a mode's processes together (the crawl, its extraction workers; extract_only's "
        f"{s['modes']['extract_only']['workers']} workers), sampled every 0.5 s, as is their CPU time; "
        "main processes alone: " + ", ".join(f"{m} {s['modes'][m]['main_peak_rss_mb']:.0f}" for m in MODES),
        *(every_run(s) if s.get("runs", 1) > 1 else []),
        *cpu_by_role(s),
        "- site server CPU seconds: "
        + ", ".join(f"{m} {s['modes'][m]['server']['cpu_seconds']:.1f}" for m in CRAWL_MODES),
    ]
    c = s["corpus"]
    rejected = Counter(c["not_articles"].values())
    judged = ", ".join(f"{n} {reason}" for reason, n in rejected.most_common()) or "none"
    lines += [
        f"- corpus ({c['database']}): {c['articles']} articles (expected {c['expected_articles']}), "
        f"{c['stories']} stories (expected {c['expected_stories']}): {'ok' if c['ok'] else 'WRONG'}",
        f"  expected = the {c['article_pages']} article pages, less those extract_page finds no "
        f"article on ({judged}); one story per original, its syndicated copy joins it",
    ]
    stages = s["stage_seconds"]
    wall = s["seconds"]["end_to_end"]
    lines += [
        "",
        "end_to_end stage seconds, as the crawl recorded them (stages may overlap each other and the crawl):",
        "",
        "| stage | seconds | ms per page |",
        "| --- | ---: | ---: |",
    ]
    per_page = 1000 / s["pages"]
    if stages:
        lines += [f"| {k} | {v:.2f} | {v * per_page:.1f} |" for k, v in stages.items()]
    else:
        lines.append("| (no stage_seconds/* stats recorded) | | |")
    lines.append(f"| (wall) | {wall:.2f} | {wall * per_page:.1f} |")
    settings = ", ".join(f"{k}={v}" for k, v in s["settings"]["all_crawls"].items())
    lines += [
        "",
        f"Crawl settings (all modes): {settings}; plain_scrapy: "
        + ", ".join(f"{k}={v}" for k, v in s["settings"]["plain_scrapy"].items())
        + "; warc_only: "
        + ", ".join(f"{k}={v}" for k, v in s["settings"]["warc_only"].items()),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.endtoend", description=__doc__.split("\n")[0])
    parser.add_argument("--pages", default="5000", help="article pages on the site (default 5000)")
    parser.add_argument(
        "--repeat",
        default="1",
        help="run the modes this many times; each one's fastest counts (default 1)",
    )
    for hidden in ("--child", "--result", "--site", "--part", "--collection", "--database-url", "--proxy"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.child:
            return child_main(args)
        return run(positive_int(args.pages), positive_int(args.repeat, "--repeat"))
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
