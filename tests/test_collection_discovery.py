"""The collection file's discovery tables: parsed into frozen sources, mistakes reported in one line."""

from __future__ import annotations

import pytest

from pipeline.collection import CollectionError, LinkPolicy, load_collection

HEAD = '[collection]\nname = "x"\ntitle = "X"\nwindow = { start = 2014-11-24, end = 2015-02-28 }\n'


def load(tmp_path, body: str):
    path = tmp_path / "c.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    return load_collection(path)


def test_every_source_table_is_parsed(tmp_path):
    c = load(
        tmp_path,
        """
[[sitemaps]]
url = "https://www.example.com/robots.txt"
[[feeds]]
url = "https://www.example.com/feed/"
[[references]]
url = "https://en.wikipedia.org/wiki/2014_Sony_Pictures_hack"
[[archives]]
cdx = "https://web.archive.org/cdx/search/cdx"
patterns = ["www.example.com/2014/12/*"]
[[commoncrawl]]
index = "https://index.commoncrawl.org"
data = "https://data.commoncrawl.org/"
patterns = ["www.example.com/2014/*"]
crawls = ["CC-MAIN-2014-52"]
limit = 50
[links]
depth = 1
per_outlet = 10
min_score = 0.5
""",
    )
    assert c.sitemaps[0].url.endswith("robots.txt") and c.feeds[0].url.endswith("/feed/")
    assert c.references[0].url.startswith("https://en.wikipedia.org/")
    assert c.archives[0].patterns == ("www.example.com/2014/12/*",) and c.archives[0].limit == 1000
    assert c.commoncrawl[0].crawls == ("CC-MAIN-2014-52",) and c.commoncrawl[0].limit == 50
    assert c.links == LinkPolicy(depth=1, per_outlet=10, min_score=0.5)


def test_seed_only_files_keep_working():
    demo = load_collection("demo")
    assert demo.seeds and not demo.sitemaps and demo.links is None
    discovery = load_collection("collections/demo-discovery.toml")
    assert discovery.sitemaps and discovery.feeds and discovery.references and discovery.links


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("[sitemaps]\nurl = 'x'\n", "sitemaps must be an array of tables ([[sitemaps]])"),
        ("[[feeds]]\nhref = 'http://a.test/'\n", "[[feeds]] #1 has unknown keys: href"),
        ("[[feeds]]\n", "[[feeds]] #1 needs 'url'"),
        ("[[references]]\nurl = 'ftp://a.test/'\n", "is not an absolute http(s) URL"),
        ("[[archives]]\ncdx = 'http://a.test/cdx'\n", "[[archives]] #1 needs 'patterns'"),
        ("[[archives]]\ncdx = 'http://a.test/cdx'\npatterns = []\n", "must be a non-empty list of strings"),
        ("[[archives]]\ncdx = 'http://a.test/cdx'\npatterns = ['a b']\n", "is not a URL pattern"),
        (
            "[[commoncrawl]]\nindex = 'http://i.test'\ndata = 'http://d.test'\npatterns = ['a.test/*']\n"
            "crawls = ['2014-52']\n",
            "'2014-52' is not a crawl name like 'CC-MAIN-2014-52'",
        ),
        (
            "[[archives]]\ncdx = 'http://a.test/cdx'\npatterns = ['a.test/*']\nlimit = 0\n",
            "whole number >= 1",
        ),
        ("[links]\ndepth = -1\n", "[links] depth must be a number >= 0"),
        ("[links]\ndepth = 1.5\n", "[links] depth must be a whole number"),
        ("[links]\nfollow = true\n", "[links] has unknown keys: follow"),
        ("[[links]]\ndepth = 1\n", "[links] must be a table"),
    ],
)
def test_mistakes_name_the_file_and_the_problem(tmp_path, body, problem):
    with pytest.raises(CollectionError) as error:
        load(tmp_path, body)
    message = str(error.value)
    assert message.startswith(str(tmp_path / "c.toml") + ": ") and problem in message
    assert "\n" not in message
