"""Canonical identity: every variant of an article's URL folds into one key, with named rules."""

from __future__ import annotations

import pytest

from pipeline.identity import identify, identity_key, registered_domain

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
