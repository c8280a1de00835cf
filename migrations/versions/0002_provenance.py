"""Provenance: revisit captures, extractor settings on versions, several extractions side by side.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

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
    (SELECT count(DISTINCT c2.content_hash) FROM article_versions c2
      WHERE c2.article_id = a.id) AS version_count,
    v.id                AS version_id,
    v.content_hash,
    v.extractor,
    v.extractor_version,
    r.collection,
    c.url               AS captured_url,
    c.fetched_at        AS captured_at,
    c.warc_file,
    c.warc_offset,
    c.warc_length,
    c.warc_record_id,
    c.payload_digest,
    r.collection || '/' || to_char(c.fetched_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISS')
        || '/' || c.url AS replay_path,
    v.search
FROM articles a
JOIN outlets o ON o.id = a.outlet_id
JOIN LATERAL (
    SELECT * FROM article_versions lv
    WHERE lv.article_id = a.id
    ORDER BY lv.captured_at DESC, lv.extracted_at DESC, lv.id DESC
    LIMIT 1
) v ON true
JOIN captures c ON c.id = v.capture_id
LEFT JOIN crawl_runs r ON r.id = c.run_id
"""


def upgrade() -> None:
    op.execute("DROP VIEW corpus")
    op.add_column("captures", sa.Column("warc_type", sa.Text(), nullable=True))
    op.add_column("captures", sa.Column("refers_to_record_id", sa.Text(), nullable=True))
    op.add_column(
        "article_versions",
        sa.Column("extractor_settings", postgresql.JSONB(), server_default="{}", nullable=False),
    )
    op.add_column(
        "article_versions",
        sa.Column("extracted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.execute("UPDATE captures SET warc_type = 'response' WHERE warc_record_id IS NOT NULL")
    op.drop_constraint("uq_article_versions_article_id", "article_versions", type_="unique")
    op.create_unique_constraint(
        "uq_article_versions_article_id",
        "article_versions",
        ["article_id", "capture_id", "extractor", "extractor_version", "extractor_settings"],
    )
    op.execute(CORPUS_VIEW)


def downgrade() -> None:
    import runpy
    from pathlib import Path

    op.execute("DROP VIEW corpus")
    op.drop_constraint("uq_article_versions_article_id", "article_versions", type_="unique")
    op.execute(
        "DELETE FROM article_versions v USING article_versions w "
        "WHERE v.article_id = w.article_id AND v.capture_id = w.capture_id AND v.id > w.id"
    )
    op.create_unique_constraint(
        "uq_article_versions_article_id", "article_versions", ["article_id", "capture_id"]
    )
    op.drop_column("article_versions", "extracted_at")
    op.drop_column("article_versions", "extractor_settings")
    op.drop_column("captures", "refers_to_record_id")
    op.drop_column("captures", "warc_type")
    initial = runpy.run_path(str(Path(__file__).with_name("0001_initial_corpus.py")))
    op.execute(initial["CORPUS_VIEW"])
