"""Canonical identity keys, near-duplicate stories (MinHash LSH in PostgreSQL), audited decisions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import runpy
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_previous = runpy.run_path(str(Path(__file__).with_name("0002_provenance.py")))

CORPUS_VIEW = _previous["CORPUS_VIEW"].replace(
    "    a.first_seen,\n", "    a.first_seen,\n    a.story_id,\n", 1
)

STORIES_VIEW = """
CREATE VIEW stories AS
SELECT
    c.story_id,
    count(*)                                   AS articles,
    count(DISTINCT c.outlet)                   AS outlets,
    min(c.published_at)                        AS first_published,
    (array_agg(c.outlet ORDER BY c.published_at NULLS LAST, c.first_seen))[1]        AS first_outlet,
    (array_agg(c.canonical_url ORDER BY c.published_at NULLS LAST, c.first_seen))[1] AS first_url,
    (array_agg(c.title ORDER BY c.published_at NULLS LAST, c.first_seen))[1]         AS title,
    array_agg(c.outlet ORDER BY c.published_at NULLS LAST, c.first_seen)             AS member_outlets,
    array_agg(c.canonical_url ORDER BY c.published_at NULLS LAST, c.first_seen)      AS member_urls,
    array_agg(c.article_id ORDER BY c.published_at NULLS LAST, c.first_seen)         AS member_ids
FROM corpus c
WHERE c.story_id IS NOT NULL
GROUP BY c.story_id
"""

# A best-effort key for rows written before identity keys existed (new rows get Python's key).
BACKFILL_KEY = r"""
UPDATE articles SET url_key = rtrim(
    regexp_replace(lower(canonical_url), '^https?://(www\.|m\.|mobile\.|amp\.)?', ''), '/')
"""


def upgrade() -> None:
    op.execute("DROP VIEW corpus")
    op.create_table(
        "story_clusters",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_story_clusters"),
    )
    op.add_column("captures", sa.Column("note", sa.Text(), nullable=True))
    op.add_column("articles", sa.Column("url_key", sa.Text(), nullable=True))
    op.execute(BACKFILL_KEY)
    op.alter_column("articles", "url_key", nullable=False)
    op.drop_constraint("uq_articles_canonical_url", "articles", type_="unique")
    op.create_unique_constraint("uq_articles_url_key", "articles", ["url_key"])
    op.create_index("ix_articles_canonical_url", "articles", ["canonical_url"])
    op.add_column("articles", sa.Column("story_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        "fk_articles_story_id_story_clusters", "articles", "story_clusters", ["story_id"], ["id"]
    )
    op.create_index("ix_articles_story_id", "articles", ["story_id"])
    op.create_table(
        "article_signatures",
        sa.Column("article_id", sa.BigInteger(), nullable=False),
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("num_perm", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("shingle_size", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.Text(), nullable=False),
        sa.Column("hashvalues", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_article_signatures_article_id_articles"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["article_versions.id"],
            name="fk_article_signatures_version_id_article_versions",
        ),
        sa.PrimaryKeyConstraint("article_id", name="pk_article_signatures"),
    )
    op.create_table(
        "minhash_bands",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_minhash_bands_article_id_articles"
        ),
        sa.PrimaryKeyConstraint("band", "hash", "article_id", name="pk_minhash_bands"),
    )
    op.create_index("ix_minhash_bands_article_id", "minhash_bands", ["article_id"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("article_id", sa.BigInteger(), nullable=True),
        sa.Column("story_id", sa.BigInteger(), nullable=True),
        sa.Column("capture_id", sa.BigInteger(), nullable=True),
        sa.Column("evidence", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], name="fk_decisions_run_id_crawl_runs"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_decisions_article_id_articles"
        ),
        sa.ForeignKeyConstraint(
            ["story_id"], ["story_clusters.id"], name="fk_decisions_story_id_story_clusters"
        ),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["captures.id"], name="fk_decisions_capture_id_captures"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_kind_rule", "decisions", ["kind", "rule"])
    op.create_index("ix_decisions_article_id", "decisions", ["article_id"])
    # Idempotent: one decision of a kind per capture, one story join per article.
    op.create_index(
        "uq_decisions_kind_capture",
        "decisions",
        ["kind", "capture_id"],
        unique=True,
        postgresql_where=sa.text("capture_id IS NOT NULL"),
    )
    op.create_index(
        "uq_decisions_story_join",
        "decisions",
        ["kind", "article_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'story_joined'"),
    )
    op.execute(CORPUS_VIEW)
    op.execute(STORIES_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW stories")
    op.execute("DROP VIEW corpus")
    op.drop_table("decisions")
    op.drop_table("minhash_bands")
    op.drop_table("article_signatures")
    op.drop_index("ix_articles_story_id", "articles")
    op.drop_constraint("fk_articles_story_id_story_clusters", "articles", type_="foreignkey")
    op.drop_column("articles", "story_id")
    op.drop_index("ix_articles_canonical_url", "articles")
    op.drop_constraint("uq_articles_url_key", "articles", type_="unique")
    op.create_unique_constraint("uq_articles_canonical_url", "articles", ["canonical_url"])
    op.drop_column("articles", "url_key")
    op.drop_column("captures", "note")
    op.drop_table("story_clusters")
    op.execute(_previous["CORPUS_VIEW"])
