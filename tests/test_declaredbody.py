"""Pages built in the reader's browser: the markup is a shell and the text is in the JSON-LD the page
gives search engines (`articleBody`), written as plain text, HTML, or HTML escaped once more."""

from __future__ import annotations

import datetime as dt
import html
import json

import pytest

from pipeline.extract.article import extract_page
from pipeline.extract.declaredbody import FIX

HOST = "https://www.bayherald.test"
URL = HOST + "/news/2014/12/19/studio-cancels-premiere/"
NOW = dt.datetime(2015, 1, 10, tzinfo=dt.UTC)
HEADLINE = "Studio cancels the premiere after threats against cinemas"
PARAGRAPHS = [
    "The studio said on Wednesday that it had cancelled the New York premiere of the comedy and "
    "would not release it on Christmas Day, after the largest cinema chains said they would not show it.",
    "The decision followed a message from the group that had broken into the studio's network last "
    "month, which warned audiences to stay away from cinemas screening the film.",
    "Federal investigators said they had found no credible evidence of a plot against cinemas, but "
    "the chains said they could not ask their staff and customers to take the risk.",
    "Actors and directors criticised the decision within hours. Several said it would encourage "
    "anyone who wanted to stop a film from being seen to make the same kind of threat.",
    "The studio has not said whether the film will be released later, on television or online, and "
    "its chief executive declined to answer questions as he left the building on Wednesday evening.",
    "Cinema owners in the city said they had sold few tickets for the opening weekend in any case, "
    "and that most of those who had bought them had already asked for their money back.",
    "The group behind the break-in has not been identified. Investigators said they expected to say "
    "more about the attack, and about who was responsible for it, before the end of the week.",
    "Until then, the studio's staff have been told to expect further releases of their e-mails and "
    "personal records, and the company has hired outside investigators to help it find out how much "
    "of its network the intruders reached.",
]
STANDFIRST = (
    "Cinema chains had refused to show the comedy after the group behind the break-in threatened "
    "audiences, and the studio now says that it has no plans to release it at all, in cinemas, on "
    "television or online"
)


def shell(article_body: object, types: str = "NewsArticle", visible: str = "", extra: str = "") -> bytes:
    """The page as the server sends it: the outlet's menus, the headline, the standfirst, a photo
    caption and an empty mount point; the text only in the JSON-LD."""
    data = {
        "@context": "https://schema.org",
        "@type": types,
        "headline": HEADLINE,
        "datePublished": "2014-12-17T21:30:00Z",
        "author": {"@type": "Person", "name": "Dana Whitfield"},
        "articleBody": article_body,
    }
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{HEADLINE}</title>
<script type="application/ld+json">{json.dumps(data)}</script>{extra}</head><body>
<header><nav><a href="{HOST}/news/">News</a> <a href="{HOST}/sport/">Sport</a></nav></header>
<main><h1>{HEADLINE}</h1><p class="standfirst">{STANDFIRST}</p>
<figure><img src="/p.jpg"><figcaption>The cinema on Main Street, where the premiere was to be held.
Photo: Bay Herald</figcaption></figure>{visible}<div id="root"></div></main>
<footer><a href="{HOST}/about/">About</a> © 2014 Bay Herald</footer>
<script src="/static/app.js"></script></body></html>""".encode()


def extract(page: bytes):
    return extract_page(page, URL, captured_at=NOW)


AS_HTML = "".join(f"<!-- wp:paragraph -->\n<p>{p}</p>\n<!-- /wp:paragraph -->\n" for p in PARAGRAPHS)


@pytest.mark.parametrize(
    "body",
    [
        "\n\n".join(PARAGRAPHS),  # plain text, a paragraph a line
        AS_HTML,  # HTML, with a CMS's block comments
        html.escape(AS_HTML),  # HTML escaped once more: &lt;p&gt;
        PARAGRAPHS,  # a list of paragraphs
    ],
    ids=["plain", "html", "escaped-html", "list"],
)
def test_the_text_a_script_built_page_declares_is_its_text(body):
    result = extract(shell(body))
    assert result.reason is None
    text = result.article.text
    assert text.splitlines()[-len(PARAGRAPHS) :] == PARAGRAPHS
    assert "<" not in text and "&lt;" not in text and "wp:paragraph" not in text
    assert FIX in result.fixes  # the provenance says where the text came from
    assert result.article.title == HEADLINE


def test_a_page_that_shows_its_text_keeps_what_it_shows():
    """The declared body can lag the page (an update, a correction); what readers saw stands."""
    shown = [*PARAGRAPHS[:4], "Correction: an earlier version of this story misnamed the cinema chain."]
    visible = "<article>" + "".join(f"<p>{p}</p>" for p in shown) + "</article>"
    result = extract(shell("\n\n".join(PARAGRAPHS), visible=visible))
    assert FIX not in result.fixes
    assert shown[-1] in result.article.text
    assert PARAGRAPHS[4] not in result.article.text


@pytest.mark.parametrize(
    ("body", "types", "extra"),
    [
        # Markdown is not plain text: its link syntax would end up in the corpus
        ("\n\n".join([*PARAGRAPHS, "More [in our coverage](https://bayherald.test/)."]), "NewsArticle", ""),
        # a summary, not the article
        (PARAGRAPHS[0], "NewsArticle", ""),
        # not an article's body
        ("\n\n".join(PARAGRAPHS), "WebPage", ""),
        # a collection's JSON-LD describes the pages it lists
        (
            "\n\n".join(PARAGRAPHS),
            "NewsArticle",
            '<script type="application/ld+json">{"@type": "CollectionPage", "name": "News"}</script>',
        ),
    ],
    ids=["markdown", "summary", "not-an-article", "collection"],
)
def test_a_declared_body_that_is_not_the_articles_text_is_not_used(body, types, extra):
    result = extract(shell(body, types, extra=extra))
    assert FIX not in result.fixes
    assert PARAGRAPHS[2] not in (result.article.text.splitlines() if result.article else [])
