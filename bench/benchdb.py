"""A throwaway PostgreSQL database for one benchmark run, and what the corpus holds after it.

The server: the one DATABASE_URL names when set (a sibling database is created beside it, so a
real corpus is never written to), else the local service on 127.0.0.1:5432, else the embedded
server pipeline.database starts. The database is migrated to head and dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.errors import BenchError
from pipeline.database import engine_for, masked, sqlalchemy_url

LOCAL_SERVICE = "postgresql://postgres@127.0.0.1:5432/postgres"
# Every template passed extract_page twice (bench/sitepages.py); a rewrite may still tip a borderline
# page (an "index page"), but not many.
MAX_NOT_ARTICLES = 0.05


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as libpq (psycopg) takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _reachable(url: str) -> bool:
    try:
        with psycopg.connect(libpq_url(url), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _server() -> tuple[str, str]:
    """(a URL of the server to create the database on, how it was chosen)."""
    configured = os.environ.get("DATABASE_URL", "").strip()
    if configured:
        return sqlalchemy_url(configured), f"server of DATABASE_URL ({masked(configured)})"
    if _reachable(LOCAL_SERVICE):
        return sqlalchemy_url(LOCAL_SERVICE), "local PostgreSQL service on 127.0.0.1:5432"
    from pipeline.database import start_embedded

    return start_embedded(), "embedded PostgreSQL (pipeline.database)"


@contextmanager
def throwaway_database() -> Iterator[tuple[str, str]]:
    """(URL of a new, migrated, empty database; where it lives); dropped on exit."""
    from pipeline.migrate import upgrade

    server, where = _server()
    name = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(libpq_url(server), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BenchError(f"cannot create a throwaway database on the {where}: {first}") from None
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url, f"{name} on the {where}"
    finally:
        engine_for(url).dispose()
        with psycopg.connect(libpq_url(server), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True, slots=True)
class CorpusCheck:
    """What the end_to_end run left in the corpus, against what it should hold: one article per
    article page that extract_page finds an article on (extract_only judged the same bytes), and
    one story per original among them (a syndicated copy joins its original's story)."""

    pages: int
    not_articles: dict[str, str]  # article page URL -> why extract_page finds no article on it
    expected_articles: int
    expected_stories: int
    articles: int
    stories: int
    captured: int  # distinct article page URLs with a 200 capture
    missing: dict[str, str]  # article page URL without an article row -> its capture's note

    @property
    def ok(self) -> bool:
        return self.problem() is None

    def problem(self) -> str | None:
        if len(self.not_articles) > MAX_NOT_ARTICLES * self.pages:
            return (
                f"extract_page finds no article on {len(self.not_articles)} of the {self.pages} article "
                "pages: the site or the extractor is broken, and a corpus of the rest proves nothing"
            )
        lost = {u: n for u, n in self.missing.items() if u not in self.not_articles}
        if self.articles != self.expected_articles or lost:
            reasons = Counter(lost.values()).most_common(3)
            why = "; ".join(f"{n}x {r}" for r, n in reasons) or "none lost"
            return (
                f"the corpus holds {self.articles} articles, expected {self.expected_articles} "
                f"({self.captured} article pages captured; pages lost: {why})"
            )
        if self.stories != self.expected_stories:
            return (
                f"the corpus holds {self.stories} stories, expected {self.expected_stories} "
                "(each syndicated copy joins its original's story)"
            )
        return None


def check_corpus(url: str, index: list[dict], not_articles: dict[str, str]) -> CorpusCheck:
    """Compare the corpus with the site's article pages (`index`: BuiltSite.articles())."""
    pages = {p["url"]: p.get("original") or p["url"] for p in index}  # page -> its story's original
    engine = engine_for(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT canonical_url, story_id FROM articles")).all()
        captures = conn.execute(
            text("SELECT url, note FROM captures WHERE status = 200 AND url = ANY(:urls)"),
            {"urls": sorted(pages)},
        ).all()
    stored = {u for u, _ in rows}
    notes = {u: n or "no note" for u, n in captures}
    judged = {u: o for u, o in pages.items() if u not in not_articles}
    return CorpusCheck(
        pages=len(pages),
        not_articles=not_articles,
        expected_articles=len(judged),
        expected_stories=len(set(judged.values())),
        articles=len(rows),
        stories=len({s for _, s in rows if s is not None}),
        captured=len(notes),
        missing={u: notes.get(u, "not captured") for u in sorted(set(pages) - stored)},
    )
