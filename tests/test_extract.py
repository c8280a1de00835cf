"""Extraction on the fixture pages, offline: the same function the crawl pipeline calls."""

from __future__ import annotations

import pytest

from pipeline.extract import clean_authors, extract_article, is_article_page
from pipeline.fixtureweb.outlets import OUTLETS

ROLLING_STONE = (
    "http://www.rollingstone.test/culture/culture-news/"
    "u-s-says-north-korea-was-centrally-involved-in-sony-hack-189329/"
)
# Outlets whose pages state the publication time in machine-readable markup
# (JSON-LD, OpenGraph/meta, microdata, wire meta tags). The Capital Tribune states it only in
# the visible byline, where the day is recovered but not yet the time of day.
STRUCTURED_DATES = {
    "www.rollingstone.test",
    "www.pacificcourier.test",
    "www.screenledger.test",
    "www.bitwire.test",
    "www.globalwire.test",
}


def extract(site, page):
    return extract_article(OUTLETS[page.host].render_article(site, page), page.url)


def test_rolling_stone_keeps_headline_dek_and_body_and_drops_the_chrome(site):
    page = site.page(ROLLING_STONE)
    article = extract(site, page)
    assert article.text.split("\n") == list(page.paragraphs)
    assert article.dek == page.dek
    assert article.title.replace("'", "’").replace("’Centrally", "‘Centrally") == page.title
    assert article.published_at == page.published
    assert article.site_name == "Rolling Stone"


@pytest.mark.parametrize("topic", ["on", "off"])
def test_every_fixture_article_extracts_its_paragraphs_and_date(site, topic):
    for page in site.articles(topic):
        article = extract(site, page)
        assert article is not None, page.url
        for paragraph in page.paragraphs:
            assert paragraph in article.text, page.url
        if page.host in STRUCTURED_DATES:
            assert article.published_at == page.published, page.url
        else:
            assert article.published_at.date() == page.published.date(), page.url
        assert article.language == "en"


def test_home_page_is_not_an_article(site):
    host = "www.pacificcourier.test"
    html = OUTLETS[host].render_home(site)
    assert extract_article(html, f"http://{host}/") is None
    assert not is_article_page("http://x.test/", None)
    assert not is_article_page("http://x.test/video/1", "video.other")
    assert is_article_page("http://x.test/news/1", "article")


def test_authors_are_names_only():
    assert clean_authors("By Dana Whitfield; December; Marcus Ortega; 2014") == [
        "Dana Whitfield",
        "Marcus Ortega",
    ]
    assert clean_authors(None) == []


def test_empty_page_is_no_article():
    assert extract_article("   ", "http://x.test/a") is None
