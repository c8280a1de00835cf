"""Lines trafilatura glues together, split where readability splits them: a layout-table cell that
holds the article and the furniture after it comes out of trafilatura as one line."""

from __future__ import annotations

from pipeline.extract.bodytext import _trafilatura_lines, extract_body, reconcile, unglued
from tests.test_bodytext import AFTER, BEFORE, URL

ARTICLE = BEFORE + AFTER
FURNITURE = [
    "Sam Reyes can be reached at sam@courier.example. Back to headlines",
    "Most read: Storm brings down trees across the county overnight - School bus timetable changes "
    "from Monday - Ferry operator named for the summer season",
    "Get The Courier's morning newsletter with the top stories of the day in your inbox, every weekday.",
]


def layout_page(cell_after: str) -> str:
    """An older site's page: the article's paragraphs in one cell of a layout table, with more in
    that cell after them."""
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE)
    return f"""<html><head><title>Council closes harbour bridge to cars</title></head><body>
<table width="760"><tr><td class="nav"><a href="/">Home</a> | <a href="/news">News</a></td></tr>
<tr><td><div class="pheader"><font size="+1">Council closes harbour bridge to cars</font></div></td></tr>
</table>
<table><tr><td class="main"><div id="txt"><div class="kb">{paragraphs}</div></div>
{cell_after}</td><td class="side"><a href="/weather">Weather</a></td></tr></table>
<table><tr><td>3 days ago</td><td></td><td><a href="/d">Bridge repairs delayed again</a></td></tr>
<tr><td>5 days ago</td><td></td><td><a href="/e">Harbour ferry fares to rise</a></td></tr></table>
</body></html>"""


FURNITURE_CELL = "".join(f"<b>{f}</b><br>" for f in FURNITURE)


def test_an_article_glued_to_the_furniture_after_it_comes_apart():
    lines = extract_body(layout_page(FURNITURE_CELL), URL).lines
    for paragraph in ARTICLE:
        assert paragraph in lines  # one line each, as readability has them
    text = "\n".join(lines)
    for furniture in FURNITURE:
        assert furniture not in text
    assert "can be reached" not in text and "newsletter" not in text


def test_table_rows_of_related_items_with_a_relative_time_are_dropped():
    rows = "".join(
        f'<tr><td>{days} days ago</td><td></td><td><a href="/{days}">{headline}</a></td></tr>'
        for days, headline in [
            (3, "Bridge repairs delayed again as steel prices rise"),
            (5, "Harbour ferry fares to rise for the summer"),
        ]
    )
    html = f"""<html><head><title>Council closes harbour bridge to cars</title></head><body>
<div class="article"><h1>Council closes harbour bridge to cars</h1>{"".join(f"<p>{p}</p>" for p in ARTICLE)}
<h4>Story history</h4><table>{rows}</table></div></body></html>"""
    lines = _trafilatura_lines(html, URL, "balanced")  # before readability has its say
    assert not [line for line in lines if "days ago" in line or "Bridge repairs" in line]
    assert all(paragraph in lines for paragraph in ARTICLE)


def test_a_line_with_little_besides_readabilitys_paragraphs_stays_whole():
    glued = " ".join(ARTICLE) + " Related videos"
    assert reconcile([glued], ARTICLE) == [glued]


def test_a_glued_line_keeps_what_stands_before_the_article():
    dateline = "By Sam Reyes, Courier staff writer, May 14, 2024"
    glued = " ".join([dateline, *ARTICLE, *FURNITURE])
    lines, heads = unglued([glued], ARTICLE)
    assert lines == [dateline, *ARTICLE]
    assert heads == {dateline}
    # kept though readability does not have it: it stood in the article's element
    assert reconcile([glued], ARTICLE) == [dateline, *ARTICLE]


def test_article_prose_readability_does_not_split_is_not_touched():
    # paragraphs of the article only, one line each, and one readability left out: nothing is glued
    extra = (
        "The mayor said the decision was the hardest the council had taken in a decade, and that the "
        "city would publish the engineers' full report next week."
    )
    lines = [*BEFORE, extra, *AFTER]
    assert unglued(lines, ARTICLE) == (lines, set())
    assert extra in reconcile(lines, ARTICLE)
