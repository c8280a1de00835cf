"""Whether two texts' MinHash signatures make them one story: by Jaccard similarity, or by the
containment of the shorter text in the longer one.

Jaccard alone misses a wire story that another outlet cut to its first half: the cut copy lies
almost wholly in the original, but their Jaccard similarity is about the ratio of their lengths.
The containment |A∩B|/|B| of the shorter B is estimated from the MinHash Jaccard J and the two
shingle-set sizes (from the stored word counts), as LSH Ensemble does:
|A∩B| = J(|A|+|B|)/(1+J), so C = J(|A|+|B|)/((1+J)|B|).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from pipeline.dedupe.signatures import SignatureParams

JACCARD_RULE = "minhash-lsh"
CONTAINMENT_RULE = "minhash-containment"


class Match(NamedTuple):
    """Why two texts are one story: the rule that held, with both estimates as evidence."""

    rule: str
    jaccard: float
    containment: float

    def evidence(self) -> dict[str, float]:
        return {
            "estimated_jaccard": round(self.jaccard, 4),
            "estimated_containment": round(self.containment, 4),
        }


def shingle_count(words: int, shingle_size: int) -> int:
    """Shingles of a text of `words` words (a text shorter than a shingle is one shingle)."""
    return max(words - shingle_size + 1, 1)


def estimated_containment(jaccard: float, size_a: int, size_b: int) -> float:
    """The share of the smaller set that lies in the larger, from their Jaccard similarity and sizes."""
    if jaccard <= 0:
        return 0.0
    return min(1.0, jaccard * (size_a + size_b) / ((1 + jaccard) * min(size_a, size_b)))


def judge(
    values_a: np.ndarray, words_a: int, values_b: np.ndarray, words_b: int, params: SignatureParams
) -> Match | None:
    """The rule by which texts a and b (signatures and word counts) are one story, or None.

    Containment needs the shorter text to have some length and the signatures to agree on enough
    permutations: a short text's few shingles, or a handful of agreeing values against a text many
    times longer, make the estimate too loose to join on."""
    agree = int(np.count_nonzero(values_a == values_b))
    jaccard = agree / len(values_a)
    size = params.shingle_size
    containment = estimated_containment(jaccard, shingle_count(words_a, size), shingle_count(words_b, size))
    if jaccard >= params.threshold:
        return Match(JACCARD_RULE, jaccard, containment)
    if (
        containment >= params.containment
        and min(words_a, words_b) >= params.containment_min_words
        and agree >= params.containment_min_agree
    ):
        return Match(CONTAINMENT_RULE, jaccard, containment)
    return None
