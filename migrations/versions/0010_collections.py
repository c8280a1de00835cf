"""Collections are first-class: which collections each article belongs to, and views counted per
collection.

An article belongs to every collection whose crawl (or import) captured it: as a new version, as
an unchanged refetch or as a URL folded into it. Membership is kept by triggers on article_versions
and decisions, so the crawl, a rebuild from WARC files and an import all record it the same way.
`corpus.collection` becomes the collection that first captured the article (it no longer moves when
another collection re-crawls it) and `corpus.collections` lists them all. `stories` and
`coverage_daily` are counted per collection, and `stories_daily` counts distinct stories per day,
so that syndicated copies count once.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import runpy
from pathlib import Path

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_here = Path(__file__)
_reading = runpy.run_path(str(_here.with_name("0005_reading.py")))
_access = runpy.run_path(str(_here.with_name("0009_page_kind_access.py")))

MEMBERSHIP_TABLE = """
CREATE TABLE collection_articles (
    collection text NOT NULL,
    article_id bigint NOT NULL,
    first_seen timestamptz NOT NULL,
    CONSTRAINT pk_collection_articles PRIMARY KEY (collection, article_id),
    CONSTRAINT fk_collection_articles_article_id_articles FOREIGN KEY (article_id)
        REFERENCES articles (id) ON DELETE CASCADE
);
CREATE INDEX ix_collection_articles_article_id ON collection_articles (article_id);
"""

# Every capture that became (part of) an article makes the article a member of the run's collection.
BACKFILL = """
INSERT INTO collection_articles (collection, article_id, first_seen)
SELECT r.collection, m.article_id, min(c.fetched_at)
FROM (
    SELECT article_id, capture_id FROM article_versions
    UNION
    SELECT article_id, capture_id FROM decisions
    WHERE kind IN ('url_folded', 'unchanged_refetch') AND article_id IS NOT NULL AND capture_id IS NOT NULL
) m
JOIN captures c ON c.id = m.capture_id
JOIN crawl_runs r ON r.id = c.run_id
GROUP BY r.collection, m.article_id
"""

MEMBERSHIP_TRIGGERS = """
CREATE FUNCTION record_collection_member() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.article_id IS NULL OR NEW.capture_id IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO collection_articles (collection, article_id, first_seen)
    SELECT r.collection, NEW.article_id, c.fetched_at
    FROM captures c JOIN crawl_runs r ON r.id = c.run_id
    WHERE c.id = NEW.capture_id
    ON CONFLICT (collection, article_id) DO UPDATE
        SET first_seen = least(collection_articles.first_seen, EXCLUDED.first_seen);
    RETURN NEW;
END
$$;
CREATE TRIGGER collection_member_version AFTER INSERT ON article_versions
    FOR EACH ROW EXECUTE FUNCTION record_collection_member();
CREATE TRIGGER collection_member_decision AFTER INSERT ON decisions
    FOR EACH ROW WHEN (NEW.kind IN ('url_folded', 'unchanged_refetch'))
    EXECUTE FUNCTION record_collection_member();
"""

_membership = """(SELECT ca.collection FROM collection_articles ca WHERE ca.article_id = a.id
     ORDER BY ca.first_seen, ca.collection LIMIT 1)"""
_previous_collection = "    r.collection,\n    c.url               AS captured_url,"
_previous_tail = "    v.access,\n    v.page_kind\nFROM"
assert _access["CORPUS_VIEW"].count(_previous_collection) == 1
assert _access["CORPUS_VIEW"].count(_previous_tail) == 1
# Same columns in the same order (CREATE OR REPLACE keeps the views and functions built on corpus);
# `collection` now reads the membership, and `collections` is appended.
CORPUS_VIEW = (
    _access["CORPUS_VIEW"]
    .replace("CREATE VIEW corpus", "CREATE OR REPLACE VIEW corpus", 1)
    .replace(_previous_collection, f"    coalesce({_membership}, r.collection) AS collection,\n"
             "    c.url               AS captured_url,", 1)
    .replace(_previous_tail, "    v.access,\n    v.page_kind,\n"
             "    ARRAY(SELECT ca.collection FROM collection_articles ca WHERE ca.article_id = a.id\n"
             "          ORDER BY ca.first_seen, ca.collection) AS collections\nFROM", 1)
)

# Members of each collection, with the corpus row of the article.
_MEMBERS = "corpus c JOIN collection_articles m ON m.article_id = c.article_id"

STORIES_VIEW = f"""
CREATE VIEW stories AS
SELECT
    m.collection,
    c.story_id,
    count(*)                                                             AS articles,
    count(DISTINCT c.outlet)                                             AS outlets,
    min(c.published_at)                                                  AS first_published,
    (array_agg(c.outlet ORDER BY c.published_at, c.first_seen))[1]        AS first_outlet,
    (array_agg(c.canonical_url ORDER BY c.published_at, c.first_seen))[1] AS first_url,
    (array_agg(c.title ORDER BY c.published_at, c.first_seen))[1]         AS title,
    array_agg(c.outlet ORDER BY c.published_at, c.first_seen)            AS member_outlets,
    array_agg(c.canonical_url ORDER BY c.published_at, c.first_seen)     AS member_urls,
    array_agg(c.article_id ORDER BY c.published_at, c.first_seen)        AS member_ids
FROM {_MEMBERS}
WHERE c.story_id IS NOT NULL
GROUP BY m.collection, c.story_id
"""

COVERAGE_DAILY_VIEW = f"""
CREATE VIEW coverage_daily AS
SELECT
    m.collection,
    (c.published_at AT TIME ZONE 'UTC')::date AS day,
    c.outlet,
    c.outlet_domain,
    count(*)                                  AS articles,
    count(DISTINCT c.story_id)                AS stories,
    sum(c.word_count)                         AS words
FROM {_MEMBERS}
WHERE c.published_at IS NOT NULL
GROUP BY 1, 2, 3, 4
"""

# A story is counted on each day one of its articles was published, and as new on the day of its
# earliest article; an article without a story counts as a story of its own.
STORIES_DAILY_VIEW = f"""
CREATE VIEW stories_daily AS
WITH dated AS (
    SELECT m.collection, (c.published_at AT TIME ZONE 'UTC')::date AS day, c.outlet,
           coalesce(c.story_id, -c.article_id) AS story, c.published_at, c.first_seen
    FROM {_MEMBERS}
    WHERE c.published_at IS NOT NULL
), firsts AS (
    SELECT DISTINCT ON (collection, story) collection, story, day, outlet
    FROM dated
    ORDER BY collection, story, published_at, first_seen
)
SELECT
    d.collection,
    d.day,
    count(DISTINCT d.story)                                        AS stories,
    count(DISTINCT f.story)                                        AS new_stories,
    count(*)                                                       AS articles,
    count(DISTINCT d.outlet)                                       AS outlets,
    (SELECT array_agg(DISTINCT f2.outlet ORDER BY f2.outlet) FROM firsts f2
     WHERE f2.collection = d.collection AND f2.day = d.day)        AS first_outlets
FROM dated d
LEFT JOIN firsts f ON f.collection = d.collection AND f.story = d.story AND f.day = d.day
GROUP BY d.collection, d.day
"""

SEARCH_FUNCTION = (
    _reading["SEARCH_FUNCTION"]
    .replace("outlet text DEFAULT NULL, max_rows integer DEFAULT 20)",
             "outlet text DEFAULT NULL, max_rows integer DEFAULT 20, collection text DEFAULT NULL)", 1)
    .replace("    ORDER BY rank DESC",
             "      AND (search_corpus.collection IS NULL OR EXISTS (\n"
             "           SELECT 1 FROM collection_articles m\n"
             "           WHERE m.article_id = c.article_id AND m.collection = search_corpus.collection))\n"
             "    ORDER BY rank DESC", 1)
)
assert SEARCH_FUNCTION.count("collection_articles") == 1

_COLLECTION = "Collection (collections/<name>.toml)."
COMMENTS = {
    "collection_articles": ("TABLE", "Which collections each article belongs to: every collection "
                            "whose crawl or import captured it (kept by triggers on article_versions "
                            "and decisions).", {
        "collection": _COLLECTION,
        "article_id": "Article (articles.id).",
        "first_seen": "When that collection first captured the article (UTC).",
    }),
    "stories": ("VIEW", "One row per story and collection: a cluster of near-identical articles "
                "(syndicated copies), counted among the collection's articles.", {
        "collection": _COLLECTION,
        **_reading["COMMENTS"]["stories"][2],
    }),
    "coverage_daily": ("VIEW", "Articles per collection, outlet and publication day (UTC); undated "
                       "articles left out. To count stories across outlets use stories_daily.", {
        "collection": _COLLECTION,
        **_reading["COMMENTS"]["coverage_daily"][2],
        "stories": "Distinct stories among them (within one outlet and day this is nearly always "
                   "the number of articles; see stories_daily for stories across outlets).",
    }),
    "stories_daily": ("VIEW", "Distinct stories per collection and publication day (UTC): "
                      "syndicated copies count once. Undated articles left out.", {
        "collection": _COLLECTION,
        "day": "Publication date in UTC.",
        "stories": "Distinct stories with an article published that day.",
        "new_stories": "Stories whose earliest article was published that day.",
        "articles": "Articles published that day (copies included).",
        "outlets": "Distinct outlets that published that day.",
        "first_outlets": "Outlets that broke the new stories of that day (first to publish).",
    }),
}
CORPUS_COMMENTS = {
    "collection": "Collection that first captured the article (see collections for all).",
    "collections": "Every collection that captured the article, earliest first "
                   "(collection_articles). Filter with WHERE 'name' = ANY(collections).",
}
SEARCH_COMMENT = (
    _reading["FUNCTION_COMMENTS"]["search_corpus(text, date, date, text, integer)"]
    + " collection limits it to one collection's articles."
)


def _comment_corpus(comments: dict[str, str]) -> None:
    for column, text in comments.items():
        op.execute(f"COMMENT ON COLUMN corpus.{column} IS {_reading['_literal'](text)}")


def upgrade() -> None:
    op.execute(MEMBERSHIP_TABLE)
    op.execute(BACKFILL)
    op.execute(MEMBERSHIP_TRIGGERS)
    op.execute("COMMENT ON FUNCTION record_collection_member() IS 'Trigger: makes the article of a "
               "new version, fold or unchanged refetch a member of the capturing run''s collection.'")
    op.execute("DROP VIEW stories")
    op.execute("DROP VIEW coverage_daily")
    op.execute(CORPUS_VIEW)
    op.execute(STORIES_VIEW)
    op.execute(COVERAGE_DAILY_VIEW)
    op.execute(STORIES_DAILY_VIEW)
    op.execute("DROP FUNCTION search_corpus(text, date, date, text, integer)")
    op.execute(SEARCH_FUNCTION)
    _reading["_comment_relations"](COMMENTS)
    _comment_corpus(CORPUS_COMMENTS)
    op.execute("COMMENT ON FUNCTION search_corpus(text, date, date, text, integer, text) IS "
               + _reading["_literal"](SEARCH_COMMENT))
    # Read-only researchers see the new relations (default privileges cover tables made later).
    op.execute("""
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'researcher') THEN
                GRANT SELECT ON collection_articles, stories, coverage_daily, stories_daily TO researcher;
            END IF;
        END $$""")


def downgrade() -> None:
    op.execute("DROP FUNCTION search_corpus(text, date, date, text, integer, text)")
    op.execute(_reading["SEARCH_FUNCTION"])
    _reading["_comment"]("FUNCTION", "search_corpus(text, date, date, text, integer)",
                         _reading["FUNCTION_COMMENTS"]["search_corpus(text, date, date, text, integer)"])
    op.execute("DROP VIEW stories_daily")
    op.execute("DROP VIEW stories")
    op.execute("DROP VIEW coverage_daily")
    op.execute("DROP VIEW corpus")
    op.execute(_access["CORPUS_VIEW"])
    op.execute(_reading["STORIES_VIEW"])
    op.execute(_reading["COVERAGE_DAILY_VIEW"])
    rebuilt = ("corpus", "stories", "coverage_daily")
    _reading["_comment_relations"]({k: v for k, v in _reading["COMMENTS"].items() if k in rebuilt})
    runpy.run_path(str(_here.with_name("0006_discovery.py")))["_comment_columns"]()
    runpy.run_path(str(_here.with_name("0007_tags.py")))["_comment_columns"]()
    _access["_comment_columns"]()
    op.execute("DROP TRIGGER collection_member_decision ON decisions")
    op.execute("DROP TRIGGER collection_member_version ON article_versions")
    op.execute("DROP FUNCTION record_collection_member()")
    op.execute("DROP TABLE collection_articles")
