"""Headline, authors, dates and the rest, as each fixture page states them in its own convention
(JSON-LD, OpenGraph/meta, microdata, byline text only, wire meta tags), and the rules behind them."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from pipeline.demo.outlets import OUTLETS
from pipeline.demo.page import FIXTURE_NOW
from pipeline.demo.routes import route
from pipeline.extract import dates, metadata
from pipeline.extract.article import extract_page
from pipeline.extract.bodytext import parse_html
from pipeline.extract.bylines import clean_names, page_authors, wire_agency
from pipeline.extract.pagemeta import read_page

UTC = dt.UTC
EST = dt.timezone(dt.timedelta(hours=-5))
# Which fields each outlet shows at all (the content file may hold more than the page states):
# the Global Wire prints no standfirst and no section; the Capital Tribune has no tags.
STATES = {
    "www.rollingstone.test": {"dek", "section", "tags"},
    "www.pacificcourier.test": {"dek", "section", "tags"},
    "www.screenledger.test": {"dek", "section", "tags"},
    "www.bitwire.test": {"dek", "section", "tags"},
    "www.capitaltribune.test": {"dek", "section"},
    "www.globalwire.test": {"tags"},
}
UNTRUSTED_DATES = {"future-date", "predates-outlet"}


@pytest.fixture(scope="module")
def articles(site):
    """Every article page as served, extracted, with its bad-input problem (None if well-formed)."""
    bad = site.bad_pages
    found = []
    for page in site.pages:
        if page.kind == "article":
            response = route(site, page.host, page.path)
            result = extract_page(
                response.body, page.url, content_type=response.content_type, captured_at=FIXTURE_NOW
            )
            found.append((page, result, bad[page.url].problem if page.url in bad else None))
    return found


def test_headline_authors_and_times_are_those_the_page_states(articles):
    for page, result, problem in articles:
        article = result.article
        assert article.title == page.title, page.url
        assert article.authors == list(page.authors), page.url
        assert article.updated_at == page.updated, page.url
        if problem in UNTRUSTED_DATES:
            continue
        assert article.published_at == page.published, page.url
        # the same instant, and in the zone the page states it (EST, PST, an ISO offset)
        assert article.published_at.utcoffset() == page.published.utcoffset(), page.url


def test_dates_the_page_cannot_have_are_not_trusted(site, articles):
    checked = 0
    for page, result, problem in articles:
        if problem in UNTRUSTED_DATES:
            checked += 1
            assert result.article.published_at != page.published, page.url
            assert any("ignored" in fix for fix in result.fixes), page.url
            # the day in the URL, when it names one, is the fallback
            if day := re.search(r"/(\d{4})/(\d\d)/(\d\d)/", page.path):
                assert result.article.published_at == dt.datetime(*map(int, day.groups()), tzinfo=UTC)
    assert checked == sum(1 for bad in site.bad_pages.values() if bad.problem in UNTRUSTED_DATES)


def test_standfirst_section_and_tags_where_the_outlet_shows_them(articles):
    for page, result, _ in articles:
        shown = STATES.get(page.host, set())
        article = result.article
        assert article.dek == (page.dek if "dek" in shown else None), page.url
        if "section" in shown:
            assert article.section == page.section, page.url
        assert result.tags == (page.tags if "tags" in shown else ()), page.url
        assert article.canonical_url == page.url, page.url


def test_site_name_is_the_outlet(articles):
    for page, result, _ in articles:
        assert result.article.site_name == OUTLETS[page.host].name, page.url


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("By Dana Whitfield, Staff Writer", ["Dana Whitfield"]),
        ("Dana Whitfield Staff Writer", ["Dana Whitfield"]),
        (
            "By Dana Whitfield and Marcus Ortega | December 19, 2014 5:42 p.m. EST",
            ["Dana Whitfield", "Marcus Ortega"],
        ),
        ("By Ji-won Bae, Global Wire", ["Ji-won Bae"]),
        ("By JOHN DOE, Associated Press Writer", ["John Doe"]),
        ("By the Associated Press", []),
        ("Reuters", []),
        ("AFP", []),
        ("Tribune Staff", []),
        ("By Courier staff", []),
        ("Staff", []),
        ("Martin Luther King, Jr.", ["Martin Luther King Jr."]),
        ("Posted by Kara Novak", ["Kara Novak"]),
        ("By Lena Okafor December 20, 2014", ["Lena Okafor"]),
        ("A, B and C", []),
        ("Anna Berg, Tomás Ruiz & Li Wei", ["Anna Berg", "Tomás Ruiz", "Li Wei"]),
        ("@someone", []),
        ("http://example.com/author/x", []),
        ("Ludwig van Beethoven; Dana Whitfield; Dana Whitfield", ["Ludwig van Beethoven", "Dana Whitfield"]),
    ],
)
def test_names_only(byline, names):
    assert clean_names([byline]) == names


def test_the_outlet_is_not_an_author():
    assert clean_names(["The Pacific Courier"], outlet="The Pacific Courier") == []
    assert clean_names(["Pacific Courier"], outlet="The Pacific Courier") == []


def test_wire_agencies_table():
    assert wire_agency("the Associated Press") == "Associated Press"
    assert wire_agency("AP") == "Associated Press"
    assert wire_agency("Agence France-Presse") == wire_agency("AFP") == "Agence France-Presse"
    assert wire_agency("dpa") == "Deutsche Presse-Agentur"
    assert wire_agency("Global Wire") == "Global Wire"
    assert wire_agency("Dana Whitfield") is None


def page(html: str, url: str = "http://x.test/news/1"):
    return read_page(parse_html(html), url)


def test_json_ld_authors_skip_organizations():
    html = """<html><head><script type="application/ld+json">{"@context": "https://schema.org",
      "@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle", "headline": "H",
      "author": [{"@type": "Person", "name": "Dana Whitfield"},
                 {"@type": "Organization", "name": "Reuters"}]}]}
    </script></head><body><p>x</p></body></html>"""
    assert page_authors(page(html)) == ["Dana Whitfield"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "By Dana Whitfield | December 19, 2014 5:42 p.m. EST",
            dt.datetime(2014, 12, 19, 17, 42, tzinfo=EST),
        ),
        (
            "This story was updated at 6:40 p.m. PST on December 19, 2014.",
            dt.datetime(2014, 12, 19, 18, 40, tzinfo=dt.timezone(dt.timedelta(hours=-8))),
        ),
        ("Published Dec. 19, 2014 4:12 PM", dt.datetime(2014, 12, 19, 16, 12)),
        (
            "19 December 2014, 09:05 KST",
            dt.datetime(2014, 12, 19, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=9))),
        ),
        ("no date here", None),
    ],
)
def test_dates_written_for_readers(text, expected):
    found = dates.parse_text(text)
    assert found == expected
    if expected is not None:
        assert found.utcoffset() == expected.utcoffset()


def dated(head: str = "", body: str = "", url: str = "http://x.test/news/1", captured=FIXTURE_NOW):
    return dates.page_dates(page(f"<html><head>{head}</head><body>{body}</body></html>", url), captured)


def ld(**fields) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **fields})}</script>'


def test_json_ld_wins_over_meta_and_a_copied_modified_time_is_no_update():
    found = dated(
        ld(datePublished="2014-12-19T14:05:00-05:00", dateModified="2014-12-19T14:05:00-05:00")
        + '<meta property="article:published_time" content="2014-12-18T10:00:00Z">'
    )
    assert found.published == dt.datetime(2014, 12, 19, 14, 5, tzinfo=EST)
    assert found.updated is None
    assert found.source == "json-ld"


def test_an_update_is_kept_only_when_later():
    later = dated(ld(datePublished="2014-12-19T14:05:00-05:00", dateModified="2014-12-19T18:40:00-05:00"))
    assert later.updated == dt.datetime(2014, 12, 19, 18, 40, tzinfo=EST)
    earlier = dated(ld(datePublished="2014-12-19T14:05:00-05:00", dateModified="2014-12-18T18:40:00-05:00"))
    assert earlier.updated is None


def test_naive_times_are_utc_and_flagged():
    found = dated('<meta name="date" content="2014-12-19T14:05:00">')
    assert found.published == dt.datetime(2014, 12, 19, 14, 5, tzinfo=UTC)
    assert found.fixes == ("published time states no timezone: taken as UTC (meta)",)


def test_implausible_dates_are_dropped_and_the_next_source_used():
    future = dated(ld(datePublished="2031-12-18T14:20:00-05:00"), url="http://x.test/2014/12/18/story/")
    assert future.published == dt.datetime(2014, 12, 18, tzinfo=UTC)
    assert future.source == "url"
    assert future.fixes == ("published date 2031-12-18 is in the future: ignored (json-ld)",)
    placeholder = dated(ld(datePublished="1970-01-01T00:00:00Z"))
    assert placeholder.published is None or placeholder.source == "htmldate"
    assert placeholder.fixes == ("published date 1970-01-01 is before 1994: ignored (json-ld)",)
    founded = ld(
        datePublished="2003-05-01T10:00:00Z", publisher={"@type": "Organization", "foundingDate": "2006"}
    )
    assert dated(founded).fixes == ("published date 2003-05-01 is before 2006: ignored (json-ld)",)


def test_time_elements_and_byline_text():
    body = '<div class="byline">By A B | <time datetime="2014-12-19T14:05:00-05:00">Dec 19</time></div>'
    body += '<span class="updated">Updated <time datetime="2014-12-19T18:40:00-05:00">6:40</time></span>'
    found = dated(body=body)
    assert (found.published, found.updated) == (
        dt.datetime(2014, 12, 19, 14, 5, tzinfo=EST),
        dt.datetime(2014, 12, 19, 18, 40, tzinfo=EST),
    )
    text_only = dated(body='<div class="byline">By A B | December 19, 2014 2:05 p.m. EST</div>')
    assert text_only.published == dt.datetime(2014, 12, 19, 14, 5, tzinfo=EST)
    assert text_only.source == "byline"


def test_title_is_the_visible_headline_named_by_the_page():
    html = """<html><head><title>AFP: Riley unlikely to return as Heat coach | Sports</title>
      <meta property="og:title" content="Riley unlikely to return as Heat coach"></head>
      <body><h1>Latest news</h1><h1>Riley unlikely to return as Heat coach</h1></body></html>"""
    assert metadata.title(page(html)) == "Riley unlikely to return as Heat coach"
    assert (
        metadata.title(
            page(
                "<html><head><title>AFP: Riley unlikely to return as coach</title></head>"
                "<body><p>x</p></body></html>"
            )
        )
        == "Riley unlikely to return as coach"
    )
    assert metadata.title(page("<html><body><h1>Only heading</h1></body></html>")) == "Only heading"


def test_language_canonical_and_site_name():
    html = """<html lang="en-US"><head><title>Headline - The Outlet</title>
      <link rel="canonical" href="/news/1?ref=x"></head><body><p>x</p></body></html>"""
    found = page(html, "http://www.x.test/news/1?utm_source=feed")
    assert metadata.language(found) == "en"
    assert metadata.canonical_url(found) == "http://www.x.test/news/1?ref=x"
    assert metadata.site_name(found) == "The Outlet"


# Headline rules on the kinds of page real outlets serve (pipeline/extract/headline.py).

STORY = [
    "Jack Nicholson and Morgan Freeman's buddy movie The Bucket List ended the three-week reign of "
    "National Treasure at the North American box office, taking an estimated $19.5 million.",
    "The movie veterans' new film, about two cancer patients living it up before they die, opened on "
    "limited release on Christmas Day and expanded to nearly 2,900 theatres on Friday.",
]


def story_page(title: str, above: str, head: str = "", body_class: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in STORY)
    return (
        f"<html><head><title>{title}</title>{head}</head><body class='{body_class}'>"
        "<div id='nav'><a href='/'>Home</a> <a href='/ent/'>Entertainment</a></div>"
        f"<table><tr><td>{above}<div class='byline'>By Staff</div>{paragraphs}</td></tr></table>"
        "</body></html>"
    )


def test_a_heading_marked_by_its_class_is_the_headline_the_title_names():
    html = story_page(
        "'Bucket List' Tops Box Office - Entertainment News, Celebrity Gossip and Movie Reviews",
        "<td class='arttitle'>'Bucket List' Tops Box Office</td>",
    )
    found = page(html, "http://www.starpulse.com/news/1")
    assert metadata.title(found) == "'Bucket List' Tops Box Office"


def test_of_several_headings_the_title_names_the_headline_says_most():
    html = """<html><head><title>SFGate: World Views : Another political murder in Lebanon</title></head>
      <body><h1>SFGate: World Views</h1><h2>Another political murder in Lebanon</h2><p>x</p></body></html>"""
    found = page(html, "http://www.example.com/blogs/1")
    assert metadata.title(found) == "Another political murder in Lebanon"


def test_a_heading_that_names_the_outlet_is_not_the_headline():
    html = """<html><head><title>'Surge' banned | The Times Leader Online</title></head>
      <body><h1>The Times Leader Online</h1><h2>'Surge' banned</h2><p>x</p></body></html>"""
    assert metadata.title(page(html, "http://www.timesleader.com/news/1")) == "'Surge' banned"


@pytest.mark.parametrize(
    ("name", "url", "outlet"),
    [
        ("The Telegraph", "http://www.telegraphindia.com/1/x", True),
        ("Starpulse Entertainment News Blog", "http://www.starpulse.com/news/1", True),
        ("SJSUSpartans.com Official Web Site", "http://sjsuspartans.cstv.com/x", True),
        ("CTV Toronto", "http://toronto.ctv.ca/x", True),
        ("Starpulse readers pick the best films of the year", "http://www.starpulse.com/news/1", False),
        ("Toronto police arrest two", "http://toronto.ctv.ca/x", False),
        ("Algeria", "http://www.adnkronos.com/x", False),
    ],
)
def test_names_outlet(name, url, outlet):
    assert metadata.names_outlet(name, url) is outlet


def test_a_heading_is_taken_from_the_title_only_whole_at_its_start_or_end():
    html = """<html><head><title>The Open Journalism Project: Better Student Journalism — Medium</title>
      <meta property="og:title" content="The Open Journalism Project: Better Student Journalism"></head>
      <body><h2>Open Journalism Project:</h2><p>x</p></body></html>"""
    assert metadata.title(page(html)) == "The Open Journalism Project: Better Student Journalism"
    html = """<html><head><title>Adnkronos international Algeria: Al-Qaeda claims northern attack</title>
      </head><body><h4>Algeria: Al-Qaeda claims northern attack</h4><p>x</p></body></html>"""
    found = page(html, "http://www.adnkronos.com/1")
    assert metadata.title(found) == "Algeria: Al-Qaeda claims northern attack"


def test_quotes_and_anchor_marks_do_not_hide_the_heading_the_title_names():
    html = """<html><head><title>Pakistans Stocks And Currency Pay Heavy Price (from The Herald )</title>
      </head><body><h1>Pakistan’s stocks and currency pay heavy price</h1><p>x</p></body></html>"""
    assert metadata.title(page(html)) == "Pakistan’s stocks and currency pay heavy price"
    html = """<html><head><title>Evolve: Shared Mutable History — evolve extension for Mercurial</title>
      </head><body><h1>Docs</h1><h1>Evolve: Shared Mutable History¶</h1></body></html>"""
    assert metadata.title(page(html)) == "Evolve: Shared Mutable History"


def test_declared_titles_dublin_core_first_and_rdfa_lists_of_properties():
    head = """<meta property="og:title twitter:title" content="A title for sharing">
      <meta property="x:title dc:title" content="The document's title">"""
    html = f"<html><head><title>Title Element</title>{head}</head><body><h1>Other</h1></body></html>"
    assert metadata.title(page(html)) == "The document's title"
    html = """<html><head><meta name="parsely-title" content="Some Other Title"></head>
      <body><h1>Test document title</h1></body></html>"""
    assert metadata.title(page(html)) == "Some Other Title"


def test_a_title_that_names_only_the_site_gives_way_to_the_heading_above_the_body():
    above = "<p class='storyhead'><b>'Bucket List' Tops Box Office</b></p>"
    html = story_page("Starpulse Movie News", above)
    found = page(html, "http://www.starpulse.com/news/1")
    assert metadata.title(found, STORY) == "'Bucket List' Tops Box Office"
    assert metadata.title(found) == "Starpulse Movie News"  # without the body, no place
    # a tagline shares none of the article's words
    tagline = story_page("Summit Daily News for Breckenridge, Keystone, Copper and Frisco Colorado", above)
    assert metadata.title(page(tagline), STORY) == "'Bucket List' Tops Box Office"
    # labels of forms are no headline
    label = story_page("Starpulse Entertainment News Blog", "<h3>Search Starpulse for:</h3>")
    assert metadata.title(page(label, "http://www.starpulse.com/news/1"), STORY) != "Search Starpulse for:"


def test_a_title_that_holds_the_headline_wins_over_a_section_heading_above_the_body():
    html = story_page("Bucket List tops the box office for Nicholson and Freeman | Arts", "<h2>Kid's TV</h2>")
    assert metadata.title(page(html), STORY) == "Bucket List tops the box office for Nicholson and Freeman"


def test_the_heading_above_a_body_written_without_spaces():
    lines = ["一波波接續性低溫寒流報到已將新竹尖石鄉後山一帶層層山巒披上嫣紅的彩衣玉峰道路一路上雲氣山嵐滯留山頭順路下切蜿蜒道路後不久即抵達"]  # noqa: E501
    html = f"""<html><head><title>痞客邦 PIXNET</title></head><body><h1>痞客邦 PIXNET</h1>
      <div class="article"><h2 class="title">美樹營地賞楓</h2><p>{lines[0]}</p></div></body></html>"""
    assert metadata.title(page(html, "http://x.pixnet.net/blog/1"), lines) == "美樹營地賞楓"


def test_page_layout_classes_on_body_do_not_make_the_article_furniture():
    html = """<html><head></head><body class="single gp-right-sidebar has-related">
      <h1 class="article-title">Vidyard Introduces New Features on its Video Platform</h1>
      <div class="byline">By Dana Whitfield</div><p>x</p></body></html>"""
    found = page(html)
    assert metadata.title(found) == "Vidyard Introduces New Features on its Video Platform"
    assert page_authors(found) == ["Dana Whitfield"]


def test_json_ld_in_cdata_is_read():
    script = """<script type="application/ld+json">
    <![CDATA[
    {"@type": "NewsArticle", "headline": "H", "datePublished": "2014-12-19T14:05:00-05:00",
     "author": {"@type": "Person", "name": "Dana Whitfield"}}
    ]]>
    </script>"""
    found = page(f"<html><head>{script}</head><body><p>x</p></body></html>")
    assert page_authors(found) == ["Dana Whitfield"]
    assert dates.page_dates(found, FIXTURE_NOW).published == dt.datetime(2014, 12, 19, 14, 5, tzinfo=EST)


def test_a_person_typed_as_author_stays_when_the_site_bears_their_name():
    html = """<html><head><meta property="og:site_name" content="Haki Benita"></head><body>
      <span itemprop="author" itemscope itemtype="http://schema.org/Person">
      <span itemprop="name">Haki Benita</span></span><p>x</p></body></html>"""
    assert page_authors(page(html), outlet="Haki Benita") == ["Haki Benita"]
    # an outlet named in the author meta tag is still no author
    html = """<html><head><meta name="author" content="BBC News"></head><body><p>x</p></body></html>"""
    assert page_authors(page(html), outlet="BBC News") == []
