"""Focused link following and the relevance stage: keyword scores for links and pages, depth and
per-outlet limits (calendar traps, link farms), redirect loops bounded, seeds exempt."""

from __future__ import annotations

import datetime as dt

import pytest
from scrapy.exceptions import DropItem

from pipeline.collection import load_collection
from pipeline.items import Extracted, PageItem
from pipeline.relevance import Keywords, RelevancePipeline
from tests.discovery_helpers import crawl

KEYWORDS = Keywords.of(["Sony", "Guardians of Peace", "North Korea", "hack", "FBI"])


def test_link_scores_read_anchor_text_and_url_tokens():
    assert KEYWORDS.link_score("http://a.test/2014/12/19/fbi-north-korea-sony-hackers/") == 4
    assert KEYWORDS.link_score("http://a.test/p/123", "Sony’s hackers, the Guardians of Peace") == 3
    assert KEYWORDS.link_score("http://a.test/sports/eastgate-title/", "Eastgate wins") == 0
    assert KEYWORDS.link_score("http://a.test/north/", "North Carolina") == 0  # phrases, not words
    # Percent-encoded slugs and capitals count as well (no keyword is skipped by the quick test
    # that spares most links the tokenizing).
    assert KEYWORDS.link_score("http://a.test/2014/%53ony-%E2%80%99s-HACKERS/", "Read more") == 2
    assert KEYWORDS.link_score("http://a.test/p?q=sony", "Read more") == 0  # the query is no slug


@pytest.mark.parametrize(
    "base, href, anchor",
    [
        ("http://a.test/news/today.html", "/2014/12/19/sony-hack/", ""),  # root-relative
        ("http://a.test/news/today.html", "https://b.test/FBI-statement", ""),  # absolute, capitals
        ("http://a.test/news/today.html", "//b.test/north-korea/", ""),  # protocol-relative
        ("http://a.test/sony-hack/index.html", "part-2.html", ""),  # relative: the base's path
        ("http://a.test/sony-hack/index.html", "?page=2", ""),
        ("http://a.test/sony-hack/index.html", "#comments", ""),
        ("http://a.test/sony-hack/index.html", "http:part-2.html", ""),  # same scheme: relative
        ("http://a.test/news/", "/2014/%53ony-%E2%80%99s-HACKERS/", ""),  # percent-encoded
        ("http://a.test/news/", "/2014/so\nny-pictures/", ""),  # urllib drops the newline
        ("http://a.test/news/", "/p/123", "Sony’s hackers"),  # the anchor text alone
    ],
)
def test_the_quick_link_test_passes_every_link_that_scores(base, href, anchor):
    """Links whose anchor text and URL have no keyword are passed over before their URL is joined;
    the quick test must never pass over one that `link_score` would score."""
    from urllib.parse import urljoin, urlsplit

    assert KEYWORDS.link_score(urljoin(base, href), anchor) >= 1
    assert KEYWORDS.link_may_score(anchor, href, urlsplit(base).path)


def test_the_quick_link_test_passes_over_links_without_a_keyword():
    assert not KEYWORDS.link_may_score("Weather", "/2014/12/19/rain-then-sun/", "/sony-hack/")
    assert not KEYWORDS.link_may_score("Weather", "https://b.test/rain/", "/sony-hack/")
    assert not KEYWORDS.link_may_score("Weather", "rain.html", "/news/")


@pytest.mark.parametrize("filler", ["", "weather report " * 100])  # a link's text, and a page's
def test_keywords_are_found_anywhere_in_a_text_however_long(filler):
    for found in ("sony", "the fbi said", "north koreans", "guardians of peace", "hackers"):
        assert KEYWORDS.may_occur(filler + found), found
        assert KEYWORDS.may_occur(found + filler), found
    assert not KEYWORDS.may_occur(filler + "rain in spain")
    assert not Keywords.of([]).may_occur(filler + "sony")


def test_a_page_without_any_keyword_in_its_text_is_scored_by_its_headline_alone():
    assert KEYWORDS.page_score("The FBI names North Korea", "Weather: rain, then sun.") == 4.0
    assert KEYWORDS.page_score("Weather", "Rain. " * 50) == 0.0
    assert KEYWORDS.page_score("Weather", "Sony. " + "Rain. " * 49) == 2.0  # 1 hit in 50 words


def test_page_scores_weigh_density_and_the_headline(site):
    keywords = Keywords.of(load_collection("collections/demo-discovery.toml").keywords)
    for page in site.articles(None):
        score = keywords.page_score(page.title, "\n".join(page.paragraphs))
        assert (score >= 1.0) == (page.topic == "on"), (page.url, score)


def item(via: str, title: str, text: str) -> PageItem:
    extracted = Extracted(title, None, [], None, None, None, "en", text, None, None, "t", "1")
    return PageItem(
        url="http://a.test/x", body=b"", encoding="utf-8", fetched_at=dt.datetime.now(dt.UTC),
        warc=None, discovered_via=via, extracted=extracted, text=text,
    )  # fmt: skip


def test_relevance_stage_drops_off_topic_pages_but_never_seeds():
    stage = RelevancePipeline(KEYWORDS, min_score=1.0)
    on = item("feed", "Sony hack: FBI blames North Korea", "The FBI said North Korea hacked Sony.")
    assert stage.process_item(on) is on
    with pytest.raises(DropItem, match=r"off-topic: score 0\.00 < 1 \(links\)"):
        stage.process_item(item("links", "Cherry blossoms", "The festival grows."))
    seed = item("seeds", "Cherry blossoms", "The festival grows.")
    assert stage.process_item(seed) is seed


def test_calendar_trap_and_redirect_loop_are_bounded(fixture_web, make_database, tmp_path):
    body = (
        '[[seeds]]\nurl = "http://www.bitwire.test/calendar/2014/12/"\n'
        '[[seeds]]\nurl = "http://www.bitwire.test/loop/a/"\n'
        "[links]\ndepth = 3\nper_outlet = 50\nmin_score = 0.5\n"
    )
    result, _, hits = crawl(fixture_web, make_database, tmp_path, "trap", body)
    calendar = [h for h in hits if "/calendar/" in h]
    assert 1 < len(calendar) <= 4  # the seed and three levels of links
    loop = [h for h in hits if "/loop/" in h]
    assert 2 <= len(loop) <= 21  # the dupefilter or, at worst, Scrapy's redirect limit ends it


def test_per_outlet_limit(fixture_web, site, make_database, tmp_path):
    seed = next(p for p in site.articles() if p.host == "www.screenledger.test")
    body = f'[[seeds]]\nurl = "{seed.url}"\n[links]\ndepth = 5\nper_outlet = 3\n'
    _, _, hits = crawl(fixture_web, make_database, tmp_path, "limit", body)
    pages = {h for h in hits if "screenledger" in h and not h.endswith("robots.txt")}
    assert 2 <= len(pages) <= 4  # the seed and at most three links
