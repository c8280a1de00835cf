"""Extraction benchmark: our extractor beside plain trafilatura, readability and newspaper4k, on the
same pages in the same run (`make bench-extract`, or `python -m bench.extraction`).

Data: a folder laid out as `shared/extraction-dev` (`html/<id>.html.gz` and `ground-truth.jsonl`
with `id`, `url`, `text` and optionally `title`), from $EXTRACTION_DEV, by default
`<project>/../shared/extraction-dev`. Scores follow that folder's README: per page, both texts are
lowercased and split on whitespace, `overlap` is the size of the multiset intersection,
precision = overlap / extracted tokens, recall = overlap / truth tokens, F1 their harmonic mean;
the table shows the mean over pages. An empty extraction scores precision 0 (and 1 when the truth
is empty too). Title accuracy is the share of pages with a ground-truth headline whose headline
matches exactly after normalization (Unicode NFKC, case, quotes, dashes, spacing, end
punctuation). ms/page is wall time divided by pages, after one warm-up page per extractor; the
extractors take the pages in turn, so that load on the machine weighs on all alike.

Our extractor runs through `pipeline.extract_cli.extract_record`, the `extract` command's path,
and is scored on its `text` (body without headline); the others on their main text output.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from pipeline.paths import PROJECT_ROOT, data_dir

Extractor = Callable[[str, bytes, str], tuple[str, str | None]]  # (html, raw bytes, url) -> text, title


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float


@dataclass(slots=True)
class Result:
    name: str
    available: bool = True
    note: str = ""
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    title_accuracy: float | None = None
    ms_per_page: float = 0.0
    pages: dict[str, dict] = field(default_factory=dict)


def default_data() -> Path:
    configured = os.environ.get("EXTRACTION_DEV", "").strip()
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "extraction-dev"


def score(extracted: str, truth: str) -> Score:
    """Token-level precision, recall and F1 of one page (lowercased, whitespace split, multiset)."""
    got, want = extracted.lower().split(), truth.lower().split()
    if not want:
        return Score(1.0, 1.0, 1.0) if not got else Score(0.0, 1.0, 0.0)
    if not got:
        return Score(0.0, 0.0, 0.0)
    overlap = sum((Counter(got) & Counter(want)).values())
    precision, recall = overlap / len(got), overlap / len(want)
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return Score(precision, recall, f1)


def normalize_title(title: str | None) -> str:
    text = unicodedata.normalize("NFKC", title or "").lower()
    text = re.sub("[\u2018\u2019\u201a\u201b`\u00b4]", "'", text)
    text = re.sub("[\u201c\u201d\u201e]", '"', text)
    text = re.sub("[\u2010-\u2015]", "-", text)
    return " ".join(text.split()).strip(" .:;,!?-|\"'")


def load_pages(data: Path, limit: int | None = None) -> list[dict]:
    """Ground-truth rows with their HTML bytes under `raw`."""
    pages = []
    with (data / "ground-truth.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                row["raw"] = gzip.decompress((data / "html" / f"{row['id']}.html.gz").read_bytes())
                pages.append(row)
                if limit and len(pages) >= limit:
                    break
    return pages


# The extractors. Each takes the page decoded as UTF-8 (as the data set's README says it is), the
# raw bytes and the URL, and returns its main text and headline.


def ours(favor: str = "balanced") -> Extractor:
    from pipeline.extract_cli import extract_record

    def run(html: str, raw: bytes, url: str) -> tuple[str, str | None]:
        record = extract_record(raw, url, favor)
        return str(record["text"] or ""), record["title"]  # type: ignore[return-value]

    return run


def plain_trafilatura() -> Extractor:
    import trafilatura

    def run(html: str, raw: bytes, url: str) -> tuple[str, str | None]:
        return trafilatura.extract(html) or "", None

    return run


def trafilatura_title(html: str) -> str | None:
    """trafilatura's headline, from its metadata extractor (not timed: `extract` gives none)."""
    import trafilatura

    return trafilatura.extract_metadata(html).title


def readability() -> Extractor:
    import lxml.html
    from readability import Document

    def run(html: str, raw: bytes, url: str) -> tuple[str, str | None]:
        document = Document(html)
        summary = document.summary(html_partial=True)
        fragment = lxml.html.fragment_fromstring(summary, create_parent="div") if summary.strip() else None
        if fragment is not None:
            for el in fragment.iter("p", "div", "li", "h1", "h2", "h3", "h4", "br", "td", "blockquote"):
                el.tail = "\n" + (el.tail or "")
        return (fragment.text_content() if fragment is not None else ""), document.short_title()

    return run


def newspaper4k() -> Extractor:
    with warnings.catch_warnings():  # "nltk is not installed": only its NLP extras need it
        warnings.simplefilter("ignore")
        import newspaper

    def run(html: str, raw: bytes, url: str) -> tuple[str, str | None]:
        article = newspaper.Article(url, fetch_images=False)
        with warnings.catch_warnings():  # dateutil on the page's own date strings
            warnings.simplefilter("ignore")
            article.download(input_html=html)
            article.parse()
        return article.text or "", article.title

    return run


EXTRACTORS: dict[str, Callable[..., Extractor]] = {
    "ours": ours,
    "trafilatura": plain_trafilatura,
    "readability": readability,
    "newspaper4k": newspaper4k,
}
INSTALL_HINT = "not installed: make bench-extract (pip install -e '.[bench]')"


def run_all(makers: dict[str, Callable[[], Extractor]], pages: list[dict]) -> list[Result]:
    """Every extractor on every page. Pages are taken in turn by each extractor (round robin), so
    a change in machine load while the benchmark runs weighs on all of them alike."""
    results: dict[str, Result] = {}
    extractors: dict[str, Extractor] = {}
    for name, make in makers.items():
        try:
            extractors[name] = make()
            results[name] = Result(name)
        except ImportError as exc:
            results[name] = Result(name, available=False, note=f"{INSTALL_HINT} ({exc.name})")
    htmls = [page["raw"].decode("utf-8", errors="replace") for page in pages]

    def call(name: str, i: int) -> tuple[str, str | None]:
        try:
            return extractors[name](htmls[i], pages[i]["raw"], pages[i]["url"])
        except Exception as exc:  # a crash on one page counts as an empty extraction
            return "", f"<{type(exc).__name__}>"

    outputs: dict[str, list[tuple[str, str | None]]] = {name: [] for name in extractors}
    seconds = dict.fromkeys(extractors, 0.0)
    for name in extractors:
        call(name, 0)  # warm-up: imports and caches, not the page
    for i in range(len(pages)):
        for name in extractors:
            started = time.perf_counter()
            outputs[name].append(call(name, i))
            seconds[name] += time.perf_counter() - started
    for name, produced in outputs.items():
        if name == "trafilatura":
            produced = [(text, trafilatura_title(htmls[i])) for i, (text, _) in enumerate(produced)]
        results[name] = score_all(name, produced, pages, 1000 * seconds[name] / len(pages))
    return list(results.values())


def score_all(name: str, outputs: list[tuple[str, str | None]], pages: list[dict], ms: float) -> Result:
    result = Result(name, ms_per_page=ms)
    titled = title_hits = 0
    for page, (text, title) in zip(pages, outputs, strict=True):
        page_score = score(text, page["text"])
        hit = None
        if page.get("title"):
            titled += 1
            hit = normalize_title(title) == normalize_title(page["title"])
            title_hits += hit
        result.pages[page["id"]] = asdict(page_score) | {"title_match": hit}
        result.precision += page_score.precision / len(pages)
        result.recall += page_score.recall / len(pages)
        result.f1 += page_score.f1 / len(pages)
    result.title_accuracy = title_hits / titled if titled else None
    return result


def table(results: list[Result], pages: int) -> str:
    lines = [
        f"Extraction on {pages} pages (mean per page)",
        "",
        "| extractor | precision | recall | F1 | title accuracy | ms/page |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if not r.available:
            lines.append(f"| {r.name} | {r.note} | | | | |")
            continue
        title = f"{r.title_accuracy:.3f}" if r.title_accuracy is not None else "n/a"
        lines.append(
            f"| {r.name} | {r.precision:.3f} | {r.recall:.3f} | {r.f1:.3f} | {title} | {r.ms_per_page:.1f} |"
        )
    return "\n".join(lines)


def verdict(results: list[Result]) -> str:
    """Whether ours beats every other F1 at no more than twice plain trafilatura's time."""
    by_name = {r.name: r for r in results if r.available}
    if "ours" not in by_name:
        return ""
    mine = by_name["ours"]
    others = [r for name, r in by_name.items() if name != "ours"]
    beaten = all(mine.f1 > r.f1 for r in others)
    parts = [f"F1 above {', '.join(r.name for r in others)}: {'yes' if beaten else 'no'}"] if others else []
    if "trafilatura" in by_name:
        ratio = mine.ms_per_page / by_name["trafilatura"].ms_per_page
        parts.append(f"time {ratio:.2f}x plain trafilatura (target <= 2x): {'yes' if ratio <= 2 else 'no'}")
    return "; ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: $EXTRACTION_DEV)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--only", default=",".join(EXTRACTORS), help="comma-separated extractors to run")
    parser.add_argument("--favor", choices=("balanced", "precision", "recall"), default="balanced")
    parser.add_argument(
        "--output", type=Path, default=None, help="JSON results (default: var/bench/extraction.json)"
    )
    args = parser.parse_args(argv)
    data = args.data or default_data()
    if not (data / "ground-truth.jsonl").is_file():
        print(
            f"bench.extraction: no data set at {data} (ground-truth.jsonl missing); set EXTRACTION_DEV",
            file=sys.stderr,
        )
        return 2
    pages = load_pages(data, args.limit)
    if not pages:
        print(f"bench.extraction: {data}/ground-truth.jsonl lists no pages", file=sys.stderr)
        return 2
    makers: dict[str, Callable[[], Extractor]] = {}
    for name in (n.strip() for n in args.only.split(",") if n.strip()):
        if name not in EXTRACTORS:
            parser.error(f"unknown extractor {name!r}; choose from {', '.join(EXTRACTORS)}")
        makers[name] = partial(EXTRACTORS[name], favor=args.favor) if name == "ours" else EXTRACTORS[name]
    results = run_all(makers, pages)
    print(table(results, len(pages)))
    if line := verdict(results):
        print("\n" + line)
    output = args.output or data_dir() / "bench" / "extraction.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "data": str(data),
        "pages": len(pages),
        "favor": args.favor,
        "verdict": verdict(results),
        "results": [asdict(r) for r in results],
    }
    output.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
