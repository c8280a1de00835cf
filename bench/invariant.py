"""Capture outcomes on real pages: `python -m bench.invariant [DEV_DIR]`.

Packs the extraction-dev pages (all three sets) into a WARC file, imports it into a throwaway
database as `import-warc` does, and reports what became of every page: an article version, an
unchanged or folded decision, a note, or nothing (which must never happen), and the identity
conflicts met on the way. Exit 1 when a page has no outcome.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from bench.benchdb import throwaway_database
from bench.errors import BenchError
from pipeline.database import engine_for
from pipeline.paths import PROJECT_ROOT
from pipeline.rebuild.reprocess import Reprocessor
from pipeline.rebuild.verify import capture_outcomes
from warc.writer import HttpExchange, WarcFileWriter

DEV = PROJECT_ROOT.parent / "shared" / "extraction-dev"
FETCHED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
URI_SAFE = ":/?#[]@!$&'()*+,;=%~"


def dev_pages(root: Path) -> list[tuple[str, Path]]:
    """(URL the page was crawled from, its gzipped HTML) for every page of the three sets."""
    pages = []
    for line in (root / "ground-truth.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        pages.append((row["url"], root / "html" / f"{row['id']}.html.gz"))
    expectations = json.loads((root / "trafilatura-eval" / "expectations.json").read_text(encoding="utf-8"))
    for number, row in sorted(expectations.items()):
        url = row["url"] if urlsplit(row["url"]).scheme in ("http", "https") else None
        # Some of its "URLs" are file names: those pages get one of their own.
        url = url or f"http://trafilatura-eval.test/{number}/"
        pages.append((url, root / "trafilatura-eval" / "html" / f"{number}.html.gz"))
    for path in sorted((root / "readability-pages" / "html").glob("*.html.gz")):
        # The set records no URLs: each page gets one of its own on a host of its own.
        pages.append((f"http://readability-pages.test/{path.name.removesuffix('.html.gz')}/", path))
    return pages


def pack(pages: list[tuple[str, Path]], directory: Path) -> Path:
    """One WARC file of 200 responses, in the order given, a second apart."""
    writer = WarcFileWriter(directory, prefix="DEV")
    for n, (iri, path) in enumerate(pages):
        url = quote(iri, safe=URI_SAFE)  # as a crawler sends it: non-ASCII percent-encoded
        host = url.split("/")[2]
        writer.write_exchange(
            HttpExchange(
                url=url,
                method="GET",
                request_target=url,
                request_headers=[("Host", host)],
                status=200,
                reason="OK",
                response_headers=[("Content-Type", "text/html")],  # the page declares its own charset
                body=gzip.decompress(path.read_bytes()),
                fetched_at=FETCHED + dt.timedelta(seconds=n),
            )
        )
    writer.close()
    return directory / writer.files_written[0]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0]) if argv else DEV
    if not (root / "ground-truth.jsonl").exists():
        print(f"error: no extraction-dev set at {root} (ground-truth.jsonl missing)", file=sys.stderr)
        return 2
    try:
        pages = dev_pages(root)
        with tempfile.TemporaryDirectory() as folder, throwaway_database() as (url, where):
            warc = pack(pages, Path(folder))
            engine = engine_for(url)
            started = time.perf_counter()
            report = Reprocessor(engine, "extraction-dev", "import").run([warc])
            seconds = time.perf_counter() - started
            outcomes = capture_outcomes(engine, report.run_id)
    except (BenchError, OSError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counts = report.counts
    print(f"{len(pages)} pages packed from {root}, imported into {where} in {seconds:.0f} s")
    print(report.render())
    print(f"  identity conflicts kept apart: {counts.get('identity_conflict', 0)}")
    print(outcomes.render())
    return 1 if outcomes.missing else 0


if __name__ == "__main__":
    sys.exit(main())
