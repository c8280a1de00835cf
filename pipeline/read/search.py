"""`python -m pipeline search`: ranked full-text search of the corpus, with highlighted snippets.

It calls the database function `search_corpus()` (migration 0005), so the command line and a
researcher's SQL give the same answer for the same query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import textwrap
from dataclasses import dataclass

import psycopg

from pipeline.database import DatabaseUnavailable
from pipeline.read import citations
from pipeline.read.researcher import OneLineParser, ReadingError, connect, corpus_url, explain, iso_date, read_only

SEARCH_SQL = "SELECT * FROM search_corpus(%s, %s, %s, %s, %s, collection => %s)"
OUTLET_SQL = """
SELECT name FROM outlets
WHERE lower(name) = lower(%(outlet)s) OR domain = regexp_replace(lower(%(outlet)s), '^www\\.', '')
"""


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: int
    canonical_url: str
    outlet: str
    title: str | None
    published_at: dt.datetime | None
    rank: float
    snippet: str
    source: citations.Source | None = None

    @property
    def citation(self) -> str | None:
        """Chicago-style citation, naming the web archive and its capture date for archived pages."""
        return citations.text(self.source) if self.source else None


def search(
    conn: psycopg.Connection,
    query: str,
    since: dt.date | None = None,
    until: dt.date | None = None,
    outlet: str | None = None,
    limit: int = 20,
    collection: str | None = None,
) -> list[Hit]:
    """Best matches first. A query with no words, bad dates or an unknown outlet is a ReadingError."""
    if not query.strip():
        raise ReadingError('empty search query: give words to look for, e.g. "north korea" attribution')
    if since and until and since > until:
        raise ReadingError(f"--since {since} is after --until {until}")
    with read_only(conn, as_researcher=False):
        if outlet and not conn.execute(OUTLET_SQL, {"outlet": outlet}).fetchone():
            known = ", ".join(r[0] for r in conn.execute("SELECT name FROM outlets ORDER BY name"))
            raise ReadingError(f"no outlet named {outlet!r}; the corpus has: {known or 'none yet'}")
        if collection and not conn.execute(
            "SELECT 1 FROM collection_articles WHERE collection = %s LIMIT 1", (collection,)
        ).fetchone():
            known = ", ".join(r[0] for r in conn.execute("SELECT DISTINCT collection FROM collection_articles ORDER BY 1"))
            raise ReadingError(f"no collection named {collection!r} has articles; the corpus has: {known or 'none yet'}")
        try:
            rows = conn.execute(SEARCH_SQL, (query, since, until, outlet, limit, collection)).fetchall()
        except psycopg.errors.InvalidParameterValue as exc:
            raise ReadingError(exc.diag.message_primary or str(exc)) from None
        except psycopg.Error as exc:
            raise ReadingError(explain(exc, "the search")) from None
        cited = conn.execute(
            citations.CITE_SQL.format(key="article_id", where="v.in_corpus"), ([r[0] for r in rows],)
        )
        sources = {r[0]: citations.Source.from_row(*r[1:9], r[9], r[10], r[11]) for r in cited}
    return [Hit(*row, source=sources.get(row[0])) for row in rows]


def render(hits: list[Hit], query: str) -> str:
    if not hits:
        return f"no article matches {query!r}"
    noun = "article matches" if len(hits) == 1 else "articles match"
    lines = [f"{len(hits)} {noun} {query!r}, best first (matches in «»):"]
    for number, hit in enumerate(hits, 1):
        day = hit.published_at.astimezone(dt.UTC).date().isoformat() if hit.published_at else "undated"
        lines += [
            "",
            f"{number:>2}. {hit.outlet} · {day} · rank {hit.rank:.3f} · article {hit.article_id}",
            f"    {hit.title or '(untitled)'}",
            f"    {hit.canonical_url}",
            *([f"    archived: {hit.source.archive_url}"] if hit.source and hit.source.archive_url else []),
            textwrap.fill(hit.snippet, width=100, initial_indent="    ", subsequent_indent="    "),
            textwrap.fill(f"Cite: {hit.citation}", width=100, initial_indent="    ", subsequent_indent="      "),
        ]
    return "\n".join(lines)


def render_as(hits: list[Hit], fmt: str) -> str:
    """The hits' citations as BibTeX or CSL-JSON, best match first."""
    sources = [h.source for h in hits if h.source]
    if fmt == "bibtex":
        return "\n".join(citations.bibtex(s) for s in sources).rstrip("\n")
    return json.dumps([citations.csl(s) for s in sources], indent=2, ensure_ascii=False)


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="python -m pipeline search",
        description="Full-text search of the corpus, best matches first, with highlighted snippets.",
        epilog='Query syntax is a web search\'s: "exact phrase", OR, -exclude. Example: '
        'python -m pipeline search \'"Guardians of Peace"\' --until 2014-11-30',
    )
    parser.add_argument("query", help="what to look for")
    parser.add_argument("--since", type=iso_date, metavar="YYYY-MM-DD", help="published on or after (UTC)")
    parser.add_argument("--until", type=iso_date, metavar="YYYY-MM-DD", help="published on or before (UTC)")
    parser.add_argument("--outlet", metavar="NAME", help="only this outlet (name or domain)")
    parser.add_argument("--limit", type=_positive, default=20, metavar="N", help="default: %(default)s")
    parser.add_argument("--collection", metavar="NAME", help="only the articles of this collection")
    parser.add_argument("--format", choices=("text", "bibtex", "csl-json"), default="text",
                        help="text (ranked hits with snippets and citations, the default), or the hits' "
                        "citations as BibTeX or CSL-JSON")
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with connect(corpus_url()) as conn:
            hits = search(conn, args.query, args.since, args.until, args.outlet, args.limit, args.collection)
    except (ReadingError, DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(render(hits, args.query) if args.format == "text" or not hits else render_as(hits, args.format))
    return 0 if hits else 1


if __name__ == "__main__":
    sys.exit(main())
