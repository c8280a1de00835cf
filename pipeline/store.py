"""Stage 4: the corpus. Captures and articles go to PostgreSQL in batches, idempotently.

A re-fetched article becomes a new version only when its text hash differs from its latest
version; an unchanged re-fetch only moves the article's last_seen.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from pipeline.database import engine_for
from pipeline.models import Article, ArticleVersion, Capture, Outlet
from pipeline.paths import resolve_warc, warc_reference
from pipeline.runs import finish_run, start_run
from warc.middleware import CaptureRecord, capture_recorded
from warc.writer import RecordLocation, warc_date

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from pipeline.items import PageItem

log = logging.getLogger(__name__)


def _settings_key(settings: dict | None) -> str:
    return json.dumps(settings or {}, sort_keys=True)


def capture_row(capture: CaptureRecord, run_id: int | None) -> dict:
    location = capture.location
    row = {k: v for k, v in asdict(capture).items() if k != "location"}
    row.update(
        run_id=run_id,
        warc_file=warc_reference(location.path) if location else None,
        warc_offset=location.offset if location else None,
        warc_length=location.length if location else None,
        warc_record_id=location.record_id if location else None,
        payload_digest=location.payload_digest if location else None,
    )
    return row


class CorpusWriter:
    """Writes batches of captures and pages in one transaction each; counts what it did."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.counts: dict[str, int] = dict.fromkeys(
            ("new", "updated", "unchanged", "reextracted", "captures"), 0
        )

    def write(self, captures: list[dict], items: list[PageItem]) -> None:
        with self.engine.begin() as conn:
            if captures:
                conn.execute(
                    insert(Capture).on_conflict_do_nothing(index_elements=["warc_record_id"]),
                    captures,
                )
                self.counts["captures"] += len(captures)
            if items:
                self._write_items(conn, items)

    def _write_items(self, conn: Connection, items: list[PageItem]) -> None:
        items = sorted(items, key=lambda i: i.fetched_at)
        record_ids = [i.warc.record_id for i in items]
        capture_ids = dict(
            conn.execute(
                select(Capture.warc_record_id, Capture.id).where(Capture.warc_record_id.in_(record_ids))
            ).all()
        )
        missing = [rid for rid in record_ids if rid not in capture_ids]
        if missing:
            raise RuntimeError(f"no capture row for WARC records {missing[:3]}")

        outlets = {i.outlet_domain: i.outlet_name for i in items}
        conn.execute(
            insert(Outlet).on_conflict_do_nothing(index_elements=["domain"]),
            [{"domain": d, "name": n} for d, n in outlets.items()],
        )
        outlet_ids = dict(
            conn.execute(select(Outlet.domain, Outlet.id).where(Outlet.domain.in_(outlets))).all()
        )

        seen: dict[str, dict] = {}
        for item in items:
            row = seen.setdefault(
                item.canonical_url,
                {
                    "canonical_url": item.canonical_url,
                    "outlet_id": outlet_ids[item.outlet_domain],
                    "first_seen": item.fetched_at,
                    "last_seen": item.fetched_at,
                },
            )
            row["last_seen"] = max(row["last_seen"], item.fetched_at)
        stmt = insert(Article)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["canonical_url"],
                set_={
                    "first_seen": func.least(Article.first_seen, stmt.excluded.first_seen),
                    "last_seen": func.greatest(Article.last_seen, stmt.excluded.last_seen),
                },
            ),
            list(seen.values()),
        )
        article_ids = dict(
            conn.execute(
                select(Article.canonical_url, Article.id).where(Article.canonical_url.in_(seen))
            ).all()
        )
        # Versions are compared within one extraction (extractor, version, settings), so that
        # re-extracting the archive with a new extractor adds its rows beside the old ones.
        latest = {
            (row.article_id, row.extractor, row.extractor_version, _settings_key(row.settings)): (
                row.content_hash
            )
            for row in conn.execute(
                select(
                    ArticleVersion.article_id,
                    ArticleVersion.extractor,
                    ArticleVersion.extractor_version,
                    ArticleVersion.extractor_settings.label("settings"),
                    ArticleVersion.content_hash,
                )
                .where(ArticleVersion.article_id.in_(article_ids.values()))
                .distinct(
                    ArticleVersion.article_id,
                    ArticleVersion.extractor,
                    ArticleVersion.extractor_version,
                    ArticleVersion.extractor_settings,
                )
                .order_by(
                    ArticleVersion.article_id,
                    ArticleVersion.extractor,
                    ArticleVersion.extractor_version,
                    ArticleVersion.extractor_settings,
                    ArticleVersion.captured_at.desc(),
                    ArticleVersion.id.desc(),
                )
            )
        }
        known_articles = {key[0] for key in latest}

        versions = []
        for item in items:
            article_id = article_ids[item.canonical_url]
            extracted = item.extracted
            key = (
                article_id,
                extracted.extractor,
                extracted.extractor_version,
                _settings_key(extracted.extractor_settings),
            )
            previous = latest.get(key)
            if previous == item.content_hash:
                self.counts["unchanged"] += 1
                continue
            if previous is None and article_id not in known_articles:
                self.counts["new"] += 1
            elif previous is None:
                self.counts["reextracted"] += 1
            else:
                self.counts["updated"] += 1
            latest[key] = item.content_hash
            known_articles.add(article_id)
            versions.append(self._version_row(item, article_id, capture_ids[item.warc.record_id]))
        if versions:
            conn.execute(
                insert(ArticleVersion).on_conflict_do_nothing(),
                versions,
            )

    @staticmethod
    def _version_row(item: PageItem, article_id: int, capture_id: int) -> dict:
        extracted = item.extracted
        assert extracted is not None
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
        }


class PostgresPipeline:
    """The Scrapy side of the store: buffers captures (from the WARC middleware) and items."""

    def __init__(self, engine: Engine, collection: str, batch_size: int = 50, crawler=None):
        self.writer = CorpusWriter(engine)
        self.engine = engine
        self.collection = collection
        self.batch_size = batch_size
        self.crawler = crawler
        self.captures: list[dict] = []
        self.items: list[PageItem] = []
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("DATABASE_URL")
        if not url:
            raise NotConfigured("DATABASE_URL not set")
        pipeline = cls(
            engine_for(url),
            collection=crawler.settings.get("ARCHIVE_COLLECTION", "unknown"),
            batch_size=crawler.settings.getint("ARCHIVE_DB_BATCH_SIZE", 50),
            crawler=crawler,
        )
        crawler.signals.connect(pipeline.on_capture, signal=capture_recorded)
        # The WARC middleware asks the corpus whether a payload is already archived (revisits).
        crawler.previous_capture = pipeline.previous_capture
        crawler.signals.connect(pipeline.on_engine_stopped, signal=signals.engine_stopped)
        return pipeline

    def previous_capture(self, url: str, digest: str) -> RecordLocation | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    Capture.warc_file,
                    Capture.warc_offset,
                    Capture.warc_length,
                    Capture.warc_record_id,
                    Capture.payload_digest,
                    Capture.fetched_at,
                )
                .where(
                    Capture.url == url,
                    Capture.payload_digest == digest,
                    Capture.warc_type == "response",
                )
                .order_by(Capture.fetched_at)
                .limit(1)
            ).first()
        if row is None or not resolve_warc(row.warc_file).exists():
            return None
        return RecordLocation(
            path=str(resolve_warc(row.warc_file)),
            offset=row.warc_offset,
            length=row.warc_length,
            record_id=row.warc_record_id,
            payload_digest=row.payload_digest,
            date=warc_date(row.fetched_at),
        )

    def open_spider(self) -> None:
        spider_name = self.crawler.spider.name if self.crawler and self.crawler.spider else "?"
        self.run_id = start_run(self.engine, self.collection, spider_name)
        if self.crawler:
            self.crawler.stats.set_value("run/id", self.run_id)

    def on_capture(self, capture: CaptureRecord) -> None:
        self.captures.append(capture_row(capture, self.run_id))
        if len(self.captures) >= self.batch_size * 4:
            self.flush()

    def process_item(self, item: PageItem) -> PageItem:
        self.items.append(item)
        if len(self.items) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        captures, items = self.captures, self.items
        if not captures and not items:
            return
        self.captures, self.items = [], []
        self.writer.write(captures, items)
        if self.crawler:
            for key, value in self.writer.counts.items():
                self.crawler.stats.set_value(f"db/{key}", value)

    def close_spider(self) -> None:
        self.flush()

    def on_engine_stopped(self) -> None:
        """Captures can still arrive after close_spider (late responses); store them, then close the run."""
        self.flush()
        if self.run_id is None or self.crawler is None:
            return
        stats = self.crawler.stats.get_stats()
        reason = stats.get("finish_reason", "finished")
        finish_run(
            self.engine,
            self.run_id,
            status="finished" if reason == "finished" else str(reason),
            stats=stats,
            warc_files=list(stats.get("warc/files", [])),
        )
