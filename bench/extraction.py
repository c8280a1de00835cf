"""Extraction benchmark: our extractor beside plain trafilatura, readability and newspaper4k, on the
same pages in the same run (`make bench-extract`, or `python -m bench.extraction`).

Data: `shared/extraction-dev` from $EXTRACTION_DEV (by default `<project>/../shared/extraction-dev`),
with up to three sets, each scored as that folder's README says (bench/extraction_sets.py): L3S-GN1
(token P/R/F1 against annotated text, headline accuracy), trafilatura-eval (must-have and
must-not-have passages, summed over pages) and readability-pages (headline, byline and date accuracy;
the `readerable` flag against the "no article" answer). A set whose folder is missing is skipped.

Our extractor runs through `pipeline.extract.cli.extract_record` from the raw bytes (the `extract`
command's path, charset handling included) and is scored on its `text` (body without headline); the
others get the page decoded by its own declaration. Every extractor takes each page in turn, in a
pool of worker processes (--jobs), so that load on the machine weighs on all alike; ms/page is the
time of its calls in the workers, after one warm-up page each.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from bench.extraction_sets import SCORERS, SETS, SHINGLE_KEYS, Page, Score, normalize_title, score  # noqa: F401
from bench.extractors import EXTRACTORS, INSTALL_HINT, Extractor, Output, decode, trafilatura_metadata
from pipeline.paths import PROJECT_ROOT, data_dir

WARM_UP = (
    b"<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
    + (b"<p>" + b"A sentence for the warm-up page, long enough to count as text. " * 8 + b"</p>") * 4
    + b"</article></body></html>"
)

_extractors: dict[str, Extractor] = {}


def default_data() -> Path:
    configured = os.environ.get("EXTRACTION_DEV", "").strip()
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "extraction-dev"


def make_extractors(names: Sequence[str], favor: str) -> dict[str, str]:
    """Builds the named extractors in this process; returns the note of each one that is missing."""
    missing = {}
    for name in names:
        make = partial(EXTRACTORS[name], favor=favor) if name == "ours" else EXTRACTORS[name]
        try:
            _extractors[name] = make()
        except ImportError as exc:
            missing[name] = f"{INSTALL_HINT} ({exc.name})"
    for run in _extractors.values():
        try:
            run(WARM_UP.decode(), WARM_UP, "http://warm.up/news/page.html")
        except Exception:  # noqa: S110 - a warm-up only loads code
            pass
    return missing


def run_page(page: Page) -> dict[str, tuple[Output, float]]:
    """Every extractor on one page: its output and seconds (a crash is an empty output)."""
    html = decode(page.raw)
    done = {}
    for name, run in _extractors.items():
        started = time.perf_counter()
        try:
            out = run(html, page.raw, page.url)
        except Exception:
            out = Output()
        seconds = time.perf_counter() - started
        if name == "trafilatura":
            try:
                title, byline, date = trafilatura_metadata(html, page.url)
            except Exception:
                title = byline = date = None
            out = Output(out.text, title, byline, date, out.article)
        done[name] = (out, seconds)
    return done


def run_set(pages: list[Page], names: list[str], favor: str, jobs: int) -> dict[str, list]:
    """{extractor: [(Output, seconds) per page]} in page order."""
    if jobs <= 1:
        make_extractors(names, favor)
        rows = [run_page(p) for p in pages]
    else:
        with multiprocessing.get_context("fork").Pool(jobs, make_extractors, (names, favor)) as pool:
            rows = pool.map(run_page, pages, chunksize=4)
    available = rows[0].keys() if rows else []
    return {name: [row[name] for row in rows] for name in available}


def body_table(name: str, pages: int, results: dict) -> list[str]:
    body_keys = [
        k
        for k in ("precision", "recall", "f1", "accuracy", *SHINGLE_KEYS)
        if any(k in r["body"] for r in results.values())
    ]
    if not body_keys:
        return []
    lines = [f"{name}: body, {pages} pages", "", "| extractor | " + " | ".join(body_keys) + " | ms/page |"]
    lines.append("| --- |" + " ---: |" * (len(body_keys) + 1))
    for extractor, r in results.items():
        if not r["available"]:
            lines.append(f"| {extractor} | {r['note']} |" + " |" * len(body_keys))
            continue
        cells = " | ".join(f"{r['body'][k]:.3f}" for k in body_keys)
        lines.append(f"| {extractor} | {cells} | {r['ms_per_page']:.1f} |")
    return lines + [""]


def metadata_table(name: str, pages: int, results: dict) -> list[str]:
    first = next((r["metadata"] for r in results.values() if r["available"]), {})
    fields = [f for f in ("title", "byline", "date") if f in first]
    if not fields:
        return []
    gate = "readerable_pages" in first
    head = [f"{f} ({first[f + '_pages']})" if f + "_pages" in first else f for f in fields]
    if gate:
        head += [
            f"readerable dropped (of {first['readerable_pages']})",
            f"not readerable kept (of {first['not_readerable_pages']})",
        ]
    lines = [f"{name}: metadata, {pages} pages", "", "| extractor | " + " | ".join(head) + " |"]
    lines.append("| --- |" + " ---: |" * len(head))
    for extractor, r in results.items():
        if not r["available"]:
            continue
        m = r["metadata"]
        cells = ["n/a" if m[f] is None else f"{m[f]:.3f}" for f in fields]
        if gate:
            cells += [str(m["dropped_readerable"]), str(m["kept_not_readerable"])]
        lines.append(f"| {extractor} | " + " | ".join(cells) + " |")
    return lines + [""]


def verdict(results: dict) -> str:
    """Whether ours has the best body F1 of the set."""
    scored = {n: r["body"]["f1"] for n, r in results.items() if r["available"] and "f1" in r["body"]}
    if "ours" not in scored or len(scored) < 2:
        return ""
    best = max((f1, n) for n, f1 in scored.items() if n != "ours")
    met = "yes" if scored["ours"] >= best[0] else "no"
    return f"body F1: ours {scored['ours']:.3f}, best other {best[1]} {best[0]:.3f}: {met}"


def worst(per_page: dict, count: int) -> list[str]:
    """Our weakest pages of a set (lowest F1 or most passages wrong), to read by hand."""

    def badness(row: dict) -> float:
        return -row["f1"] if "f1" in row else row.get("fn", 0) + row.get("fp", 0)

    ranked = sorted(per_page.items(), key=lambda kv: badness(kv[1]), reverse=True)[:count]
    return [f"  {page}: {json.dumps(row)}" for page, row in ranked]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: $EXTRACTION_DEV)")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated sets to run")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages of each set")
    parser.add_argument("--only", default=",".join(EXTRACTORS), help="comma-separated extractors to run")
    parser.add_argument("--favor", choices=("balanced", "precision", "recall"), default="balanced")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    parser.add_argument("--worst", type=int, default=0, help="list our N weakest pages of each set")
    parser.add_argument(
        "--output", type=Path, default=None, help="JSON results (default: var/bench/extraction.json)"
    )
    args = parser.parse_args(argv)
    data = args.data or default_data()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    for name in names:
        if name not in EXTRACTORS:
            parser.error(f"unknown extractor {name!r}; choose from {', '.join(EXTRACTORS)}")
    wanted = [s.strip() for s in args.sets.split(",") if s.strip()]
    for name in wanted:
        if name not in SETS:
            parser.error(f"unknown set {name!r}; choose from {', '.join(SETS)}")
    found = {s: data / SETS[s][0] for s in wanted if (data / SETS[s][0] / SETS[s][1]).is_file()}
    if not found:
        marks = ", ".join(f"{SETS[s][0]}/{SETS[s][1]}" for s in wanted)
        print(
            f"bench.extraction: no data set at {data} (none of {marks}); set EXTRACTION_DEV", file=sys.stderr
        )
        return 2
    report: dict = {"data": str(data), "favor": args.favor, "sets": {}}
    for set_name, folder in found.items():
        pages = SETS[set_name][2](folder, args.limit)
        if not pages:
            print(f"bench.extraction: {set_name} at {folder} lists no pages", file=sys.stderr)
            continue
        outputs = run_set(pages, names, args.favor, args.jobs)
        results = {}
        for name in names:
            if name not in outputs:
                results[name] = {"available": False, "note": INSTALL_HINT, "body": {}, "metadata": {}}
                continue
            scores, per_page = SCORERS[set_name](pages, [out for out, _ in outputs[name]])
            ms = 1000 * sum(s for _, s in outputs[name]) / len(pages)
            results[name] = {"available": True, "ms_per_page": ms, **scores, "pages": per_page}
        lines = body_table(set_name, len(pages), results) + metadata_table(set_name, len(pages), results)
        if line := verdict(results):
            lines.append(line + "\n")
        if args.worst and "ours" in outputs and set_name != "readability-pages":
            lines += [f"our {args.worst} weakest pages:", *worst(results["ours"]["pages"], args.worst), ""]
        print("\n".join(lines), flush=True)
        report["sets"][set_name] = {"pages": len(pages), "verdict": verdict(results), "results": results}
    output = args.output or data_dir() / "bench" / "extraction.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
