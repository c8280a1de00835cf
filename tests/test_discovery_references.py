"""References: every citation of the reference page, with its archived copy when it gives one."""

from __future__ import annotations

from scrapy.http import HtmlResponse
from sqlalchemy import create_engine

from pipeline.demo.discovery_docs import archive_only_pages, wiki_citations
from spiders.pages import archive_time, raw_archive_url
from spiders.references import citations
from tests.conftest import query
from tests.discovery_helpers import crawl, get

WIKI = "http://en.wikipedia.test/wiki/2014_Sony_Pictures_hack"


def test_citations_and_archived_copies(fixture_web, site):
    response = HtmlResponse(WIKI, body=get(fixture_web, WIKI), encoding="utf-8")
    assert citations(response) == [(url, archived) for url, archived, _ in wiki_citations(site)]
    archived = [a for _, a in citations(response) if a]
    assert len(archived) == 2
    raw = raw_archive_url(archived[0])
    assert raw.startswith("http://web.archive.test/web/20141218140000id_/http://www.capitaltribune.test/")
    assert archive_time(raw).isoformat() == "2014-12-18T14:00:00+00:00"


def test_wikipedia_markup():
    html = b"""<ol class="references"><li id="cite_note-1"><cite class="citation news">
    <a rel="nofollow" class="external text" href="https://www.example.com/2014/12/19/story/">Story</a>.
    <a rel="nofollow" class="external text"
       href="https://web.archive.org/web/20141220000000/https://www.example.com/2014/12/19/story/">Archived</a>
    from the original on 20 December 2014.</cite></li>
    <li><a href="/wiki/Other">internal</a></li>
    <li><cite><a href="https://web.archive.org/web/2015/http://gone.example.net/a">Archived</a></cite></li></ol>"""
    response = HtmlResponse("https://en.wikipedia.org/wiki/X", body=html, encoding="utf-8")
    assert citations(response) == [
        (
            "https://www.example.com/2014/12/19/story/",
            "https://web.archive.org/web/20141220000000/https://www.example.com/2014/12/19/story/",
        ),
        ("http://gone.example.net/a", "https://web.archive.org/web/2015/http://gone.example.net/a"),
    ]


def test_reference_crawl(fixture_web, site, make_database, tmp_path):
    body = f'[[references]]\nurl = "{WIKI}"\n'
    result, database, hits = crawl(fixture_web, make_database, tmp_path, "refs", body)
    engine = create_engine(database)
    found = {r["canonical_url"]: r for r in query(engine, "SELECT * FROM corpus")}
    engine.dispose()
    live = {url for url, archived, _ in wiki_citations(site) if not archived}
    assert live <= set(found)
    assert all(r["discovered_via"] == "references" and r["discovered_from"] == WIKI for r in found.values())
    for page in archive_only_pages():  # gone (410); the fixture web here has no archive: reported
        assert page.url in hits and page.url in result.stdout and page.url not in found
