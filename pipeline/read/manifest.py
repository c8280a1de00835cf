"""The manifest beside an exported file (`OUT.manifest.json`): what it holds (query, columns and
their codebook), where its rows come from (crawl runs, WARC files with their SHA-256), and the
software that made it, so a reader can check the file and cite the corpus exactly."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from pipeline.collection import resolve_path
from pipeline.paths import PROJECT_ROOT, resolve_warc
from pipeline.read.fileformats import json_value
from pipeline.read.researcher import read_only

if TYPE_CHECKING:
    from pipeline.read.export import Result


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


def git_commit() -> str:
    """The project's commit when run from a checkout (with "+changes" when files differ), else "unknown"."""
    root = PROJECT_ROOT
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def database_name(url: str) -> str:
    """The database's name only: never a user, password, host or socket path."""
    try:
        return make_url(url).database or "unknown"
    except ArgumentError:
        return "unknown"


def _collection_file(collection: str | None) -> dict | None:
    if collection is None:
        return None
    path = resolve_path(collection)
    if not path.is_file():
        return {"name": collection, "file": None, "sha256": None}
    return {"name": collection, "file": f"collections/{path.name}", "sha256": sha256(path)}


def _warcs(names: set[str]) -> list[dict]:
    """Each WARC file with its SHA-256, named as the corpus names it (relative to the WARC folder)."""
    listed = []
    for name in sorted(names):
        path = resolve_warc(name)
        listed.append({
            "path": name if not Path(name).is_absolute() else Path(name).name,
            "bytes": path.stat().st_size if path.is_file() else None,
            "sha256": sha256(path) if path.is_file() else None,
        })
    return listed


def codebook(conn: psycopg.Connection, result: Result) -> list[dict]:
    """Each column's name, type and description (the database's comment on the corpus or versions column)."""
    comments = dict(conn.execute(
        "SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a"
        " WHERE a.attrelid = 'versions'::regclass AND a.attnum > 0"
    ).fetchall())
    comments.update((k, v) for k, v in conn.execute(
        "SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a"
        " WHERE a.attrelid = 'corpus'::regclass AND a.attnum > 0"
    ).fetchall() if v)
    comments.update({
        "archive_url": "For a page taken from a web archive (Wayback, Common Crawl): the archive's address of "
        "the capture we read; NULL for a live fetch.",
        "archived_at": comments.get("archived_at") or "When the web archive captured the page (UTC).",
        "reference": "Chicago-style (17th ed.) citation: authors, title, outlet, date, URL, the archive's URL "
        "and capture date when taken from one, and the access date.",
    })
    return [{"name": c, "type": result.types.get(c), "description": comments.get(c)} for c in result.columns]


def manifest(conn: psycopg.Connection, result: Result, query: str, query_file: Path | None,
             out: Path, fmt: str, url: str, collection: str | None = None, ids_only: bool = False) -> dict:
    """What the file holds, where its rows come from, and how to check it is unchanged."""
    with read_only(conn, as_researcher=False):
        runs = conn.execute(
            "SELECT id, collection, spider, started_at, finished_at, status FROM crawl_runs"
            " WHERE id = ANY(%s) ORDER BY id",
            (sorted(result.run_ids),),
        )
        keys = [c.name for c in runs.description]
        crawl_runs = [{k: json_value(v) for k, v in zip(keys, run, strict=True)} for run in runs]
        software = _software(conn)
        columns = codebook(conn, result)
    note = (
        f"each row is cited by its {result.cited_by}; replay_path follows http://127.0.0.1:8080/ "
        "while `make replay` runs; reference is a Chicago-style citation naming the web archive and "
        "its capture date for pages taken from one"
        if result.cited_by
        else "the rows name no article_id or version_id, so they carry no citation; they cover the "
        "whole database"
    )
    software["git_commit"] = git_commit()
    return {
        "query": query,
        "query_file": str(query_file) if query_file else None,
        "format": fmt,
        "collection": _collection_file(collection),
        "ids_only": ids_only,
        "row_count": len(result.rows),
        "columns": result.columns,
        "codebook": columns,
        "omitted_columns": result.omitted,
        "citation": {"cited_by": result.cited_by, "note": note},
        "files": [{"path": out.name, "bytes": out.stat().st_size, "sha256": sha256(out)}],
        "crawl_runs": crawl_runs,
        "warc_files": _warcs(result.warc_files),
        "database": database_name(url),
        "software": software,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
