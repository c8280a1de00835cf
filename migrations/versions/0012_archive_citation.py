"""Citations of pages taken from a web archive name the archive's capture: its time and the URL the
bytes came from, beside the original URL and our own capture (before, only our fetch time).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import runpy
from pathlib import Path

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_here = Path(__file__)
_reading = runpy.run_path(str(_here.with_name("0005_reading.py")))
_access = runpy.run_path(str(_here.with_name("0009_page_kind_access.py")))
_collections = runpy.run_path(str(_here.with_name("0010_collections.py")))

_UTC = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"
OLD_CITATION = _reading["CITATION"]
# Outlet, "Title", URL, web archive capture <UTC time> at <archive URL>, archived <UTC time>, WARC
# record <id>, <digest>: the archive's copy is what was read, so it is named with its own time.
CITATION = f"""CASE WHEN c.archived_at IS NULL THEN {OLD_CITATION}
    ELSE format('%s, "%s", %s, web archive capture %s at %s, archived %s, WARC record %s, %s',
           o.name, coalesce(v.title, 'untitled'), a.canonical_url,
           to_char(c.archived_at AT TIME ZONE 'UTC', {_UTC}), c.url,
           to_char(c.fetched_at AT TIME ZONE 'UTC', {_UTC}), c.warc_record_id, c.payload_digest)
    END"""


def _with(view: str, citation: str) -> str:
    assert view.count(OLD_CITATION) == 1
    return view.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1).replace(OLD_CITATION, citation, 1)


CORPUS_VIEW, PREVIOUS_CORPUS_VIEW = (_with(_collections["CORPUS_VIEW"], c) for c in (CITATION, OLD_CITATION))
VERSIONS_VIEW, PREVIOUS_VERSIONS_VIEW = (_with(_access["VERSIONS_VIEW"], c) for c in (CITATION, OLD_CITATION))

COMMENT = (
    "Ready-made citation: outlet, \"title\", canonical URL, [web archive capture <UTC time> at <archive "
    "URL>, when the page came from a web archive,] archived <UTC time>, WARC record <id>, digest."
)
PREVIOUS_COMMENT = (
    "Ready-made citation: outlet, \"title\", canonical URL, archived <UTC time>, WARC record <id>, digest."
)


def _comment(text: str) -> None:
    for view in ("corpus", "versions"):
        op.execute(f"COMMENT ON COLUMN {view}.citation IS {_reading['_literal'](text)}")


def upgrade() -> None:
    op.execute(CORPUS_VIEW)
    op.execute(VERSIONS_VIEW)
    _comment(COMMENT)


def downgrade() -> None:
    op.execute(PREVIOUS_CORPUS_VIEW)
    op.execute(PREVIOUS_VERSIONS_VIEW)
    _comment(PREVIOUS_COMMENT)
