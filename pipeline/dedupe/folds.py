"""URL folds: a page fetched under another URL than its article's is that article (folded) or,
when its text is another article's, an identity conflict kept apart under its own URL.

Cleaning rules and declared rel=canonical links fold URLs on evidence about URLs alone; a site
whose canonical link names a section page, or whose article id is a parameter that looks like a
tracker, would merge articles. The text decides: a variant whose text is not near-identical to its
article's latest text stays its own article, and the fold that was refused is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pipeline.dedupe.signatures import shingles
from pipeline.normalize.identity import clean_url, identity_key

if TYPE_CHECKING:
    from pipeline.items import PageItem

SHINGLE_WORDS = 5
# Share of the shorter text's shingles found in the longer: an AMP, print or mobile copy keeps most
# of them (even one cut short by a paywall); two different articles share boilerplate at most.
NEAR_IDENTICAL = 0.5


@dataclass(frozen=True, slots=True)
class Conflict:
    item: PageItem  # the page, re-keyed to its own URL
    folded_key: str  # the key the rules gave it, held by another article
    article_id: int  # that article
    article_url: str
    rules: tuple[str, ...]  # the rules that folded it
    overlap: float


def own_identity(item: PageItem) -> tuple[str, str]:
    """The key and URL of the fetched page itself: its own cleaned URL when a declared canonical
    moved it elsewhere, else the URL as fetched with every query parameter kept."""
    cleaned = clean_url(item.url)[0]
    if identity_key(cleaned) != item.url_key:
        return identity_key(cleaned), cleaned
    as_fetched = item.url.split("#", 1)[0]
    return identity_key(as_fetched), as_fetched


def overlap(a: str, b: str) -> float:
    """Share of the shorter text's word shingles that the longer one holds (0 to 1)."""
    first, second = set(shingles(a, SHINGLE_WORDS)), set(shingles(b, SHINGLE_WORDS))
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))


def conflict(item: PageItem, article_id: int, article_url: str, article_text: str) -> Conflict | None:
    """A Conflict when `item`, folded into the article, holds another text and has a URL of its own."""
    key, url = own_identity(item)
    if key == item.url_key:
        return None  # only scheme, host prefix or slash differ: the same address
    share = overlap(item.text or "", article_text)
    if share >= NEAR_IDENTICAL:
        return None
    own = replace(item, canonical_url=url, url_key=key, url_rules=())
    return Conflict(own, item.url_key, article_id, article_url, item.url_rules, round(share, 3))


def fold_decision(item: PageItem, article_id: int, capture_id: int, article_url: str, run_id, previous):
    """The variant is the article: its URL is recorded, its text is not a version."""
    return {
        "run_id": run_id,
        "kind": "url_folded",
        "rule": "+".join(item.url_rules) or "same-identity-key",
        "subject": item.url,
        "article_id": article_id,
        "capture_id": capture_id,
        "evidence": {
            "fetched_url": item.url,
            "article_url": article_url,
            "identity_key": item.url_key,
            "declared_canonical": item.extracted.canonical_url,
            "text_differs_from_article": previous is not None and previous != item.content_hash,
        },
    }


def conflict_decision(found: Conflict, own_article_id: int, capture_id: int, run_id) -> dict:
    """The fold that was refused, on the article the page became."""
    item = found.item
    return {
        "run_id": run_id,
        "kind": "identity_conflict",
        "rule": "+".join(found.rules) or "same-identity-key",
        "subject": item.url,
        "article_id": own_article_id,
        "capture_id": capture_id,
        "evidence": {
            "fetched_url": item.url,
            "article_url": found.article_url,
            "article_id": found.article_id,
            "folded_key": found.folded_key,
            "kept_as_key": item.url_key,
            "declared_canonical": item.extracted.canonical_url,
            "shingle_overlap": found.overlap,
        },
    }
