"""Canonical identity: every variant of an article's URL folds into one key, with named rules."""

from __future__ import annotations

import pytest

from pipeline.normalize.identity import identify, identity_key, registered_domain

ARTICLE = "https://www.example.test/news/2014/12/19/fbi-north-korea/"


@pytest.mark.parametrize(
    ("variant", "declared", "rule"),
    [
        ("https://www.example.test/news/2014/12/19/fbi-north-korea/amp/", None, "amp-path"),
        ("https://www.example.test/news/2014/12/19/fbi-north-korea/?outputType=amp", None, "amp-query"),
        ("https://www.example.test/news/2014/12/19/fbi-north-korea/?print=1", None, "print-query"),
        ("https://www.example.test/print/news/2014/12/19/fbi-north-korea/", None, "print-path"),
        ("https://www.example.test/news/2014/12/19/fbi-north-korea/index.html", None, "index-page"),
        (
            "https://www.example.test/news/2014/12/19/fbi-north-korea/?utm_source=tw&cmpid=rss&fbclid=x",
            None,
            "tracking-parameters",
        ),
        ("https://www.example.test/news/2014/12/19/fbi-north-korea/#comments", None, "fragment"),
        ("https://m.example.test/news/2014/12/19/fbi-north-korea/", ARTICLE, "declared-canonical"),
        ("http://example.test/news/2014/12/19/fbi-north-korea", None, None),
        ("https://amp.example.test/news/2014/12/19/fbi-north-korea/", None, None),
    ],
)
def test_variants_fold_into_one_key(variant, declared, rule):
    identity = identify(variant, declared)
    assert identity.key == identity_key(ARTICLE) == "example.test/news/2014/12/19/fbi-north-korea"
    if rule:
        assert rule in identity.rules
    assert identity.outlet_domain == "example.test"


def test_meaningful_query_parameters_are_kept():
    a = identify("https://www.example.test/story.php?id=41&utm_medium=social")
    b = identify("https://www.example.test/story.php?id=42")
    assert a.canonical_url == "https://www.example.test/story.php?id=41"
    assert a.key != b.key


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("http://www.example.test/news_view.html?idx=8576&page=1", "?idx=8723&page=1"),
        ("https://www.example.test/article.php?id=7", "?id=8"),
        ("https://www.example.test/news/story.aspx?storyid=1200", "?storyid=1201"),
        ("https://www.example.test/?p=481", "?p=482"),
        ("https://www.example.test/news/detail?articleId=ab12", "?articleId=ab13"),
        ("https://www.example.test/read?gallery=2&reference=9", "?gallery=3&reference=9"),
    ],
)
def test_query_identified_articles_keep_their_own_keys(first, second):
    second = first.split("?")[0] + second
    a, b = identify(first), identify(second)
    assert a.key != b.key
    assert a.canonical_url == first and b.canonical_url == second
    assert a.rules == b.rules == ()


def test_query_key_ignores_parameter_order_and_tracking():
    a = identify("https://www.example.test/view?idx=5&section=2")
    b = identify("https://example.test/view?section=2&utm_source=rss&idx=5")
    assert a.key == b.key == "example.test/view?idx=5&section=2"
    assert b.canonical_url == "https://example.test/view?section=2&idx=5"


@pytest.mark.parametrize(
    "tracking",
    [
        "utm_source=twitter&utm_medium=social&utm_campaign=x",
        "fbclid=IwAR0abc",
        "gclid=Cj0KCQ",
        "mc_cid=12ab&mc_eid=34cd",  # Mailchimp, from courlan's list
        "pk_campaign=feed",  # Matomo
        "xtor=RSS-1",  # AT Internet
        "ref=hp&referrer=twitter",
        "igshid=xyz&yclid=9",
        "cmpid=rss&ito=1490",  # our own additions
    ],
)
def test_tracking_parameters_are_removed(tracking):
    identity = identify(f"https://www.example.test/view?idx=5&{tracking}")
    assert identity.canonical_url == "https://www.example.test/view?idx=5"
    assert identity.key == "example.test/view?idx=5"
    assert identity.rules == ("tracking-parameters",)


def test_scheme_host_case_default_port_and_fragment_are_normalized():
    identity = identify("HTTPS://WWW.Example.TEST:443/news/a//b?idx=5#comments")
    assert identity.canonical_url == "https://www.example.test/news/a/b?idx=5"
    assert "fragment" in identity.rules


def test_amp_and_print_variants_of_a_query_article_fold():
    article = identify("https://www.example.test/view?idx=5").key
    for variant in ("?idx=5&outputType=amp", "?idx=5&print=1", "?amp=1&idx=5", "?idx=5&view=print"):
        assert identify(f"https://www.example.test/view{variant}").key == article, variant
    assert identify("https://www.example.test/view?idx=5&page=2").key != article


def test_insane_declared_canonicals_are_ignored_and_said_so():
    home = identify(ARTICLE, "https://www.example.test/")
    other_site = identify(ARTICLE, "https://elsewhere.test/news/x/")
    for identity in (home, other_site):
        assert identity.canonical_url == ARTICLE
        assert "declared-canonical-ignored" in identity.rules


def test_aliased_domains_are_one_outlet():
    old = "http://www.guardian.co.uk/world/2014/dec/07/north-korea-sony-hack"
    new = "https://www.theguardian.com/world/2014/dec/07/north-korea-sony-hack"
    assert registered_domain(old) == registered_domain(new) == "theguardian.com"
    assert identify(old).key == identify(new).key


def test_fixture_variants_map_to_their_article(site):
    pages = [p for p in site.articles(None) if getattr(p, "variant_urls", ())]
    for page in pages:
        for url in page.variant_urls:
            assert identify(url, page.url).key == identify(page.url).key, url
