"""Collections are data: the default one is real and complete, bad files are named and explained."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.collection import CollectionError, load_collection
from pipeline.normalize.forms import canonical_url, outlet_domain

ROLLING_STONE = (
    "https://www.rollingstone.com/culture/culture-news/"
    "u-s-says-north-korea-was-centrally-involved-in-sony-hack-189329/"
)


def test_default_collection_covers_the_incident():
    collection = load_collection()
    urls = [s.url for s in collection.seeds]
    assert collection.name == "sony-hack-2014"
    assert len(urls) >= 30 and len(set(urls)) == len(urls)
    assert ROLLING_STONE in urls
    assert len({outlet_domain(u) for u in urls}) >= 10
    assert collection.window_start <= dt.date(2014, 11, 24)
    assert collection.window_end >= dt.date(2014, 12, 25)
    dated = [s.published for s in collection.seeds if s.published]
    assert min(dated) <= dt.date(2014, 11, 30) and max(dated) >= dt.date(2014, 12, 25)
    assert all(collection.window_start <= d <= collection.window_end for d in dated)
    assert {"Guardians of Peace", "The Interview"} <= set(collection.keywords)


def test_demo_collection_seeds_every_fixture_article(site):
    seeds = {canonical_url(s.url) for s in load_collection("demo").seeds}
    articles = {canonical_url(page.url) for page in site.articles("on")}
    assert articles <= seeds
    assert not {canonical_url(page.url) for page in site.articles("off")} & seeds


def test_missing_collection_names_the_file():
    with pytest.raises(CollectionError, match=r"no-such-incident\.toml: collection file not found"):
        load_collection("no-such-incident")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[collection\nname = 1", "not valid TOML"),
        ('title = "x"', "missing the [collection] table"),
        ('[collection]\nname = "x"', "needs a non-empty string 'title'"),
        (
            '[collection]\nname = "x"\ntitle = "y"\nwindow = { start = 2015-01-01, end = 2014-01-01 }',
            "window starts",
        ),
        ('[collection]\nname = "x"\ntitle = "y"\n[[seeds]]\nurl = "ftp://a/b"', "seed #1"),
        ('[collection]\nname = "x"\ntitle = "y"\n[[seeds]]\nouter = "x"', "seed #1 has no 'url'"),
    ],
)
def test_malformed_collection_says_where_and_what(tmp_path, content, problem):
    path = tmp_path / "broken.toml"
    path.write_text(content)
    with pytest.raises(CollectionError) as error:
        load_collection(path)
    assert str(path) in str(error.value) and problem in str(error.value)


def test_recrawl_policy_checks_recent_articles_often_and_old_ones_rarely():
    policy = load_collection().recrawl
    now = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
    hours_ago = lambda h: now - dt.timedelta(hours=h)  # noqa: E731
    assert policy.due(hours_ago(7), hours_ago(48), now)  # recent: every 6 hours
    assert not policy.due(hours_ago(5), hours_ago(48), now)
    old = dt.datetime(2014, 12, 19, tzinfo=dt.UTC)
    assert not policy.due(hours_ago(24 * 29), old, now)  # old: every 30 days
    assert policy.due(hours_ago(24 * 31), old, now)


def test_malformed_recrawl_policy_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[collection]\nname = "x"\ntitle = "y"\n[recrawl]\nold_every_days = "often"\n')
    with pytest.raises(CollectionError, match="old_every_days must be a number"):
        load_collection(path)


def test_default_collection_marks_the_incidents_key_dates():
    collection = load_collection()
    events = {e.date: e.label for e in collection.events}
    for day in ((2014, 11, 24), (2014, 12, 16), (2014, 12, 17), (2014, 12, 19), (2014, 12, 25)):
        assert dt.date(*day) in events
    assert "North Korea" in events[dt.date(2014, 12, 19)]
    assert all(collection.window_start <= d <= collection.window_end for d in events)
    assert [e.date for e in collection.events] == sorted(events)
    seeds = {s.url for s in collection.seeds}
    assert all(e.url in seeds for e in collection.events if e.url)  # an event cites a seed


@pytest.mark.parametrize(
    ("events", "problem"),
    [
        ('events = "2014-12-19"', "events must be an array of tables"),
        ('[[events]]\nlabel = "x"', "[[events]] #1 needs 'date' as a TOML date"),
        ('[[events]]\ndate = "2014-12-19"\nlabel = "x"', "[[events]] #1 needs 'date' as a TOML date"),
        ("[[events]]\ndate = 2014-12-19T10:00:00\nlabel = \"x\"", "needs 'date' as a TOML date"),
        ("[[events]]\ndate = 2014-12-19\nlabel = \"\"", "[[events]] #1 needs a non-empty string 'label'"),
        ('[[events]]\ndate = 2014-12-19\nlabel = "x"\nurl = "fbi.gov"', "url: 'fbi.gov' is not an absolute"),
        ('[[events]]\ndate = 2014-12-19\nlabel = "x"\nwhen = 1', "[[events]] #1 has unknown keys: when"),
    ],
)
def test_malformed_event_is_named(tmp_path, events, problem):
    path = tmp_path / "bad.toml"
    path.write_text(f'[collection]\nname = "x"\ntitle = "y"\n{events}\n' if events.startswith("[[")
                    else f'{events}\n[collection]\nname = "x"\ntitle = "y"\n')
    with pytest.raises(CollectionError) as error:
        load_collection(path)
    assert str(path) in str(error.value) and problem in str(error.value)
    assert "\n" not in str(error.value)
