-- Research queries on the corpus. Each one is preceded by a comment saying what it answers,
-- and each runs as it stands under the read-only researcher role:
--   python -m pipeline psql                          then paste one, or
--   python -m pipeline export --query FILE.sql OUT.csv   with one query saved to FILE.sql.
-- Times are timestamptz; ::date casts and dates below are in UTC when the session's TimeZone is
-- UTC (exports and searches set it; in psql run SET TIME ZONE 'UTC' first).

-- Coverage timeline: how many articles, and how many distinct stories, appeared each day, per
-- collection? A syndicated copy counts once (stories); new_stories are those first published that day.
SELECT collection, day, articles, stories, new_stories, outlets, first_outlets
FROM stories_daily
ORDER BY collection, day;

-- Coverage per outlet per week: who kept covering the story, and who stopped?
SELECT collection, date_trunc('week', day)::date AS week, outlet, sum(articles) AS articles
FROM coverage_daily
GROUP BY collection, week, outlet
ORDER BY collection, week, articles DESC, outlet;

-- First to report: for each claim, which outlet published it first, and when?
SELECT DISTINCT ON (claim) claim, outlet, title, published_at, canonical_url
FROM (VALUES ('Guardians of Peace'), ('North Korea'), ('The Interview'), ('FBI'), ('Social Security numbers'))
     AS claims(claim)
JOIN corpus ON search @@ phraseto_tsquery('english', claim)
WHERE published_at IS NOT NULL
ORDER BY claim, published_at, article_id;

-- Most syndicated stories: which stories ran at the most outlets, and who ran them first? (A story is
-- counted within each collection that holds it: add WHERE collection = 'name' to see one.)
SELECT collection, story_id, outlets, articles, title, first_outlet, first_published, member_outlets
FROM stories
ORDER BY outlets DESC, articles DESC, first_published
LIMIT 10;

-- Collections side by side: how many articles each collection holds, how many of them another
-- collection holds too, and when it first captured one?
SELECT m.collection, count(*) AS articles,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM collection_articles o
                                      WHERE o.article_id = m.article_id AND o.collection <> m.collection))
           AS shared,
       min(m.first_seen) AS first_captured
FROM collection_articles m
GROUP BY m.collection
ORDER BY m.collection;

-- How an article changed between versions: each version next to the one before it.
SELECT article_id, version_number, captured_at, title,
       lag(title) OVER w AS previous_title,
       word_count - lag(word_count) OVER w AS words_added,
       content_hash <> lag(content_hash) OVER w AS text_changed,
       canonical_url
FROM versions
WINDOW w AS (PARTITION BY article_id, extractor, extractor_version, extractor_settings
             ORDER BY version_number)
ORDER BY article_id, extractor_version, version_number;

-- Which outlets cite the FBI's statement, how often, and since when?
SELECT outlet, count(*) AS articles, min(published_at)::date AS first, max(published_at)::date AS last
FROM corpus
WHERE search @@ websearch_to_tsquery('english', 'FBI statement')
GROUP BY outlet
ORDER BY articles DESC, outlet;

-- Who wrote most: the most prolific bylines, with their outlets.
SELECT author, count(*) AS articles, string_agg(DISTINCT outlet, ', ') AS outlets
FROM corpus, unnest(authors) AS author
GROUP BY author
ORDER BY articles DESC, author
LIMIT 20;

-- Every article that mentions "Guardians of Peace" before 1 December 2014, earliest first, with its citation.
SELECT outlet, title, published_at, canonical_url, citation
FROM corpus
WHERE search @@ phraseto_tsquery('english', 'Guardians of Peace')
  AND published_at < '2014-12-01 00:00:00+00'
ORDER BY published_at;

-- Ranked search with highlighted snippets: the best matches for the attribution to North Korea.
SELECT outlet, title, published_at::date AS published, round(rank::numeric, 3) AS rank, snippet
FROM search_corpus('"North Korea" attribution OR blamed', since => '2014-12-01');

-- Reaction time: how many hours after the first outlet did each outlet first report that The Interview
-- was cancelled or pulled?
WITH mentions AS (
    SELECT outlet, published_at
    FROM corpus
    WHERE search @@ phraseto_tsquery('english', 'The Interview') AND title ~* '\m(cancel|pull|shelv)'
      AND published_at IS NOT NULL
)
SELECT outlet, min(published_at) AS first_mention,
       round(extract(epoch FROM min(published_at) - (SELECT min(published_at) FROM mentions)) / 3600, 1)
           AS hours_after_first
FROM mentions
GROUP BY outlet
ORDER BY first_mention;

-- Co-mentions: articles that discuss North Korea together with sanctions or retaliation.
SELECT outlet, title, published_at::date AS published
FROM corpus
WHERE search @@ websearch_to_tsquery('english', '"North Korea" (sanctions OR retaliation OR respond)')
ORDER BY published_at;

-- Articles updated after publication: which, and how long after?
SELECT outlet, title, published_at, updated_at, updated_at - published_at AS updated_after
FROM corpus
WHERE updated_at > published_at
ORDER BY updated_after DESC;

-- Article length by outlet: who wrote long and who wrote short?
SELECT outlet, count(*) AS articles, round(avg(word_count)) AS mean_words,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY word_count) AS median_words, max(word_count) AS longest
FROM corpus
GROUP BY outlet
ORDER BY mean_words DESC;

-- Crawl health: every fetch of every run by outcome, failures with their reason.
SELECT c.run_id, r.collection,
       CASE WHEN c.error IS NOT NULL THEN 'failed: ' || c.error
            WHEN c.status >= 400 THEN 'failed: HTTP ' || c.status
            ELSE 'HTTP ' || c.status END AS outcome,
       count(*) AS fetches
FROM captures c LEFT JOIN crawl_runs r ON r.id = c.run_id
GROUP BY c.run_id, r.collection, outcome
ORDER BY c.run_id, fetches DESC;

-- Where an article's bytes are: the WARC record to open, and the address to replay it at.
SELECT title, captured_at, warc_file, warc_offset, warc_length, warc_record_id, payload_digest,
       'http://127.0.0.1:8080/' || replay_path AS replay_url
FROM corpus
WHERE canonical_url LIKE '%rollingstone%';
