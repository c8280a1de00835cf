"""The coverage report: one self-contained HTML file per collection whose charts draw in a browser
with no network, mark the collection's key dates, and offer each chart's numbers as CSV.

The corpus holds two collections crawled from the fixture web: the demo, and another incident
whose seeds are three off-topic articles and twelve dead links. The demo's page must count none of
the other's articles or failures. Pages are opened in headless Chromium (Debian's `chromium`
package) with every host name made unresolvable, and the drawn DOM is read back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import lxml.html
import pytest
from sqlalchemy import create_engine

from pipeline.read.report import main
from tests.conftest import ROOT, query, run_cli

CHROMIUM = Path("/usr/bin/chromium")
CHARTS = ("timeline", "story-days", "outlets", "stories", "health")
TIME_CHARTS = ("timeline", "story-days")
EVENTS = [  # the demo's key dates, as a collection file of a researcher's own gives them
    (dt.date(2014, 11, 24), "Hack becomes public: the GOP skull on Sony screens", None),
    (dt.date(2014, 12, 16), "Hackers threaten cinemas showing The Interview", None),
    (dt.date(2014, 12, 19), "FBI attributes the attack to North Korea",
     "https://www.fbi.gov/news/press-releases/update-on-sony-investigation"),
]
DEAD_LINKS = 12


@pytest.fixture(scope="module")
def corpus(make_database, site, tmp_path_factory):
    """The demo and another collection crawled into one database; the collection files used."""
    url = make_database()
    folder = tmp_path_factory.mktemp("report-corpus")
    env = {"DATABASE_URL": url, "DEMO_DATABASE_URL": url, "ARCHIVE_DATA_DIR": str(folder / "var")}
    other = folder / "other-incident.toml"
    off_topic = site.articles("off")[:3]
    other.write_text(
        '[collection]\nname = "other-incident"\ntitle = "Another incident"\n'
        + "".join(f'[[seeds]]\nurl = "{page.url}"\n' for page in off_topic)
        + "".join(f'[[seeds]]\nurl = "http://www.bitwire.test/2015/03/0{n % 9 + 1}/gone-{n}/"\n'
                  for n in range(DEAD_LINKS)),
        encoding="utf-8",
    )
    demo = folder / "demo.toml"
    demo.write_text(
        '[collection]\nname = "demo"\ntitle = "Demo: the Sony Pictures hack"\n'
        + "".join(f'[[events]]\ndate = {day}\nlabel = "{label}"\n' + (f'url = "{link}"\n' if link else "")
                  for day, label, link in EVENTS),
        encoding="utf-8",
    )
    for collection in ("demo", str(other)):
        done = run_cli("demo", "--collection", collection, "--edition", "1", env=env)  # one crawl each
        assert "Traceback" not in done.stderr, done.stderr[-2000:]
    engine = create_engine(url)
    yield {"url": url, "engine": engine, "folder": folder, "demo": demo, "off_topic": off_topic}
    engine.dispose()


def write_report(corpus, *args: str) -> Path:
    out = corpus["folder"] / "pages" / f"{len(list(corpus['folder'].glob('pages/*')))}.html"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", corpus["url"])
        patch.setenv("ARCHIVE_DATA_DIR", str(corpus["folder"] / "var"))
        assert main([*args, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def report(corpus) -> Path:
    """The demo's page, its key dates read from the researcher's collection file."""
    return write_report(corpus, "--collection", str(corpus["demo"]))


@pytest.fixture(scope="module")
def other_report(corpus) -> Path:
    return write_report(corpus, "--collection", "other-incident")


def render_dom(page: Path, profile: Path, view: str = "day") -> lxml.html.HtmlElement:
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: install it as root with `apt-get install -y chromium`")
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # nothing can be fetched: the page must not need to
        "--virtual-time-budget=20000",
        "--dump-dom",
        f"{page.as_uri()}#{view}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return lxml.html.fromstring(done.stdout)


@pytest.fixture(scope="module")
def day_dom(report, tmp_path_factory):
    return render_dom(report, tmp_path_factory.mktemp("profile"), "day")


@pytest.fixture(scope="module")
def week_dom(report, tmp_path_factory):
    return render_dom(report, tmp_path_factory.mktemp("profile"), "week")


def csv_rows(dom, chart: str) -> tuple[str, list[list[str]]]:
    """The file name and rows behind a chart's download link, as the browser would save them."""
    link = dom.get_element_by_id(f"{chart}-csv")
    prefix = "data:text/csv;charset=utf-8,"
    assert link.get("href").startswith(prefix)
    rows = list(csv.reader(io.StringIO(unquote(link.get("href")[len(prefix):]))))
    return link.get("download"), rows


def test_the_page_is_self_contained(report):
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]*\bsrc=", page), "a script is loaded from elsewhere"
    assert not re.search(r"<link[^>]*\bhref=", page), "a stylesheet is loaded from elsewhere"
    assert len(page) > 1_000_000  # plotly.js is inline
    for heading in ("Coverage timeline", "Stories over time", "Outlets by volume", "Largest stories",
                    "Crawl health"):
        assert heading in page


def test_no_connection_string_or_local_path_leaks(report, corpus):
    page = report.read_text(encoding="utf-8")
    database = corpus["url"].rsplit("/", 1)[1]
    secrets = ("postgresql://", "postgres@", "127.0.0.1:5432", database, str(corpus["folder"]), str(ROOT))
    for secret in secrets:
        assert secret not in page, f"{secret} is in the page"
    tree = lxml.html.fromstring(report.read_bytes())
    assert tree.get_element_by_id("collection").text_content() == "demo"
    assert re.search(r"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", page)


def test_the_charts_draw_in_headless_chromium(day_dom, week_dom):
    for dom in (day_dom, week_dom):
        for chart in CHARTS:
            div = dom.get_element_by_id(chart)
            assert "js-plotly-plot" in div.get("class", ""), f"{chart} was not plotted"
            assert div.xpath(".//svg[contains(@class, 'main-svg')]"), f"{chart} has no SVG"
            bars = div.xpath(".//g[contains(@class, 'bars')]//path")
            assert len(bars) >= 2, f"{chart} drew {len(bars)} bars"
    legend = day_dom.get_element_by_id("timeline").xpath(".//g[contains(@class, 'legend')]//text")
    assert {"Rolling Stone", "Bitwire"} <= {t.text_content() for t in legend}
    # A week's bar holds several days' articles: fewer, taller bars.
    day_bars = day_dom.get_element_by_id("timeline").xpath(".//g[contains(@class, 'bars')]//path")
    week_bars = week_dom.get_element_by_id("timeline").xpath(".//g[contains(@class, 'bars')]//path")
    assert 0 < len(week_bars) < len(day_bars)


def test_key_dates_are_marked_on_the_time_charts(day_dom, week_dom):
    for dom in (day_dom, week_dom):
        for chart in TIME_CHARTS:
            div = dom.get_element_by_id(chart)
            numbers = [t.text_content() for t in div.xpath(".//g[contains(@class, 'annotation')]//text")]
            assert numbers == [str(n) for n in range(1, len(EVENTS) + 1)], chart
            lines = div.xpath(".//g[contains(@class, 'shapelayer')]//path")
            assert len(lines) == len(EVENTS), f"{chart} drew {len(lines)} event lines"
    listed = day_dom.xpath("//ol[@class='events']/li")
    assert [li.text_content() for li in listed] == [f"{d:%d %b %Y}: {label}" for d, label, _ in EVENTS]
    assert day_dom.xpath("//ol[@class='events']//a/@href") == [EVENTS[2][2]]


def test_csv_downloads_hold_the_databases_numbers(day_dom, week_dom, corpus):
    engine = corpus["engine"]
    name, rows = csv_rows(day_dom, "timeline")
    assert name == "demo-timeline-day.csv" and rows[0] == ["day", "outlet", "articles"]
    daily = query(engine, "SELECT day, outlet, articles FROM coverage_daily WHERE collection = 'demo'")
    assert sorted(rows[1:]) == sorted([str(r["day"]), r["outlet"], str(r["articles"])] for r in daily)

    weekly: Counter = Counter()  # weeks counted by hand from the daily rows, Monday first
    for r in daily:
        weekly[(str(r["day"] - dt.timedelta(days=r["day"].weekday())), r["outlet"])] += r["articles"]
    name, rows = csv_rows(week_dom, "timeline")
    assert name == "demo-timeline-week.csv" and rows[0] == ["week", "outlet", "articles"]
    assert sorted(rows[1:]) == sorted([week, outlet, str(n)] for (week, outlet), n in weekly.items())

    _, rows = csv_rows(day_dom, "story-days")
    stories = query(engine, "SELECT day, stories, new_stories FROM stories_daily WHERE collection = 'demo'")
    assert sorted(rows[1:]) == sorted([str(r["day"]), str(r["stories"]), str(r["new_stories"])]
                                      for r in stories)

    _, rows = csv_rows(day_dom, "outlets")
    members = query(engine, """SELECT c.outlet, count(*) AS n FROM corpus c JOIN collection_articles m
                               ON m.article_id = c.article_id AND m.collection = 'demo' GROUP BY 1""")
    assert {r[0]: int(r[1]) for r in rows[1:]} == {r["outlet"]: r["n"] for r in members}


def test_another_collections_rows_stay_out(report, other_report, day_dom, corpus):
    engine = corpus["engine"]
    page = report.read_text(encoding="utf-8")
    for article in corpus["off_topic"]:
        assert article.title not in page
    assert "other-incident" in page  # named once, as another collection this page leaves out
    assert "gone-" not in page

    # Crawl health counts the demo's own fetches: its one dead link, not the other's twelve.
    _, rows = csv_rows(day_dom, "health")
    health = {outcome: int(n) for outcome, n in rows[1:]}
    fetches = query(engine, """SELECT count(*) AS n, count(*) FILTER (WHERE c.status >= 400) AS failed
                               FROM captures c JOIN crawl_runs r ON r.id = c.run_id
                               WHERE r.collection = 'demo'""")[0]
    assert sum(health.values()) == fetches["n"]
    assert health.get("failed: HTTP 404") == fetches["failed"] == 1
    articles = int(day_dom.xpath("string(//div[@class='numbers']/div[1]/b)").replace(",", ""))
    members = query(engine, "SELECT count(*) AS n FROM collection_articles WHERE collection = 'demo'")
    assert articles == members[0]["n"]

    # The other page holds those rows, so the checks above can fail.
    other = other_report.read_text(encoding="utf-8")
    assert any(article.title in other for article in corpus["off_topic"])
    _, rows = csv_rows(lxml.html.fromstring(other_report.read_bytes()), "health")
    assert {outcome: int(n) for outcome, n in rows[1:]}.get("failed: HTTP 404") == DEAD_LINKS
    assert "Rolling Stone" not in other


def test_a_corpus_of_several_collections_needs_one_named(corpus, capsys):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", corpus["url"])
        assert main(["--out", str(corpus["folder"] / "x.html")]) == 2
        assert main(["--collection", "no-such-incident"]) == 2
    held = {r["collection"]: r["n"] for r in query(
        corpus["engine"], "SELECT collection, count(*) AS n FROM collection_articles GROUP BY 1")}
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "error: the corpus holds several collections (demo, other-incident): "
        "choose one with --collection NAME",
        f"error: no collection named 'no-such-incident' in the corpus (it holds: demo ({held['demo']} "
        f"articles), other-incident ({held['other-incident']} articles))",
    ]
