"""Exports: every format carries a citation on every row and a manifest whose checksums match;
an existing file is kept unless --force; a query that writes is refused and changes nothing."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys

import psycopg
import pytest
from alembic.script import ScriptDirectory

from pipeline.migrate import alembic_config
from pipeline.read.export import main
from pipeline.read.researcher import libpq_url
from tests.conftest import ROOT

CITATION = (
    "canonical_url", "captured_at", "warc_record_id", "replay_path", "citation",
    "archive_url", "archived_at", "reference",
)
ALWAYS = ("canonical_url", "captured_at", "warc_record_id", "replay_path", "citation", "reference")
GUARDIANS = """
-- "Guardians of Peace" before 1 December 2014 (no citation columns: the export adds them)
SELECT article_id, outlet, title, published_at
FROM corpus
WHERE search @@ phraseto_tsquery('english', 'Guardians of Peace') AND published_at < '2014-12-01'
ORDER BY published_at;
"""


def read_rows(path, fmt: str) -> list[dict]:
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def counts(demo_archive) -> tuple:
    with psycopg.connect(libpq_url(demo_archive.database_url)) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM corpus), (SELECT count(*) FROM outlets),"
            " (SELECT count(*) FROM decisions), (SELECT count(*) FROM captures)"
        ).fetchone()


@pytest.fixture
def db(demo_archive, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_archive.database_url)
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(demo_archive.data))
    return demo_archive


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_corpus_export_with_citations_and_manifest(db, tmp_path, fmt):
    out = tmp_path / f"corpus.{fmt}"
    assert main([str(out)]) == 0
    rows = read_rows(out, fmt)
    assert len(rows) == counts(db)[0] > 0
    for row in rows:
        assert all(row[c] for c in ALWAYS), row["article_id"]
        assert row["canonical_url"] in row["reference"] and "Accessed" in row["reference"]
        assert row["replay_path"].startswith("demo/") and row["warc_record_id"] in row["citation"]
    manifest = json.loads((tmp_path / f"corpus.{fmt}.manifest.json").read_text())
    assert manifest["row_count"] == len(rows) and manifest["format"] == fmt
    assert manifest["query"].startswith("SELECT * FROM corpus")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest["files"] == [{"path": out.name, "bytes": out.stat().st_size, "sha256": digest}]
    assert manifest["crawl_runs"] and manifest["crawl_runs"][0]["collection"] == "demo"
    assert manifest["warc_files"] and {r["warc_file"] for r in rows} == {w["path"] for w in manifest["warc_files"]}
    assert all(len(w["sha256"]) == 64 for w in manifest["warc_files"])
    assert manifest["software"]["incident-archive"]
    assert manifest["software"]["schema_revision"] == HEAD_REVISION
    assert manifest["created_at"].endswith("Z") and manifest["omitted_columns"] == ["search"]


HEAD_REVISION = ScriptDirectory.from_config(alembic_config("")).get_current_head()


def test_types_survive_in_parquet_and_jsonl(db, tmp_path):
    import pyarrow.parquet as pq

    main([str(tmp_path / "c.parquet")])
    schema = pq.read_schema(tmp_path / "c.parquet")
    assert str(schema.field("published_at").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("authors").type).startswith("list<")
    main([str(tmp_path / "c.jsonl")])
    first = json.loads((tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert isinstance(first["authors"], list) and first["published_at"].endswith("Z")


def test_a_query_file_gets_citations_appended(db, tmp_path):
    query = tmp_path / "guardians.sql"
    query.write_text(GUARDIANS, encoding="utf-8")
    out = tmp_path / "guardians.csv"
    assert main(["--query", str(query), "--format", "csv", str(out)]) == 0
    rows = read_rows(out, "csv")
    assert len(rows) >= 3 and all(r["published_at"] < "2014-12-01" for r in rows)
    assert list(rows[0]) == ["article_id", "outlet", "title", "published_at", *CITATION]
    assert all(r["citation"].startswith(r["outlet"]) for r in rows)
    manifest = json.loads((tmp_path / "guardians.csv.manifest.json").read_text())
    assert manifest["query"] == GUARDIANS.strip() and manifest["query_file"] == str(query)
    assert manifest["citation"]["cited_by"] == "article_id"


def test_an_aggregate_says_it_carries_no_citation(db, tmp_path):
    query = tmp_path / "daily.sql"
    query.write_text("SELECT day, sum(articles) AS articles FROM coverage_daily GROUP BY day ORDER BY day")
    assert main(["--query", str(query), str(tmp_path / "daily.jsonl")]) == 0
    manifest = json.loads((tmp_path / "daily.jsonl.manifest.json").read_text())
    assert manifest["citation"]["cited_by"] is None and "no citation" in manifest["citation"]["note"]
    assert manifest["columns"] == ["day", "articles"] and manifest["warc_files"]


def run_export(demo_archive, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": demo_archive.database_url}
    command = [sys.executable, "-m", "pipeline.read.export", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def one_line_error(done: subprocess.CompletedProcess, message: str) -> None:
    assert done.returncode == 2, done.stderr
    assert message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_an_existing_file_is_kept_unless_forced(demo_archive, tmp_path):
    out = tmp_path / "corpus.csv"
    out.write_text("precious\n")
    one_line_error(run_export(demo_archive, str(out)), "exists: add --force")
    assert out.read_text() == "precious\n"
    done = run_export(demo_archive, "--force", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith("article_id,")


@pytest.mark.parametrize(
    "sql, message",
    [
        ("INSERT INTO outlets (domain, name) VALUES ('evil.test', 'Evil') RETURNING id", "read-only"),
        ("DELETE FROM decisions RETURNING id", "read-only"),
        ("SELECT 1 AS one; COMMIT; DELETE FROM decisions", "several statements"),
        ("WITH gone AS (DELETE FROM captures RETURNING id) SELECT count(*) FROM gone", "read-only"),
        ("SELEC * FROM corpus", "syntax error"),
        ("SELECT * FROM no_such_table", "does not exist"),
        ("-- only a comment", "returns no rows"),
    ],
)
def test_a_query_that_writes_or_fails_is_refused_in_one_line(demo_archive, tmp_path, sql, message):
    before = counts(demo_archive)
    query = tmp_path / "q.sql"
    query.write_text(sql + "\n")
    one_line_error(run_export(demo_archive, "--query", str(query), str(tmp_path / "out.csv")), message)
    assert not (tmp_path / "out.csv").exists()
    assert counts(demo_archive) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["out.txt"], "--format"),
        (["--query", "missing.sql", "out.csv"], "cannot read the query file"),
        (["no/such/folder/out.csv"], "no such folder"),
    ],
)
def test_usage_mistakes_are_one_line(demo_archive, tmp_path, args, message):
    args = [str(tmp_path / a) if a.endswith((".txt", ".sql", ".csv")) else a for a in args]
    one_line_error(run_export(demo_archive, *args), message)


def test_wacz_package_of_a_collection(demo_archive, tmp_path):
    import zipfile

    env_args = ("--wacz", str(tmp_path / "demo.wacz"), "--collection", "demo")
    env = {**os.environ, "DATABASE_URL": demo_archive.database_url, "ARCHIVE_DATA_DIR": str(demo_archive.data)}
    command = [sys.executable, "-m", "pipeline.read.export", *env_args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    names = zipfile.ZipFile(tmp_path / "demo.wacz").namelist()
    assert "datapackage.json" in names and any(n.startswith("archive/") for n in names)
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    one_line_error(again, "demo.wacz")
