"""Membership trigger writes only when it learns something: a re-crawl's unchanged refetch of an
article its collection already holds no longer rewrites the membership row (one dead tuple per
article per re-crawl before).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import runpy
from pathlib import Path

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_previous = runpy.run_path(str(Path(__file__).with_name("0010_collections.py")))

_always = """    ON CONFLICT (collection, article_id) DO UPDATE
        SET first_seen = least(collection_articles.first_seen, EXCLUDED.first_seen);"""
assert _previous["MEMBERSHIP_TRIGGERS"].count(_always) == 1
_function = _previous["MEMBERSHIP_TRIGGERS"].split("CREATE TRIGGER", 1)[0]
PREVIOUS_FUNCTION = _function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
FUNCTION = PREVIOUS_FUNCTION.replace(
    _always,
    """    ON CONFLICT (collection, article_id) DO UPDATE
        SET first_seen = EXCLUDED.first_seen
        WHERE EXCLUDED.first_seen < collection_articles.first_seen;""",
    1,
)


COMMENT = (
    "COMMENT ON FUNCTION record_collection_member() IS 'Trigger: makes the article of a new version, fold "
    "or unchanged refetch a member of the capturing run''s collection.'"
)


def upgrade() -> None:
    op.execute(FUNCTION)
    op.execute(COMMENT)  # replacing the function body drops its comment


def downgrade() -> None:
    op.execute(PREVIOUS_FUNCTION)
    op.execute(COMMENT)
