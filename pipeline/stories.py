"""Near-duplicate stories: syndicated wire copy and light rewrites across outlets, one cluster.

MinHash signatures of word shingles, with LSH bands stored in PostgreSQL (`minhash_bands`), so a
lookup touches only the articles sharing a band, stays correct across runs and workers, and does
not need the corpus in memory. Each signature is stored with its parameters, because signatures
made with other parameters (or datasketch's pre-2.0 scheme) cannot be compared.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from pipeline.models import Article, ArticleSignature, Decision, MinhashBand, Story

STORY_LOCK = 0x53_54_4F_52_59  # serializes story assignment across concurrent workers
_WORDS = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SignatureParams:
    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 5
    bands: int = 32  # 32 bands of 4 rows: pairs above ~0.42 Jaccard become candidates
    threshold: float = 0.5  # estimated Jaccard at which two articles are one story
    scheme: str = "affine32"

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands


def shingles(text: str, size: int) -> list[bytes]:
    words = _WORDS.findall(text.lower())
    if len(words) < size:
        return [" ".join(words).encode("utf-8")] if words else []
    return [" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)]


def signature(text: str, params: SignatureParams) -> np.ndarray:
    minhash = MinHash(num_perm=params.num_perm, seed=params.seed, scheme=params.scheme)
    minhash.update_batch(shingles(text, params.shingle_size))
    return LeanMinHash(minhash, scheme=params.scheme).hashvalues.astype(np.uint64)


def band_hashes(hashvalues: np.ndarray, params: SignatureParams) -> list[int]:
    """One signed 64-bit hash per band (what PostgreSQL's bigint index holds)."""
    rows = hashvalues.reshape(params.bands, params.rows)
    return [
        int.from_bytes(hashlib.blake2b(row.tobytes(), digest_size=8).digest(), "big", signed=True)
        for row in rows
    ]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


class StoryClusterer:
    """Assigns each article with a new text to a story, inside the store's transaction."""

    def __init__(self, params: SignatureParams | None = None) -> None:
        self.params = params or SignatureParams()
        self.counts = {"story_joined": 0, "story_new": 0}

    def assign(self, conn: Connection, article_id: int, version_id: int, text_: str, run_id) -> None:
        params = self.params
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": STORY_LOCK})
        values = signature(text_, params)
        bands = band_hashes(values, params)
        self._store_signature(conn, article_id, version_id, values, bands)

        current = conn.execute(select(Article.story_id).where(Article.id == article_id)).scalar()
        if current is not None:
            return  # an updated text keeps the story the article already belongs to
        match = self._best_match(conn, article_id, values, bands)
        if match is None:
            story_id = conn.execute(insert(Story).returning(Story.id)).scalar_one()
            self.counts["story_new"] += 1
        else:
            other_id, story_id, score = match
            self.counts["story_joined"] += 1
            conn.execute(
                insert(Decision).values(
                    run_id=run_id,
                    kind="story_joined",
                    rule="minhash-lsh",
                    subject=str(article_id),
                    article_id=article_id,
                    story_id=story_id,
                    evidence={
                        "similar_to_article": other_id,
                        "estimated_jaccard": round(score, 4),
                        **asdict(params),
                    },
                )
            )
        conn.execute(update(Article).where(Article.id == article_id).values(story_id=story_id))

    def _store_signature(self, conn, article_id, version_id, values, bands) -> None:
        params = self.params
        row = {
            "article_id": article_id,
            "version_id": version_id,
            "num_perm": params.num_perm,
            "seed": params.seed,
            "shingle_size": params.shingle_size,
            "scheme": params.scheme,
            "hashvalues": values.tobytes(),
        }
        stmt = pg_insert(ArticleSignature).values(row)
        conn.execute(stmt.on_conflict_do_update(index_elements=["article_id"], set_=row))
        conn.execute(delete(MinhashBand).where(MinhashBand.article_id == article_id))
        conn.execute(
            insert(MinhashBand),
            [{"band": i, "hash": h, "article_id": article_id} for i, h in enumerate(bands)],
        )

    def _best_match(self, conn, article_id, values, bands) -> tuple[int, int, float] | None:
        params = self.params
        candidates = conn.execute(
            text(
                "SELECT DISTINCT s.article_id, s.hashvalues, a.story_id"
                " FROM minhash_bands b"
                " JOIN unnest(CAST(:bands AS smallint[]), CAST(:hashes AS bigint[])) AS q(band, hash)"
                "   ON b.band = q.band AND b.hash = q.hash"
                " JOIN article_signatures s ON s.article_id = b.article_id"
                " JOIN articles a ON a.id = b.article_id"
                " WHERE b.article_id <> :me AND a.story_id IS NOT NULL"
                "   AND s.num_perm = :num_perm AND s.seed = :seed"
                "   AND s.shingle_size = :shingle_size AND s.scheme = :scheme"
            ),
            {
                "bands": list(range(len(bands))),
                "hashes": bands,
                "me": article_id,
                "num_perm": params.num_perm,
                "seed": params.seed,
                "shingle_size": params.shingle_size,
                "scheme": params.scheme,
            },
        ).all()
        best = None
        for other_id, stored, story_id in candidates:
            score = similarity(values, np.frombuffer(stored, dtype=np.uint64))
            if score >= params.threshold and (best is None or score > best[2]):
                best = (other_id, story_id, score)
        return best
