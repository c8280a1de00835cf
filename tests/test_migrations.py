"""The schema comes only from Alembic, and matches the models exactly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from pipeline.models import Base
from tests.conftest import query

CORPUS_COLUMNS = {
    "article_id",
    "canonical_url",
    "outlet",
    "title",
    "authors",
    "published_at",
    "language",
    "text",
    "word_count",
    "first_seen",
    "last_seen",
    "warc_file",
    "warc_offset",
    "warc_record_id",
}


def test_migrated_schema_matches_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_corpus_view_has_the_documented_columns(engine):
    rows = query(
        engine,
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'corpus'",
    )
    types = {r["column_name"]: r["data_type"] for r in rows}
    assert CORPUS_COLUMNS <= set(types)
    assert types["authors"] == "ARRAY"
    assert types["published_at"] == "timestamp with time zone"


def test_full_text_search_is_indexed(engine):
    rows = query(engine, "SELECT indexdef FROM pg_indexes WHERE tablename = 'article_versions'")
    assert any("gin (search)" in r["indexdef"] for r in rows)


def test_migrations_downgrade_and_upgrade_again(make_database):
    from alembic import command

    from pipeline.migrate import alembic_config, upgrade

    url = make_database()
    command.downgrade(alembic_config(url), "base")
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


def test_versions_from_before_0009_read_open_articles_and_new_values_are_checked(make_database):
    """Rows extracted under the old gates were open article pages; a value outside the documented
    sets is refused by the database, not stored for researchers to trip over."""
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from pipeline.migrate import alembic_config, upgrade

    url = make_database()
    command.downgrade(alembic_config(url), "0008")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO outlets (id, domain, name) VALUES (1, 'x.test', 'X')"))
        conn.execute(
            text(
                "INSERT INTO articles (id, canonical_url, outlet_id, first_seen, last_seen, url_key)"
                " VALUES (1, 'http://x.test/a', 1, now(), now(), 'x.test/a')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO captures (id, url, method, status, fetched_at, warc_file, warc_offset,"
                " warc_length, warc_record_id) VALUES (1, 'http://x.test/a', 'GET', 200, now(), 'f', 0, 1,"
                " '<urn:uuid:1>')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO article_versions (article_id, capture_id, captured_at, content_hash, text,"
                " word_count, extractor, extractor_version)"
                " VALUES (1, 1, now(), 'h', 'Old text.', 2, 't', '1')"
            )
        )
    upgrade(url)
    rows = query(engine, "SELECT access, page_kind FROM corpus")
    assert [dict(r) for r in rows] == [{"access": "open", "page_kind": "article"}]
    with pytest.raises(IntegrityError, match="ck_article_versions_access"), engine.begin() as conn:
        conn.execute(text("UPDATE article_versions SET access = 'free'"))
    with pytest.raises(IntegrityError, match="ck_article_versions_page_kind"), engine.begin() as conn:
        conn.execute(text("UPDATE article_versions SET page_kind = 'Video'"))
    engine.dispose()
