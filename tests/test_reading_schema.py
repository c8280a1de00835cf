"""The schema for reading: views, a comment on every column, docs/schema.md in sync with them,
and a researcher role that reads everything and writes nothing."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest
from alembic import command

from pipeline.migrate import alembic_config, upgrade
from pipeline.read.researcher import ROLE, libpq_url, researcher_pgoptions, researcher_session_sql
from pipeline.read.schema_doc import DOC, render
from tests.conftest import ROOT

# The corpus view's columns at migration 0004, in order: researchers' queries rely on them.
CORPUS_0004 = [
    "article_id",
    "canonical_url",
    "outlet",
    "outlet_domain",
    "title",
    "dek",
    "authors",
    "published_at",
    "updated_at",
    "section",
    "language",
    "text",
    "word_count",
    "first_seen",
    "story_id",
    "last_seen",
    "version_count",
    "version_id",
    "content_hash",
    "extractor",
    "extractor_version",
    "collection",
    "captured_url",
    "captured_at",
    "warc_file",
    "warc_offset",
    "warc_length",
    "warc_record_id",
    "payload_digest",
    "replay_path",
    "search",
]
VERSIONS_REQUIRED = [
    "article_id",
    "canonical_url",
    "outlet",
    "captured_at",
    "title",
    "word_count",
    "content_hash",
    "extractor",
    "extractor_version",
    "extractor_settings",
    "warc_file",
    "warc_offset",
    "warc_record_id",
    "replay_path",
]


@pytest.fixture(scope="module")
def fresh(make_database):
    """A freshly migrated, empty database, as psycopg takes it."""
    url = libpq_url(make_database())
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


def columns(conn, relation: str) -> list[str]:
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
        " ORDER BY attnum",
        (relation,),
    )
    return [r[0] for r in rows]


def test_corpus_keeps_every_column_in_order_and_adds_a_citation(fresh):
    found = columns(fresh, "corpus")
    assert found[: len(CORPUS_0004)] == CORPUS_0004
    assert found[len(CORPUS_0004) :] == [
        "citation",
        "discovered_via",
        "discovered_from",
        "archived_at",
        "tags",
        "access",
        "page_kind",
        "collections",
    ]


def test_reading_views_have_their_columns(fresh):
    daily = ["collection", "day", "outlet", "outlet_domain", "articles", "stories", "words"]
    assert columns(fresh, "coverage_daily") == daily
    assert set(VERSIONS_REQUIRED) <= set(columns(fresh, "versions"))
    assert columns(fresh, "stories")[:2] == ["collection", "story_id"]
    assert columns(fresh, "stories_daily") == [
        "collection", "day", "stories", "new_stories", "articles", "outlets", "first_outlets"
    ]


def test_views_on_the_demo_corpus(demo_archive):
    with psycopg.connect(libpq_url(demo_archive.database_url)) as conn:
        assert (
            conn.execute("SELECT sum(articles) FROM coverage_daily").fetchone()[0]
            == conn.execute("SELECT count(*) FROM corpus WHERE published_at IS NOT NULL").fetchone()[0]
        )
        in_corpus = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE v.version_id = c.version_id) FROM versions v"
            " JOIN corpus c USING (article_id) WHERE v.in_corpus"
        ).fetchone()
        assert in_corpus[0] == in_corpus[1] > 0
        citation, url, record = conn.execute(
            "SELECT citation, canonical_url, warc_record_id FROM corpus LIMIT 1"
        ).fetchone()
        assert url in citation and record in citation and "archived 20" in citation


def test_every_table_view_column_and_function_is_commented(fresh):
    missing = fresh.execute(
        """
        SELECT c.relname || coalesce('.' || a.attname, '')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm')
          AND (obj_description(c.oid, 'pg_class') IS NULL OR col_description(c.oid, a.attnum) IS NULL)
        UNION ALL
        SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND obj_description(p.oid, 'pg_proc') IS NULL
        """
    ).fetchall()
    assert missing == []


def test_docs_schema_md_is_what_a_fresh_database_generates(fresh):
    assert DOC.read_text(encoding="utf-8") == render(fresh), (
        "docs/schema.md is out of date: run `python -m pipeline.read.schema_doc` on a migrated database"
    )


def test_schema_doc_check_command(make_database):
    env = {"DATABASE_URL": make_database(), "PATH": "/usr/bin:/bin"}
    command_line = [sys.executable, "-m", "pipeline.read.schema_doc", "--check"]
    done = subprocess.run(command_line, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout


def test_researcher_may_select_everything_and_change_nothing(fresh):
    rows = fresh.execute(
        """
        SELECT c.relname, has_table_privilege(%(r)s, c.oid, 'SELECT'),
               has_table_privilege(%(r)s, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v')
        """,
        {"r": ROLE},
    ).fetchall()
    assert {"corpus", "stories", "coverage_daily", "versions", "captures"} <= {r[0] for r in rows}
    assert all(can_read and not can_write for _, can_read, can_write in rows)
    assert fresh.execute(
        "SELECT has_database_privilege(%(r)s, current_database(), 'CONNECT'),"
        " has_schema_privilege(%(r)s, 'public', 'CREATE'), rolcanlogin FROM pg_roles WHERE rolname = %(r)s",
        {"r": ROLE},
    ).fetchone() == (True, False, False)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO outlets (domain, name) VALUES ('evil.test', 'Evil')",
        "UPDATE articles SET canonical_url = 'x'",
        "DELETE FROM captures",
        "TRUNCATE decisions",
        "CREATE TABLE public.scratch (x int)",
    ],
)
def test_a_write_as_researcher_is_refused(fresh, statement):
    with fresh.transaction(force_rollback=True):
        fresh.execute(f"SET LOCAL ROLE {ROLE}")
        assert fresh.execute("SELECT count(*) FROM corpus").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            fresh.execute(statement)


def test_researcher_session_sql_and_pgoptions_give_a_read_only_session(make_database):
    url = libpq_url(make_database())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(researcher_session_sql())
        assert conn.execute("SELECT current_user").fetchone() == (ROLE,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO outlets (domain, name) VALUES ('evil.test', 'Evil')")
    with psycopg.connect(url, autocommit=True, options=researcher_pgoptions()) as conn:
        assert conn.execute("SELECT current_user, current_setting('transaction_read_only')").fetchone() == (
            ROLE,
            "on",
        )


def snapshot(url: str) -> dict:
    """What migration 0005 touches: views, functions, comments, and the researcher's privileges."""
    with psycopg.connect(url) as conn:
        one = lambda sql: sorted(conn.execute(sql).fetchall())  # noqa: E731
        return {
            "views": one("SELECT viewname, definition FROM pg_views WHERE schemaname = 'public'"),
            "functions": one(
                "SELECT p.oid::regprocedure::text FROM pg_proc p"
                " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
            ),
            "comments": one(
                "SELECT c.relname, d.objsubid, d.description FROM pg_description d"
                " JOIN pg_class c ON c.oid = d.objoid JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public'"
            ),
            "researcher_acl": one(
                f"""
                SELECT 'relation ' || c.relname FROM pg_class c, aclexplode(c.relacl) a
                WHERE a.grantee = '{ROLE}'::regrole
                UNION SELECT 'schema ' || nspname FROM pg_namespace, aclexplode(nspacl) a
                WHERE a.grantee = '{ROLE}'::regrole
                UNION SELECT 'database' FROM pg_database, aclexplode(datacl) a
                WHERE datname = current_database() AND a.grantee = '{ROLE}'::regrole
                UNION SELECT 'default' FROM pg_default_acl, aclexplode(defaclacl) a
                WHERE a.grantee = '{ROLE}'::regrole
                """
            ),
        }


def test_downgrade_restores_0004_and_upgrade_works_again(make_database):
    downgraded, built = make_database(), make_database()
    command.downgrade(alembic_config(downgraded), "0004")
    command.downgrade(alembic_config(built), "base")
    upgrade(built, "0004")
    before = snapshot(libpq_url(built))
    assert snapshot(libpq_url(downgraded)) == before
    assert before["researcher_acl"] == [] and before["comments"] == []
    upgrade(downgraded)
    after = snapshot(libpq_url(downgraded))
    assert after["researcher_acl"] and len(after["comments"]) > 100
