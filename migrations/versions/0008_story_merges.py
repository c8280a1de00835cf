"""Story merges on record: decisions of kind story_merged, and the comments that say so.

A new article close to two stories merges them (stories are connected sets, so they do not depend
on the order concurrent crawlers store articles in); no table changes, only what the columns mean.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COMMENTS = {
    "decisions": "Why rows were treated as one: URL folds, unchanged re-fetches, story joins and merges.",
    "decisions.kind": "url_folded, unchanged_refetch, story_joined or story_merged.",
    "decisions.subject": "What was decided about: the fetched URL, the article id, or the story merged away.",
    "decisions.story_id": "Story joined, or merged into (story_clusters.id).",
}
PREVIOUS = {
    "decisions": "Why rows were treated as one: URL folds, unchanged re-fetches, story joins.",
    "decisions.kind": "url_folded, unchanged_refetch or story_joined.",
    "decisions.subject": "What was decided about: the fetched URL, or the article id.",
    "decisions.story_id": "Story joined (story_clusters.id).",
}


def _comment(comments: dict[str, str]) -> None:
    for name, text in comments.items():
        kind = "COLUMN" if "." in name else "TABLE"
        op.execute(f"COMMENT ON {kind} {name} IS '{text.replace(chr(39), chr(39) * 2)}'")


def upgrade() -> None:
    _comment(COMMENTS)


def downgrade() -> None:
    _comment(PREVIOUS)
