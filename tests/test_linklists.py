"""Lists of links inside an article's container (a section menu, "Related to this story", a footer of
sister titles) are not part of its text; a list of links to other sites that the article gives, and
its paragraphs with links in them, are."""

from __future__ import annotations

import lxml.html

from pipeline.extract.article import extract_page
from pipeline.extract.linklists import link_texts, without_link_lists
from tests.test_bodytext import AFTER, BEFORE

URL = "https://courier.example/news/2024/05/14/harbour-bridge-closed"
RELATED = ["Bridge repairs delayed again", "Ferry operator named for summer", "Hospital road to close"]
SECTIONS = ["News", "Sport", "Business", "Weather"]


def page(inside: str) -> bytes:
    """An article whose container holds `inside` after its paragraphs, laid out the way older sites
    do it (table cells and <br>, no list markup for extractors to recognise)."""
    paragraphs = "".join(f"<p>{p}</p>" for p in [*BEFORE, *AFTER])
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Council closes harbour bridge to cars</title></head><body>
<table><tr><td><div class="story"><h1>Council closes harbour bridge to cars</h1>
{paragraphs}{inside}</div></td></tr></table></body></html>""".encode()


def related_box(links: list[str], host: str = "") -> str:
    items = "".join(f'<a href="{host}/news/{i}">{text}</a><br>' for i, text in enumerate(links))
    return f"<p>Related to this story:<br>{items}</p>"


def test_a_list_of_the_sites_own_links_in_the_container_is_not_text():
    result = extract_page(page(related_box(RELATED)), URL)
    text = result.article.text
    assert all(p in text for p in [*BEFORE, *AFTER])
    assert not any(link in text for link in RELATED)
    assert "Related to this story" not in text


def test_the_articles_own_list_of_links_to_other_sites_stays():
    offers = [
        "Cheap flights to the coast this summer",
        "Ferry timetables for the north bank",
        "A map of the old bridge",
    ]
    result = extract_page(page(related_box(offers, host="https://elsewhere.example")), URL)
    assert all(offer in result.article.text for offer in offers)


def test_absolute_links_to_the_same_site_count_as_its_own():
    result = extract_page(page(related_box(RELATED, host="https://www.courier.example")), URL)
    assert not any(link in result.article.text for link in RELATED)


def test_paragraphs_with_links_in_them_stay():
    linked = [p.replace("council", '<a href="/council">council</a>', 1) for p in AFTER]
    inside = "".join(f"<p>{p}</p>" for p in linked)
    result = extract_page(page(inside), URL)
    assert result.article.text.count(AFTER[0]) == 2


def without(lines: list[str], links: list[str]) -> list[str]:
    return list(without_link_lists(lines, frozenset(links)))


def test_a_run_of_links_goes_with_the_labels_between_them_and_its_heading():
    menu = ["Sections:", "News", "Local:", "Sport", "(12 May |", "Business", "Weather"]
    lines = [BEFORE[0], *menu, BEFORE[1]]
    assert without(lines, SECTIONS) == BEFORE


def test_a_list_of_headlines_with_their_source_and_time_goes():
    stamps = [f"Wire News | Wed, Jan 16 2008, 07:{m} GMT" for m in (50, 42, 40)]
    items = [x for pair in zip(RELATED, stamps, strict=True) for x in pair]
    lines = [*BEFORE, "Breaking News", *items, AFTER[0]]
    assert without(lines, RELATED) == [*BEFORE, AFTER[0]]


def test_two_links_between_paragraphs_are_not_a_list():
    lines = [BEFORE[0], "News", "Sport", BEFORE[1]]
    assert without(lines, SECTIONS) == lines


def test_link_lines_that_open_or_close_the_text_go_and_the_lines_beside_them_stay():
    lines = ["E-mail this to a friend", "Sam Reyes", *BEFORE, "Back to top"]
    assert without(lines, ["E-mail this to a friend", "Back to top"]) == ["Sam Reyes", *BEFORE]


def test_a_text_that_is_only_links_is_left_for_the_page_kind_rules():
    lines = RELATED + SECTIONS
    assert without(lines, lines) == lines


def test_a_sentence_that_is_a_link_is_prose_and_stays():
    lines = [*BEFORE, AFTER[0]]
    assert without(lines, [AFTER[0], *RELATED]) == lines


def test_link_texts_are_those_of_the_same_site():
    tree = lxml.html.document_fromstring(
        '<p><a href="/a">Home</a> <a href="https://news.courier.example/b">Local news</a>'
        ' <a href="https://other.example/c">Elsewhere</a> <a href="//cdn.other.example/d">Photos</a>'
        ' <a href="mailto:desk@courier.example">E-mail us</a> <a href="http://[bad/">Broken</a>'
        ' <a href="/e"> </a> <a>No address</a></p>'
    )
    assert link_texts(tree, URL) == {"Home", "Local news", "E-mail us"}
    # without the page's address every link counts
    assert "Elsewhere" in link_texts(tree, "")


def test_a_page_address_that_is_no_url_does_not_stop_extraction():
    tree = lxml.html.document_fromstring('<p><a href="/a">Home</a></p>')
    assert link_texts(tree, "http://[broken/a/1") == {"Home"}


POINTERS = [
    "Read more: Bridge repairs delayed again this spring",
    "LEA TAMBIÉN » Ferry operator named for the summer",
    "Czytaj też: Hospital road to close for a month",
    "Tags: Harbour bridge council vote transport",
]


def test_pointers_to_the_sites_other_pages_go_wherever_they_stand():
    """'Read more: <a headline of the site>' between paragraphs, in any language."""
    lines = [BEFORE[0], POINTERS[0], BEFORE[1], POINTERS[1], AFTER[0], POINTERS[2], AFTER[1], POINTERS[3]]
    headlines = [p.split(":", 1)[-1].split("»", 1)[-1].strip() for p in POINTERS]
    assert without(lines, headlines) == [*BEFORE, *AFTER[:2]]


def test_what_only_looks_like_a_pointer_stays():
    lines = [
        BEFORE[0],
        "70 g | Flaked almonds from the market",  # a table row
        "2 cups: Flaked almonds from the market",  # a recipe's quantity, not a label
        "Ease of use: the new bridge app explained",  # a heading that is itself a link
        "Source: Harbour Authority annual report",  # a credit naming a page of another site
        "Read more: Bridge",  # too short to be another page's headline
        BEFORE[1],
    ]
    links = [
        "Flaked almonds from the market",
        "Ease of use: the new bridge app explained",
        "Bridge",
    ]
    assert without(lines, links) == lines


def test_a_read_more_line_of_the_page_goes_from_the_text():
    inside = f'<p>Read more: <a href="/news/2024/05/10/repairs">{RELATED[0]} as costs rise</a></p>'
    paragraphs = "".join(f"<p>{p}</p>" for p in BEFORE) + inside + "".join(f"<p>{p}</p>" for p in AFTER)
    html = page("").replace("".join(f"<p>{p}</p>" for p in [*BEFORE, *AFTER]).encode(), paragraphs.encode())
    text = extract_page(html, URL).article.text
    assert "Read more" not in text and RELATED[0] not in text
    assert all(p in text for p in [*BEFORE, *AFTER])
