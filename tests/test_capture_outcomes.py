"""Every HTML page fetched ends as an article version, an unchanged or folded decision, or a note
saying why it is not an article: on the demo crawl, and on an import of pages fetched from the
fixture web, query-identified articles and a misleading rel=canonical among them."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request

import pytest
from sqlalchemy import create_engine

from pipeline.rebuild.reprocess import Reprocessor
from pipeline.rebuild.verify import capture_outcomes
from tests.conftest import query
from warc.writer import HttpExchange, WarcFileWriter

FETCHED = dt.datetime(2014, 12, 20, 12, 0, tzinfo=dt.UTC)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is its own capture, as the crawl records it


def _fetch(opener, url: str) -> tuple[int, list[tuple[str, str]], bytes]:
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, list(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, list(error.headers.items()), error.read()


class Archive:
    """Exchanges written to a WARC file as the crawl writes them."""

    def __init__(self, directory) -> None:
        self.writer = WarcFileWriter(directory, prefix="IMPORT")
        self.moment = FETCHED

    def add(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes, later: int = 0):
        self.moment += dt.timedelta(seconds=1)
        exchange = HttpExchange(
            url=url,
            method="GET",
            request_target=url,
            request_headers=[("Host", url.split("/")[2])],
            status=status,
            reason="OK" if status == 200 else "",
            response_headers=headers,
            body=body,
            fetched_at=self.moment + dt.timedelta(days=later),
        )
        return self.writer.write_exchange(exchange)

    def revisit(self, url: str, original) -> None:
        """A re-fetch whose payload is already archived, as the crawl writes it."""
        self.moment += dt.timedelta(seconds=1)
        html = [("Content-Type", "text/html; charset=utf-8")]
        exchange = HttpExchange(url, "GET", url, [], 200, "OK", html, b"", self.moment + dt.timedelta(days=1))
        self.writer.write_revisit(exchange, original, url)


def _as_page_at(body: bytes, page_url: str, new_url: str) -> bytes:
    """A fixture article served under another URL, naming that URL wherever it named its own."""
    return body.decode("utf-8").replace(page_url, new_url).encode("utf-8")


@pytest.fixture(scope="module")
def imported(site, fixture_web, make_database, tmp_path_factory):
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": fixture_web.proxy_url}), _NoRedirect
    )
    archive = Archive(tmp_path_factory.mktemp("import-warc"))
    html = [("Content-Type", "text/html; charset=utf-8")]
    pages = site.pages  # articles, and video, paywall, index and empty pages
    urls = [p.url for p in pages] + [u for p in pages for u in p.variant_urls]
    host = site.articles()[0].host
    urls += [f"http://{h}/" for h in site.hosts]
    urls += [f"http://{host}/status/404", f"http://{host}/redirect/{site.articles()[0].path.lstrip('/')}"]
    locations = {url: archive.add(url, *_fetch(opener, url)) for url in urls}
    for url in (site.articles()[0].url, f"http://{host}/"):  # an article, and a listing
        archive.revisit(url, locations[url])
    bodies = {p.url: _fetch(opener, p.url)[2] for p in site.articles("on")[:5]}
    first, second, third, fourth, fifth = bodies
    view = f"http://{host}/news_view.html"

    def add_as(article: str, url: str, named: str | None = None, later: int = 0) -> None:
        archive.add(url, 200, html, _as_page_at(bodies[article], article, named or url), later)

    # Articles told apart only by a query parameter, naming themselves by their own URL.
    add_as(first, f"{view}?idx=1&page=1")
    add_as(second, f"{view}?idx=2&page=1")
    # Two articles whose template declares one canonical URL for all of them.
    add_as(third, f"{view}?idx=3", named=view)
    add_as(fourth, f"{view}?idx=4", named=view)
    # The same URL fetched later with another text: an update, not a conflict.
    add_as(fifth, f"{view}?idx=1&page=1", later=2)
    archive.writer.close()

    url = make_database()
    engine = create_engine(url)
    directory = archive.writer.directory
    first_run = Reprocessor(engine, "imported", "import").run([directory])
    again = Reprocessor(engine, "imported", "import").run([directory])
    yield engine, first_run, again, view
    engine.dispose()


def test_demo_crawl_leaves_no_page_without_an_outcome(demo_archive, site):
    report = capture_outcomes(demo_archive.engine)
    assert report.missing == [], report.render()
    assert report.counts["version"] >= len(site.articles("on"))
    assert report.counts["unchanged"] >= len(site.articles("on"))  # the second crawl
    assert report.counts["note"] >= 1 and report.counts["folded"] >= 1


def test_import_leaves_no_page_without_an_outcome(imported, site):
    engine, first_run, again, _ = imported
    assert not first_run.problems
    for run in (first_run, again):
        report = capture_outcomes(engine, run.run_id)
        assert report.missing == [], report.render()
    report = capture_outcomes(engine, first_run.run_id)
    assert report.counts["version"] >= len(site.articles(None))
    assert report.counts["folded"] >= sum(len(p.variant_urls) for p in site.articles(None))
    # a paywall stub shows its headline and lede: it is a teaser article, not a note
    skipped = [p for p in site.pages if (bad := site.bad_pages.get(p.url)) and bad.expect == "skip"]
    assert report.counts["note"] >= len(skipped) + len(site.hosts) + 1  # and the home pages
    assert report.counts["unchanged"] >= 1  # the article's revisit


def test_a_revisit_has_the_outcome_of_the_page_it_repeats(imported, site):
    engine, first_run, *_ = imported
    rows = query(
        engine,
        "SELECT c.url, c.note, d.kind FROM captures c LEFT JOIN decisions d ON d.capture_id = c.id"
        " WHERE c.warc_type = 'revisit' AND c.run_id = :run ORDER BY c.url",
        run=first_run.run_id,
    )
    by_url = {r["url"]: r for r in rows}
    assert by_url[site.articles()[0].url]["kind"] == "unchanged_refetch"
    home = by_url[f"http://{site.articles()[0].host}/"]
    assert home["note"] and home["kind"] is None


def test_query_identified_articles_are_separate_articles(imported):
    engine, *_, view = imported
    rows = query(
        engine,
        "SELECT canonical_url, version_count, text FROM corpus WHERE canonical_url LIKE :v ORDER BY 1",
        v=f"{view}?idx=%",
    )
    expected = [f"{view}?idx=1&page=1", f"{view}?idx=2&page=1", f"{view}?idx=4"]
    assert [r["canonical_url"] for r in rows] == expected
    assert len({r["text"] for r in rows}) == 3
    assert rows[0]["version_count"] == 2  # re-fetched later with a changed text: a new version


def test_a_shared_canonical_does_not_merge_two_articles(imported):
    engine, first_run, again, view = imported
    [article] = query(engine, "SELECT canonical_url, text FROM corpus WHERE canonical_url = :v", v=view)
    [kept] = query(engine, "SELECT text FROM corpus WHERE canonical_url = :v", v=f"{view}?idx=4")
    assert article["text"] != kept["text"]
    [decision] = query(engine, "SELECT * FROM decisions WHERE kind = 'identity_conflict'")
    assert decision["rule"] == "declared-canonical"
    assert decision["subject"] == f"{view}?idx=4"
    assert decision["evidence"]["article_url"] == view
    assert decision["evidence"]["fetched_url"] == f"{view}?idx=4"
    assert decision["evidence"]["shingle_overlap"] < 0.5
    assert first_run.counts["identity_conflict"] == 1


def test_importing_again_adds_nothing(imported):
    engine, first_run, again, _ = imported
    assert again.counts["new"] == 0
    [counts] = query(
        engine,
        "SELECT (SELECT count(*) FROM article_versions) AS v,"
        " (SELECT count(*) FROM decisions WHERE kind = 'identity_conflict') AS conflicts",
    )
    assert counts["conflicts"] == 1
    assert counts["v"] == first_run.counts["new"] + first_run.counts["updated"]
