"""`python -m pipeline drop-collection NAME`: remove one collection's rows from the corpus.

Rows another collection also holds stay: an article captured by two collections keeps its versions
and their captures, and only loses its membership of NAME. WARC files are provenance, so they are
removed only with --warc, and never a file that a remaining capture points to.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from pipeline.database import DatabaseUnavailable
from pipeline.paths import data_dir
from pipeline.read.researcher import OneLineParser, ReadingError, connect, corpus_url

# What goes is decided before anything goes, in temporary tables: the collection's runs, and its
# articles that no other collection holds.
PLAN = (
    "CREATE TEMP TABLE drop_runs (id integer PRIMARY KEY) ON COMMIT DROP",
    "INSERT INTO drop_runs SELECT id FROM crawl_runs WHERE collection = %(name)s",
    "CREATE TEMP TABLE drop_articles (id bigint PRIMARY KEY, outlet_id integer) ON COMMIT DROP",
    """INSERT INTO drop_articles
       SELECT a.id, a.outlet_id FROM collection_articles m JOIN articles a ON a.id = m.article_id
       WHERE m.collection = %(name)s
         AND NOT EXISTS (SELECT 1 FROM collection_articles o
                         WHERE o.article_id = m.article_id AND o.collection <> %(name)s)""",
    "CREATE TEMP TABLE drop_shared (id bigint PRIMARY KEY) ON COMMIT DROP",
    """INSERT INTO drop_shared
       SELECT article_id FROM collection_articles WHERE collection = %(name)s
       EXCEPT SELECT id FROM drop_articles""",
)

# A kept article's first and last capture, among the captures left: never earlier or later than
# before, only narrowed when the collection's own fetches of it went.
REDATE = """
    UPDATE articles a
    SET first_seen = greatest(a.first_seen, s.first), last_seen = least(a.last_seen, s.last)
    FROM (SELECT m.article_id, min(c.fetched_at) AS first, max(c.fetched_at) AS last
          FROM (SELECT article_id, capture_id FROM article_versions
                UNION
                SELECT article_id, capture_id FROM decisions
                WHERE kind IN ('url_folded', 'unchanged_refetch') AND capture_id IS NOT NULL) m
          JOIN captures c ON c.id = m.capture_id
          WHERE m.article_id IN (SELECT id FROM drop_shared)
          GROUP BY m.article_id) s
    WHERE a.id = s.article_id
      AND (a.first_seen < s.first OR a.last_seen > s.last)"""

# A capture of the collection's runs stays while a kept article's version was extracted from it or
# another collection's revisit record refers to its bytes.
_CAPTURE_KEPT = """(EXISTS (SELECT 1 FROM article_versions v WHERE v.capture_id = {c}.id
                AND v.article_id NOT IN (SELECT id FROM drop_articles))
         OR EXISTS (SELECT 1 FROM captures r WHERE r.refers_to_record_id = {c}.warc_record_id
                    AND r.run_id NOT IN (SELECT id FROM drop_runs)))"""

# (what, statement): run in this order, counts reported under `what`.
STEPS = (
    # A decision goes with its article or its run. It stays when its article stays and it is a story
    # decision (the story still holds the article), or when it is the outcome its own run gave a
    # capture that stays; the run that made it stays with it.
    ("decisions", f"""
        DELETE FROM decisions d
        WHERE d.article_id IN (SELECT id FROM drop_articles)
           OR (d.run_id IN (SELECT id FROM drop_runs)
               AND (d.article_id IS NULL OR d.kind NOT IN ('story_joined', 'story_merged'))
               AND NOT EXISTS (SELECT 1 FROM captures c WHERE c.id = d.capture_id AND c.run_id = d.run_id
                               AND {_CAPTURE_KEPT.format(c="c")}))"""),
    ("minhash_bands", "DELETE FROM minhash_bands WHERE article_id IN (SELECT id FROM drop_articles)"),
    ("article_signatures",
     "DELETE FROM article_signatures WHERE article_id IN (SELECT id FROM drop_articles)"),
    ("article_versions", "DELETE FROM article_versions WHERE article_id IN (SELECT id FROM drop_articles)"),
    ("articles", "DELETE FROM articles WHERE id IN (SELECT id FROM drop_articles)"),
    ("memberships", "DELETE FROM collection_articles WHERE collection = %(name)s"),
    ("captures", f"""
        DELETE FROM captures c
        WHERE c.run_id IN (SELECT id FROM drop_runs)
          AND NOT {_CAPTURE_KEPT.format(c="c")}
          AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.capture_id = c.id)"""),
    ("crawl_runs", """
        DELETE FROM crawl_runs r
        WHERE r.id IN (SELECT id FROM drop_runs)
          AND NOT EXISTS (SELECT 1 FROM captures c WHERE c.run_id = r.id)
          AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.run_id = r.id)"""),
    ("story_clusters", """
        DELETE FROM story_clusters s
        WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id)
          AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.story_id = s.id)"""),
    # Only outlets the removed articles were of, and that no remaining article is of.
    ("outlets", """
        DELETE FROM outlets o
        WHERE o.id IN (SELECT outlet_id FROM drop_articles)
          AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.outlet_id = o.id)"""),
)

KNOWN = "SELECT collection FROM crawl_runs UNION SELECT collection FROM collection_articles ORDER BY 1"
KEPT_WARCS = "SELECT DISTINCT warc_file FROM captures WHERE warc_file IS NOT NULL"


@dataclass
class Removal:
    collection: str
    removed: dict[str, int] = field(default_factory=dict)
    kept_shared: int = 0
    redated: int = 0
    warc_removed: list[Path] = field(default_factory=list)
    warc_kept: list[Path] = field(default_factory=list)


def drop_collection(conn: psycopg.Connection, name: str, apply: bool, warc: bool = False) -> Removal:
    """Remove (or, without `apply`, count) what belongs to `name` alone, in one transaction; with
    `warc`, its WARC files that no remaining capture points to, once the rows are gone."""
    known = [row[0] for row in conn.execute(KNOWN)]
    if name not in known:
        raise ReadingError(
            f"no collection named {name!r} in the corpus (it holds: {', '.join(known) or 'nothing'})"
        )
    result = Removal(name)
    with conn.transaction() as tx:
        for statement in PLAN:
            conn.execute(statement, {"name": name})
        result.kept_shared = conn.execute("SELECT count(*) FROM drop_shared").fetchone()[0]
        for what, statement in STEPS:
            result.removed[what] = conn.execute(statement, {"name": name}).rowcount
            if what == "captures":
                result.redated = conn.execute(REDATE).rowcount
        if warc:
            _sort_warc_files(conn, result)
        if not apply:
            raise psycopg.Rollback(tx)
    if apply and warc:
        for path in result.warc_removed:
            path.unlink()
        folder = data_dir() / "warc" / name
        if folder.is_dir() and not result.warc_kept:
            shutil.rmtree(folder)
    return result


def _sort_warc_files(conn: psycopg.Connection, result: Removal) -> None:
    """The collection's WARC folder, split into files no remaining capture points to and the rest."""
    root = data_dir() / "warc"
    folder = root / result.collection
    if not folder.is_dir():
        return
    still_used = {row[0] for row in conn.execute(KEPT_WARCS)}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        used = path.relative_to(root).as_posix() in still_used or str(path) in still_used
        (result.warc_kept if used else result.warc_removed).append(path)


def render(result: Removal, apply: bool, warc: bool) -> str:
    verb = "removed" if apply else "would remove"
    counts = ", ".join(f"{n} {what}" for what, n in result.removed.items() if n)
    lines = [f"{result.collection}: {verb} {counts or 'no rows'}"]
    if result.kept_shared:
        redated = f" ({result.redated} now first or last seen at a capture left)" if result.redated else ""
        lines.append(f"  kept {result.kept_shared} articles another collection also holds{redated}")
    if warc:
        kept = f", kept {len(result.warc_kept)} that remaining rows point to" if result.warc_kept else ""
        lines.append(f"  {verb} {len(result.warc_removed)} WARC files{kept}")
    else:
        folder = data_dir() / "warc" / result.collection
        lines.append(f"  WARC files stay under {folder} (--warc removes them)")
    if not apply:
        lines.append("nothing removed yet: run again with --yes to remove it")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m pipeline drop-collection", description=__doc__.splitlines()[0])
    parser.add_argument("name", metavar="NAME", help="the collection to remove")
    parser.add_argument("--warc", action="store_true", help="also delete its WARC files")
    parser.add_argument("--yes", action="store_true", help="remove; without it, only say what would go")
    args = parser.parse_args(argv)
    try:
        with connect(corpus_url()) as conn:
            result = drop_collection(conn, args.name, apply=args.yes, warc=args.warc)
    except (ReadingError, DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(render(result, args.yes, args.warc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
