"""Tags and extraction repairs on every version; tags in the corpus view.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import runpy
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_previous = runpy.run_path(str(Path(__file__).with_name("0006_discovery.py")))
_tail = "    c.archived_at\nFROM"
assert _previous["CORPUS_VIEW"].count(_tail) == 1
# Appended column: CREATE OR REPLACE keeps the dependent views, the functions and the comments.
CORPUS_VIEW = _previous["CORPUS_VIEW"].replace(_tail, "    c.archived_at,\n    v.tags\nFROM", 1)

_TAGS = "Topic tags the page gives itself (article:tag, JSON-LD keywords), in page order."
_FIXES = (
    "What extraction repaired on the way (a wrong declared charset, mojibake, an implausible date "
    "replaced by the next source); empty when nothing was."
)
COMMENTS = {
    "article_versions": {"tags": _TAGS, "extraction_fixes": _FIXES},
    "corpus": {"tags": _TAGS + " Of the version shown."},
}


def _comment_columns() -> None:
    for relation, columns in COMMENTS.items():
        for column, text in columns.items():
            op.execute(f"COMMENT ON COLUMN {relation}.{column} IS '{text.replace(chr(39), chr(39) * 2)}'")


def upgrade() -> None:
    for name, comment in COMMENTS["article_versions"].items():
        op.add_column(
            "article_versions",
            sa.Column(
                name, postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False, comment=comment
            ),
        )
    op.execute(CORPUS_VIEW)
    _comment_columns()


def downgrade() -> None:
    # The corpus view reads article_versions through `SELECT *`: drop the views, then the columns,
    # then build the 0006 views again.
    op.execute("DROP VIEW stories")
    op.execute("DROP VIEW coverage_daily")
    op.execute("DROP VIEW corpus")
    op.drop_column("article_versions", "extraction_fixes")
    op.drop_column("article_versions", "tags")
    op.execute(_previous["CORPUS_VIEW"])
    older = runpy.run_path(str(Path(__file__).with_name("0005_reading.py")))
    op.execute(older["STORIES_VIEW"])
    op.execute(older["COVERAGE_DAILY_VIEW"])
    views = {k: v for k, v in older["COMMENTS"].items() if k in ("corpus", "stories", "coverage_daily")}
    older["_comment_relations"](views)
    _previous["_comment_columns"]()
