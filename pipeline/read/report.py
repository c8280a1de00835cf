"""`make report`: one self-contained HTML page on a collection's coverage and its crawl's health.

Charts are Plotly figures drawn by plotly.js, inlined once into the page, so the file opens offline,
from a USB stick or an e-mail attachment, and fetches nothing when viewed. Every number is scoped
to one collection, so a page shared about one incident never carries another's articles or
failures; the collection file's key dates ([[events]]) are marked on the time charts.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative
from plotly.offline import get_plotlyjs

from pipeline.collection import DEFAULT_COLLECTION, CollectionError, Event, load_collection, resolve_path
from pipeline.database import DatabaseUnavailable
from pipeline.paths import data_dir
from pipeline.read.researcher import OneLineParser, ReadingError, connect, corpus_url, read_only

# Every query takes the collection as %(c)s. A collection's articles are its members
# (collection_articles); its fetches are the captures of its own crawl runs.
MEMBERS = "corpus a JOIN collection_articles m ON m.article_id = a.article_id AND m.collection = %(c)s"
KNOWN = """
SELECT name, sum(articles)::int AS articles FROM (
    SELECT collection AS name, count(*) AS articles FROM collection_articles GROUP BY 1
    UNION ALL SELECT collection, 0 FROM crawl_runs
) k GROUP BY name ORDER BY articles DESC, name
"""
SUMMARY = f"""
SELECT (SELECT count(*) FROM {MEMBERS}) AS articles,
       (SELECT count(DISTINCT a.outlet) FROM {MEMBERS}) AS outlets,
       (SELECT count(*) FROM stories WHERE collection = %(c)s) AS stories,
       (SELECT count(*) FROM stories WHERE collection = %(c)s AND outlets > 1)
          AS "stories at several outlets",
       (SELECT count(*) FROM captures c JOIN crawl_runs r ON r.id = c.run_id
        WHERE r.collection = %(c)s) AS fetches,
       (SELECT count(*) FROM captures c JOIN crawl_runs r ON r.id = c.run_id
        WHERE r.collection = %(c)s AND (c.error IS NOT NULL OR c.status >= 400)) AS failed,
       (SELECT count(*) FROM crawl_runs WHERE collection = %(c)s) AS "crawl runs"
"""
TIMELINE = {
    "day": "SELECT day, outlet, articles FROM coverage_daily WHERE collection = %(c)s ORDER BY day, outlet",
    "week": """
        SELECT date_trunc('week', day)::date AS week, outlet, sum(articles)::int AS articles
        FROM coverage_daily WHERE collection = %(c)s GROUP BY 1, 2 ORDER BY 1, 2""",
}
# A story running over several days of one week counts once in that week, so weeks are counted
# from the articles, not summed from stories_daily; a story is new in the week of its first day.
STORY_DAYS = {
    "day": "SELECT day, stories, new_stories FROM stories_daily WHERE collection = %(c)s ORDER BY day",
    "week": f"""
        WITH counted AS (
            SELECT date_trunc('week', a.published_at AT TIME ZONE 'UTC')::date AS week,
                   count(DISTINCT coalesce(a.story_id, -a.article_id))::int AS stories
            FROM {MEMBERS} WHERE a.published_at IS NOT NULL GROUP BY 1
        ), new AS (
            SELECT date_trunc('week', day)::date AS week, sum(new_stories)::int AS new_stories
            FROM stories_daily WHERE collection = %(c)s GROUP BY 1
        )
        SELECT week, stories, coalesce(new_stories, 0) AS new_stories
        FROM counted LEFT JOIN new USING (week) ORDER BY week""",
}
OUTLETS = f"""
SELECT a.outlet, count(*) AS articles, count(DISTINCT a.story_id) AS stories, sum(a.word_count) AS words,
       min(a.published_at)::date AS first, max(a.published_at)::date AS last
FROM {MEMBERS} GROUP BY a.outlet ORDER BY articles DESC, a.outlet
"""
STORIES = """
SELECT story_id, articles, outlets, title, first_outlet, first_published::date, member_outlets
FROM stories WHERE collection = %(c)s
ORDER BY articles DESC, outlets DESC, first_published NULLS LAST, story_id LIMIT 15
"""
OUTCOMES = """
SELECT CASE WHEN c.error IS NOT NULL THEN 'failed: ' || split_part(c.error, ':', 1)
            WHEN c.status >= 400 THEN 'failed: HTTP ' || c.status
            WHEN c.status >= 300 THEN 'redirect: HTTP ' || c.status
            WHEN c.warc_type = 'revisit' THEN 'fetched: unchanged (revisit)'
            ELSE 'fetched: HTTP ' || c.status END AS outcome,
       count(*) AS fetches
FROM captures c JOIN crawl_runs r ON r.id = c.run_id WHERE r.collection = %(c)s
GROUP BY 1 ORDER BY fetches DESC, outcome
"""
RUNS = """
SELECT r.id, r.spider, r.started_at, r.status, count(c.id) AS fetches,
       count(c.id) FILTER (WHERE c.error IS NULL AND c.status < 400) AS fetched,
       count(c.id) FILTER (WHERE c.error IS NOT NULL OR c.status >= 400) AS failed
FROM crawl_runs r LEFT JOIN captures c ON c.run_id = r.id
WHERE r.collection = %(c)s
GROUP BY r.id ORDER BY r.id DESC LIMIT 20
"""
CONFIG = {"displaylogo": False, "responsive": True}
VIEWS = {"day": "per day", "week": "per week (Monday to Sunday)"}
STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .meta { color: #666; margin-top: 0; }
.numbers { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1.5rem 0; }
.numbers div { background: #f4f5f7; border-radius: 6px; padding: 0.6rem 1rem; min-width: 8rem; }
.numbers b { display: block; font-size: 1.6rem; }
.views { position: sticky; top: 0; background: #fff; padding: 0.4rem 0; z-index: 10; }
.views label { margin-right: 1rem; }
a.csv { font-size: 13px; }
table { border-collapse: collapse; margin: 0.5rem 0 2rem; font-size: 14px; }
th, td { text-align: left; padding: 0.25rem 0.7rem; border-bottom: 1px solid #ddd; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: #666; font-style: italic; }
"""
# Draws each chart from its JSON block, and redraws the time charts (figure and CSV link) when the
# reader switches between days and weeks.
SCRIPT = """
(function () {
  var config = %s;
  var charts = document.querySelectorAll('script.chart-data');
  function show(view) {
    charts.forEach(function (block) {
      var data = JSON.parse(block.textContent), chosen = data[view] || data.all;
      if (!chosen) return;
      var div = document.getElementById(data.id), link = document.getElementById(data.id + '-csv');
      Plotly.react(div, chosen.figure.data, chosen.figure.layout, config);
      link.href = 'data:text/csv;charset=utf-8,' + encodeURIComponent(chosen.csv);
      link.download = chosen.filename;
    });
  }
  // The chosen view is kept in the address (#week), so a link or a reload opens it again.
  var initial = location.hash === '#week' ? 'week' : 'day';
  document.querySelectorAll('input[name=view]').forEach(function (input) {
    input.checked = input.value === initial;
    input.addEventListener('change', function () {
      history.replaceState(null, '', '#' + input.value);
      show(input.value);
    });
  });
  show(initial);
})();
"""


@dataclass(frozen=True, slots=True)
class Scope:
    """The collection a page is about: its name, title and key dates, and the corpus's others."""

    name: str
    title: str
    events: tuple[Event, ...] = ()
    others: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class View:
    figure: go.Figure
    headers: list[str]
    rows: list[tuple]


def to_csv(headers: list[str], rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["; ".join(map(str, v)) if isinstance(v, list) else "" if v is None else v
                         for v in row])
    return out.getvalue()


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


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(height=height, margin={"l": 40, "r": 20, "t": 30, "b": 40}, template="plotly_white")
    return fig


def _chart(chart_id: str, views: dict[str, View], slug: str) -> str:
    """A chart's div, its CSV link (the first view's rows, so the link works before any script runs)
    and its views as JSON for the page's script."""
    data = {"id": chart_id}
    for key, view in views.items():
        data[key] = {
            "figure": json.loads(pio.to_json(view.figure)),
            "csv": to_csv(view.headers, view.rows),
            "filename": f"{slug}-{chart_id}{'' if key == 'all' else '-' + key}.csv",
        }
    first = data[next(iter(views))]
    # No "<" at all inside the script element, so no text in the data can close it.
    block = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    href = "data:text/csv;charset=utf-8," + quote(first["csv"], safe="")
    return (
        f'<div id="{chart_id}" class="chart"></div>'
        f'<p><a class="csv" id="{chart_id}-csv" href="{href}" download="{html.escape(first["filename"])}">'
        "Download this chart's data (CSV)</a></p>"
        f'<script type="application/json" class="chart-data">{block}</script>'
    )


def _short(title: str | None, width: int = 60) -> str:
    title = title or "(untitled)"
    return title if len(title) <= width else title[: width - 1] + "…"


def mark_events(fig: go.Figure, events: tuple[Event, ...]) -> go.Figure:
    """A dotted vertical line per key date, numbered above the plot as in the list of key dates
    under the chart (full label on hover): labels of adjacent days would overlap each other."""
    for number, event in enumerate(events, 1):
        day = event.date.isoformat()
        fig.add_shape(type="line", xref="x", yref="paper", x0=day, x1=day, y0=0, y1=1,
                      line={"color": "#444", "width": 1, "dash": "dot"}, layer="above")
        fig.add_annotation(x=day, xref="x", y=1, yref="paper", text=str(number), showarrow=False,
                           yanchor="bottom", font={"size": 11, "color": "#fff"}, bgcolor="#444",
                           borderpad=2, hovertext=f"{event.date:%d %b %Y}: {event.label}")
    return fig


def timeline_view(rows: list[tuple], colors: dict[str, str], events: tuple[Event, ...], unit: str) -> View:
    fig = go.Figure(layout={"barmode": "stack", "xaxis": {"type": "date"}, "yaxis": {"title": "articles"}})
    for outlet, color in colors.items():
        points = [(day, n) for day, name, n in rows if name == outlet]
        if points:
            fig.add_bar(x=[d.isoformat() for d, _ in points], y=[n for _, n in points], name=outlet,
                        marker_color=color, **_period(unit))
    return View(_layout(mark_events(fig, events), 460), [unit, "outlet", "articles"], rows)


def story_days_view(rows: list[tuple], events: tuple[Event, ...], unit: str) -> View:
    """Distinct stories per day (or week): syndicated copies count once; new ones broke that day."""
    fig = go.Figure(layout={"barmode": "stack", "xaxis": {"type": "date"}, "yaxis": {"title": "stories"}})
    x = [r[0].isoformat() for r in rows]
    fig.add_bar(x=x, y=[r[2] for r in rows], name="new stories", marker_color="#d62728", **_period(unit))
    fig.add_bar(x=x, y=[r[1] - r[2] for r in rows], name="stories continued from earlier",
                marker_color="#9ab", **_period(unit))
    return View(_layout(mark_events(fig, events), 400), [unit, "stories", "new_stories"], rows)


def _period(unit: str) -> dict:
    # A week's bar spans its seven days, so a key date falls inside the week it belongs to.
    if unit == "week":
        return {"xperiod": 7 * 86_400_000, "xperiod0": "2014-01-06", "xperiodalignment": "middle"}
    return {}


def outlets_view(rows: list[tuple], colors: dict[str, str]) -> View:
    ordered = list(reversed(rows))  # largest at the top of a horizontal bar chart
    fig = go.Figure(go.Bar(
        x=[r[1] for r in ordered], y=[r[0] for r in ordered], orientation="h",
        marker_color=[colors[r[0]] for r in ordered], text=[r[1] for r in ordered], textposition="auto",
    ))
    fig.update_layout(xaxis_title="articles")
    headers = ["outlet", "articles", "stories", "words", "first", "last"]
    return View(_layout(fig, 80 + 36 * len(rows)), headers, rows)


def stories_view(rows: list[tuple]) -> View:
    top = list(reversed(rows[:10]))
    fig = go.Figure(layout={"barmode": "stack", "xaxis": {"title": "articles"}})
    fig.add_bar(x=[r[2] for r in top], y=[_short(r[3]) for r in top], orientation="h", name="outlets")
    fig.add_bar(x=[r[1] - r[2] for r in top], y=[_short(r[3]) for r in top], orientation="h",
                name="more articles at the same outlets")
    headers = ["story_id", "articles", "outlets", "title", "first_outlet", "first_published",
               "member_outlets"]
    return View(_layout(fig, 120 + 36 * len(top)), headers, rows)


def health_view(rows: list[tuple]) -> View:
    palette = {"fetched": "#2ca02c", "redirect": "#1f77b4", "failed": "#d62728"}
    ordered = list(reversed(rows))
    fig = go.Figure(go.Bar(
        x=[r[1] for r in ordered], y=[r[0] for r in ordered], orientation="h", text=[r[1] for r in ordered],
        marker_color=[palette[r[0].split(":")[0]] for r in ordered], textposition="auto",
    ))
    fig.update_layout(xaxis_title="fetches")
    return View(_layout(fig, 100 + 36 * len(rows)), ["outcome", "fetches"], rows)


EMPTY = ('<p class="empty">Nothing yet in this collection: run <code>make archive</code>, or '
         "<code>make demo</code> and then <code>make report DEMO=1</code> (the demo has a database "
         "of its own).</p>")


def _section(title: str, intro: str, chart: str | None, table: str = "") -> str:
    return f"<section><h2>{html.escape(title)}</h2><p>{intro}</p>{chart or EMPTY}{table}</section>"


def _events_list(scope: Scope) -> str:
    if not scope.events:
        return (f'<p class="empty">No key dates: add <code>[[events]]</code> (date, label, url) to '
                f"<code>collections/{html.escape(scope.name)}.toml</code> to mark them here.</p>")
    items = []
    for event in scope.events:
        label = html.escape(event.label)
        if event.url:
            label = f'<a href="{html.escape(event.url, quote=True)}">{label}</a>'
        items.append(f'<li><time datetime="{event.date}">{event.date:%d %b %Y}</time>: {label}</li>')
    return f'<p>Key dates (numbered dotted lines):</p><ol class="events">{"".join(items)}</ol>'


def render(conn, scope: Scope, now: dt.datetime | None = None) -> str:
    """The whole page for one collection, from the database `conn` is connected to."""
    params = {"c": scope.name}
    with read_only(conn, as_researcher=False):
        summary = conn.execute(SUMMARY, params)
        numbers = list(zip([c.name for c in summary.description], summary.fetchone(), strict=True))
        fetch = lambda sql: conn.execute(sql, params).fetchall()  # noqa: E731
        timeline = {unit: fetch(sql) for unit, sql in TIMELINE.items()}
        story_days = {unit: fetch(sql) for unit, sql in STORY_DAYS.items()}
        outlets, stories, outcomes, runs = (fetch(sql) for sql in (OUTLETS, STORIES, OUTCOMES, RUNS))
    palette = qualitative.Plotly + qualitative.D3
    colors = {r[0]: palette[i % len(palette)] for i, r in enumerate(outlets)}
    days = [r[0] for r in timeline["day"]]
    span = f"{min(days)} to {max(days)}" if days else "no dated articles"
    slug = scope.name
    now = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    time_charts = [
        _section("Coverage timeline", f"Articles published (UTC) per outlet, {span}.",
                 _chart("timeline", {u: timeline_view(timeline[u], colors, scope.events, u) for u in VIEWS},
                        slug) if days else None,
                 _events_list(scope)),
        _section("Stories over time", "Distinct stories with an article published: syndicated copies "
                 "count once (<code>stories_daily</code>); new stories are those that broke that day or "
                 "week.",
                 _chart("story-days", {u: story_days_view(story_days[u], scope.events, u) for u in VIEWS},
                        slug) if days else None),
    ]
    other_charts = [
        _section("Outlets by volume", "Articles, distinct stories and words per outlet.",
                 _chart("outlets", {"all": outlets_view(outlets, colors)}, slug) if outlets else None,
                 _table(["outlet", "articles", "stories", "words", "first", "last"], outlets)),
        _section("Largest stories", "Near-identical articles grouped: syndicated copy at several outlets.",
                 _chart("stories", {"all": stories_view(stories)}, slug) if stories else None,
                 _table(["story", "articles", "outlets", "title", "first outlet", "first published",
                         "outlets carrying it"], stories)),
        _section("Crawl health",
                 "Every fetch of this collection's crawl runs by outcome; failures by reason.",
                 _chart("health", {"all": health_view(outcomes)}, slug) if outcomes else None,
                 _table(["run", "spider", "started", "status", "fetches", "fetched", "failed"],
                        [(*r[:2], r[2].strftime("%Y-%m-%d %H:%M"), *r[3:]) for r in runs])),
    ]
    boxes = "".join(f"<div><b>{n:,}</b>{html.escape(label)}</div>" for label, n in numbers)
    toggle = "".join(
        f'<label><input type="radio" name="view" value="{key}"{" checked" if key == "day" else ""}> '
        f"{html.escape(text)}</label>" for key, text in VIEWS.items()
    )
    others = ""
    if scope.others:
        names = ", ".join(f"<code>{html.escape(o)}</code>" for o in scope.others)
        others = (f"<p class=\"meta\">This database also holds {names}; this page counts none of their "
                  "rows (<code>python -m pipeline report --collection NAME</code> writes theirs).</p>")
    title = html.escape(scope.title)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>Coverage report: {title}</title><style>{STYLE}</style>"
        f"<script type=\"text/javascript\">{get_plotlyjs()}</script></head><body>"
        f"<h1>{title}</h1>"
        f"<p class=\"meta\">Coverage report of the collection <code id=\"collection\">"
        f"{html.escape(scope.name)}</code> · generated {now}</p>{others}"
        f"<div class=\"numbers\">{boxes}</div>"
        f"<form class=\"views\" aria-label=\"time scale\">Time charts: {toggle}</form>"
        f"{''.join(time_charts + other_charts)}"
        f"<script type=\"text/javascript\">{SCRIPT % json.dumps(CONFIG)}</script></body></html>\n"
    )


def choose_scope(known: dict[str, int], asked: str | None) -> Scope:
    """The collection to report on: the one asked for (a name, or a collection file); else the
    default collection when it has articles, else the only collection that has any."""
    if asked is None:
        # Collections with articles; failing that, with crawl runs (an offline crawl's failures).
        candidates = [name for name, articles in known.items() if articles] or list(known)
        if DEFAULT_COLLECTION in candidates or not candidates:
            name = DEFAULT_COLLECTION
        elif len(candidates) == 1:
            name = candidates[0]
        else:
            raise ReadingError(
                f"the corpus holds several collections ({', '.join(candidates)}): "
                "choose one with --collection NAME"
            )
    is_file = asked is not None and ("/" in asked or asked.endswith(".toml"))
    name = name if asked is None else None if is_file else asked
    path = resolve_path(asked or name)
    collection = None
    if is_file or path.exists():
        try:
            collection = load_collection(path)
        except CollectionError as exc:
            raise ReadingError(str(exc)) from None
        if name is not None and collection.name != name:
            collection = None  # collections/<name>.toml names another collection: no title or dates from it
        name = name or collection.name
    if asked is not None and known and name not in known:
        held = ", ".join(f"{k} ({v} articles)" for k, v in known.items())
        raise ReadingError(f"no collection named {name!r} in the corpus (it holds: {held})")
    return Scope(
        name=name,
        title=collection.title if collection else name,
        events=collection.events if collection else (),
        others=tuple(k for k in known if k != name),
    )


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m pipeline report", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--collection", metavar="NAME",
        help=f"the collection to report on, by name or collection file (default: {DEFAULT_COLLECTION} "
             "when it has articles, else the only collection that has any)",
    )
    parser.add_argument("--out", type=Path, help="default: var/report/index.html")
    args = parser.parse_args(argv)
    try:
        with connect(corpus_url()) as conn:
            with read_only(conn, as_researcher=False):
                known = dict(conn.execute(KNOWN).fetchall())
            scope = choose_scope(known, args.collection)
            page = render(conn, scope)
        out = args.out or data_dir() / "report" / "index.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except (ReadingError, DatabaseUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {out}: collection {scope.name} "
          f"(open file://{out.resolve()} in a browser; it needs no network)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
