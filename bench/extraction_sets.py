"""The three data sets of `shared/extraction-dev`, each read into `Page`s, and their scores as its
README defines them.

- `l3s-gn1` (`ground-truth.jsonl`, `html/`): token precision, recall and F1 against the annotated
  main text, mean over pages; headline accuracy. Also scored as the field's article-extraction
  benchmark (Zyte/Scrapinghub) scores article bodies: word 4-gram shingles, precision and recall each
  a mean over pages, F1 of the two means (`shingle_*`).
- `trafilatura-eval` (`expectations.json`, `html/`): passages the text must hold (`with`) and must not
  (`without`); true/false positives and negatives summed over all pages, then precision, recall, F1.
- `readability-pages` (`expected-metadata.json`, `html/`): headline, byline and publication date
  accuracy (over the pages that state one), and the `readerable` flag against the extractor's "no
  article" answer.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.extractors import Output

# Readability's own tests give their pages this address; a page path, so that no home-page rule fires.
READABILITY_URL = "http://fakehost/test/page.html"


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    url: str
    raw: bytes
    truth: dict


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float


def _html(folder: Path, name: str) -> bytes:
    return gzip.decompress((folder / "html" / f"{name}.html.gz").read_bytes())


def load_l3s(folder: Path, limit: int | None = None) -> list[Page]:
    pages = []
    with (folder / "ground-truth.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                pages.append(Page(row["id"], row["url"], _html(folder, row["id"]), row))
                if limit and len(pages) >= limit:
                    break
    return pages


def load_passages(folder: Path, limit: int | None = None) -> list[Page]:
    expectations = json.loads((folder / "expectations.json").read_text(encoding="utf-8"))
    names = sorted(expectations)[:limit] if limit else sorted(expectations)
    return [Page(n, expectations[n]["url"], _html(folder, n), expectations[n]) for n in names]


def load_metadata(folder: Path, limit: int | None = None) -> list[Page]:
    expected = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
    names = sorted(expected)[:limit] if limit else sorted(expected)
    return [Page(n, READABILITY_URL, _html(folder, n), expected[n]) for n in names]


# name -> (sub-folder, file that marks it, loader)
SETS = {
    "l3s-gn1": (".", "ground-truth.jsonl", load_l3s),
    "trafilatura-eval": ("trafilatura-eval", "expectations.json", load_passages),
    "readability-pages": ("readability-pages", "expected-metadata.json", load_metadata),
}


def score(extracted: str, truth: str) -> Score:
    """Token-level precision, recall and F1 of one page (lowercased, whitespace split, multiset)."""
    got, want = extracted.lower().split(), truth.lower().split()
    if not want:
        return Score(1.0, 1.0, 1.0) if not got else Score(0.0, 1.0, 0.0)
    if not got:
        return Score(0.0, 0.0, 0.0)
    overlap = sum((Counter(got) & Counter(want)).values())
    precision, recall = overlap / len(got), overlap / len(want)
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return Score(precision, recall, f1)


_WORD = re.compile(r"\w+")
SHINGLE_KEYS = ("shingle_precision", "shingle_recall", "shingle_f1")


def shingles(text: str, n: int = 4) -> Counter:
    """The text's word n-grams, case kept (a text shorter than n words is one shingle)."""
    words = _WORD.findall(text or "")
    return Counter(tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1)) if words[i : i + n])


def shingle_counts(extracted: str, truth: str) -> tuple[float, float, float]:
    """One page's shingle true positives, false positives and false negatives, as shares of their sum,
    so that a long page weighs no more than a short one."""
    got, want = shingles(extracted), shingles(truth)
    tp = sum((got & want).values())
    fp, fn = sum((got - want).values()), sum((want - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def shingle_scores(counts: list[tuple[float, float, float]]) -> dict:
    """Mean precision over pages with output, mean recall over pages with truth, and their F1."""

    def ratio(hit: float, miss: float, other: float) -> float:
        return 1.0 if miss == other == 0 else hit / (hit + miss) if hit + miss else 0.0

    precisions = [ratio(tp, fp, fn) for tp, fp, fn in counts if tp + fp > 0]
    recalls = [ratio(tp, fn, fp) for tp, fp, fn in counts if tp + fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return dict(zip(SHINGLE_KEYS, (precision, recall, f1), strict=True))


def normalize_title(title: str | None) -> str:
    text = unicodedata.normalize("NFKC", title or "").lower()
    text = re.sub("[\u2018\u2019\u201a\u201b`\u00b4]", "'", text)
    text = re.sub("[\u201c\u201d\u201e]", '"', text)
    text = re.sub("[\u2010-\u2015]", "-", text)
    return " ".join(text.split()).strip(" .:;,!?-|\"'")


_BYLINE_NOISE = {"by", "and", "par", "et", "von", "und", "written", "edited"}


def normalize_byline(byline: str | None) -> list[str]:
    """The names of a byline as sorted words: case, punctuation, "By"/"and" and order do not count."""
    words = re.sub(r"[^\w\s]", " ", unicodedata.normalize("NFKC", byline or "").lower()).split()
    return sorted(w for w in words if w not in _BYLINE_NOISE)


def _collapsed(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def passages(text: str, truth: dict) -> Counter:
    """This page's true/false positives and negatives (`tp`, `fn`, `fp`, `tn`)."""
    found = _collapsed(text)
    counts: Counter = Counter()
    for passage in truth.get("with", []):
        counts["tp" if _collapsed(passage) in found else "fn"] += 1
    for passage in truth.get("without", []):
        counts["fp" if _collapsed(passage) in found else "tn"] += 1
    return counts


def score_l3s(pages: list[Page], outputs: list[Output]) -> tuple[dict, dict]:
    totals = Counter()
    per_page = {}
    counts = []
    titled = title_hits = 0
    for page, out in zip(pages, outputs, strict=True):
        s = score(out.text, page.truth["text"])
        counts.append(shingle_counts(out.text, page.truth["text"]))
        hit = None
        if page.truth.get("title"):
            titled += 1
            hit = normalize_title(out.title) == normalize_title(page.truth["title"])
            title_hits += hit
        per_page[page.id] = {
            "precision": s.precision,
            "recall": s.recall,
            "f1": s.f1,
            "title_match": hit,
            "shingle_tp_fp_fn": [round(x, 4) for x in counts[-1]],
        }
        totals.update({"precision": s.precision, "recall": s.recall, "f1": s.f1})
    n = len(pages) or 1
    body = {k: totals[k] / n for k in ("precision", "recall", "f1")} | shingle_scores(counts)
    return {"body": body, "metadata": {"title": title_hits / titled if titled else None}}, per_page


def score_passages(pages: list[Page], outputs: list[Output]) -> tuple[dict, dict]:
    totals: Counter = Counter()
    per_page = {}
    for page, out in zip(pages, outputs, strict=True):
        counts = passages(out.text, page.truth)
        per_page[page.id] = dict(counts)
        totals.update(counts)
    tp, fn, fp, tn = (totals[k] for k in ("tp", "fn", "fp", "tn"))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = (tp + tn) / (tp + fn + fp + tn) if tp + fn + fp + tn else 0.0
    body = {"precision": precision, "recall": recall, "f1": f1, "accuracy": accuracy} | dict(
        tp=tp, fn=fn, fp=fp, tn=tn
    )
    return {"body": body, "metadata": {}}, per_page


def _date(value: str | None) -> str:
    return (value or "").strip()[:10]


def score_metadata(pages: list[Page], outputs: list[Output]) -> tuple[dict, dict]:
    """Accuracy of each field over the pages that state it; the gate against `readerable`."""
    hits: Counter = Counter()
    stated: Counter = Counter()
    per_page = {}
    for page, out in zip(pages, outputs, strict=True):
        want = page.truth
        checks = {
            "title": (want.get("title"), normalize_title(out.title) == normalize_title(want.get("title"))),
            "byline": (
                want.get("byline"),
                normalize_byline(out.byline) == normalize_byline(want.get("byline")),
            ),
            "date": (want.get("publishedTime"), _date(out.date) == _date(want.get("publishedTime"))),
        }
        row = {}
        for field, (expected, hit) in checks.items():
            if expected:
                stated[field] += 1
                hits[field] += hit
                row[field] = hit
        readerable = bool(want.get("readerable"))
        stated["readerable" if readerable else "not_readerable"] += 1
        hits["dropped_readerable"] += readerable and not out.article
        hits["kept_not_readerable"] += not readerable and out.article
        per_page[page.id] = row | {"article": out.article, "readerable": readerable}
    metadata: dict = {f: hits[f] / stated[f] if stated[f] else None for f in ("title", "byline", "date")}
    metadata |= {f"{f}_pages": stated[f] for f in ("title", "byline", "date")}
    metadata |= {
        "dropped_readerable": hits["dropped_readerable"],
        "readerable_pages": stated["readerable"],
        "kept_not_readerable": hits["kept_not_readerable"],
        "not_readerable_pages": stated["not_readerable"],
    }
    return {"body": {}, "metadata": metadata}, per_page


SCORERS = {"l3s-gn1": score_l3s, "trafilatura-eval": score_passages, "readability-pages": score_metadata}
