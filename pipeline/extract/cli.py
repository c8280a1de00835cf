"""`python -m pipeline extract FILE_OR_DIR ... [--url URL] [--favor ...]`: what the corpus would store
for saved pages, one JSON line per file, through the crawl's own `extract_page`.

Use it to check a page by hand before a crawl, or to see why a page was left out (`reason`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from pipeline.extract.article import FAVOR, extract_page
from pipeline.normalize.forms import TextFacts, normalize_text

FIELDS = (
    "title",
    "dek",
    "authors",
    "published_at",
    "updated_at",
    "section",
    "tags",
    "language",
    "text",
    "canonical_url",
    "site_name",
    "word_count",
    "access",
    "page_kind",
    "extractor",
    "extractor_version",
    "reason",
    "fixes",
)
SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz", ".xhtml.gz")


def html_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the HTML files (plain or gzipped) under the folders named, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES))
            )
        else:
            found.append(path)
    return found


def read_html(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" or data[:2] == b"\x1f\x8b" else data


def extract_record(
    data: bytes, url: str, favor: str = "balanced", content_type: str | None = None
) -> dict[str, object]:
    """The fields the pipeline stores for one page (text and headline normalized as normalize/forms.py
    does), plus `reason` when it holds no article and `fixes` for what was repaired."""
    result = extract_page(data, url, favor, content_type)
    record: dict[str, object] = dict.fromkeys(FIELDS)
    record.update(tags=list(result.tags), fixes=list(result.fixes), reason=result.reason, authors=[])
    article = result.article
    if article is not None:
        facts = TextFacts.of(article.text, article.dek)  # as the crawl's normalize stage stores them
        record.update(
            title=normalize_text(article.title) if article.title else None,
            dek=normalize_text(article.dek) if article.dek else None,
            authors=list(article.authors),
            published_at=article.published_at.isoformat() if article.published_at else None,
            updated_at=article.updated_at.isoformat() if article.updated_at else None,
            section=article.section,
            language=article.language,
            text=facts.text,
            canonical_url=article.canonical_url,
            site_name=article.site_name,
            word_count=facts.word_count,
            access=article.access,
            page_kind=article.page_kind,
            extractor=article.extractor,
            extractor_version=article.extractor_version,
        )
    return record


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline extract",
        description="Extract the article of saved HTML pages (plain or .gz) as the crawl would, "
        "one JSON line per file.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_DIR")
    parser.add_argument("--url", help="the URL the page was fetched from (default: the file's file:// URL)")
    parser.add_argument("--favor", choices=FAVOR, default="balanced", help="extraction trade-off")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"extract: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    for path in html_files(args.paths):
        url = args.url or path.resolve().as_uri()
        try:
            record = extract_record(read_html(path), url, args.favor)
        except (OSError, EOFError, zlib.error) as exc:
            record = dict.fromkeys(FIELDS) | {
                "authors": [],
                "tags": [],
                "fixes": [],
                "reason": f"unreadable: {exc}",
            }
        print(json.dumps({"path": str(path)} | record, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
