"""Near-duplicate stories: signatures, LSH bands and clustering (Jaccard and containment), on text,
through the corpus writer, and on the demo corpus."""

from __future__ import annotations

import itertools

import numpy as np
from datasketch import MinHash
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from pipeline.dedupe.containment import judge
from pipeline.store.corpus import CorpusWriter
from pipeline.dedupe.signatures import (
    EARLIER_LAYOUTS,
    SignatureParams,
    band_hashes,
    layout_band_hashes,
    shingles,
    signature,
    similarity,
)
from tests.conftest import query
from tests.test_story_batches import capture, item

PARAMS = SignatureParams()


def _text(site, url):
    return "\n".join(site.page(url).paragraphs)


def test_signatures_are_deterministic_and_stored_compatible():
    text = "Hackers calling themselves the Guardians of Peace took over screens at Sony Pictures."
    a, b = signature(text, PARAMS), signature(text, PARAMS)
    assert a.dtype == np.uint64 and len(a) == PARAMS.num_perm
    assert np.array_equal(a, np.frombuffer(a.tobytes(), dtype=np.uint64))
    assert similarity(a, b) == 1.0
    assert band_hashes(a, PARAMS) == band_hashes(b, PARAMS)
    assert len(band_hashes(a, PARAMS)) == PARAMS.bands


def test_signatures_are_those_of_word_shingles_as_stored_before():
    """Signatures already in a corpus must keep matching: a signature is datasketch's MinHash of
    the text's lowercased 5-word runs, joined by one space, however they are cut."""
    texts = [
        "Hackers calling themselves the Guardians of Peace took over screens at Sony Pictures.",
        "Les pirates «Guardians of Peace» ont piraté Sony Pictures; la Corée du Nord dément.",
        "Sony  hack",  # fewer words than a shingle
    ]
    for text in texts:
        words = text.lower().replace(".", " ").replace(";", " ").replace("«", " ").replace("»", " ").split()
        runs = [" ".join(words[i : i + 5]) for i in range(max(len(words) - 4, 1))]
        assert shingles(text, 5) == [run.encode("utf-8") for run in runs]
        reference = MinHash(num_perm=PARAMS.num_perm, seed=PARAMS.seed, scheme=PARAMS.scheme)
        reference.update_batch(shingles(text, 5))
        assert np.array_equal(signature(text, PARAMS), reference.hashvalues.astype(np.uint64))


def test_syndicated_copies_are_similar_and_distinct_reports_are_not(site):
    pages = site.articles("on")
    copies = [(p.url, f"http://{p.syndicated_from}") for p in pages if p.syndicated_from]
    assert copies
    originals = {p.title: p.url for p in pages if p.host == "www.globalwire.test"}
    for copy_url, _ in copies:
        original = originals[site.page(copy_url).title]
        score = similarity(signature(_text(site, copy_url), PARAMS), signature(_text(site, original), PARAMS))
        assert score >= PARAMS.threshold, copy_url
    distinct = [p for p in pages if not p.syndicated_from][:12]
    for a, b in itertools.combinations(distinct, 2):
        if getattr(a, "story", None) and a.story == getattr(b, "story", None):
            continue
        score = similarity(signature(_text(site, a.url), PARAMS), signature(_text(site, b.url), PARAMS))
        assert score < PARAMS.threshold, (a.url, b.url)


def test_story_clusters_of_the_demo_corpus_match_the_labels(demo_archive, site):
    rows = query(demo_archive.engine, "SELECT canonical_url, story_id FROM corpus")
    assert all(r["story_id"] is not None for r in rows)
    by_story: dict[int, list[str]] = {}
    for row in rows:
        by_story.setdefault(row["story_id"], []).append(row["canonical_url"])
    predicted = {
        tuple(sorted(pair)) for members in by_story.values() for pair in itertools.combinations(members, 2)
    }
    from pipeline.normalize.forms import canonical_url

    expected = {tuple(sorted(canonical_url(u) for u in pair)) for pair in site.story_pairs()}
    true_positives = len(predicted & expected)
    precision = true_positives / len(predicted) if predicted else 1.0
    recall = true_positives / len(expected) if expected else 1.0
    print(f"story clustering: pairwise precision {precision:.3f}, recall {recall:.3f}")
    assert expected, "the fixture web must label same-story pairs"
    assert precision >= 0.95 and recall >= 0.95, (precision, recall, predicted ^ expected)

    view = query(demo_archive.engine, "SELECT * FROM stories WHERE articles > 1")
    assert len(view) == len(site.stories())
    for story in view:
        assert story["first_url"] == story["member_urls"][0]
        assert story["outlets"] >= 1 and story["first_published"] is not None


# ---- cut copies: containment, through the corpus writer into PostgreSQL -----------------------


def _furniture(host: str) -> tuple[list[str], list[str]]:
    """Lines an outlet's template leaves around every article's text."""
    name = host.removeprefix("www.").removesuffix(".test").title()
    return (
        [f"{name} | News", "Share this article: Email | Print"],
        [f"Copyright 2015 {name}. All rights reserved.", f"Sign up for the {name} newsletter."],
    )


def _at(host: str, paragraphs) -> list[str]:
    head, foot = _furniture(host)
    return " ".join([*head, *paragraphs, *foot]).split()


def _half(page) -> list[str]:
    return list(page.paragraphs[: len(page.paragraphs) // 2])


def _event_pages(site) -> list[list]:
    """Per event of the fixture web, its articles: several outlets' reports of one event,
    some of them one story, most different stories with the same vocabulary."""
    groups: dict[str, list] = {}
    for page in site.articles(None):
        if page.event:
            groups.setdefault(page.event, []).append(page)
    return [pages for _, pages in sorted(groups.items()) if len(pages) > 1]


def _write(engine, pages) -> CorpusWriter:
    writer = CorpusWriter(engine)
    for page in pages:
        writer.write([capture(page)], [page], run_id=None)
    return writer


def test_half_copies_at_other_outlets_join_their_story_and_other_reports_stay_apart(make_database, site):
    """Every report of an event at its outlet, and beside it another outlet's copy cut to its first
    half, in that outlet's template (the template of one of the other reports of the event)."""
    engine = create_engine(make_database())
    n = iter(range(1, 10_000))
    pages, expected = [], {}
    for group in _event_pages(site):
        for i, page in enumerate(group):
            other_host = group[(i + 1) % len(group)].host
            copy_url = f"http://copies.test/{next(n)}"
            pages.append(item(page.url, _at(page.host, page.paragraphs), next(n), signed=i % 2 == 0))
            pages.append(item(copy_url, _at(other_host, _half(page)), next(n), signed=i % 2 == 1))
            expected[page.url] = expected[copy_url] = page.story or page.url
    writer = _write(engine, pages)

    rows = query(engine, "SELECT canonical_url, story_id FROM articles")
    label_of_story: dict[int, set[str]] = {}
    for row in rows:
        label_of_story.setdefault(row["story_id"], set()).add(expected[row["canonical_url"]])
    assert all(len(labels) == 1 for labels in label_of_story.values()), "different stories merged"
    assert len(label_of_story) == len(set(expected.values())), "a copy was left out of its story"

    joins = query(
        engine,
        "SELECT a.canonical_url, d.rule, d.evidence FROM decisions d JOIN articles a ON a.id = d.article_id"
        " WHERE d.kind = 'story_joined' AND a.canonical_url LIKE 'http://copies.test/%'",
    )
    assert len(joins) == len(pages) // 2 == writer.counts["story_joined"] - _syndicated_joins(site)
    by_containment = [j for j in joins if j["rule"] == "minhash-containment"]
    assert by_containment, "half copies must be joined by containment, which Jaccard alone misses"
    for join in by_containment:
        evidence = join["evidence"]
        assert evidence["estimated_jaccard"] < evidence["threshold"]
        assert evidence["estimated_containment"] >= evidence["containment"]


def _syndicated_joins(site) -> int:
    """Joins among the full reports themselves: the fixture web's syndicated copies of one event."""
    return sum(
        len({p.url for p in group if p.story == label}) - 1
        for group in _event_pages(site)
        for label in {p.story for p in group if p.story}
    )


def test_a_copy_cut_short_joins_whichever_arrives_first(make_database, site):
    """A copy of the wire story's first three paragraphs (two fifths of it: Jaccard 0.45) in
    another outlet's template: joined by containment, recorded as such, in either order."""
    wire = next(p for p in site.articles("on") if p.host == "www.globalwire.test" and p.event == "sanctions")
    full = item(wire.url, _at(wire.host, wire.paragraphs), 1, signed=True)
    cut = item("http://copies.test/sanctions", _at("www.bitwire.test", wire.paragraphs[:3]), 2, signed=False)
    for order in ((full, cut), (cut, full)):
        engine = create_engine(make_database())
        _write(engine, order)
        stories = query(engine, "SELECT DISTINCT story_id FROM articles")
        assert len(stories) == 1
        [decision] = query(
            engine, "SELECT rule, evidence, article_id FROM decisions WHERE kind = 'story_joined'"
        )
        assert decision["rule"] == "minhash-containment"
        later = query(engine, "SELECT id FROM articles WHERE canonical_url = :u", u=order[1].url)[0]["id"]
        assert decision["article_id"] == later
        assert decision["evidence"]["estimated_containment"] >= 0.8
        engine.dispose()


def test_judge_needs_length_and_agreement_for_containment():
    text = " ".join(f"w{i}" for i in range(400))
    long, short = signature(text, PARAMS), signature(" ".join(text.split()[:150]), PARAMS)
    match = judge(long, 400, short, 150, PARAMS)
    assert match is not None and match.rule == "minhash-containment" and match.containment > 0.8
    assert judge(long, 400, long, 400, PARAMS).rule == "minhash-lsh"
    tiny = signature(" ".join(text.split()[:20]), PARAMS)
    assert judge(long, 400, tiny, 20, PARAMS) is None  # too short to estimate its containment
    unrelated = signature(" ".join(f"x{i}" for i in range(150)), PARAMS)
    assert judge(long, 400, unrelated, 150, PARAMS) is None
    assert judge(long, 400, short, 400, PARAMS) is None  # as long as the other: 37% of it is not enough


def test_articles_stored_in_the_earlier_band_layout_are_still_found(make_database, site):
    """A corpus written before the 2-row bands holds 4-row bands numbered 0-31: a copy arriving
    now still finds those articles, and an article's text stored now is banded the new way."""
    engine = create_engine(make_database())
    wire = next(p for p in site.articles("on") if p.host == "www.globalwire.test" and p.event == "sanctions")
    _write(engine, [item(wire.url, _at(wire.host, wire.paragraphs), 1, signed=True)])
    with engine.begin() as conn:  # as the earlier version left it
        signatures = conn.execute(sql("SELECT article_id, hashvalues FROM article_signatures"))
        [(article_id, values)] = signatures.all()
        conn.execute(sql("DELETE FROM minhash_bands"))
        hashes = layout_band_hashes(np.frombuffer(values, dtype=np.uint64), *EARLIER_LAYOUTS[0][1:])
        conn.execute(
            sql("INSERT INTO minhash_bands (band, hash, article_id) VALUES (:band, :hash, :id)"),
            [{"band": EARLIER_LAYOUTS[0][0] + i, "hash": h, "id": article_id} for i, h in enumerate(hashes)],
        )
    copy = item("http://copies.test/full", _at("www.bitwire.test", wire.paragraphs), 2, signed=False)
    _write(engine, [copy])
    assert len(query(engine, "SELECT DISTINCT story_id FROM articles")) == 1
    bands = query(engine, "SELECT article_id, min(band) AS lo, max(band) AS hi FROM minhash_bands GROUP BY 1")
    layout = {row["article_id"]: (row["lo"], row["hi"]) for row in bands}
    assert layout[article_id] == (0, 31)
    assert [v for k, v in layout.items() if k != article_id] == [
        (PARAMS.first_band, PARAMS.first_band + PARAMS.bands - 1)
    ]
