"""Near-duplicate stories: syndicated wire copy, light rewrites and cut copies across outlets, one cluster.

MinHash signatures of word shingles, with LSH bands stored in PostgreSQL (`minhash_bands`), so a
lookup touches only the articles sharing a band, stays correct across runs and workers, and does
not need the corpus in memory. Each signature is stored with its parameters, because signatures
made with other parameters (or datasketch's pre-2.0 scheme) cannot be compared. Which candidates
are one story is containment.py's `judge`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import NamedTuple

import numpy as np
from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from pipeline.dedupe.containment import Match, judge
from pipeline.dedupe.signatures import EARLIER_LAYOUTS, SignatureParams, StorySignature, layout_band_hashes
from pipeline.dedupe.signatures import band_hashes as band_hashes  # made here before signatures.py
from pipeline.dedupe.signatures import shingles as shingles
from pipeline.dedupe.signatures import signature as signature
from pipeline.dedupe.signatures import similarity as similarity
from pipeline.models import Article, ArticleSignature, Decision, MinhashBand, Story

STORY_LOCK = 0x53_54_4F_52_59  # serializes story assignment across concurrent workers


def int_array(values: Iterable[int]) -> str:
    """Integers as one PostgreSQL array literal ('{1,2,3}'), for CAST(:p AS bigint[]): a batch's
    bands are thousands of numbers, which the driver would otherwise adapt one by one."""
    return "{" + ",".join(map(str, values)) + "}"


class NewText(NamedTuple):
    """An article's new version to place in a story; `signature` when computed beforehand."""

    article_id: int
    version_id: int
    text: str
    signature: StorySignature | None = None


class StoryClusterer:
    """Assigns each article with a new text to a story, inside the store's transaction.

    A story is a connected set: two articles that containment.judge finds alike (by Jaccard, or
    the shorter contained in the longer) are in one story, and a new text that reaches two stories
    merges them into the older one. So the stories do not depend on the order the articles arrive
    in, which concurrent crawlers cannot fix. (Updated texts keep their article's story.)

    A batch takes a fixed number of queries, and ends as if its texts had been assigned one at a
    time in order: a text is compared with the database as it was before the batch, except that
    the batch's earlier texts have replaced their articles' signatures there. A join is recorded
    against the most similar article, the lowest article id among equals.
    """

    def __init__(self, params: SignatureParams | None = None) -> None:
        self.params = params or SignatureParams()
        self.counts = {"story_joined": 0, "story_new": 0, "story_merged": 0}
        self._earlier: list[tuple[int, int, int]] | None = None  # earlier layouts still stored

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
        joins: list[tuple[int, int, int, Match]] = []  # (article, other, story, why)
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
                        other_sig = latest[other][1]
                        candidates[other] = (other_sig.values, story[other], other_sig.words)
            matches = self._matches(sig, candidates, stories)
            if not matches:
                story_id = stories.new()
            else:
                other, story_id, match = matches[0]
                story_id = stories.merge(new.article_id, matches)
                joins.append((new.article_id, other, story_id, match))
            story[new.article_id] = placed[new.article_id] = story_id
        self._write(conn, latest, placed, stories, joins, ids, run_id)

    def _signature(self, new: NewText) -> StorySignature:
        if new.signature is not None and new.signature.fits(new.text, self.params):
            return new.signature
        return StorySignature.of(new.text, self.params)

    def _earlier_layouts(self, conn) -> list[tuple[int, int, int]]:
        """The earlier band layouts the database still holds rows of (asked until there are none:
        an earlier layout's rows are only ever replaced)."""
        if self._earlier is None or self._earlier:
            self._earlier = [
                (first, bands, rows)
                for first, bands, rows in EARLIER_LAYOUTS
                if conn.execute(
                    text("SELECT EXISTS (SELECT 1 FROM minhash_bands WHERE band BETWEEN :lo AND :hi)"),
                    {"lo": first, "hi": first + bands - 1},
                ).scalar()
            ]
        return self._earlier

    def _stored_candidates(self, conn, texts, signatures) -> dict[int, dict[int, tuple]]:
        """Per text of the batch (by position): the other articles in a story whose stored bands
        share one of its bands (as the database holds them before the batch), with signature, story
        and word count; at most `band_limit` articles a band, the latest."""
        params = self.params
        earlier = self._earlier_layouts(conn)
        probes = []  # (position, article, band, hash)
        for position, (new, sig) in enumerate(zip(texts, signatures, strict=True)):
            probes += [(position, new.article_id, params.first_band + i, h) for i, h in enumerate(sig.bands)]
            for first, bands, rows_ in earlier:
                hashes = layout_band_hashes(sig.values, bands, rows_)
                probes += [(position, new.article_id, first + i, h) for i, h in enumerate(hashes)]
        rows = conn.execute(
            text(
                "SELECT DISTINCT q.pos, s.article_id, s.hashvalues, a.story_id, v.word_count"
                " FROM unnest(CAST(:positions AS int[]), CAST(:mes AS bigint[]),"
                "   CAST(:bands AS smallint[]), CAST(:hashes AS bigint[])) AS q(pos, me, band, hash)"
                " CROSS JOIN LATERAL (SELECT b.article_id FROM minhash_bands b"
                "   WHERE b.band = q.band AND b.hash = q.hash AND b.article_id <> q.me"
                "   ORDER BY b.article_id DESC LIMIT :band_limit) b"
                " JOIN article_signatures s ON s.article_id = b.article_id"
                " JOIN articles a ON a.id = b.article_id"
                " JOIN article_versions v ON v.id = s.version_id"
                " WHERE a.story_id IS NOT NULL"
                "   AND s.num_perm = :num_perm AND s.seed = :seed"
                "   AND s.shingle_size = :shingle_size AND s.scheme = :scheme"
            ),
            {
                "positions": int_array(p[0] for p in probes),
                "mes": int_array(p[1] for p in probes),
                "bands": int_array(p[2] for p in probes),
                "hashes": int_array(p[3] for p in probes),
                "band_limit": params.band_limit,
                "num_perm": params.num_perm,
                "seed": params.seed,
                "shingle_size": params.shingle_size,
                "scheme": params.scheme,
            },
        ).all()
        found: dict[int, dict[int, tuple]] = defaultdict(dict)
        for position, other, stored, story_id, words in rows:
            found[position][other] = (np.frombuffer(stored, dtype=np.uint64), story_id, words)
        return found

    def _matches(
        self, sig: StorySignature, candidates: dict[int, tuple], stories: _StoryMerges | None = None
    ) -> list[tuple[int, int, Match]]:
        """(article, story, match) for each story reached, by its most similar article (Jaccard,
        then containment): the best first, the lowest article id among equals."""
        stories = stories or _StoryMerges()
        best: dict[int, tuple[int, int, Match]] = {}
        for other in sorted(candidates):
            stored, story_id, words = candidates[other]
            match = judge(sig.values, sig.words, stored, words, self.params)
            story_id = stories.find(story_id)
            if match is not None and (story_id not in best or match[1:] > best[story_id][2][1:]):
                best[story_id] = (other, story_id, match)
        return sorted(best.values(), key=lambda m: (-m[2].jaccard, -m[2].containment, m[0]))

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
                "bands": int_array(
                    params.first_band + i for _, sig in latest.values() for i in range(len(sig.bands))
                ),
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
                "rule": match.rule,
                "subject": str(article_id),
                "article_id": article_id,
                "story_id": made.get(story_id, story_id),
                "evidence": {"similar_to_article": other, **match.evidence(), **asdict(params)},
            }
            for article_id, other, story_id, match in joins
        ]
        decisions += [
            {
                "run_id": run_id,
                "kind": "story_merged",
                "rule": match.rule,
                "subject": str(made.get(merged, merged)),
                "article_id": article_id,
                "story_id": made.get(into, into),
                "evidence": {
                    "merged_story": made.get(merged, merged),
                    "similar_to_article": other,
                    **match.evidence(),
                    **asdict(params),
                },
            }
            for merged, into, article_id, other, match in stories.merges
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
        self.merges: list[tuple[int, int, int, int, Match]] = []  # (merged, into, article, other, why)

    def new(self) -> int:
        self.created.append(-1 - len(self.created))
        return self.created[-1]

    def find(self, story_id: int) -> int:
        while story_id in self.into:
            story_id = self.into[story_id]
        return story_id

    def merge(self, article_id: int, matches: Sequence[tuple[int, int, Match]]) -> int:
        """The story `article_id` joins: the oldest of those its matches reach, the others merged in."""
        oldest = min((story_id for _, story_id, _ in matches), key=lambda s: (s < 0, abs(s)))
        for other, story_id, match in matches:
            if story_id != oldest:
                self.into[story_id] = oldest
                self.merges.append((story_id, oldest, article_id, other, match))
        return oldest
