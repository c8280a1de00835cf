"""`python -m pipeline export`: a query's rows to CSV, JSON Lines or Parquet, each row with its
citation, plus `OUT.manifest.json` saying what the file holds and where every row came from.

The query runs as the researcher role in a read-only transaction, so a query file can read the
whole corpus and change nothing. Rows are cited by `version_id` (that exact text) or, failing
that, `article_id` (the version the corpus view shows): canonical URL, capture time, WARC record
id, replay path and a ready-made `citation` are appended unless the query already returns them.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from pipeline.database import DatabaseUnavailable
from pipeline.read import citations
from pipeline.read.fileformats import CITATION_WRITERS, WRITERS
from pipeline.read.manifest import manifest, manifest_path
from pipeline.read.researcher import OneLineParser, ReadingError, connect, corpus_url, explain, read_only

DEFAULT_QUERY = "SELECT * FROM corpus ORDER BY published_at NULLS LAST, article_id"
IN_COLLECTION = "article_id IN (SELECT article_id FROM collection_articles WHERE collection = %(collection)s)"
COLLECTION_QUERY = f"SELECT * FROM corpus WHERE {IN_COLLECTION} ORDER BY published_at NULLS LAST, article_id"
CITATION_COLUMNS = (
    "canonical_url", "captured_at", "warc_record_id", "replay_path", "citation",
    "archive_url", "archived_at", "reference",
)
LOOKUP = "v.canonical_url, v.captured_at, v.warc_record_id, v.replay_path, v.citation"
CITED_BY = {  # the id column a row is cited by, most exact first
    "version_id": f"SELECT v.version_id, {LOOKUP}, v.run_id, v.warc_file FROM versions v WHERE v.version_id = ANY(%s)",
    "article_id": f"SELECT v.article_id, {LOOKUP}, v.run_id, v.warc_file FROM versions v"
    " WHERE v.in_corpus AND v.article_id = ANY(%s)",
}
# What an IDs-only export keeps: where each row is, how to cite it, how to check it; no text.
IDS_ONLY = (
    "article_id", "version_id", "story_id", "outlet", "outlet_domain", "published_at", "canonical_url",
    "captured_url", "captured_at", "archive_url", "archived_at", "warc_file", "warc_offset",
    "warc_length", "warc_record_id", "payload_digest", "content_hash", "word_count", "replay_path",
    "citation", "reference", "collection", "collections", "discovered_via",
)
UNEXPORTABLE = {"tsvector"}  # PostgreSQL's search vectors mean nothing in R or pandas
FORMATS = ("csv", "jsonl", "parquet", "bibtex", "csl-json")
EXTENSIONS = {"bib": "bibtex", "json": "csl-json"}


@dataclass
class Result:
    """The rows of one query, their column names, and what cites them."""

    columns: list[str]
    rows: list[list]
    omitted: list[str]
    cited_by: str | None = None
    run_ids: set[int] = field(default_factory=set)
    warc_files: set[str] = field(default_factory=set)
    sources: list[citations.Source] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)


def run_query(conn: psycopg.Connection, query: str, what: str = "the query", params: dict | None = None) -> Result:
    """Run one statement read-only as the researcher role, and cite its rows."""
    with read_only(conn):
        try:
            # prepare=True: the extended protocol takes exactly one statement, so a query cannot
            # COMMIT the read-only transaction away and write after it.
            cursor = conn.execute(query, params, prepare=True)
        except psycopg.errors.SyntaxError as exc:
            if "multiple commands" in str(exc):
                raise ReadingError(f"{what} holds several statements: export one SELECT") from None
            raise ReadingError(explain(exc, what)) from None
        except psycopg.Error as exc:
            raise ReadingError(explain(exc, what)) from None
        if cursor.description is None:
            raise ReadingError(f"{what} returns no rows to export: it should be a SELECT")
        kept = [i for i, c in enumerate(cursor.description) if c.type_display not in UNEXPORTABLE]
        columns = [cursor.description[i].name for i in kept]
        if len(set(columns)) != len(columns):
            raise ReadingError(f"{what} returns two columns of the same name: give each its own alias")
        omitted = [c.name for c in cursor.description if c.type_display in UNEXPORTABLE]
        result = Result(columns, [[row[i] for i in kept] for row in cursor], omitted)
        result.types = {cursor.description[i].name: cursor.description[i].type_display for i in kept}
        _cite(conn, result)
    return result


def _cite(conn: psycopg.Connection, result: Result) -> None:
    """Append the citation columns the rows lack; note the runs and WARC files they come from."""
    key = next((k for k in CITED_BY if k in result.columns), None)
    if key is None:  # aggregates cite no article: they cover the whole database
        result.run_ids = {r[0] for r in conn.execute("SELECT id FROM crawl_runs")}
        warcs = conn.execute("SELECT DISTINCT warc_file FROM captures WHERE warc_file IS NOT NULL")
        result.warc_files = {r[0] for r in warcs}
        return
    result.cited_by = key
    at = result.columns.index(key)
    ids = sorted({row[at] for row in result.rows if row[at] is not None})
    where = "true" if key == "version_id" else "v.in_corpus"
    sources = {
        row[0]: citations.Source.from_row(*row[1:9], row[9], row[10], row[11])
        for row in conn.execute(citations.CITE_SQL.format(key=key, where=where), (ids,))
    }
    found = {}
    for row in conn.execute(CITED_BY[key], (ids,)):
        source = sources.get(row[0])
        archive = (source.archive_url, source.archived_at, citations.text(source)) if source else (None,) * 3
        found[row[0]] = (*row[1:6], *archive, row[6], row[7])
    missing = [i for i, name in enumerate(CITATION_COLUMNS) if name not in result.columns]
    result.columns += [CITATION_COLUMNS[i] for i in missing]
    blank = (None,) * (len(CITATION_COLUMNS) + 2)
    for row in result.rows:
        cited = found.get(row[at], blank)
        row.extend(cited[i] for i in missing)
        if row[at] in sources:
            result.sources.append(sources[row[at]])
    result.run_ids = {cited[-2] for cited in found.values()} - {None}
    result.warc_files = {cited[-1] for cited in found.values()} - {None}
    for name in CITATION_COLUMNS:
        result.types.setdefault(name, "timestamptz" if name.endswith("_at") else "text")


def _keep_ids_only(result: Result) -> None:
    kept = [i for i, c in enumerate(result.columns) if c in IDS_ONLY]
    result.omitted += [c for c in result.columns if c not in IDS_ONLY]
    result.columns = [result.columns[i] for i in kept]
    result.rows = [[row[i] for i in kept] for row in result.rows]


def export(out: Path, fmt: str, query_file: Path | None = None, force: bool = False,
           collection: str | None = None, ids_only: bool = False) -> dict:
    """Write OUT and OUT.manifest.json and return the manifest; refuses to overwrite unless forced."""
    for path in (out, manifest_path(out)):
        if path.exists() and not force:
            raise ReadingError(f"{path} exists: add --force to overwrite it")
    if not out.parent.is_dir():
        raise ReadingError(f"no such folder: {out.parent}")
    query, what = DEFAULT_QUERY, "the query"
    if query_file is not None:
        try:
            query, what = query_file.read_text(encoding="utf-8").strip(), f"the query in {query_file}"
        except (OSError, UnicodeDecodeError) as exc:
            raise ReadingError(f"cannot read the query file {query_file}: {exc}") from None
    url = corpus_url()
    with connect(url) as conn:
        params = None
        if collection is not None:
            with read_only(conn, as_researcher=False):
                known = [r[0] for r in conn.execute("SELECT DISTINCT collection FROM collection_articles ORDER BY 1")]
            if collection not in known:
                raise ReadingError(f"no collection named {collection!r} has articles; the corpus has: "
                                   f"{', '.join(known) or 'none yet'}")
            params = {"collection": collection}
            run = COLLECTION_QUERY if query_file is None else (
                f"SELECT * FROM ({query.rstrip().rstrip(';')}\n) AS q WHERE {IN_COLLECTION}")
        else:
            run = query
        result = run_query(conn, run, what, params)
        if collection is not None and query_file is not None and "article_id" not in result.columns:
            raise ReadingError(f"{what} returns no article_id column: --collection needs one")
        if fmt in CITATION_WRITERS and result.cited_by is None:
            raise ReadingError(f"{what} returns no article_id or version_id: nothing to cite in {fmt}")
        if ids_only:
            _keep_ids_only(result)
        partial = out.with_name(f".{out.name}.partial")
        if fmt in CITATION_WRITERS:
            CITATION_WRITERS[fmt](partial, result.sources)
        else:
            WRITERS[fmt](partial, result.columns, result.rows)
        os.replace(partial, out)
        data = manifest(conn, result, query, query_file, out, fmt, url, collection, ids_only)
    manifest_path(out).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return data


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="python -m pipeline export",
        description="Export the corpus, or one query's rows, with a citation on every row.",
        epilog="Writes OUT and OUT.manifest.json: the query, row count, codebook, crawl runs and WARC files "
        "covered (with SHA-256), the collection file, the SHA-256 of OUT, the git commit, software "
        "versions and the time. --wacz FILE packs the collection's WARC files into a WACZ instead.",
    )
    parser.add_argument("out", metavar="OUT", type=Path, nargs="?", help="file to write")
    parser.add_argument("--format", choices=FORMATS,
                        help="default: OUT's extension (.csv .jsonl .parquet .bib=bibtex .json=csl-json)")
    parser.add_argument("--query", type=Path, metavar="FILE.sql", help="one SELECT (default: corpus view)")
    parser.add_argument("--collection", metavar="NAME", help="only the articles of this collection")
    parser.add_argument("--ids-only", action="store_true",
                        help="URLs, citations and hashes only, no text or title (for corpora whose text cannot be shared)")
    parser.add_argument("--wacz", type=Path, metavar="FILE", help="write a WACZ package of the WARC files")
    parser.add_argument("--force", action="store_true", help="overwrite OUT and its manifest")
    return parser


def _wacz(args) -> int:
    from pipeline.read.wacz import WaczError, write_wacz

    try:
        done = write_wacz(args.wacz, args.collection, corpus_url(), force=args.force)
    except (WaczError, ReadingError, DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {done['pages']} pages from {done['warcs']} WARC files to {args.wacz}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.out is None and args.wacz is None:
        parser.error("give OUT (a file to write) or --wacz FILE")
    if args.wacz is not None:
        status = _wacz(args)
        if status or args.out is None:
            return status
    fmt = args.format or args.out.suffix.lstrip(".").lower()
    fmt = EXTENSIONS.get(fmt, fmt)
    if fmt not in FORMATS:
        parser.error(f"give --format {'|'.join(FORMATS)}: OUT's extension does not say which")
    try:
        data = export(args.out, fmt, args.query, args.force, args.collection, args.ids_only)
    except (ReadingError, DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {data['row_count']} rows to {args.out} and {manifest_path(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
