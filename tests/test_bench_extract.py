"""The extraction benchmark's scoring, and a run of it on tiny data sets made here from fixture
pages in each of extraction-dev's three layouts (never shared/extraction-dev, which a test machine
may not have)."""

from __future__ import annotations

import gzip
import json

import pytest

from bench import extraction
from bench.extraction_sets import (
    Score,
    normalize_byline,
    normalize_title,
    passages,
    score,
    shingle_counts,
    shingle_scores,
)
from pipeline.demo.routes import route


def close(got: Score, precision: float, recall: float, f1: float) -> bool:
    return got == pytest.approx(Score(precision, recall, f1))


def test_identical_texts_score_one():
    assert score("The FBI said so.", "the fbi  said\nso.") == Score(1.0, 1.0, 1.0)


def test_tokens_are_a_multiset():
    # "a a a" against "a b": one "a" overlaps; precision 1/3, recall 1/2
    assert close(score("a a a", "a b"), 1 / 3, 1 / 2, 2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))


def test_half_right():
    assert close(score("one two three four", "one two five six"), 0.5, 0.5, 0.5)
    assert close(score("one two", "one two three four"), 1.0, 0.5, 2 / 3)


def test_empty_texts():
    assert score("", "some truth") == Score(0.0, 0.0, 0.0)
    assert score("", "") == Score(1.0, 1.0, 1.0)
    assert score("extra words", "") == Score(0.0, 1.0, 0.0)
    assert score("nothing shared", "entirely different") == Score(0.0, 0.0, 0.0)


def test_shingles_count_word_order_and_case():
    """Word 4-grams, as the article-extraction benchmark scores bodies: the same words in another
    order or case share no shingle, punctuation and spacing do not count."""
    truth = "The studio cancelled the premiere on Wednesday."
    # 4 shingles each; 3 shared ("the studio cancelled the" is not "The studio cancelled the")
    tp = shingle_counts("the studio, cancelled the  premiere on Wednesday", truth)[0]
    assert tp == pytest.approx(3 / 5)
    assert shingle_counts("Wednesday on premiere the cancelled studio The", truth)[0] == 0.0
    # the output's 5 shingles: the first 2 are true, 3 are its own; 2 true ones are missing
    tp, fp, fn = shingle_counts("The studio cancelled the premiere. Share this now", truth)
    assert (tp, fp, fn) == pytest.approx((2 / 7, 3 / 7, 2 / 7))


def test_shingle_f1_is_the_f1_of_mean_precision_and_mean_recall():
    pages = [
        shingle_counts("one two three four five", "one two three four five"),  # P 1, R 1
        shingle_counts("", "one two three four five"),  # no output: recall 0, no precision
        shingle_counts("one two three four five six seven", "one two three four five"),  # P 2/4, R 1
    ]
    scores = shingle_scores(pages)
    precision, recall = (1 + 0.5) / 2, (1 + 0 + 1) / 3
    assert scores["shingle_precision"] == pytest.approx(precision)
    assert scores["shingle_recall"] == pytest.approx(recall)
    assert scores["shingle_f1"] == pytest.approx(2 * precision * recall / (precision + recall))


def test_title_normalization():
    assert normalize_title("‘The Interview’ Pulled —  Sony ") == normalize_title(
        "'the interview' pulled - sony."
    )
    assert normalize_title(None) == ""
    assert normalize_title("A") != normalize_title("B")


def test_byline_normalization():
    assert normalize_byline("By Stella Kim and Jennifer Jett") == normalize_byline(
        "Jennifer Jett, Stella Kim"
    )
    assert normalize_byline("By\n\t\tScott Cunningham") == normalize_byline("Scott Cunningham")
    assert normalize_byline("Scott Cunningham") != normalize_byline("Scott Miller")


def test_passages_are_found_whitespace_collapsed_and_case_sensitive():
    truth = {"with": ["first  line\nof text", "Missing bit"], "without": ["Share this", "Cookies"]}
    counts = passages("The first line of text.\nShare   this page", truth)
    assert counts == {"tp": 1, "fn": 1, "fp": 1, "tn": 1}
    assert passages("the FIRST LINE OF TEXT", {"with": ["first line of text"]}) == {"fn": 1}


def _gz(path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(body))


@pytest.fixture
def tiny_data(site, tmp_path):
    """Fixture articles laid out as extraction-dev's three sets: four with annotated text, three
    with passages, and three plus a not-found page with expected metadata."""
    data = tmp_path / "dev"
    pages = [p for p in site.articles("on") if not p.charset and not p.mojibake][:7]
    data.mkdir()
    with (data / "ground-truth.jsonl").open("w", encoding="utf-8") as fh:
        for n, page in enumerate(pages[:4]):
            _gz(data / "html" / f"page{n}.html.gz", route(site, page.host, page.path).body)
            row = {"id": f"page{n}", "url": page.url, "title": page.title, "text": "\n".join(page.paragraphs)}
            fh.write(json.dumps(row) + "\n")
    expectations = {}
    for n, page in enumerate(pages[4:]):
        _gz(data / "trafilatura-eval" / "html" / f"{n:04d}.html.gz", route(site, page.host, page.path).body)
        with_ = [page.paragraphs[0][:60], page.paragraphs[-1][-60:]]
        expectations[f"{n:04d}"] = {"url": page.url, "with": with_, "without": ["Share on Facebook"]}
    (data / "trafilatura-eval" / "expectations.json").write_text(json.dumps(expectations))
    expected = {}
    for n, page in enumerate(pages[:3]):
        _gz(
            data / "readability-pages" / "html" / f"article-{n}.html.gz",
            route(site, page.host, page.path).body,
        )
        expected[f"article-{n}"] = {
            "title": page.title,
            "byline": "By " + " and ".join(page.authors),
            "publishedTime": page.published.isoformat(),
            "readerable": True,
        }
    _gz(
        data / "readability-pages" / "html" / "missing.html.gz",
        route(site, pages[0].host, "/no/such/page/").body,
    )
    expected["missing"] = {"title": None, "byline": None, "publishedTime": None, "readerable": False}
    (data / "readability-pages" / "expected-metadata.json").write_text(json.dumps(expected))
    return data


def test_benchmark_runs_on_tiny_data_sets(tiny_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("EXTRACTION_DEV", str(tmp_path / "elsewhere"))  # --data wins
    argv = ["--data", str(tiny_data), "--only", "ours,trafilatura,readability,newspaper4k", "--jobs", "2"]
    assert extraction.main(argv) == 0
    out = capsys.readouterr().out
    for heading in (
        "l3s-gn1: body",
        "l3s-gn1: metadata",
        "trafilatura-eval: body",
        "readability-pages: metadata",
    ):
        assert heading in out
    assert "| ours |" in out and "| trafilatura |" in out
    report = json.loads((tmp_path / "var" / "bench" / "extraction.json").read_text())
    sets = report["sets"]
    assert {name: s["pages"] for name, s in sets.items()} == {
        "l3s-gn1": 4,
        "trafilatura-eval": 3,
        "readability-pages": 4,
    }
    l3s = sets["l3s-gn1"]["results"]
    ours = l3s["ours"]
    assert ours["body"]["f1"] > 0.95 and ours["metadata"]["title"] == 1.0
    assert ours["body"]["shingle_f1"] > 0.9 and "shingle_f1" in out
    assert set(ours["pages"]) == {f"page{n}" for n in range(4)}
    assert l3s["trafilatura"]["available"] and l3s["trafilatura"]["ms_per_page"] > 0
    passages_ours = sets["trafilatura-eval"]["results"]["ours"]["body"]
    assert passages_ours["tp"] == 6 and passages_ours["fp"] == 0 and passages_ours["f1"] == 1.0
    meta = sets["readability-pages"]["results"]["ours"]["metadata"]
    assert meta["title"] == 1.0 and meta["byline"] == 1.0 and meta["date"] == 1.0
    assert meta["dropped_readerable"] == 0 and meta["kept_not_readerable"] == 0
    for name in ("readability", "newspaper4k"):  # optional: the bench extra may not be installed
        result = sets["l3s-gn1"]["results"][name]
        assert result["available"] or "not installed" in result["note"]


def test_a_missing_set_is_skipped(tiny_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / "var"))
    (tiny_data / "trafilatura-eval" / "expectations.json").unlink()
    assert extraction.main(["--data", str(tiny_data), "--only", "ours", "--jobs", "1"]) == 0
    report = json.loads((tmp_path / "var" / "bench" / "extraction.json").read_text())
    assert set(report["sets"]) == {"l3s-gn1", "readability-pages"}


def test_missing_data_set_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EXTRACTION_DEV", str(tmp_path / "nowhere"))
    assert extraction.main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(tmp_path / "nowhere") in err
