"""Near-duplicate stories: syndicated wire copy and light rewrites across outlets, one cluster.

MinHash signatures of word shingles, with LSH bands stored in PostgreSQL (`minhash_bands`), so a
lookup touches only the articles sharing a band, stays correct across runs and workers, and does
not need the corpus in memory. Each signature is stored with its parameters, because signatures
made with other parameters (or datasketch's pre-2.0 scheme) cannot be compared.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from itertools import accumulate
from typing import NamedTuple

import numpy as np
from sqlalchemy import bindparam, delete, func, insert, select, text, update
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
    workers): with the SciPy it loads, it was a quarter of the crawl process's start (0.5 s)."""
    from datasketch import LeanMinHash, MinHash

    minhash = MinHash(
        num_perm=params.num_perm, seed=params.seed, scheme=params.scheme, permutations=_permutations(params)
    )
    minhash.update_batch(shingles(text, params.shingle_size))
    return LeanMinHash(minhash, scheme=params.scheme).hashvalues.astype(np.uint64)


def band_hashes(hashvalues: np.ndarray, params: SignatureParams) -> list[int]:
    """One signed 64-bit hash per band (what PostgreSQL's bigint index holds)."""
    rows = hashvalues.reshape(params.bands, params.rows)
    return [
        int.from_bytes(hashlib.blake2b(row.tobytes(), digest_size=8).digest(), "big", signed=True)
        for row in rows
    ]


def int_array(values: Iterable[int]) -> str:
    """Integers as one PostgreSQL array literal ('{1,2,3}'), for CAST(:p AS bigint[]): a batch's
    bands are thousands of numbers, which the driver would otherwise adapt one by one."""
    return "{" + ",".join(map(str, values)) + "}"


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

    @classmethod
    def of(cls, text_: str, params: SignatureParams) -> StorySignature:
        values = signature(text_, params)
        return cls(values, tuple(band_hashes(values, params)), params, _digest(text_))

    def fits(self, text_: str, params: SignatureParams) -> bool:
        return self.params == params and self.text_digest == _digest(text_)


class NewText(NamedTuple):
    """An article's new version to place in a story; `signature` when computed beforehand."""

    article_id: int
    version_id: int
    text: str
    signature: StorySignature | None = None


class StoryClusterer:
    """Assigns each article with a new text to a story, inside the store's transaction.

    A story is a connected set: two articles whose estimated Jaccard similarity reaches the
    threshold are in one story, and a new text that reaches two stories merges them into the older
    one. So the stories do not depend on the order the articles arrive in, which concurrent
    crawlers cannot fix. (Updated texts keep their article's story.)

    A batch takes a fixed number of queries, and ends as if its texts had been assigned one at a
    time in order: a text is compared with the database as it was before the batch, except that
    the batch's earlier texts have replaced their articles' signatures there. A join is recorded
    against the most similar article, the lowest article id among equals.
    """

    def __init__(self, params: SignatureParams | None = None) -> None:
        self.params = params or SignatureParams()
        self.counts = {"story_joined": 0, "story_new": 0, "story_merged": 0}

    def assign(self, conn: Connection, article_id: int, version_id: int, text_: str, run_id) -> None:
        self.assign_batch(conn, [NewText(article_id, version_id, text_)], run_id)

    def assign_batch(self, conn: Connection, texts: Sequence[NewText], run_id) -> None:
        if not texts:
            return
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": STORY_LOCK})
        signatures = [self._signature(t) for t in texts]
        ids = {t.article_id for t in texts}
        story = dict(conn.execute(select(Article.id, Article.story_id).where(Article.id.in_(ids))).all())
        stored = self._stored_candidates(conn, texts, signatures)

        latest: dict[int, tuple[int, StorySignature]] = {}  # article -> (version, signature) so far
        by_band: dict[tuple[int, int], set[int]] = defaultdict(set)  # (band, hash) -> those articles
        placed: dict[int, int] = {}  # article -> story, a negative placeholder for a new one
        stories = _StoryMerges()
        joins: list[tuple[int, int, int, float]] = []  # (article, other, story, score)
        for position, (new, sig) in enumerate(zip(texts, signatures, strict=True)):
            if new.article_id in latest:
                for key in enumerate(latest[new.article_id][1].bands):
                    by_band[key].discard(new.article_id)
            latest[new.article_id] = (new.version_id, sig)
            for key in enumerate(sig.bands):
                by_band[key].add(new.article_id)
            if story.get(new.article_id) is not None:
                continue  # an updated text keeps the story the article already belongs to
            candidates = {
                other: found
                for other, found in stored.get(position, {}).items()
                if other not in latest  # not yet replaced by a text of this batch
            }
            for key in enumerate(sig.bands):
                for other in by_band.get(key, ()):
                    if other != new.article_id and story.get(other) is not None:
                        candidates[other] = (latest[other][1].values, story[other])
            matches = self._matches(sig.values, candidates, stories)
            if not matches:
                story_id = stories.new()
            else:
                other, story_id, score = matches[0]
                story_id = stories.merge(new.article_id, matches)
                joins.append((new.article_id, other, story_id, score))
            story[new.article_id] = placed[new.article_id] = story_id
        self._write(conn, latest, placed, stories, joins, ids, run_id)

    def _signature(self, new: NewText) -> StorySignature:
        if new.signature is not None and new.signature.fits(new.text, self.params):
            return new.signature
        return StorySignature.of(new.text, self.params)

    def _stored_candidates(self, conn, texts, signatures) -> dict[int, dict[int, tuple]]:
        """Per text of the batch (by position): the other articles in a story whose stored bands
        share one of its bands (as the database holds them before the batch), with signature and story."""
        params = self.params
        rows = conn.execute(
            text(
                "SELECT DISTINCT q.pos, s.article_id, s.hashvalues, a.story_id"
                " FROM unnest(CAST(:positions AS int[]), CAST(:mes AS bigint[]),"
                "   CAST(:bands AS smallint[]), CAST(:hashes AS bigint[])) AS q(pos, me, band, hash)"
                " JOIN minhash_bands b ON b.band = q.band AND b.hash = q.hash"
                " JOIN article_signatures s ON s.article_id = b.article_id"
                " JOIN articles a ON a.id = b.article_id"
                " WHERE b.article_id <> q.me AND a.story_id IS NOT NULL"
                "   AND s.num_perm = :num_perm AND s.seed = :seed"
                "   AND s.shingle_size = :shingle_size AND s.scheme = :scheme"
            ),
            {
                "positions": int_array(i for i, sig in enumerate(signatures) for _ in sig.bands),
                "mes": int_array(
                    t.article_id for t, sig in zip(texts, signatures, strict=True) for _ in sig.bands
                ),
                "bands": int_array(band for sig in signatures for band in range(len(sig.bands))),
                "hashes": int_array(h for sig in signatures for h in sig.bands),
                "num_perm": params.num_perm,
                "seed": params.seed,
                "shingle_size": params.shingle_size,
                "scheme": params.scheme,
            },
        ).all()
        found: dict[int, dict[int, tuple]] = defaultdict(dict)
        for position, other, stored, story_id in rows:
            found[position][other] = (np.frombuffer(stored, dtype=np.uint64), story_id)
        return found

    def _matches(self, values, candidates: dict[int, tuple], stories: _StoryMerges | None = None) -> list:
        """(article, story, score) for each story reached, by its most similar article: the best
        first, the lowest article id among equals."""
        stories = stories or _StoryMerges()
        best: dict[int, tuple[int, int, float]] = {}
        for other in sorted(candidates):
            stored, story_id = candidates[other]
            score = similarity(values, stored)
            story_id = stories.find(story_id)
            if score >= self.params.threshold and (story_id not in best or score > best[story_id][2]):
                best[story_id] = (other, story_id, score)
        return sorted(best.values(), key=lambda m: (-m[2], m[0]))

    def _write(self, conn, latest, placed, stories: _StoryMerges, joins, ids, run_id) -> None:
        """Signatures and bands of the batch, its new stories, joins and story ids: a few statements."""
        params = self.params
        rows = [
            {
                "article_id": article_id,
                "version_id": version_id,
                "num_perm": params.num_perm,
                "seed": params.seed,
                "shingle_size": params.shingle_size,
                "scheme": params.scheme,
                "hashvalues": sig.values.tobytes(),
            }
            for article_id, (version_id, sig) in latest.items()
        ]
        stmt = pg_insert(ArticleSignature)
        columns = ("version_id", "num_perm", "seed", "shingle_size", "scheme", "hashvalues")
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["article_id"], set_={c: stmt.excluded[c] for c in columns}
            ),
            rows,
        )
        conn.execute(delete(MinhashBand).where(MinhashBand.article_id.in_(ids)))
        conn.execute(  # one statement of three arrays: a row per band is costly to send
            text(
                "INSERT INTO minhash_bands (band, hash, article_id) SELECT * FROM unnest("
                "CAST(:bands AS smallint[]), CAST(:hashes AS bigint[]), CAST(:ids AS bigint[]))"
            ),
            {
                "bands": int_array(i for _, sig in latest.values() for i in range(len(sig.bands))),
                "hashes": int_array(h for _, sig in latest.values() for h in sig.bands),
                "ids": int_array(a for a, (_, sig) in latest.items() for _ in sig.bands),
            },
        )
        made = {}
        if stories.created:
            created = conn.execute(
                insert(Story)
                .from_select(
                    [Story.created_at],
                    select(func.now()).select_from(func.generate_series(1, len(stories.created))),
                )
                .returning(Story.id)
            ).scalars()
            made = dict(zip(stories.created, sorted(created), strict=True))
            self.counts["story_new"] += len(stories.created)
        decisions = [
            {
                "run_id": run_id,
                "kind": "story_joined",
                "rule": "minhash-lsh",
                "subject": str(article_id),
                "article_id": article_id,
                "story_id": made.get(story_id, story_id),
                "evidence": {
                    "similar_to_article": other,
                    "estimated_jaccard": round(score, 4),
                    **asdict(params),
                },
            }
            for article_id, other, story_id, score in joins
        ]
        decisions += [
            {
                "run_id": run_id,
                "kind": "story_merged",
                "rule": "minhash-lsh",
                "subject": str(made.get(merged, merged)),
                "article_id": article_id,
                "story_id": made.get(into, into),
                "evidence": {
                    "merged_story": made.get(merged, merged),
                    "similar_to_article": other,
                    "estimated_jaccard": round(score, 4),
                    **asdict(params),
                },
            }
            for merged, into, article_id, other, score in stories.merges
        ]

        def final(story_id: int) -> int:
            root = stories.find(story_id)
            return made.get(root, root)

        self.counts["story_joined"] += len(joins)
        self.counts["story_merged"] += len(stories.merges)
        if decisions:
            conn.execute(insert(Decision), decisions)
        if stories.merges:  # every article of a merged story, stored before this batch too
            conn.execute(
                update(Article)
                .where(Article.story_id == bindparam("merged"))
                .values(story_id=bindparam("into")),
                [{"merged": made.get(m, m), "into": final(m)} for m, *_ in stories.merges],
            )
        if placed:
            conn.execute(
                update(Article).where(Article.id == bindparam("id_")).values(story_id=bindparam("story")),
                [{"id_": a, "story": final(s)} for a, s in placed.items()],
            )


class _StoryMerges:
    """The batch's stories: new ones as negative placeholders (-1 the first), and the merges made,
    each story pointing to the one it went into. The older story survives a merge: any stored story
    (a positive id, the lowest first) before a new one, and new ones in the order they were made."""

    def __init__(self) -> None:
        self.created: list[int] = []
        self.into: dict[int, int] = {}
        self.merges: list[tuple[int, int, int, int, float]] = []  # (merged, into, article, other, score)

    def new(self) -> int:
        self.created.append(-1 - len(self.created))
        return self.created[-1]

    def find(self, story_id: int) -> int:
        while story_id in self.into:
            story_id = self.into[story_id]
        return story_id

    def merge(self, article_id: int, matches: Sequence[tuple[int, int, float]]) -> int:
        """The story `article_id` joins: the oldest of those its matches reach, the others merged in."""
        oldest = min((story_id for _, story_id, _ in matches), key=lambda s: (s < 0, abs(s)))
        for other, story_id, score in matches:
            if story_id != oldest:
                self.into[story_id] = oldest
                self.merges.append((story_id, oldest, article_id, other, score))
        return oldest
