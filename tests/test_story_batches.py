"""Story assignment in batches (pipeline/dedupe/stories.py): a batch of texts ends in the same stories, decisions,
signatures and bands as the same texts written one at a time, through the corpus writer."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from sqlalchemy import create_engine

from pipeline.dedupe.stories import SignatureParams, StorySignature
from pipeline.extract.article import EXTRACTOR, EXTRACTOR_VERSION
from pipeline.items import Extracted, PageItem, Precomputed
from pipeline.normalize.comparison import content_hash
from pipeline.normalize.forms import TextFacts, normalize_text
from pipeline.store.corpus import CorpusWriter
from tests.conftest import query
from warc.writer import RecordLocation

START = dt.datetime(2014, 12, 1, tzinfo=dt.UTC)
WORDS = [f"w{i}" for i in range(3000)]


def text_like(base: list[str], share: float, rng: random.Random) -> list[str]:
    """`base` with `share` of its words replaced (3%: the same story; 40%: another)."""
    words = list(base)
    for i in rng.sample(range(len(words)), int(len(words) * share)):
        words[i] = rng.choice(WORDS)
    return words


def item(url: str, words: list[str], n: int, signed: bool) -> PageItem:
    text = normalize_text(" ".join(words))
    extracted = Extracted(
        "A title", None, [], None, None, None, "en", text, None, "Outlet", EXTRACTOR, EXTRACTOR_VERSION
    )
    record = f"<urn:uuid:{n:08d}-0000-0000-0000-000000000000>"
    page = PageItem(
        url=url,
        body=b"",
        encoding="utf-8",
        fetched_at=START + dt.timedelta(minutes=n),
        warc=RecordLocation("x.warc.gz", n, 1, record, None, "2014-12-01T00:00:00Z"),
        extracted=extracted,
        canonical_url=url,
        url_key=url,
        outlet_domain=url.split("/")[2],
        outlet_name="Outlet",
        text=text,
        content_hash=content_hash(text),
        word_count=len(text.split()),
    )
    if signed:  # as the extraction workers leave it
        page.precomputed = Precomputed(TextFacts.of(text), StorySignature.of(text, SignatureParams()))
    return page


def capture(page: PageItem) -> dict:
    record = page.warc.record_id
    return {"url": page.url, "fetched_at": page.fetched_at, "status": 200, "warc_record_id": record}


def scenario(seed: int, signed: bool) -> tuple[list[PageItem], list[PageItem]]:
    """Two runs: the first writes some stories; the second brings copies of them, new stories,
    updated texts of known articles, and one article twice with different texts."""
    rng = random.Random(seed)
    bases = [[rng.choice(WORDS) for _ in range(180)] for _ in range(6)]
    n = iter(range(1, 1000))
    first = [item(f"http://a{i}.test/s/{i}", bases[i], next(n), signed) for i in range(3)]
    second = [
        item("http://b0.test/copy", text_like(bases[0], 0.03, rng), next(n), signed),
        item("http://b1.test/new", bases[3], next(n), signed),
        item("http://b8.test/copy-of-old-1-before", text_like(bases[1], 0.03, rng), next(n), signed),
        item("http://a1.test/s/1", text_like(bases[4], 0.0, rng), next(n), signed),  # rewritten
        item("http://b2.test/copy-of-new", text_like(bases[3], 0.03, rng), next(n), signed),
        item("http://b3.test/copy-of-old-1", text_like(bases[1], 0.03, rng), next(n), signed),
        item("http://b4.test/copy-of-rewrite", text_like(bases[4], 0.03, rng), next(n), signed),
        item("http://b5.test/twice", bases[5], next(n), signed),
        item("http://b5.test/twice", text_like(bases[5], 0.4, rng), next(n), signed),
        item("http://b6.test/other", text_like(bases[2], 0.4, rng), next(n), signed),
        item("http://b7.test/copy-of-twice", text_like(bases[5], 0.03, rng), next(n), signed),
    ]
    return first, second


def outcome(engine) -> dict:
    stories = query(engine, "SELECT canonical_url, story_id FROM articles ORDER BY id")
    members: dict[int, list[str]] = {}
    for row in stories:
        members.setdefault(row["story_id"], []).append(row["canonical_url"])
    return {
        "stories": sorted(sorted(m) for m in members.values()),
        "joins": query(
            engine,
            "SELECT a.canonical_url AS article, o.canonical_url AS similar_to,"
            " d.evidence->>'estimated_jaccard' AS jaccard"
            " FROM decisions d JOIN articles a ON a.id = d.article_id"
            " JOIN articles o ON o.id = (d.evidence->>'similar_to_article')::bigint"
            " WHERE d.kind = 'story_joined' ORDER BY 1",
        ),
        "signatures": query(
            engine,
            "SELECT a.canonical_url, s.hashvalues, v.content_hash FROM article_signatures s"
            " JOIN articles a ON a.id = s.article_id JOIN article_versions v ON v.id = s.version_id"
            " ORDER BY 1",
        ),
        "bands": query(
            engine,
            "SELECT a.canonical_url, b.band, b.hash FROM minhash_bands b"
            " JOIN articles a ON a.id = b.article_id ORDER BY 1, 2",
        ),
        "story_rows": query(engine, "SELECT count(*) AS n FROM story_clusters")[0]["n"],
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_batch_ends_as_the_same_texts_one_at_a_time(make_database, seed):
    results, counts = [], []
    for batched, signed in ((False, False), (True, True), (True, False)):
        engine = create_engine(make_database())
        writer = CorpusWriter(engine)
        for items in scenario(seed, signed):
            groups = [items] if batched else [[i] for i in items]
            for group in groups:
                writer.write([capture(i) for i in group], group, run_id=None)
        results.append(outcome(engine))
        counts.append(dict(writer.counts))
        engine.dispose()
    one_by_one, batched_signed, batched_unsigned = results
    assert one_by_one["joins"], "the scenario must join stories"
    assert batched_signed == one_by_one
    assert batched_unsigned == one_by_one
    assert counts[0] == counts[1] == counts[2]


def test_stories_do_not_depend_on_arrival_order(make_database):
    """A bridge text close to two texts that are not close to each other (a long wire story and two
    outlets' cuts of it) makes one story whatever order concurrent crawlers store them in."""
    engine = create_engine(make_database())
    writer = CorpusWriter(engine)
    rng = random.Random(7)
    orders = list(itertools.permutations(range(4)))
    n = iter(range(1, 10_000))
    for case, (order, batched) in enumerate(itertools.product(orders, (False, True))):
        wire = [rng.choice(WORDS) for _ in range(240)]
        texts = [wire[:160], wire, wire[80:], text_like(wire[80:], 0.03, rng)]  # cut, bridge, cut, copy
        pages = [item(f"http://o{i}.test/{case}", texts[i], next(n), signed=batched) for i in order]
        for group in [pages] if batched else [[p] for p in pages]:
            writer.write([capture(p) for p in group], group, run_id=None)
    rows = query(engine, "SELECT split_part(canonical_url, '/', 4) AS case, story_id FROM articles")
    stories_per_case = {}
    for row in rows:
        stories_per_case.setdefault(row["case"], set()).add(row["story_id"])
    assert len(stories_per_case) == len(orders) * 2
    assert all(len(ids) == 1 for ids in stories_per_case.values()), stories_per_case
    assert len({ids.pop() for ids in stories_per_case.values()}) == len(orders) * 2
    # a merge is on record when the bridge came after both cuts
    merged = query(engine, "SELECT count(*) AS n FROM decisions WHERE kind = 'story_merged'")[0]["n"]
    assert merged == writer.counts["story_merged"] > 0
    engine.dispose()
