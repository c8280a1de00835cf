"""Pairwise precision and recall of story clustering on labelled pairs (bench/neardup_pairs.py),
measured through the store itself: for each pair, in a transaction rolled back afterwards, both
texts are stored as articles of a real PostgreSQL corpus and placed by `StoryClusterer.assign`,
the first then the second; the pair counts as joined when both end in one story.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bench.benchdb import throwaway_database
from bench.neardup_pairs import Pair, load_sources, make_pairs
from pipeline.database import engine_for
from pipeline.dedupe.signatures import StorySignature
from pipeline.dedupe.stories import StoryClusterer
from pipeline.normalize.forms import TextFacts

PAIRS_SEED = 2008
PAIR_IDS = (1, 2)  # article, capture and version ids of a pair's two texts (rolled back each time)


@dataclass
class Quality:
    pairs: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0
    by_kind: dict[str, dict] = field(default_factory=dict)  # kind -> one story?, pairs, joined
    rules: dict[str, int] = field(default_factory=dict)  # rule of the join, for joined positives
    missed_not_candidates: int = 0  # positives whose signatures share no band
    false_positive_ids: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        joined = self.true_positives + self.false_positives
        return self.true_positives / joined if joined else 1.0

    @property
    def recall(self) -> float:
        same = self.true_positives + self.false_negatives
        return self.true_positives / same if same else 1.0


def _add_outlet(conn: Connection) -> None:
    conn.execute(text("INSERT INTO outlets (id, name, domain) VALUES (1, 'Bench', 'bench.test')"))


def _store_text(conn: Connection, clusterer: StoryClusterer, article_id: int, text_: str) -> None:
    """One article with one version of `text_`, as the corpus writer leaves it, placed in a story."""
    facts = TextFacts.of(text_)
    params = {"id": article_id, "url": f"https://bench.test/pair/{article_id}"}
    conn.execute(
        text(
            "INSERT INTO articles (id, canonical_url, url_key, outlet_id, first_seen, last_seen)"
            " VALUES (:id, :url, :url, 1, now(), now())"
        ),
        params,
    )
    conn.execute(
        text("INSERT INTO captures (id, url, status, fetched_at) VALUES (:id, :url, 200, now())"), params
    )
    conn.execute(
        text(
            "INSERT INTO article_versions (id, article_id, capture_id, captured_at, content_hash, text,"
            " word_count, extractor, extractor_version) VALUES (:id, :id, :id, now(), :hash, :text,"
            " :words, 'bench', '0')"
        ),
        {**params, "hash": facts.content_hash, "text": facts.text, "words": facts.word_count},
    )
    clusterer.assign(conn, article_id, article_id, facts.text, None)


def place_pair(conn: Connection, clusterer: StoryClusterer, pair: Pair) -> str | None:
    """The rule by which the store put the pair's second text in the first one's story, or None."""
    first, second = PAIR_IDS
    with conn.begin() as transaction:
        _add_outlet(conn)
        _store_text(conn, clusterer, first, pair.first)
        _store_text(conn, clusterer, second, pair.second)
        stories = dict(
            conn.execute(
                text("SELECT id, story_id FROM articles WHERE id IN (:a, :b)"), {"a": first, "b": second}
            ).all()
        )
        rule = conn.execute(
            text("SELECT rule FROM decisions WHERE kind = 'story_joined' AND article_id = :b"), {"b": second}
        ).scalar()
        transaction.rollback()
    return rule if stories[first] == stories[second] else None


def _candidates(pair: Pair, clusterer: StoryClusterer) -> bool:
    """Whether the two texts share an LSH band (the lookup could find one from the other)."""
    a, b = (StorySignature.of(TextFacts.of(t).text, clusterer.params) for t in (pair.first, pair.second))
    return any(x == y for x, y in zip(a.bands, b.bands, strict=True))


def measure(conn: Connection, pairs: list[Pair], progress: bool = True) -> Quality:
    clusterer = StoryClusterer()
    quality = Quality()
    kinds: dict[str, Counter] = defaultdict(Counter)
    rules: Counter = Counter()
    same_of: dict[str, bool] = {}
    for n, pair in enumerate(pairs, 1):
        rule = place_pair(conn, clusterer, pair)
        joined = rule is not None
        kinds[pair.kind]["pairs"] += 1
        kinds[pair.kind]["joined"] += joined
        same_of[pair.kind] = pair.same
        quality.pairs += 1
        if pair.same and joined:
            quality.true_positives += 1
            rules[rule] += 1
        elif pair.same:
            quality.false_negatives += 1
            quality.missed_not_candidates += not _candidates(pair, clusterer)
        elif joined:
            quality.false_positives += 1
            quality.false_positive_ids.append((pair.kind, *pair.ids))
        else:
            quality.true_negatives += 1
        if progress and n % 500 == 0:
            print(f"bench.neardup: {n}/{len(pairs)} labelled pairs placed", file=sys.stderr)
    quality.by_kind = {
        kind: {"same": same_of[kind], "pairs": counts["pairs"], "joined": counts["joined"]}
        for kind, counts in sorted(kinds.items())
    }
    quality.rules = dict(rules)
    return quality


def summary(quality: Quality, source: str, seed: int) -> dict:
    return {
        "source": source,
        "seed": seed,
        "pairs": quality.pairs,
        "precision": round(quality.precision, 4),
        "recall": round(quality.recall, 4),
        "true_positives": quality.true_positives,
        "false_positives": quality.false_positives,
        "false_negatives": quality.false_negatives,
        "true_negatives": quality.true_negatives,
        "missed_not_candidates": quality.missed_not_candidates,
        "joined_by_rule": quality.rules,
        "by_kind": quality.by_kind,
        "false_positive_pairs": quality.false_positive_ids,
    }


def render(result: dict) -> str:
    lines = [
        f"Story clustering on {result['pairs']} labelled pairs (seed {result['seed']}) "
        f"from {result['source']}:",
        f"pairwise precision {result['precision']:.4f}, recall {result['recall']:.4f} "
        f"(TP {result['true_positives']}, FP {result['false_positives']}, "
        f"FN {result['false_negatives']}, TN {result['true_negatives']}; "
        f"missed for want of a shared band: {result['missed_not_candidates']}); joins by rule: "
        + ", ".join(f"{k} {v}" for k, v in sorted(result["joined_by_rule"].items())),
        "",
        "| pairs | one story? | count | joined |",
        "|---|---|---:|---:|",
    ]
    for kind, counts in result["by_kind"].items():
        same = "yes" if counts["same"] else "no"
        lines.append(f"| {kind} | {same} | {counts['pairs']} | {counts['joined']} |")
    return "\n".join(lines)


def quality(data: Path, limit: int | None, seed: int = PAIRS_SEED) -> dict:
    """Precision and recall on the labelled pairs made from `data`'s texts, through the store."""
    pairs = make_pairs(load_sources(data), seed, limit)
    print(f"bench.neardup: placing {len(pairs)} labelled pairs from {data}", file=sys.stderr)
    with throwaway_database() as (url, _where):
        engine = engine_for(url)
        try:
            with engine.connect() as conn:
                measured = measure(conn, pairs)
        finally:
            engine.dispose()
    return summary(measured, str(data), seed)
