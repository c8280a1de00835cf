"""The corpus for reading: citations, coverage and version views, full-text search functions,
a comment on every column (docs/schema.md is generated from them), and a read-only role.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import runpy
from pathlib import Path

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_previous = runpy.run_path(str(Path(__file__).with_name("0003_identity_stories.py")))

# The README's citation form: Outlet, "Title", URL, archived <UTC time>, WARC record <id>, <digest>.
CITATION = """format('%s, "%s", %s, archived %s, WARC record %s, %s', o.name, coalesce(v.title, 'untitled'),
           a.canonical_url, to_char(c.fetched_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           c.warc_record_id, c.payload_digest)"""

_corpus_tail = "    v.search\nFROM"
assert _previous["CORPUS_VIEW"].count(_corpus_tail) == 1
CORPUS_VIEW = _previous["CORPUS_VIEW"].replace(
    _corpus_tail, f"    v.search,\n    {CITATION} AS citation\nFROM", 1
)
STORIES_VIEW = _previous["STORIES_VIEW"]

COVERAGE_DAILY_VIEW = """
CREATE VIEW coverage_daily AS
SELECT
    (c.published_at AT TIME ZONE 'UTC')::date AS day,
    c.outlet,
    c.outlet_domain,
    count(*)                                  AS articles,
    count(DISTINCT c.story_id)                AS stories,
    sum(c.word_count)                         AS words
FROM corpus c
WHERE c.published_at IS NOT NULL
GROUP BY 1, 2, 3
"""

VERSIONS_VIEW = f"""
CREATE VIEW versions AS
SELECT
    v.article_id,
    v.id                AS version_id,
    row_number() OVER (PARTITION BY v.article_id, v.extractor, v.extractor_version, v.extractor_settings
                       ORDER BY v.captured_at, v.id) AS version_number,
    a.canonical_url,
    o.name              AS outlet,
    c.fetched_at        AS captured_at,
    v.title,
    v.word_count,
    v.content_hash,
    v.extractor,
    v.extractor_version,
    v.extractor_settings,
    c.warc_file,
    c.warc_offset,
    c.warc_record_id,
    r.collection || '/' || to_char(c.fetched_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISS')
        || '/' || c.url AS replay_path,
    v.dek,
    v.authors,
    v.published_at,
    v.updated_at,
    v.text,
    v.extracted_at,
    v.id = (SELECT lv.id FROM article_versions lv WHERE lv.article_id = v.article_id
            ORDER BY lv.captured_at DESC, lv.extracted_at DESC, lv.id DESC LIMIT 1) AS in_corpus,
    c.id                AS capture_id,
    c.url               AS captured_url,
    c.warc_length,
    c.payload_digest,
    c.run_id,
    r.collection,
    {CITATION} AS citation
FROM article_versions v
JOIN articles a ON a.id = v.article_id
JOIN outlets o ON o.id = a.outlet_id
JOIN captures c ON c.id = v.capture_id
LEFT JOIN crawl_runs r ON r.id = c.run_id
"""

# PL/pgSQL, so that a query with no words is an error with a clear message, not an empty result.
TSQUERY_FUNCTION = """
CREATE FUNCTION corpus_tsquery(query text) RETURNS tsquery
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    parsed tsquery := websearch_to_tsquery('english', coalesce(query, ''));
BEGIN
    IF numnode(parsed) = 0 THEN
        RAISE EXCEPTION 'nothing to search for in %: the query is empty or holds only stop words '
            'and punctuation', quote_literal(coalesce(query, ''))
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN parsed;
END
$$
"""

# SQL, not PL/pgSQL: the parameter `outlet` may then share its name with the result column.
SEARCH_FUNCTION = """
CREATE FUNCTION search_corpus(
    query text, since date DEFAULT NULL, until date DEFAULT NULL,
    outlet text DEFAULT NULL, max_rows integer DEFAULT 20)
RETURNS TABLE (article_id bigint, canonical_url text, outlet text, title text,
               published_at timestamptz, rank real, snippet text)
LANGUAGE sql STABLE
AS $$
    SELECT c.article_id, c.canonical_url, c.outlet, c.title, c.published_at,
           ts_rank_cd(c.search, q, 32) AS rank,
           regexp_replace(
               ts_headline('english', concat_ws(E'\\n', c.dek, c.text), q,
                           'MaxFragments=2, MinWords=8, MaxWords=25, StartSel=«, StopSel=», '
                           'FragmentDelimiter=" … "'),
               '\\s+', ' ', 'g') AS snippet
    FROM corpus c, corpus_tsquery(search_corpus.query) AS q
    WHERE c.search @@ q
      AND (search_corpus.since IS NULL OR (c.published_at AT TIME ZONE 'UTC')::date >= search_corpus.since)
      AND (search_corpus.until IS NULL OR (c.published_at AT TIME ZONE 'UTC')::date <= search_corpus.until)
      AND (search_corpus.outlet IS NULL
           OR lower(c.outlet) = lower(search_corpus.outlet)
           OR c.outlet_domain = regexp_replace(lower(search_corpus.outlet), '^www\\.', ''))
    ORDER BY rank DESC, c.published_at NULLS LAST, c.article_id
    LIMIT search_corpus.max_rows
$$
"""

FUNCTION_COMMENTS = {
    "corpus_tsquery(text)": "The tsquery for a web-search style query ('english'): \"phrases\", OR, "
    "-exclusions. Raises a clear error when the query holds no searchable word.",
    "search_corpus(text, date, date, text, integer)": "Full-text search of the corpus, best matches "
    "first: the article, its rank (cover density, 0 to 1) and a snippet with the matches in «». "
    "since/until filter on the UTC publication date (inclusive); outlet is a name or a domain.",
}

# Read-only access for researchers. Roles are cluster-wide: several databases share this one.
GRANT_RESEARCHER = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'researcher') THEN
        BEGIN
            CREATE ROLE researcher NOLOGIN;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN
                NULL;  -- created meanwhile by the migration of another database
            WHEN insufficient_privilege THEN
                RAISE WARNING 'cannot create the role researcher (%). An administrator can run: '
                    'CREATE ROLE researcher NOLOGIN; GRANT CONNECT ON DATABASE % TO researcher; '
                    'GRANT SELECT ON ALL TABLES IN SCHEMA public TO researcher; GRANT researcher TO %',
                    SQLERRM, quote_ident(current_database()), quote_ident(current_user);
                RETURN;
        END;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO researcher', current_database());
    GRANT USAGE ON SCHEMA public TO researcher;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO researcher;
    -- Tables and views that later migrations create are readable too.
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO researcher;
    -- The corpus owner opens researcher sessions with SET ROLE researcher.
    IF NOT pg_has_role(current_user, 'researcher', 'MEMBER') THEN
        EXECUTE format('GRANT researcher TO %I', current_user);
    END IF;
END
$$
"""

REVOKE_RESEARCHER = """
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'researcher') THEN
        ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM researcher;
        REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM researcher;
        REVOKE USAGE ON SCHEMA public FROM researcher;
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM researcher', current_database());
    END IF;
END
$$
"""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _comment(kind: str, name: str, text: str | None) -> None:
    op.execute(f"COMMENT ON {kind} {name} IS {_literal(text) if text is not None else 'NULL'}")


def _comment_relations(comments: dict, clear: bool = False) -> None:
    for relation, (kind, about, columns) in comments.items():
        _comment(kind, relation, None if clear else about)
        for column, text in columns.items():
            _comment("COLUMN", f"{relation}.{column}", None if clear else text)


def upgrade() -> None:
    op.execute("DROP VIEW stories")
    op.execute("DROP VIEW corpus")
    op.execute(CORPUS_VIEW)
    op.execute(STORIES_VIEW)
    op.execute(COVERAGE_DAILY_VIEW)
    op.execute(VERSIONS_VIEW)
    op.execute(TSQUERY_FUNCTION)
    op.execute(SEARCH_FUNCTION)
    _comment_relations(COMMENTS)
    for function, text in FUNCTION_COMMENTS.items():
        _comment("FUNCTION", function, text)
    op.execute(GRANT_RESEARCHER)


def downgrade() -> None:
    op.execute(REVOKE_RESEARCHER)
    op.execute("DROP FUNCTION search_corpus(text, date, date, text, integer)")
    op.execute("DROP FUNCTION corpus_tsquery(text)")
    op.execute("DROP VIEW versions")
    op.execute("DROP VIEW coverage_daily")
    op.execute("DROP VIEW stories")
    op.execute("DROP VIEW corpus")
    tables = {name: spec for name, spec in COMMENTS.items() if spec[0] == "TABLE"}
    _comment_relations(tables, clear=True)
    op.execute(_previous["CORPUS_VIEW"])
    op.execute(STORIES_VIEW)


_ARTICLE = "Article id (articles.id)."
_CANONICAL = "Canonical URL: tracking parameters and fragments removed, a sane rel=canonical followed."
_OUTLET = "Outlet name (outlets.name)."
_WARC_FILE = "WARC file holding the archived response, relative to var/warc/ (absolute for imported files)."
_WARC_OFFSET = "Byte offset of the record (one gzip member) in warc_file."
_WARC_LENGTH = "Length in bytes of the record in warc_file, as stored (compressed)."
_RECORD_ID = "WARC-Record-ID of the archived response (<urn:uuid:...>): cite it."
_DIGEST = "WARC-Payload-Digest of the archived body (sha1, base32): proves a quote is what was sent."
_REPLAY = "Address after http://127.0.0.1:8080/ under make replay: <collection>/<UTC time>/<URL>."
_CITATION = (
    "Ready-made citation: outlet, \"title\", canonical URL, archived <UTC time>, WARC record <id>, digest."
)
_CAPTURED_AT = "When the page was fetched (UTC); the WARC-Date of its record."
_EXTRACTOR = "Extraction software (trafilatura)."
_EXTRACTOR_VERSION = "Version of the extraction software."
_SETTINGS = "Extraction settings (JSON); a re-extraction with other settings is kept beside the earlier one."
_HASH = "SHA-256 of the text without volatile lines (relative times, counters): equal hashes, same text."
_TITLE = "Headline."
_WORDS = "Number of words in text."

# relation: (kind, what one row is, {column: meaning}). Every column of every table and view.
COMMENTS: dict[str, tuple[str, str, dict[str, str]]] = {
    "corpus": ("VIEW", "Start here: one row per article with its latest version, outlet and provenance.", {
        "article_id": _ARTICLE,
        "canonical_url": _CANONICAL,
        "outlet": _OUTLET,
        "outlet_domain": "Outlet's registered domain (outlets.domain).",
        "title": _TITLE,
        "dek": "Standfirst or subheading, when the page has one.",
        "authors": "Bylines, one name per element, in page order.",
        "published_at": "Publication time the page states (timestamptz, UTC); NULL when none was found.",
        "updated_at": "Last update time the page states (UTC); NULL when none was found.",
        "section": "Section or category the page names.",
        "language": "Language of the text (ISO 639-1 code).",
        "text": "Article body without headline or standfirst, one paragraph per line.",
        "word_count": _WORDS,
        "first_seen": "When the article was first captured (UTC).",
        "story_id": "Near-duplicate cluster (stories.story_id): syndicated copies share it.",
        "last_seen": "When the article was last captured (UTC).",
        "version_count": "Number of distinct texts of the article (all extractions).",
        "version_id": "The version shown (article_versions.id, versions.version_id).",
        "content_hash": _HASH,
        "extractor": _EXTRACTOR,
        "extractor_version": _EXTRACTOR_VERSION,
        "collection": "Collection of the run that captured the page (crawl_runs.collection).",
        "captured_url": "URL fetched for this version (may differ from canonical_url).",
        "captured_at": _CAPTURED_AT,
        "warc_file": _WARC_FILE,
        "warc_offset": _WARC_OFFSET,
        "warc_length": _WARC_LENGTH,
        "warc_record_id": _RECORD_ID,
        "payload_digest": _DIGEST,
        "replay_path": _REPLAY,
        "search": "Full-text vector ('english'; title > dek > text): search @@ websearch_to_tsquery(...).",
        "citation": _CITATION,
    }),
    "stories": ("VIEW", "One row per story: a cluster of near-identical articles (syndicated copy).", {
        "story_id": "Story id (story_clusters.id).",
        "articles": "Number of articles in the story.",
        "outlets": "Number of distinct outlets that ran it.",
        "first_published": "Earliest publication time among its articles (UTC).",
        "first_outlet": "Outlet of the earliest article.",
        "first_url": "Canonical URL of the earliest article.",
        "title": "Headline of the earliest article.",
        "member_outlets": "Outlets of all its articles, earliest first.",
        "member_urls": "Canonical URLs of all its articles, earliest first.",
        "member_ids": "Article ids of all its articles, earliest first.",
    }),
    "coverage_daily": ("VIEW", "Articles per outlet per publication day (UTC); undated articles left out.", {
        "day": "Publication date in UTC.",
        "outlet": _OUTLET,
        "outlet_domain": "Outlet's registered domain.",
        "articles": "Articles the outlet published that day.",
        "stories": "Distinct stories among them (syndicated copies count once).",
        "words": "Words in those articles.",
    }),
    "versions": ("VIEW", "Every version of every article (all extractions), with the capture it came from.", {
        "article_id": _ARTICLE,
        "version_id": "Version id (article_versions.id).",
        "version_number": "1, 2, ... in capture order among the article's versions of the same extraction.",
        "canonical_url": _CANONICAL,
        "outlet": _OUTLET,
        "captured_at": _CAPTURED_AT,
        "title": _TITLE,
        "word_count": _WORDS,
        "content_hash": _HASH,
        "extractor": _EXTRACTOR,
        "extractor_version": _EXTRACTOR_VERSION,
        "extractor_settings": _SETTINGS,
        "warc_file": _WARC_FILE,
        "warc_offset": _WARC_OFFSET,
        "warc_record_id": _RECORD_ID,
        "replay_path": _REPLAY,
        "dek": "Standfirst or subheading.",
        "authors": "Bylines, in page order.",
        "published_at": "Publication time the page states (UTC).",
        "updated_at": "Last update time the page states (UTC).",
        "text": "Article body, one paragraph per line.",
        "extracted_at": "When this extraction ran (UTC).",
        "in_corpus": "True for the version the corpus view shows.",
        "capture_id": "The capture the text was extracted from (captures.id).",
        "captured_url": "URL fetched.",
        "warc_length": _WARC_LENGTH,
        "payload_digest": _DIGEST,
        "run_id": "Run that made the capture (crawl_runs.id).",
        "collection": "Collection of that run.",
        "citation": _CITATION,
    }),
    "outlets": ("TABLE", "One row per publication.", {
        "id": "Outlet id; articles.outlet_id points here.",
        "domain": "Registered domain (rollingstone.com), without www.",
        "name": "Display name, from the collection file or the site's own metadata.",
    }),
    "crawl_runs": ("TABLE", "One row per run: a crawl, a reprocess of WARC files, or an import.", {
        "id": "Run id; captures.run_id points here.",
        "collection": "Collection (collections/<name>.toml), also the WARC folder and replay collection.",
        "spider": "What ran: the Scrapy spider (seeds), reprocess or import.",
        "started_at": "When the run started (UTC).",
        "finished_at": "When the run ended (UTC); NULL while it runs or when it was killed.",
        "status": "running, finished, or the reason it stopped.",
        "stats": "Counters of the run (JSON): Scrapy stats and warc/, dedupe/, db/ counts.",
        "warc_files": "WARC files the run wrote, relative to var/warc/.",
    }),
    "captures": ("TABLE", "One row per fetch, successful or not, with where its bytes are archived.", {
        "id": "Capture id; article_versions.capture_id points here.",
        "run_id": "Run that made the fetch (crawl_runs.id).",
        "url": "URL requested.",
        "method": "HTTP method.",
        "status": "HTTP status code; NULL when no response came (see error).",
        "error": "Why no response came (DNS failure, connection refused, timeout); NULL otherwise.",
        "fetched_at": "When the fetch began (UTC); the WARC-Date of its record.",
        "content_type": "Content-Type of the response.",
        "content_length": "Length of the response body in bytes, as received.",
        "redirect_to": "Target of a redirect (3xx), absolute.",
        "ip_address": "Address of the server that answered (WARC-IP-Address).",
        "warc_file": _WARC_FILE,
        "warc_offset": _WARC_OFFSET,
        "warc_length": _WARC_LENGTH,
        "warc_record_id": "WARC-Record-ID of the response or revisit record.",
        "payload_digest": "WARC-Payload-Digest of the body (sha1, base32).",
        "warc_type": "response, or revisit when the body was identical to one already archived.",
        "refers_to_record_id": "For a revisit, the WARC-Record-ID of the response that holds the bytes.",
        "note": "Why a fetched page is not an article (index page, paywall stub, ...).",
        "etag": "ETag the server gave, sent back as If-None-Match on a re-crawl.",
        "last_modified": "Last-Modified the server gave, sent back as If-Modified-Since on a re-crawl.",
    }),
    "articles": ("TABLE", "One row per article; all URL variants of it share url_key.", {
        "id": "Article id.",
        "canonical_url": _CANONICAL,
        "outlet_id": "Outlet (outlets.id).",
        "first_seen": "When the article was first captured (UTC).",
        "last_seen": "When the article was last captured (UTC).",
        "url_key": "Identity key: the URL without scheme, www./m./amp. prefix or trailing slash.",
        "story_id": "Near-duplicate cluster (story_clusters.id).",
    }),
    "article_versions": ("TABLE", "One row per distinct text of an article per extraction.", {
        "id": "Version id.",
        "article_id": _ARTICLE,
        "capture_id": "Capture whose archived bytes the text was extracted from (captures.id).",
        "captured_at": "When those bytes were fetched (UTC).",
        "content_hash": _HASH,
        "title": _TITLE,
        "dek": "Standfirst or subheading.",
        "authors": "Bylines, in page order.",
        "published_at": "Publication time the page states (UTC).",
        "updated_at": "Last update time the page states (UTC).",
        "section": "Section or category the page names.",
        "language": "Language of the text (ISO 639-1 code).",
        "text": "Article body without headline or standfirst, one paragraph per line.",
        "word_count": _WORDS,
        "extractor": _EXTRACTOR,
        "extractor_version": _EXTRACTOR_VERSION,
        "search": "Weighted full-text vector ('english'; title A, dek B, text C), GIN-indexed.",
        "extractor_settings": _SETTINGS,
        "extracted_at": "When this extraction ran (UTC).",
    }),
    "story_clusters": ("TABLE", "One row per story (near-duplicate cluster); read it through stories.", {
        "id": "Story id; articles.story_id points here.",
        "created_at": "When the cluster was made (UTC).",
    }),
    "article_signatures": ("TABLE", "MinHash signature of each article's latest text, with its parameters.", {
        "article_id": _ARTICLE,
        "version_id": "Version the signature was computed from (article_versions.id).",
        "num_perm": "Number of hash permutations.",
        "seed": "Seed of the permutations.",
        "shingle_size": "Words per shingle.",
        "scheme": "datasketch hashing scheme: signatures of different schemes do not compare.",
        "hashvalues": "The signature: num_perm unsigned 64-bit integers, native byte order.",
    }),
    "minhash_bands": ("TABLE", "LSH bands: articles sharing a (band, hash) are near-duplicate candidates.", {
        "band": "Band number.",
        "hash": "Hash of the signature's rows in that band.",
        "article_id": _ARTICLE,
    }),
    "decisions": ("TABLE", "Why rows were treated as one: URL folds, unchanged re-fetches, story joins.", {
        "id": "Decision id.",
        "run_id": "Run that decided (crawl_runs.id).",
        "kind": "url_folded, unchanged_refetch or story_joined.",
        "rule": "Rule that decided (tracking-parameters, same-text, minhash-lsh, ...).",
        "subject": "What was decided about: the fetched URL, or the article id.",
        "article_id": _ARTICLE,
        "story_id": "Story joined (story_clusters.id).",
        "capture_id": "Fetch the decision is about (captures.id).",
        "evidence": "Evidence (JSON): URLs and keys compared, estimated similarity, parameters.",
        "created_at": "When the decision was made (UTC).",
    }),
    "alembic_version": ("TABLE", "The schema's migration revision (Alembic).", {
        "version_num": "Revision of the latest migration applied.",
    }),
}
