"""What each version's page is and how much of it was open: article_versions.access and page_kind,
appended to the corpus and versions views.

Pages once dropped as "not an article" are kept when the outlet published a story there (a paywall
teaser, an article with an embedded video, a brief, a round-up); these two columns let researchers
filter them in SQL instead of losing the rows. Rows from before this migration read 'open' and
'article', as they were extracted under the stricter gates.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import runpy
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_previous = runpy.run_path(str(Path(__file__).with_name("0007_tags.py")))
_reading = runpy.run_path(str(Path(__file__).with_name("0005_reading.py")))

ACCESS = ("open", "paywalled", "teaser")
PAGE_KINDS = ("article", "brief", "listing", "liveblog", "video")

_corpus_tail = "    v.tags\nFROM"
assert _previous["CORPUS_VIEW"].count(_corpus_tail) == 1
# Appended columns: CREATE OR REPLACE keeps the dependent views, the functions and the comments.
CORPUS_VIEW = _previous["CORPUS_VIEW"].replace(
    _corpus_tail, "    v.tags,\n    v.access,\n    v.page_kind\nFROM", 1
)
_versions_tail = ") AS citation\nFROM"
assert _reading["VERSIONS_VIEW"].count(_versions_tail) == 1
VERSIONS_VIEW = (
    _reading["VERSIONS_VIEW"]
    .replace("CREATE VIEW versions", "CREATE OR REPLACE VIEW versions", 1)
    .replace(_versions_tail, ") AS citation,\n    v.access,\n    v.page_kind\nFROM", 1)
)

_ACCESS = (
    "How much of the story the page showed: open; paywalled (the page says so, and gave 150 words "
    "or more); teaser (it says so, and gave only the headline and the lede or standfirst)."
)
_PAGE_KIND = (
    "What the page is: article; brief (under 150 words); listing (mostly teasers and links, with "
    "prose of its own: a round-up); liveblog (JSON-LD LiveBlogPosting); video (a declared video "
    "page with its written story, under 150 words)."
)
COMMENTS = {
    "article_versions": {"access": _ACCESS, "page_kind": _PAGE_KIND},
    "corpus": {
        "access": _ACCESS + " Of the version shown.",
        "page_kind": _PAGE_KIND + " Of the version shown.",
    },
    "versions": {"access": _ACCESS, "page_kind": _PAGE_KIND},
}


# Decisions gain a kind (identity_conflict) and a story rule (minhash-containment); no table changes.
DECISION_COMMENTS = {
    "kind": "url_folded, identity_conflict, unchanged_refetch, story_joined or story_merged.",
    "rule": "Rule that decided (tracking-parameters, same-text, minhash-lsh, minhash-containment, ...).",
}
PREVIOUS_DECISION_COMMENTS = {
    "kind": "url_folded, unchanged_refetch, story_joined or story_merged.",
    "rule": "Rule that decided (tracking-parameters, same-text, minhash-lsh, ...).",
}


def _comment_decisions(comments: dict[str, str]) -> None:
    for column, text in comments.items():
        op.execute(f"COMMENT ON COLUMN decisions.{column} IS '{text}'")


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _comment_columns() -> None:
    for relation, columns in COMMENTS.items():
        for column, text in columns.items():
            op.execute(f"COMMENT ON COLUMN {relation}.{column} IS '{text.replace(chr(39), chr(39) * 2)}'")


def upgrade() -> None:
    for name, default, values in (("access", "open", ACCESS), ("page_kind", "article", PAGE_KINDS)):
        op.add_column(
            "article_versions",
            sa.Column(
                name,
                sa.Text(),
                server_default=default,
                nullable=False,
                comment=COMMENTS["article_versions"][name],
            ),
        )
        op.create_check_constraint(
            op.f(f"ck_article_versions_{name}"), "article_versions", f"{name} IN ({_quoted(values)})"
        )
    op.execute(CORPUS_VIEW)
    op.execute(VERSIONS_VIEW)
    _comment_columns()
    _comment_decisions(DECISION_COMMENTS)


def downgrade() -> None:
    # The corpus view reads article_versions through `SELECT *`: drop the views, then the columns,
    # then build the 0008 views again.
    op.execute("DROP VIEW versions")
    op.execute("DROP VIEW stories")
    op.execute("DROP VIEW coverage_daily")
    op.execute("DROP VIEW corpus")
    op.drop_column("article_versions", "page_kind")
    op.drop_column("article_versions", "access")
    op.execute(_previous["CORPUS_VIEW"])
    op.execute(_reading["STORIES_VIEW"])
    op.execute(_reading["COVERAGE_DAILY_VIEW"])
    op.execute(_reading["VERSIONS_VIEW"])
    rebuilt = ("corpus", "stories", "coverage_daily", "versions")
    _reading["_comment_relations"]({k: v for k, v in _reading["COMMENTS"].items() if k in rebuilt})
    runpy.run_path(str(Path(__file__).with_name("0006_discovery.py")))["_comment_columns"]()
    _previous["_comment_columns"]()
    _comment_decisions(PREVIOUS_DECISION_COMMENTS)
