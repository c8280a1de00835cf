"""The extraction benchmark's scoring, and a run of it on a tiny data set made here from fixture
pages (never shared/extraction-dev, which a test machine may not have)."""

from __future__ import annotations

import gzip
import json

import pytest

from bench import extraction
from bench.extraction import Score, normalize_title, score
from pipeline.fixtureweb.routes import route


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


def test_title_normalization():
    assert normalize_title("‘The Interview’ Pulled —  Sony ") == normalize_title(
        "'the interview' pulled - sony."
    )
    assert normalize_title(None) == ""
    assert normalize_title("A") != normalize_title("B")


@pytest.fixture
def tiny_data(site, tmp_path):
    """Four fixture articles as a data set in extraction-dev's layout (headline + paragraphs)."""
    data = tmp_path / "dev"
    (data / "html").mkdir(parents=True)
    pages = [p for p in site.articles("on") if not p.charset and not p.mojibake][:4]
    with (data / "ground-truth.jsonl").open("w", encoding="utf-8") as fh:
        for n, page in enumerate(pages):
            body = route(site, page.host, page.path).body
            (data / "html" / f"page{n}.html.gz").write_bytes(gzip.compress(body))
            row = {"id": f"page{n}", "url": page.url, "title": page.title, "text": "\n".join(page.paragraphs)}
            fh.write(json.dumps(row) + "\n")
    return data


def test_benchmark_runs_on_a_tiny_data_set(tiny_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("EXTRACTION_DEV", str(tmp_path / "elsewhere"))  # --data wins
    assert (
        extraction.main(["--data", str(tiny_data), "--only", "ours,trafilatura,readability,newspaper4k"]) == 0
    )
    out = capsys.readouterr().out
    assert "| ours |" in out and "| trafilatura |" in out
    report = json.loads((tmp_path / "var" / "bench" / "extraction.json").read_text())
    assert report["pages"] == 4
    results = {r["name"]: r for r in report["results"]}
    ours = results["ours"]
    assert ours["f1"] > 0.95 and ours["title_accuracy"] == 1.0
    assert set(ours["pages"]) == {f"page{n}" for n in range(4)}
    assert results["trafilatura"]["available"] and results["trafilatura"]["ms_per_page"] > 0
    for name in ("readability", "newspaper4k"):  # optional: the bench extra may not be installed
        assert results[name]["available"] or "not installed" in results[name]["note"]


def test_missing_data_set_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EXTRACTION_DEV", str(tmp_path / "nowhere"))
    assert extraction.main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(tmp_path / "nowhere") in err
