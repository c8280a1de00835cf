"""Near-duplicate stories: signatures, LSH bands and clustering, on text and on the demo corpus."""

from __future__ import annotations

import itertools

import numpy as np
from datasketch import MinHash

from pipeline.stories import SignatureParams, band_hashes, shingles, signature, similarity
from tests.conftest import query

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
    from pipeline.normalize import canonical_url

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
