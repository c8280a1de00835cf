"""The schema comes only from Alembic, and matches the models exactly."""

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
