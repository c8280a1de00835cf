"""`make report`: one self-contained HTML page on the corpus's coverage and the crawl's health.

Charts are Plotly figures with plotly.js inlined once into the page, so the file opens offline,
from a USB stick or an e-mail attachment, and fetches nothing when viewed.
"""

from __future__ import annotations

import datetime as dt
import html
import sys
from pathlib import Path

import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.offline import get_plotlyjs

from pipeline.database import DatabaseUnavailable, masked
from pipeline.paths import data_dir
from pipeline.researcher import OneLineParser, ReadingError, connect, corpus_url, read_only

SUMMARY = """
SELECT (SELECT count(*) FROM corpus) AS articles, (SELECT count(*) FROM outlets) AS outlets,
       (SELECT count(*) FROM stories) AS stories,
       (SELECT count(*) FROM stories WHERE outlets > 1) AS "stories at several outlets",
       (SELECT count(*) FROM captures) AS fetches,
       (SELECT count(*) FROM captures WHERE error IS NOT NULL OR status >= 400) AS failed,
       (SELECT count(*) FROM crawl_runs) AS "crawl runs"
"""
TIMELINE = "SELECT day, outlet, articles FROM coverage_daily ORDER BY day, outlet"
OUTLETS = """
SELECT outlet, count(*) AS articles, count(DISTINCT story_id) AS stories, sum(word_count) AS words,
       min(published_at)::date AS first, max(published_at)::date AS last
FROM corpus GROUP BY outlet ORDER BY articles DESC, outlet
"""
STORIES = """
SELECT story_id, articles, outlets, title, first_outlet, first_published::date, member_outlets
FROM stories ORDER BY articles DESC, outlets DESC, first_published NULLS LAST, story_id LIMIT 15
"""
OUTCOMES = """
SELECT CASE WHEN error IS NOT NULL THEN 'failed: ' || split_part(error, ':', 1)
            WHEN status >= 400 THEN 'failed: HTTP ' || status
            WHEN status >= 300 THEN 'redirect: HTTP ' || status
            WHEN warc_type = 'revisit' THEN 'fetched: unchanged (revisit)'
            ELSE 'fetched: HTTP ' || status END AS outcome,
       count(*) AS fetches
FROM captures GROUP BY 1 ORDER BY fetches DESC, outcome
"""
RUNS = """
SELECT r.id, r.collection, r.spider, r.started_at, r.status, count(c.id) AS fetches,
       count(c.id) FILTER (WHERE c.error IS NULL AND c.status < 400) AS fetched,
       count(c.id) FILTER (WHERE c.error IS NOT NULL OR c.status >= 400) AS failed
FROM crawl_runs r LEFT JOIN captures c ON c.run_id = r.id
GROUP BY r.id ORDER BY r.id DESC LIMIT 20
"""
CONFIG = {"displaylogo": False, "responsive": True}
STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .meta { color: #666; margin-top: 0; }
.numbers { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1.5rem 0; }
.numbers div { background: #f4f5f7; border-radius: 6px; padding: 0.6rem 1rem; min-width: 8rem; }
.numbers b { display: block; font-size: 1.6rem; }
table { border-collapse: collapse; margin: 0.5rem 0 2rem; font-size: 14px; }
th, td { text-align: left; padding: 0.25rem 0.7rem; border-bottom: 1px solid #ddd; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: #666; font-style: italic; }
"""


def _table(headers: list[str], rows: list[tuple]) -> str:
    def cell(value) -> str:
        if isinstance(value, int | float):
            return f'<td class="n">{value:,}</td>'
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        return f"<td>{html.escape('' if value is None else str(value))}</td>"

    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _chart(fig: go.Figure, div_id: str, height: int) -> str:
    fig.update_layout(height=height, margin={"l": 40, "r": 20, "t": 30, "b": 40}, template="plotly_white")
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=CONFIG)


def _short(title: str | None, width: int = 60) -> str:
    title = title or "(untitled)"
    return title if len(title) <= width else title[: width - 1] + "…"


def timeline_chart(rows: list[tuple], colors: dict[str, str]) -> str:
    fig = go.Figure(layout={"barmode": "stack", "xaxis": {"type": "date"}, "yaxis": {"title": "articles"}})
    for outlet, color in colors.items():
        days = [(day, n) for day, name, n in rows if name == outlet]
        if days:
            fig.add_bar(x=[d for d, _ in days], y=[n for _, n in days], name=outlet, marker_color=color)
    return _chart(fig, "timeline", 420)


def outlets_chart(rows: list[tuple], colors: dict[str, str]) -> str:
    ordered = list(reversed(rows))  # largest at the top of a horizontal bar chart
    fig = go.Figure(go.Bar(
        x=[r[1] for r in ordered], y=[r[0] for r in ordered], orientation="h",
        marker_color=[colors[r[0]] for r in ordered], text=[r[1] for r in ordered], textposition="auto",
    ))
    fig.update_layout(xaxis_title="articles")
    return _chart(fig, "outlets", 80 + 36 * len(rows))


def stories_chart(rows: list[tuple]) -> str:
    top = list(reversed(rows[:10]))
    fig = go.Figure(layout={"barmode": "stack", "xaxis": {"title": "articles"}})
    fig.add_bar(x=[r[2] for r in top], y=[_short(r[3]) for r in top], orientation="h", name="outlets")
    fig.add_bar(x=[r[1] - r[2] for r in top], y=[_short(r[3]) for r in top], orientation="h",
                name="more articles at the same outlets")
    return _chart(fig, "stories", 120 + 36 * len(top))


def health_chart(rows: list[tuple]) -> str:
    palette = {"fetched": "#2ca02c", "redirect": "#1f77b4", "failed": "#d62728"}
    ordered = list(reversed(rows))
    fig = go.Figure(go.Bar(
        x=[r[1] for r in ordered], y=[r[0] for r in ordered], orientation="h", text=[r[1] for r in ordered],
        marker_color=[palette[r[0].split(":")[0]] for r in ordered], textposition="auto",
    ))
    fig.update_layout(xaxis_title="fetches")
    return _chart(fig, "health", 100 + 36 * len(rows))


EMPTY = '<p class="empty">Nothing yet: run <code>make demo</code> or <code>make archive</code>.</p>'


def _section(title: str, intro: str, chart: str | None, table: str) -> str:
    return f"<section><h2>{html.escape(title)}</h2><p>{intro}</p>{chart or EMPTY}{table}</section>"


def render(conn, source: str) -> str:
    """The whole page, from the database `conn` is connected to."""
    with read_only(conn, as_researcher=False):
        summary = conn.execute(SUMMARY)
        numbers = list(zip([c.name for c in summary.description], summary.fetchone(), strict=True))
        timeline, outlets, stories, outcomes, runs = (
            conn.execute(sql).fetchall() for sql in (TIMELINE, OUTLETS, STORIES, OUTCOMES, RUNS)
        )
    palette = qualitative.Plotly + qualitative.D3
    colors = {r[0]: palette[i % len(palette)] for i, r in enumerate(outlets)}
    days = [r[0] for r in timeline]
    span = f"{min(days)} to {max(days)}" if days else "no dated articles"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = [
        _section("Coverage timeline", f"Articles published per day (UTC) per outlet, {span}.",
                 timeline_chart(timeline, colors) if timeline else None, ""),
        _section("Outlets by volume", "Articles, distinct stories and words per outlet.",
                 outlets_chart(outlets, colors) if outlets else None,
                 _table(["outlet", "articles", "stories", "words", "first", "last"], outlets)),
        _section("Largest stories", "Near-identical articles grouped: syndicated copy at several outlets.",
                 stories_chart(stories) if stories else None,
                 _table(["story", "articles", "outlets", "title", "first outlet", "first published",
                         "outlets carrying it"], stories)),
        _section("Crawl health", "Every fetch in <code>captures</code> by outcome; failures by reason.",
                 health_chart(outcomes) if outcomes else None,
                 _table(["run", "collection", "spider", "started", "status", "fetches", "fetched", "failed"],
                        [(*r[:3], r[3].strftime("%Y-%m-%d %H:%M"), *r[4:]) for r in runs])),
    ]
    boxes = "".join(f"<div><b>{n:,}</b>{html.escape(label)}</div>" for label, n in numbers)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>Coverage report</title><style>{STYLE}</style>"
        f"<script type=\"text/javascript\">{get_plotlyjs()}</script></head><body>"
        f"<h1>Coverage report</h1><p class=\"meta\">{html.escape(source)} · generated {now}</p>"
        f"<div class=\"numbers\">{boxes}</div>{''.join(sections)}</body></html>\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m pipeline report", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="default: var/report/index.html")
    args = parser.parse_args(argv)
    out = args.out or data_dir() / "report" / "index.html"
    try:
        url = corpus_url()
        with connect(url) as conn:
            page = render(conn, masked(url))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except (ReadingError, DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {out} (open file://{out.resolve()} in a browser; it needs no network)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
