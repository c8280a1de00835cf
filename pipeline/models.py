"""The corpus tables. The schema itself is created only by the Alembic migrations in migrations/."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Title weighs more than body text in ranking; 'english' stemming suits the default collection.
SEARCH_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(dek, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(text, '')), 'C')"
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Outlet(Base):
    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection: Mapped[str] = mapped_column(Text)
    spider: Mapped[str] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(Text, server_default="running")
    stats: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    warc_files: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")


class Capture(Base):
    """One fetch, successful or not: every HTTP exchange and every network failure."""

    __tablename__ = "captures"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    method: Mapped[str] = mapped_column(Text, server_default="GET")
    status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    content_type: Mapped[str | None] = mapped_column(Text)
    content_length: Mapped[int | None] = mapped_column(BigInteger)
    redirect_to: Mapped[str | None] = mapped_column(Text)
    ip_address: Mapped[str | None] = mapped_column(Text)
    warc_file: Mapped[str | None] = mapped_column(Text)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)
    warc_record_id: Mapped[str | None] = mapped_column(Text, unique=True)
    payload_digest: Mapped[str | None] = mapped_column(Text)
    # 'response', or 'revisit' when the payload was already archived (see refers_to_record_id).
    warc_type: Mapped[str | None] = mapped_column(Text)
    refers_to_record_id: Mapped[str | None] = mapped_column(Text)
    # Validators for conditional re-fetches (If-None-Match / If-Modified-Since).
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # Why a fetched page is not in the corpus as an article (index page, paywall stub, ...).
    note: Mapped[str | None] = mapped_column(Text)


class Story(Base):
    """A cluster of near-identical articles (syndicated copy, light rewrites); singletons too."""

    __tablename__ = "story_clusters"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Article(Base):
    """One per real article (all URL variants share `url_key`); its texts are article_versions."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(Text, index=True)
    url_key: Mapped[str] = mapped_column(Text, unique=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"), index=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("story_clusters.id"), index=True)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ArticleVersion(Base):
    """One per distinct text of an article, with the capture it was extracted from."""

    __tablename__ = "article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "capture_id", "extractor", "extractor_version", "extractor_settings"),
        Index("ix_article_versions_search", "search", postgresql_using="gin"),
        Index("ix_article_versions_content_hash", "content_hash"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id"), index=True)
    captured_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    content_hash: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    dek: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    section: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)
    extractor: Mapped[str] = mapped_column(Text)
    extractor_version: Mapped[str] = mapped_column(Text)
    extractor_settings: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    extracted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    search: Mapped[str] = mapped_column(TSVECTOR, Computed(SEARCH_VECTOR, persisted=True))


class ArticleSignature(Base):
    """The MinHash signature of an article's latest text, with the parameters that made it."""

    __tablename__ = "article_signatures"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"))
    num_perm: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    shingle_size: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(Text)
    hashvalues: Mapped[bytes] = mapped_column(LargeBinary)


class MinhashBand(Base):
    """LSH bands: articles sharing any (band, hash) are near-duplicate candidates."""

    __tablename__ = "minhash_bands"

    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id"), primary_key=True, index=True
    )


class Decision(Base):
    """Why rows were treated as one: every fold, unchanged re-fetch and story join, with evidence."""

    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_kind_rule", "kind", "rule"),
        Index(
            "uq_decisions_kind_capture",
            "kind",
            "capture_id",
            unique=True,
            postgresql_where=text("capture_id IS NOT NULL"),
        ),
        Index(
            "uq_decisions_story_join",
            "kind",
            "article_id",
            unique=True,
            postgresql_where=text("kind = 'story_joined'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    kind: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("story_clusters.id"))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))
    evidence: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
