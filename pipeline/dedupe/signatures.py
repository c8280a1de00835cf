"""Story signatures: the MinHash of a text's word shingles and its LSH band hashes, with the
parameters that made them (signatures made with other parameters cannot be compared).

Made away from the database, in the extraction workers; stories.py stores and compares them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

import numpy as np

_WORDS = re.compile(r"\w+", re.UNICODE)


# Band layouts written by earlier versions, (first band number, bands, rows): looked up as long as
# the database holds rows of them (an article's bands are rewritten in the new layout with its text).
EARLIER_LAYOUTS = ((0, 32, 4),)


@dataclass(frozen=True, slots=True)
class SignatureParams:
    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 5
    # 32 bands of 2 rows (numbered 32-63), from the first 64 permutations: a pair at Jaccard 0.25
    # (a copy cut to half, in another template) is a candidate 87% of the time, at 0.3 95%, for as
    # many band rows per article as EARLIER_LAYOUTS's 32 bands of 4 rows.
    bands: int = 32
    rows: int = 2
    first_band: int = 32
    band_limit: int = 50  # articles read per band looked up: furniture shared by thousands stays cheap
    threshold: float = 0.5  # estimated Jaccard at which two articles are one story
    containment: float = 0.6  # ... or estimated containment of the shorter in the longer
    containment_min_words: int = 40
    containment_min_agree: int = 10  # permutations on which the two signatures agree
    scheme: str = "affine32"


def shingles(text: str, size: int) -> list[bytes]:
    """Each run of `size` words, lowercased, joined by one space, in UTF-8."""
    words = _WORDS.findall(text.lower())
    if len(words) < size:
        return [" ".join(words).encode("utf-8")] if words else []
    joined = " ".join(words).encode("utf-8")
    if len(joined) != len(words) + sum(map(len, words)) - 1:  # not ASCII: join each run itself
        return [" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)]
    # ASCII: every run is a slice of the joined text (one copy per shingle, not three)
    starts = [0, *accumulate(len(word) + 1 for word in words)]
    return [joined[starts[i] : starts[i + size] - 1] for i in range(len(words) - size + 1)]


@cache
def _permutations(params: SignatureParams) -> np.ndarray:
    """The seed's permutations, drawn once per process rather than once per text."""
    from datasketch import MinHash

    return MinHash(num_perm=params.num_perm, seed=params.seed, scheme=params.scheme).permutations


def signature(text: str, params: SignatureParams) -> np.ndarray:
    """The text's MinHash. datasketch is imported here, where signatures are made (the extraction
    workers): with the SciPy it loads, it would slow the crawl process's start."""
    from datasketch import LeanMinHash, MinHash

    minhash = MinHash(
        num_perm=params.num_perm, seed=params.seed, scheme=params.scheme, permutations=_permutations(params)
    )
    minhash.update_batch(shingles(text, params.shingle_size))
    return LeanMinHash(minhash, scheme=params.scheme).hashvalues.astype(np.uint64)


def band_hashes(hashvalues: np.ndarray, params: SignatureParams) -> list[int]:
    """One signed 64-bit hash per band (what PostgreSQL's bigint index holds)."""
    return layout_band_hashes(hashvalues, params.bands, params.rows)


def layout_band_hashes(hashvalues: np.ndarray, bands: int, rows: int) -> list[int]:
    """The hashes of `bands` bands of `rows` values each, from the first permutations on."""
    return [
        int.from_bytes(hashlib.blake2b(band.tobytes(), digest_size=8).digest(), "big", signed=True)
        for band in hashvalues[: bands * rows].reshape(bands, rows)
    ]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def _digest(text_: str) -> bytes:
    return hashlib.blake2b(text_.encode("utf-8"), digest_size=16).digest()


@dataclass(frozen=True, slots=True)
class StorySignature:
    """A text's signature and band hashes, computable away from the database (in an extraction
    worker); the text's digest makes sure it is used only for the very text that is stored."""

    values: np.ndarray
    bands: tuple[int, ...]
    params: SignatureParams
    text_digest: bytes
    words: int  # as article_versions.word_count counts them

    @classmethod
    def of(cls, text_: str, params: SignatureParams) -> StorySignature:
        values = signature(text_, params)
        return cls(values, tuple(band_hashes(values, params)), params, _digest(text_), len(text_.split()))

    def fits(self, text_: str, params: SignatureParams) -> bool:
        return self.params == params and self.text_digest == _digest(text_)
