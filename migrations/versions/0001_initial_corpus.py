"""The corpus: outlets, crawl runs, captures, articles, article versions, and the corpus view.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEARCH_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(dek, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(text, '')), 'C')"
)

CORPUS_VIEW = """
CREATE VIEW corpus AS
SELECT
    a.id                AS article_id,
    a.canonical_url,
    o.name              AS outlet,
    o.domain            AS outlet_domain,
    v.title,
    v.dek,
    v.authors,
    v.published_at,
    v.updated_at,
    v.section,
    v.language,
    v.text,
    v.word_count,
    a.first_seen,
    a.last_seen,
    (SELECT count(*) FROM article_versions c WHERE c.article_id = a.id) AS version_count,
    v.id                AS version_id,
    v.content_hash,
    c.url               AS captured_url,
    c.fetched_at        AS captured_at,
    c.warc_file,
    c.warc_offset,
    c.warc_length,
    c.warc_record_id,
    c.payload_digest,
    v.search
FROM articles a
JOIN outlets o ON o.id = a.outlet_id
JOIN LATERAL (
    SELECT * FROM article_versions lv
    WHERE lv.article_id = a.id
    ORDER BY lv.captured_at DESC, lv.id DESC
    LIMIT 1
) v ON true
JOIN captures c ON c.id = v.capture_id
"""


def upgrade() -> None:
    op.create_table(
        "outlets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outlets"),
        sa.UniqueConstraint("domain", name="uq_outlets_domain"),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection", sa.Text(), nullable=False),
        sa.Column("spider", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Text(), server_default="running", nullable=False),
        sa.Column("stats", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("warc_files", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_runs"),
    )
    op.create_table(
        "captures",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("method", sa.Text(), server_default="GET", nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("content_length", sa.BigInteger(), nullable=True),
        sa.Column("redirect_to", sa.Text(), nullable=True),
        sa.Column("ip_address", sa.Text(), nullable=True),
        sa.Column("warc_file", sa.Text(), nullable=True),
        sa.Column("warc_offset", sa.BigInteger(), nullable=True),
        sa.Column("warc_length", sa.BigInteger(), nullable=True),
        sa.Column("warc_record_id", sa.Text(), nullable=True),
        sa.Column("payload_digest", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], name="fk_captures_run_id_crawl_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_captures"),
        sa.UniqueConstraint("warc_record_id", name="uq_captures_warc_record_id"),
    )
    op.create_index("ix_captures_run_id", "captures", ["run_id"])
    op.create_index("ix_captures_url", "captures", ["url"])
    op.create_table(
        "articles",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlets.id"], name="fk_articles_outlet_id_outlets"),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("canonical_url", name="uq_articles_canonical_url"),
    )
    op.create_index("ix_articles_outlet_id", "articles", ["outlet_id"])
    op.create_table(
        "article_versions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.BigInteger(), nullable=False),
        sa.Column("capture_id", sa.BigInteger(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("dek", sa.Text(), nullable=True),
        sa.Column("authors", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("section", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("extractor", sa.Text(), nullable=False),
        sa.Column("extractor_version", sa.Text(), nullable=False),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed(SEARCH_VECTOR, persisted=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_article_versions_article_id_articles"
        ),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["captures.id"], name="fk_article_versions_capture_id_captures"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_article_versions"),
        sa.UniqueConstraint("article_id", "capture_id", name="uq_article_versions_article_id"),
    )
    op.create_index("ix_article_versions_article_id", "article_versions", ["article_id"])
    op.create_index("ix_article_versions_capture_id", "article_versions", ["capture_id"])
    op.create_index("ix_article_versions_content_hash", "article_versions", ["content_hash"])
    op.create_index("ix_article_versions_search", "article_versions", ["search"], postgresql_using="gin")
    op.execute(CORPUS_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS corpus")
    op.drop_table("article_versions")
    op.drop_table("articles")
    op.drop_table("captures")
    op.drop_table("crawl_runs")
    op.drop_table("outlets")
