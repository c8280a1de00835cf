"""The coverage report: one self-contained HTML file whose charts draw in a browser with no network.

It is opened in headless Chromium (Debian's `chromium` package), with every host name made
unresolvable, and the drawn DOM is checked for each chart's SVG and its bars.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import lxml.html
import pytest

from pipeline.report import main

CHROMIUM = Path("/usr/bin/chromium")
CHARTS = ("timeline", "outlets", "stories", "health")


@pytest.fixture(scope="module")
def report(demo_archive, tmp_path_factory) -> Path:
    """`make report` into a data folder of its own: ARCHIVE_DATA_DIR/report/index.html."""
    data = tmp_path_factory.mktemp("report-var")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", demo_archive.database_url)
        patch.setenv("ARCHIVE_DATA_DIR", str(data))
        assert main([]) == 0
    return data / "report" / "index.html"


def test_the_page_is_self_contained(report):
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]*\bsrc=", page), "a script is loaded from elsewhere"
    assert not re.search(r"<link[^>]*\bhref=", page), "a stylesheet is loaded from elsewhere"
    assert page.count("<script") >= 1 + len(CHARTS) and len(page) > 1_000_000  # plotly.js is inline
    for heading in ("Coverage timeline", "Outlets by volume", "Largest stories", "Crawl health"):
        assert heading in page


def test_the_tables_hold_the_corpus_numbers(report, demo_archive):
    tree = lxml.html.fromstring(report.read_bytes())
    outlets = [row.xpath("string(td[1])") for row in tree.xpath("//section[2]//tbody/tr")]
    assert "Rolling Stone" in outlets and "Capital Tribune" in outlets
    assert int(tree.xpath("string(//section[3]//tbody/tr[1]/td[2])")) >= 2  # the most syndicated story


def render_dom(page: Path, profile: Path) -> str:
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
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_charts_draw_in_headless_chromium(report, tmp_path):
    dom = lxml.html.fromstring(render_dom(report, tmp_path / "profile"))
    for chart in CHARTS:
        div = dom.get_element_by_id(chart)
        assert "js-plotly-plot" in div.get("class", ""), f"{chart} was not plotted"
        assert div.xpath(".//svg[contains(@class, 'main-svg')]"), f"{chart} has no SVG"
        bars = div.xpath(".//g[contains(@class, 'bars')]//path")
        assert len(bars) >= 2, f"{chart} drew {len(bars)} bars"
    legend = dom.get_element_by_id("timeline").xpath(".//g[contains(@class, 'legend')]//text")
    assert {"Rolling Stone", "Bitwire"} <= {t.text_content() for t in legend}
