"""An article's text now opens with its standfirst, when the page prints one, and the content hash
leaves that standfirst out (an AMP copy without it is the same article): the column comments say
so. Rows extracted before keep the text they had; `reprocess` re-extracts them with the new rules
as new versions beside the old ones.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TEXT = (
    "Article text, one paragraph per line: the standfirst when the page prints one, then the body; "
    "no headline."
)
HASH = (
    "SHA-256 of the text without volatile lines (relative times, counters) and without the standfirst "
    "opening it: equal hashes, same body."
)
RELATIONS = ("article_versions", "corpus", "versions")
COMMENTS = {(r, "text"): TEXT for r in RELATIONS} | {(r, "content_hash"): HASH for r in RELATIONS}
_OLD_HASH = "SHA-256 of the text without volatile lines (relative times, counters): equal hashes, same text."
PREVIOUS = {
    ("article_versions", "text"): "Article body without headline or standfirst, one paragraph per line.",
    ("corpus", "text"): "Article body without headline or standfirst, one paragraph per line.",
    ("versions", "text"): "Article body, one paragraph per line.",
} | {(r, "content_hash"): _OLD_HASH for r in RELATIONS}


def _comment(comments: dict[tuple[str, str], str]) -> None:
    for (relation, column), text in comments.items():
        op.execute(f"COMMENT ON COLUMN {relation}.{column} IS '{text.replace(chr(39), chr(39) * 2)}'")


def upgrade() -> None:
    _comment(COMMENTS)


def downgrade() -> None:
    _comment(PREVIOUS)
