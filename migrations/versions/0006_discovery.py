"""How each article was found: `articles.discovered_via` / `discovered_from` (its first
discovery), and `captures.archived_at`, the web archive's capture time of a page taken from an
archive (Wayback, Common Crawl). The corpus view gains the three as its last columns.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import runpy
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_previous = runpy.run_path(str(Path(__file__).with_name("0005_reading.py")))

_corpus_tail = ") AS citation\nFROM"
assert _previous["CORPUS_VIEW"].count(_corpus_tail) == 1
# Appended columns: CREATE OR REPLACE keeps the dependent views, the functions and the comments.
CORPUS_VIEW = (
    _previous["CORPUS_VIEW"]
    .replace("CREATE VIEW corpus", "CREATE OR REPLACE VIEW corpus", 1)
    .replace(
        _corpus_tail,
        ") AS citation,\n    a.discovered_via,\n    a.discovered_from,\n    c.archived_at\nFROM",
        1,
    )
)

_VIA = (
    "How the article was first found: seeds, sitemap, feed, references, wayback, commoncrawl, links "
    "(reprocess / import for rows rebuilt from WARC files)."
)
_FROM = "What led to it on that first discovery: the collection file, sitemap, feed, page or archive query."
_ARCHIVED_AT = (
    "For a page taken from a web archive (Wayback, Common Crawl): when the archive captured it (UTC); "
    "NULL for a live fetch."
)
COMMENTS = {
    "articles": {"discovered_via": _VIA, "discovered_from": _FROM},
    "captures": {"archived_at": _ARCHIVED_AT},
    "corpus": {
        "discovered_via": _VIA,
        "discovered_from": _FROM,
        "archived_at": _ARCHIVED_AT + " Of the version shown.",
    },
}


def _comment_columns() -> None:
    for relation, columns in COMMENTS.items():
        for column, text in columns.items():
            op.execute(f"COMMENT ON COLUMN {relation}.{column} IS '{text.replace(chr(39), chr(39) * 2)}'")


def upgrade() -> None:
    op.add_column("articles", sa.Column("discovered_via", sa.Text(), nullable=True))
    op.add_column("articles", sa.Column("discovered_from", sa.Text(), nullable=True))
    op.add_column("captures", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(CORPUS_VIEW)
    _comment_columns()


def downgrade() -> None:
    op.execute("DROP VIEW stories")
    op.execute("DROP VIEW coverage_daily")
    op.execute("DROP VIEW corpus")
    op.execute(_previous["CORPUS_VIEW"])
    op.execute(_previous["STORIES_VIEW"])
    op.execute(_previous["COVERAGE_DAILY_VIEW"])
    views = {k: v for k, v in _previous["COMMENTS"].items() if k in ("corpus", "stories", "coverage_daily")}
    _previous["_comment_relations"](views)
    op.drop_column("captures", "archived_at")
    op.drop_column("articles", "discovered_from")
    op.drop_column("articles", "discovered_via")
