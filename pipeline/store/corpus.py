"""Writing the corpus: captures, outlets, articles, versions, stories and decisions, one batch
per transaction. Shared by the crawl (postgres.py) and by reprocess/import (rebuild/reprocess.py).

A re-fetched article becomes a new version only when the hash of its text's comparison form
(normalize/comparison.py) differs from its latest version of the same extraction; every fold of a
URL variant into an article, every fold refused because the text is another article's
(dedupe/folds.py), and every
unchanged re-fetch is recorded in `decisions` with its rule. Each article a batch placed becomes a
member of the writing run's collection (collection_articles): a reprocess or import into another
collection takes in the articles it read, even when their captures were already stored.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import distinct_on, insert

from pipeline.dedupe.folds import Conflict, conflict, conflict_decision, fold_decision
from pipeline.dedupe.stories import STORY_LOCK, NewText, StoryClusterer
from pipeline.models import Article, ArticleVersion, Capture, Decision, Outlet
from pipeline.normalize.comparison import comparison_form

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from pipeline.items import PageItem


def _settings_key(settings: dict | None) -> str:
    return json.dumps(settings or {}, sort_keys=True)


def _extraction_key(article_id: int, item: PageItem) -> tuple:
    e = item.extracted
    return (article_id, e.extractor, e.extractor_version, _settings_key(e.extractor_settings))


# The writing run's collection (the membership triggers add the capturing run's: the same in a
# crawl). A capture another run made was taken in now, not when it was fetched: the collection that
# fetched it stays the article's first.
MEMBERSHIP = text("""
    INSERT INTO collection_articles (collection, article_id, first_seen)
    SELECT r.collection, m.article_id, min(CASE WHEN c.run_id = r.id THEN c.fetched_at ELSE now() END)
    FROM crawl_runs r
    CROSS JOIN unnest(CAST(:ids AS bigint[]), CAST(:captures AS bigint[])) AS m(article_id, capture_id)
    JOIN captures c ON c.id = m.capture_id
    WHERE r.id = :run_id
    GROUP BY r.collection, m.article_id
    ON CONFLICT (collection, article_id) DO UPDATE SET first_seen = EXCLUDED.first_seen
    WHERE EXCLUDED.first_seen < collection_articles.first_seen
""")


class CorpusWriter:
    def __init__(self, engine: Engine, clusterer: StoryClusterer | None = None) -> None:
        self.engine = engine
        self.clusterer = clusterer or StoryClusterer()
        self.counts: dict[str, int] = dict.fromkeys(
            ("new", "updated", "unchanged", "reextracted", "captures", "url_folded", "identity_conflict"), 0
        )

    def write(
        self,
        captures: list[dict],
        items: list[PageItem],
        run_id: int | None = None,
        notes: dict[str, str] | None = None,
        not_modified: list[dict] | None = None,
    ) -> None:
        """One transaction: captures, then articles and versions, then notes on captures
        (record id -> why the page is not an article)."""
        with self.engine.begin() as conn:
            if captures:
                conn.execute(
                    insert(Capture).on_conflict_do_nothing(index_elements=["warc_record_id"]),
                    captures,
                )
                self.counts["captures"] += len(captures)
            if notes:
                conn.execute(
                    update(Capture)
                    .where(Capture.warc_record_id == bindparam("record_id"))
                    .values(note=bindparam("note")),
                    [{"record_id": r, "note": n} for r, n in notes.items()],
                )
            if items:
                # The article's own URL before its variants, so its text is the one versioned.
                ordered = sorted(items, key=lambda i: (i.url != i.canonical_url, i.fetched_at))
                # Workers of a distributed crawl write at once: one writer of articles at a time,
                # so two copies of an article never both read "no version yet" and both add one.
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": STORY_LOCK})
                self._write_items(conn, ordered, run_id)
            if not_modified:
                self._write_not_modified(conn, not_modified, run_id)
        self.counts.update(self.clusterer.counts)

    def _write_items(self, conn: Connection, items: list[PageItem], run_id) -> None:
        capture_ids = self._capture_ids(conn, items)
        versions: list[dict] = []
        decisions: list[dict] = []
        new_texts: dict[tuple, PageItem] = {}
        members: list[tuple[int, int]] = []  # (article, capture of this fetch)
        out = (versions, decisions, new_texts, members)
        _, conflicts = self._place(conn, items, run_id, capture_ids, out)
        if conflicts:  # each kept as its own article, under its own URL
            own_ids, _ = self._place(conn, [c.item for c in conflicts], run_id, capture_ids, out, own=True)
            for found in conflicts:
                fetch_id = capture_ids[found.item.capture_record_id or found.item.warc.record_id]
                decisions.append(conflict_decision(found, own_ids[found.item.url_key], fetch_id, run_id))

        if versions:
            inserted = conn.execute(
                insert(ArticleVersion)
                .on_conflict_do_nothing()
                .returning(ArticleVersion.id, ArticleVersion.article_id, ArticleVersion.capture_id),
                versions,
            ).all()
            stories = [
                NewText(article_id, version_id, item.text, item.precomputed and item.precomputed.signature)
                for version_id, article_id, capture_id in inserted
                if (item := new_texts.get((article_id, capture_id)))
            ]
            self.clusterer.assign_batch(conn, stories, run_id)
        if decisions:
            conn.execute(insert(Decision).on_conflict_do_nothing(), decisions)
        if members and run_id is not None:
            ids, fetches = zip(*members, strict=True)
            conn.execute(MEMBERSHIP, {"run_id": run_id, "ids": list(ids), "captures": list(fetches)})

    def _place(self, conn, items, run_id, capture_ids, out, own: bool = False) -> tuple[dict, list]:
        """Each item as a new version, an unchanged re-fetch or a fold into its article; the URL
        variants whose text is another article's come back as conflicts (`own`: never a variant)."""
        versions, decisions, new_texts, members = out
        article_ids, canonical = self._upsert_articles(conn, items)
        latest = self._latest_hashes(conn, article_ids.values())
        known_articles = {key[0] for key in latest}
        texts: dict[tuple, str] = {}  # latest texts versioned in this batch
        conflicts: list[Conflict] = []
        for item in items:
            article_id = article_ids[item.url_key]
            capture_id = capture_ids[item.warc.record_id]  # where the text's bytes are
            fetch_id = capture_ids[item.capture_record_id or item.warc.record_id]  # this fetch
            key = _extraction_key(article_id, item)
            previous = latest.get(key)
            if not own and item.url != canonical[article_id]:
                if previous is not None and previous != item.content_hash:
                    text_ = texts.get(key) or self._version_text(conn, article_id, previous)
                    if found := conflict(item, article_id, canonical[article_id], text_):
                        self.counts["identity_conflict"] += 1
                        conflicts.append(found)
                        continue
                members.append((article_id, fetch_id))
                self.counts["url_folded"] += 1
                decisions.append(
                    fold_decision(item, article_id, fetch_id, canonical[article_id], run_id, previous)
                )
                if article_id in known_articles:
                    continue  # an AMP/print/mobile copy never replaces the article's own text
            members.append((article_id, fetch_id))
            if previous == item.content_hash:
                self.counts["unchanged"] += 1
                decisions.append(self._unchanged_decision(item, article_id, fetch_id, run_id))
                continue
            if previous is None and article_id not in known_articles:
                self.counts["new"] += 1
                new_texts[(article_id, capture_id)] = item
            elif previous is None:
                self.counts["reextracted"] += 1
            else:
                self.counts["updated"] += 1
                new_texts[(article_id, capture_id)] = item
            latest[key], texts[key] = item.content_hash, item.text
            known_articles.add(article_id)
            versions.append(self._version_row(item, article_id, capture_id))
        return article_ids, conflicts

    @staticmethod
    def _version_text(conn: Connection, article_id: int, content_hash: str) -> str:
        return conn.execute(
            select(ArticleVersion.text)
            .where(ArticleVersion.article_id == article_id, ArticleVersion.content_hash == content_hash)
            .limit(1)
        ).scalar_one()

    def _write_not_modified(self, conn: Connection, events: list[dict], run_id) -> None:
        """A 304 to a conditional request: the article was seen, unchanged."""
        record_ids = [e["capture"] for e in events] + [e["original"] for e in events]
        ids = dict(
            conn.execute(
                select(Capture.warc_record_id, Capture.id).where(Capture.warc_record_id.in_(record_ids))
            ).all()
        )
        articles = dict(
            conn.execute(
                select(ArticleVersion.capture_id, ArticleVersion.article_id).where(
                    ArticleVersion.capture_id.in_([ids.get(e["original"]) for e in events])
                )
            ).all()
        )
        decisions, seen = [], []
        for event in events:
            article_id = articles.get(ids.get(event["original"]))
            if article_id is None:
                continue  # the page was never an article
            self.counts["unchanged"] += 1
            seen.append({"id_": article_id, "at": event["fetched_at"]})
            decisions.append(
                {
                    "run_id": run_id,
                    "kind": "unchanged_refetch",
                    "rule": "not-modified-304",
                    "subject": event["url"],
                    "article_id": article_id,
                    "capture_id": ids.get(event["capture"]),
                    "evidence": {"refers_to": event["original"]},
                }
            )
        if seen:
            conn.execute(
                update(Article)
                .where(Article.id == bindparam("id_"))
                .values(last_seen=func.greatest(Article.last_seen, bindparam("at"))),
                seen,
            )
        if decisions:
            conn.execute(insert(Decision).on_conflict_do_nothing(), decisions)

    @staticmethod
    def _capture_ids(conn: Connection, items: list[PageItem]) -> dict[str, int]:
        record_ids = [i.warc.record_id for i in items] + [
            i.capture_record_id for i in items if i.capture_record_id
        ]
        found = dict(
            conn.execute(
                select(Capture.warc_record_id, Capture.id).where(Capture.warc_record_id.in_(record_ids))
            ).all()
        )
        missing = [rid for rid in record_ids if rid not in found]
        if missing:
            raise RuntimeError(f"no capture row for WARC records {missing[:3]}")
        return found

    @staticmethod
    def _upsert_articles(conn: Connection, items: list[PageItem]) -> tuple[dict, dict]:
        outlets = {i.outlet_domain: i.outlet_name for i in items}
        conn.execute(
            insert(Outlet).on_conflict_do_nothing(index_elements=["domain"]),
            [{"domain": d, "name": n} for d, n in outlets.items()],
        )
        outlet_ids = dict(
            conn.execute(select(Outlet.domain, Outlet.id).where(Outlet.domain.in_(outlets))).all()
        )
        rows: dict[str, dict] = {}
        for item in items:
            row = rows.setdefault(
                item.url_key,
                {
                    "canonical_url": item.canonical_url,
                    "url_key": item.url_key,
                    "outlet_id": outlet_ids[item.outlet_domain],
                    "first_seen": item.fetched_at,
                    "last_seen": item.fetched_at,
                    # First discovery wins: the conflict update below leaves these alone.
                    "discovered_via": item.discovered_via,
                    "discovered_from": item.discovered_from,
                },
            )
            row["last_seen"] = max(row["last_seen"], item.fetched_at)
        stmt = insert(Article)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["url_key"],
                set_={
                    "first_seen": func.least(Article.first_seen, stmt.excluded.first_seen),
                    "last_seen": func.greatest(Article.last_seen, stmt.excluded.last_seen),
                },
            ),
            list(rows.values()),
        )
        archived = [
            {
                "record_id": i.capture_record_id or i.warc.record_id,
                "at": datetime.fromisoformat(i.notes["archived_at"]),
            }
            for i in items
            if i.notes.get("archived_at")
        ]
        if archived:  # pages taken from a web archive: the archive's capture time
            conn.execute(
                update(Capture)
                .where(Capture.warc_record_id == bindparam("record_id"))
                .values(archived_at=bindparam("at")),
                archived,
            )
        found = conn.execute(
            select(Article.url_key, Article.id, Article.canonical_url).where(Article.url_key.in_(rows))
        ).all()
        return {key: id_ for key, id_, _ in found}, {id_: url for _, id_, url in found}

    @staticmethod
    def _latest_hashes(conn: Connection, article_ids) -> dict[tuple, str]:
        """Latest content hash per (article, extractor, version, settings)."""
        v = ArticleVersion
        rows = conn.execute(
            select(v.article_id, v.extractor, v.extractor_version, v.extractor_settings, v.content_hash)
            .where(v.article_id.in_(list(article_ids)))
            .ext(distinct_on(v.article_id, v.extractor, v.extractor_version, v.extractor_settings))
            .order_by(
                v.article_id,
                v.extractor,
                v.extractor_version,
                v.extractor_settings,
                v.captured_at.desc(),
                v.id.desc(),
            )
        ).all()
        return {(a, e, ev, _settings_key(s)): h for a, e, ev, s, h in rows}

    @staticmethod
    def _unchanged_decision(item, article_id, capture_id, run_id) -> dict:
        ignored = comparison_form(item.text, item.extracted.dek if item.extracted else None)[1]
        return {
            "run_id": run_id,
            "kind": "unchanged_refetch",
            "rule": "volatile-lines-ignored" if ignored else "same-text",
            "subject": item.url,
            "article_id": article_id,
            "capture_id": capture_id,
            "evidence": {"content_hash": item.content_hash, "ignored_lines": ignored},
        }

    @staticmethod
    def _version_row(item: PageItem, article_id: int, capture_id: int) -> dict:
        extracted = item.extracted
        return {
            "article_id": article_id,
            "capture_id": capture_id,
            "captured_at": item.fetched_at,
            "content_hash": item.content_hash,
            "title": extracted.title,
            "dek": extracted.dek,
            "authors": extracted.authors,
            "published_at": extracted.published_at,
            "updated_at": extracted.updated_at,
            "section": extracted.section,
            "language": extracted.language,
            "text": item.text,
            "word_count": item.word_count,
            "extractor": extracted.extractor,
            "extractor_version": extracted.extractor_version,
            "extractor_settings": extracted.extractor_settings,
            "tags": extracted.tags,
            "extraction_fixes": extracted.fixes,
            "access": extracted.access,
            "page_kind": extracted.page_kind,
        }
