"""`python -m pipeline export`: a query's rows to CSV, JSON Lines or Parquet, each row with its
citation, plus `OUT.manifest.json` saying what the file holds and where every row came from.

The query runs as the researcher role in a read-only transaction, so a query file can read the
whole corpus and change nothing. Rows are cited by `version_id` (that exact text) or, failing
that, `article_id` (the version the corpus view shows): canonical URL, capture time, WARC record
id, replay path and a ready-made `citation` are appended unless the query already returns them.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import psycopg

from pipeline.database import DatabaseUnavailable, masked
from pipeline.researcher import OneLineParser, ReadingError, connect, corpus_url, explain, read_only

DEFAULT_QUERY = "SELECT * FROM corpus ORDER BY published_at NULLS LAST, article_id"
CITATION_COLUMNS = ("canonical_url", "captured_at", "warc_record_id", "replay_path", "citation")
LOOKUP = ", ".join((*CITATION_COLUMNS, "run_id", "warc_file"))
CITED_BY = {  # the id column a row is cited by, most exact first
    "version_id": f"SELECT version_id, {LOOKUP} FROM versions WHERE version_id = ANY(%s)",
    "article_id": f"SELECT article_id, {LOOKUP} FROM versions WHERE in_corpus AND article_id = ANY(%s)",
}
UNEXPORTABLE = {"tsvector"}  # PostgreSQL's search vectors mean nothing in R or pandas
FORMATS = ("csv", "jsonl", "parquet")


@dataclass
class Result:
    """The rows of one query, their column names, and what cites them."""

    columns: list[str]
    rows: list[list]
    omitted: list[str]
    cited_by: str | None = None
    run_ids: set[int] = field(default_factory=set)
    warc_files: set[str] = field(default_factory=set)


def run_query(conn: psycopg.Connection, query: str, what: str = "the query") -> Result:
    """Run one statement read-only as the researcher role, and cite its rows."""
    with read_only(conn):
        try:
            # prepare=True: the extended protocol takes exactly one statement, so a query cannot
            # COMMIT the read-only transaction away and write after it.
            cursor = conn.execute(query, prepare=True)
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
    found = {row[0]: row[1:] for row in conn.execute(CITED_BY[key], (ids,))}
    missing = [i for i, name in enumerate(CITATION_COLUMNS) if name not in result.columns]
    result.columns += [CITATION_COLUMNS[i] for i in missing]
    blank = (None,) * len(CITATION_COLUMNS)
    for row in result.rows:
        cited = found.get(row[at], blank)
        row.extend(cited[i] for i in missing)
    result.run_ids = {cited[-2] for cited in found.values()} - {None}
    result.warc_files = {cited[-1] for cited in found.values()} - {None}


def _text(value) -> str | None:
    """A value as CSV cell text: ISO 8601 times in UTC, JSON for arrays and objects."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date | decimal.Decimal):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=_text)
    if isinstance(value, bytes | memoryview):
        return "\\x" + bytes(value).hex()
    return value if isinstance(value, str) else str(value)


def _json(value):
    """A value as JSON: numbers stay numbers, times become ISO 8601 text in UTC."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, str | int | float | list | dict):
        return value
    return _text(value)


def write_csv(path: Path, columns: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows([_text(v) for v in row] for row in rows)


def write_jsonl(path: Path, columns: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=_json))
            fh.write("\n")


def write_parquet(path: Path, columns: list[str], rows: list[list]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = []
    for i, _name in enumerate(columns):
        values = [row[i] for row in rows]
        if any(isinstance(v, dict) for v in values):
            values = [_text(v) for v in values]  # JSON objects of varying keys: keep them as JSON text
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array([_text(v) for v in values], type=pa.string()))
    pq.write_table(pa.Table.from_arrays(arrays, names=columns), path)


WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "parquet": write_parquet}


def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _software(conn: psycopg.Connection) -> dict:
    found = {
        "python": sys.version.split()[0],
        "postgresql": conn.execute("SHOW server_version").fetchone()[0],
        "schema_revision": conn.execute("SELECT version_num FROM alembic_version").fetchone()[0],
    }
    for package in ("incident-archive", "psycopg", "pyarrow"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def manifest(conn: psycopg.Connection, result: Result, query: str, query_file: Path | None,
             out: Path, fmt: str, url: str) -> dict:
    """What the file holds, where its rows come from, and how to check it is unchanged."""
    with read_only(conn, as_researcher=False):
        runs = conn.execute(
            "SELECT id, collection, spider, started_at, finished_at, status FROM crawl_runs"
            " WHERE id = ANY(%s) ORDER BY id",
            (sorted(result.run_ids),),
        )
        keys = [c.name for c in runs.description]
        crawl_runs = [{k: _json(v) for k, v in zip(keys, run, strict=True)} for run in runs]
        software = _software(conn)
    note = (
        f"each row is cited by its {result.cited_by}; replay_path follows http://127.0.0.1:8080/ "
        "while `make replay` runs"
        if result.cited_by
        else "the rows name no article_id or version_id, so they carry no citation; they cover the "
        "whole database"
    )
    return {
        "query": query,
        "query_file": str(query_file) if query_file else None,
        "format": fmt,
        "row_count": len(result.rows),
        "columns": result.columns,
        "omitted_columns": result.omitted,
        "citation": {"cited_by": result.cited_by, "note": note},
        "files": [{"path": out.name, "bytes": out.stat().st_size, "sha256": sha256(out)}],
        "crawl_runs": crawl_runs,
        "warc_files": sorted(result.warc_files),
        "database": masked(url),
        "software": software,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def export(out: Path, fmt: str, query_file: Path | None = None, force: bool = False) -> dict:
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
        result = run_query(conn, query, what)
        partial = out.with_name(f".{out.name}.partial")
        WRITERS[fmt](partial, result.columns, result.rows)
        os.replace(partial, out)
        data = manifest(conn, result, query, query_file, out, fmt, url)
    manifest_path(out).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return data


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="python -m pipeline export",
        description="Export the corpus, or one query's rows, with a citation on every row.",
        epilog="Writes OUT and OUT.manifest.json: the query, row count, crawl runs and WARC files "
        "covered, the SHA-256 of OUT, software versions and the time.",
    )
    parser.add_argument("out", metavar="OUT", type=Path, help="file to write")
    parser.add_argument("--format", choices=FORMATS, help="default: OUT's extension")
    parser.add_argument("--query", type=Path, metavar="FILE.sql", help="one SELECT (default: corpus view)")
    parser.add_argument("--force", action="store_true", help="overwrite OUT and its manifest")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    fmt = args.format or args.out.suffix.lstrip(".").lower()
    if fmt not in WRITERS:
        parser.error(f"give --format {'|'.join(FORMATS)}: OUT's extension does not say which")
    try:
        data = export(args.out, fmt, args.query, args.force)
    except (ReadingError, DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {data['row_count']} rows to {args.out} and {manifest_path(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
