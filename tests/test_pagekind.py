"""Pages the old gates dropped although the outlet published a story there, and pages that still
hold none: small pages written for these tests, each in an outlet's chrome (menus, footer, related
links), through the extraction the crawl runs."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipeline.extract import pagekind
from pipeline.extract.article import extract_page
from pipeline.extract.bodytext import parse_html
from pipeline.extract.pagemeta import read_page

HOST = "http://www.harbourgazette.test"
NOW = dt.datetime(2015, 1, 10, tzinfo=dt.UTC)
MENU = ["World", "Business", "Technology", "Culture", "Sport", "Opinion"]


def page(main: str, head: str = "", title: str = "Harbour Gazette") -> bytes:
    """A page of the Harbour Gazette: its header menu, `main`, a related box and its footer."""
    menu = "".join(f'<li><a href="{HOST}/section/{m.lower()}/">{m}</a></li>' for m in MENU)
    related = "".join(
        f'<li><a href="{HOST}/2014/12/{10 + n}/story-{n}/">{headline}</a></li>'
        for n, headline in enumerate(
            ["Port workers vote on a new contract", "Ferry timetable changes for the winter"]
        )
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body>
<header class="masthead"><a href="{HOST}/">Harbour Gazette</a><nav><ul>{menu}</ul></nav></header>
{main}
<aside class="related"><h3>Related</h3><ul>{related}</ul></aside>
<footer><a href="{HOST}/about/">About us</a> <a href="{HOST}/contact/">Contact</a>
<p>© 2014 Harbour Gazette</p></footer>
</body></html>""".encode()


def ld(obj: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def extract(body: bytes, path: str):
    return extract_page(body, HOST + path, captured_at=NOW)


HEADLINE = "City council delays vote on harbour dredging plan"
DEK = "Members want an independent study of the plan's cost before they commit public money to it"
LEDE = (
    "The city council on Thursday postponed a vote on the plan to dredge the inner harbour, after "
    "three members said they had not been shown the engineers' full estimate of what the work would cost."
)


def test_a_paywalled_page_with_headline_and_lede_is_a_teaser_article():
    head = ld(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": HEADLINE,
            "datePublished": "2014-12-18T09:30:00-05:00",
            "isAccessibleForFree": False,
            "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".locked"},
        }
    )
    main = f"""<main><article>
<h1>{HEADLINE}</h1><p class="standfirst">{DEK}</p>
<p class="byline">By Ruth Calder | December 18, 2014</p>
<div class="article-body"><p>{LEDE}</p></div>
<div class="locked"></div>
<div class="offer"><h2>Subscribe to continue reading</h2>
<p>Get unlimited access to the Harbour Gazette for one dollar a week, cancel any time.</p>
<a href="{HOST}/subscribe/">Subscribe now</a></div>
</article></main>"""
    result = extract(
        page(main, head, f"{HEADLINE} | Harbour Gazette"), "/2014/12/18/council-delays-dredging/"
    )
    article = result.article
    assert result.reason is None
    assert (article.access, article.page_kind) == ("teaser", "article")
    assert (article.title, article.dek, article.text) == (HEADLINE, DEK, f"{DEK}\n{LEDE}")
    assert article.published_at == dt.datetime(2014, 12, 18, 14, 30, tzinfo=dt.UTC)


def test_a_teaser_with_only_a_headline_and_a_standfirst_keeps_the_standfirst_as_its_text():
    head = f'<meta name="description" content="{DEK}">' + ld(
        {"@type": "NewsArticle", "headline": HEADLINE, "isAccessibleForFree": "False"}
    )
    main = f"""<main><article><h1>{HEADLINE}</h1><p class="standfirst">{DEK}</p>
<div class="paywall"><p>This article is only available to subscribers.</p></div></article></main>"""
    article = extract(page(main, head), "/2014/12/18/council-delays-dredging/").article
    assert (article.access, article.title, article.text) == ("teaser", HEADLINE, DEK)


def test_a_paywall_with_no_headline_or_lede_is_still_a_stub():
    main = """<main><div class="paywall"><h2>Subscribe to continue reading</h2>
<p>Already a subscriber? Sign in.</p></div></main>"""
    result = extract(page(main), "/2014/12/18/locked/")
    # what remains is the site's menus: an index of links, or nothing at all
    assert result.article is None and result.reason in ("paywall stub", "index page")


def long_article(paragraphs: int) -> list[str]:
    """Distinct paragraphs of about 60 words each, as a long report has."""
    return [
        f"In the {n + 1}th hour of the hearing, the harbour master described how silt from the river had "
        f"narrowed the channel by {n + 3} metres since the last dredging, and said that ships of the "
        f"largest class now wait for high tide {n % 4 + 2} times a week. Pilots told the panel that the "
        f"delays cost the port {n * 7 + 40} thousand dollars in a typical month."
        for n in range(paragraphs)
    ]


def test_a_long_article_that_declares_a_video_keeps_its_whole_text():
    """The 1,900-word article whose page says og:type video because a clip is embedded at the top."""
    head = '<meta property="og:type" content="video.other">' + ld(
        {"@type": "VideoObject", "name": "The channel from the air", "uploadDate": "2014-12-18"}
    )
    body = long_article(32)
    main = f"""<main><article><h1>Silt, tides and waiting ships: inside the harbour hearing</h1>
<div class="video-player"><video src="{HOST}/media/channel.mp4" controls></video></div>
{"".join(f"<p>{p}</p>" for p in body)}</article></main>"""
    article = extract(page(main, head), "/2014/12/18/harbour-hearing/").article
    assert article is not None
    assert article.text.split("\n") == body and len(article.text.split()) > 1900
    assert (article.page_kind, article.access) == ("article", "open")


def test_a_video_page_whose_text_is_a_caption_is_not_an_article():
    head = '<meta property="og:type" content="video.other">'
    main = f"""<main><h1>Watch: the dredger arrives</h1>
<video src="{HOST}/media/dredger.mp4" controls></video>
<p>The dredger Maren Sund entered the harbour on Monday morning.</p><p>Video by Gazette staff.</p></main>"""
    assert extract(page(main, head), "/video/dredger-arrives/").reason == "video page"


def test_a_video_page_with_a_written_story_is_kept_as_a_video():
    head = '<meta property="og:type" content="video.other">'
    story = [
        "The dredger Maren Sund entered the harbour on Monday morning after a long voyage from Rotterdam.",
        "Crews will spend the first week surveying the channel before the dredging itself begins next month.",
        "The council says the work should be finished before the spring shipping season opens in April.",
    ]
    main = f"""<main><h1>Watch: the dredger arrives</h1>
<video src="{HOST}/media/dredger.mp4" controls></video>{"".join(f"<p>{p}</p>" for p in story)}</main>"""
    article = extract(page(main, head), "/video/dredger-arrives/").article
    assert (article.page_kind, article.text.split("\n")) == ("video", story)


def test_a_sixty_word_news_brief_is_a_brief():
    brief = [
        "A fishing boat ran aground near the north breakwater early on Saturday, the coast guard said.",
        "The four crew members were taken off by a lifeboat and none of them was hurt.",
        "Salvage workers expect to refloat the boat on the evening tide once its fuel has been pumped out.",
    ]
    paragraphs = "".join(f"<p>{p}</p>" for p in brief)
    main = f"""<main><article><h1>Fishing boat runs aground at breakwater</h1>
<p class="byline">Gazette staff | January 3, 2015</p>{paragraphs}</article></main>"""
    article = extract(page(main), "/2015/01/03/boat-aground/").article
    assert sum(len(p.split()) for p in brief) < 60
    assert (article.page_kind, article.access, article.text.split("\n")) == ("brief", "open", brief)


@pytest.mark.parametrize(
    "declared, verdict",
    [
        ('<meta property="og:type" content="article">', "brief"),
        ('<script type="application/ld+json">{"@type": "BlogPosting"}</script>', "brief"),
        ("", "too short"),
    ],
)
def test_a_post_of_a_few_lines_is_kept_when_the_page_says_it_is_an_article(declared, verdict):
    """A published post of three lines of dialogue has no sentence of eight words: the page's own
    statement that it is an article keeps it, as a brief; without one it is a stub."""
    lines = [
        "\u201eI know I have had a few and should not say this\u2026\u201c",
        "\u2013 \u201eThen don't.\u201c",
        "\u2013 \u201eOk.\u201c",
    ]
    main = f"""<main><article><h1>Last orders</h1>{"".join(f"<p>{p}</p>" for p in lines)}</article></main>"""
    result = extract(page(main, declared, "Last orders | Harbour Gazette"), "/2015/01/09/last-orders/")
    assert (result.article.page_kind if result.article else result.reason) == verdict


def test_a_short_japanese_news_item_is_a_brief_not_too_short():
    """No spaces between words: three sentences are 3 whitespace 'words', and still an article."""
    item = [
        "港湾局は十二日、北側の防波堤を来年の春までに補強する計画を発表した。",
        "計画では、大きな台風が来たときに漁船が安全に避難できる場所を増やすことにしている。",
        "担当者は、工事の間も漁港は通常どおり使えると話している。",
    ]
    main = (
        f"""<main><article><h1>防波堤を補強へ</h1>{"".join(f"<p>{p}</p>" for p in item)}</article></main>"""
    )
    head = '<meta property="og:title" content="防波堤を補強へ">'
    article = extract(page(main, head, "防波堤を補強へ | Harbour Gazette"), "/2015/01/12/breakwater/").article
    assert article is not None
    assert (article.page_kind, article.text.split("\n")) == ("brief", item)


ROUNDUP = [
    (
        "Council delays its vote on the harbour dredging plan until March",
        "Members want an independent estimate of the cost first. The engineers' figure has not been "
        "published, and three councillors said they would not vote blind. A new date has not been set.",
    ),
    (
        "Ferry fares to the islands will rise by forty cents in February",
        "The operator blames the price of fuel, which has risen since the summer. Season tickets keep "
        "their price for another year. Children under five still travel free on every crossing.",
    ),
    (
        "Lifeboat volunteers are honoured for last winter's storm rescue of a trawler crew",
        "The four volunteers received their medals on Friday evening. Their coxswain said the whole "
        "town deserved the credit for the rescue. The station is now recruiting new crew members again.",
    ),
    (
        "The old fish market reopens after six weeks of work on its leaking roof",
        "Traders returned to the market hall before dawn on Tuesday morning. Most of the stalls were "
        "open by six o'clock, and business was brisk. The cafe by the door served its first breakfast.",
    ),
    (
        "Harbour school sailors win the regional dinghy trophy for the first time",
        "Pupils beat eleven other crews in strong winds on Saturday afternoon. The school has raced "
        "every year since 1998 without a win until now. The trophy will be on show in the library.",
    ),
]


def round_up() -> bytes:
    """A numbered round-up: each item a linked headline and its own three sentences, in a list."""
    items = "".join(
        f'<li class="briefing-item"><a href="{HOST}/2015/01/09/item-{n}/">{headline}</a> {text}</li>'
        for n, (headline, text) in enumerate(ROUNDUP, 1)
    )
    return page(
        f"""<main><article><h1>Five things to know in the harbour this morning</h1>
<p class="byline">By Ruth Calder | January 9, 2015</p><ol>{items}</ol></article></main>"""
    )


def test_a_numbered_daily_round_up_with_prose_items_is_an_article():
    page_ = round_up()
    meta = read_page(parse_html(page_.decode()), HOST + "/2015/01/09/morning-briefing/")
    lines = tuple(f"{h} {t}" for h, t in ROUNDUP)
    assert pagekind.listing_share(meta, lines) >= pagekind.INDEX_SHARE  # what once dropped it
    result = extract(page_, "/2015/01/09/morning-briefing/")
    assert result.reason is None
    for _, text in ROUNDUP:
        assert text in result.article.text
    assert result.article.page_kind == "listing"


SECTION_TEASERS = [
    ("Port workers vote on a new contract", "The union says the offer does not cover night shifts."),
    ("Ferry timetable changes for the winter", "Two of the island crossings stop running until March."),
    ("Harbour master warns of silt in the channel", "Large ships now wait for the tide to enter."),
    ("Fish market roof repairs to take six weeks", "Traders will move to tents on the quay."),
    ("New pilot boat named after lifeboat hero", "The vessel will be launched in the spring."),
    ("Cruise calls expected to double next year", "The council hopes the visitors will spend in town."),
]


def section_front() -> bytes:
    teasers = "".join(
        f'<li class="teaser"><a href="{HOST}/2014/12/{10 + n}/teaser-{n}/"><h2>{headline}</h2></a>'
        f"<p>{dek}</p><time>December {10 + n}, 2014</time></li>"
        for n, (headline, dek) in enumerate(SECTION_TEASERS)
    )
    return page(f'<main><h1>Business</h1><ul class="stream">{teasers}</ul></main>')


def test_a_section_front_of_teasers_is_not_an_article():
    assert extract(section_front(), "/section/business/").reason == "index page"


def blog_post_over_its_blog() -> str:
    """A blog post of two sentences and a link, then the blog's other posts in the same stream,
    each a linked headline and the start of its text: the extractors keep them all."""
    others = "".join(
        f'<div class="post"><h2><a href="{HOST}/2014/12/{10 + n}/post-{n}/">{headline}</a></h2>'
        f"<p>{dek} The rest of the story follows on the post's own page, with the pictures. [...]</p>"
        f"</div>"
        for n, (headline, dek) in enumerate(SECTION_TEASERS)
    )
    return f"""<main><div class="posts"><div class="post"><h1>{HEADLINE}</h1><p>{LEDE} Read the
agenda for the rest.</p><p><a href="https://council.example/agenda">The agenda</a></p></div>
{others}</div></main>"""


@pytest.mark.parametrize(
    ("head", "verdict"),
    [
        # og:type article and a publication time of its own: one post, kept with its page's teasers
        ('<meta property="og:type" content="article">'
         '<meta property="article:published_time" content="2015-01-09T08:00:00Z">', "listing"),
        (ld({"@type": "BlogPosting", "headline": HEADLINE, "datePublished": "2015-01-09"}), "listing"),
        # what a section front may say of itself: og:type article on every page, but no time of its
        # own, or a JSON-LD collection beside it
        ('<meta property="og:type" content="article">', "index page"),
        ('<meta property="og:type" content="article">'
         '<meta property="article:published_time" content="2015-01-09T08:00:00Z">'
         + ld({"@type": "CollectionPage", "name": "Business"}), "index page"),
    ],
)
def test_a_short_post_over_teasers_is_kept_when_the_page_declares_one_article(head, verdict):
    result = extract(page(blog_post_over_its_blog(), head), "/2015/01/09/dredging-vote/")
    if verdict == "index page":
        assert result.reason == "index page"
    else:
        assert result.reason is None
        assert result.article.page_kind == verdict
        assert LEDE in result.article.text


def test_the_home_page_is_not_an_article():
    assert extract(section_front(), "/").reason == "home page"


def test_a_live_blog_is_kept_and_flagged():
    head = ld(
        {
            "@type": "LiveBlogPosting",
            "headline": "Storm over the harbour: live",
            "coverageStartTime": "2014-12-20",
        }
    )
    updates = [
        "10:40 The harbour master has closed the port to all traffic until the wind drops below gale force.",
        "10:15 Waves are breaking over the north breakwater and the coast road has been shut by the police.",
        "09:50 The ferry company has cancelled every crossing to the islands for the rest of the day.",
    ]
    main = f"""<main><h1>Storm over the harbour: live</h1>{"".join(f"<p>{u}</p>" for u in updates)}</main>"""
    article = extract(page(main, head), "/2014/12/20/storm-live/").article
    assert article.page_kind == "liveblog"


def test_link_texts_and_teasers_are_not_prose():
    """Three sentences the page links to elsewhere are not its own prose; its own three are."""
    sentences = [text for _, text in SECTION_TEASERS[:3]]
    linked = "".join(f'<p><a href="{HOST}/2014/12/{n}/x-{n}/">{s}</a></p>' for n, s in enumerate(sentences))
    meta = read_page(parse_html(page(f"<main>{linked}</main>").decode()), HOST + "/2014/12/20/x/")
    assert pagekind.classify(meta, tuple(sentences), False, "A headline", None).reason == "index page"
    own = read_page(parse_html(page("<main></main>").decode()), HOST + "/2014/12/20/x/")
    assert pagekind.classify(own, tuple(sentences), False, "A headline", None).page_kind == "brief"


@pytest.mark.parametrize("href", ["http://[ccpa-preferences]/", "http://[::1/x", "//[bad"])
def test_a_link_that_is_no_url_does_not_stop_extraction(href):
    main = (
        f"<main><article><h1>{HEADLINE}</h1><p>{LEDE}</p><p>{DEK}</p><p>{LEDE}</p>"
        f'<p><a href="{href}">Privacy preferences</a></p></article></main>'
    )
    assert extract(page(main), "/2014/12/18/council/").article is not None
