"""The corpus tables. The schema itself is created only by the Alembic migrations in migrations/."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
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
    __table_args__ = {"comment": "One row per publication."}

    id: Mapped[int] = mapped_column(
        Integer, primary_key=True, comment="Outlet id; articles.outlet_id points here."
    )
    domain: Mapped[str] = mapped_column(
        Text, unique=True, comment="Registered domain (rollingstone.com), without www."
    )
    name: Mapped[str] = mapped_column(
        Text, comment="Display name, from the collection file or the site's own metadata."
    )


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    __table_args__ = {"comment": "One row per run: a crawl, a reprocess of WARC files, or an import."}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Run id; captures.run_id points here.")
    collection: Mapped[str] = mapped_column(
        Text, comment="Collection (collections/<name>.toml), also the WARC folder and replay collection."
    )
    spider: Mapped[str] = mapped_column(
        Text, comment="What ran: the Scrapy spider (seeds), reprocess or import."
    )
    started_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), comment="When the run started (UTC)."
    )
    finished_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), comment="When the run ended (UTC); NULL while it runs or when it was killed."
    )
    status: Mapped[str] = mapped_column(
        Text, server_default="running", comment="running, finished, or the reason it stopped."
    )
    stats: Mapped[dict] = mapped_column(
        JSONB,
        server_default="{}",
        comment="Counters of the run (JSON): Scrapy stats and warc/, dedupe/, db/ counts.",
    )
    warc_files: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default="{}", comment="WARC files the run wrote, relative to var/warc/."
    )


class Capture(Base):
    """One fetch, successful or not: every HTTP exchange and every network failure."""

    __tablename__ = "captures"
    __table_args__ = {"comment": "One row per fetch, successful or not, with where its bytes are archived."}

    id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Capture id; article_versions.capture_id points here."
    )
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id"), index=True, comment="Run that made the fetch (crawl_runs.id)."
    )
    url: Mapped[str] = mapped_column(Text, index=True, comment="URL requested.")
    method: Mapped[str] = mapped_column(Text, server_default="GET", comment="HTTP method.")
    status: Mapped[int | None] = mapped_column(
        Integer, comment="HTTP status code; NULL when no response came (see error)."
    )
    error: Mapped[str | None] = mapped_column(
        Text, comment="Why no response came (DNS failure, connection refused, timeout); NULL otherwise."
    )
    fetched_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), comment="When the fetch began (UTC); the WARC-Date of its record."
    )
    content_type: Mapped[str | None] = mapped_column(Text, comment="Content-Type of the response.")
    content_length: Mapped[int | None] = mapped_column(
        BigInteger, comment="Length of the response body in bytes, as received."
    )
    redirect_to: Mapped[str | None] = mapped_column(Text, comment="Target of a redirect (3xx), absolute.")
    ip_address: Mapped[str | None] = mapped_column(
        Text, comment="Address of the server that answered (WARC-IP-Address)."
    )
    warc_file: Mapped[str | None] = mapped_column(
        Text,
        comment=(
            "WARC file holding the archived response, relative to var/warc/ (absolute for imported files)."
        ),
    )
    warc_offset: Mapped[int | None] = mapped_column(
        BigInteger, comment="Byte offset of the record (one gzip member) in warc_file."
    )
    warc_length: Mapped[int | None] = mapped_column(
        BigInteger, comment="Length in bytes of the record in warc_file, as stored (compressed)."
    )
    warc_record_id: Mapped[str | None] = mapped_column(
        Text, unique=True, comment="WARC-Record-ID of the response or revisit record."
    )
    payload_digest: Mapped[str | None] = mapped_column(
        Text, comment="WARC-Payload-Digest of the body (sha1, base32)."
    )
    # 'response', or 'revisit' when the payload was already archived (see refers_to_record_id).
    warc_type: Mapped[str | None] = mapped_column(
        Text, comment="response, or revisit when the body was identical to one already archived."
    )
    refers_to_record_id: Mapped[str | None] = mapped_column(
        Text, comment="For a revisit, the WARC-Record-ID of the response that holds the bytes."
    )
    # Validators for conditional re-fetches (If-None-Match / If-Modified-Since).
    etag: Mapped[str | None] = mapped_column(
        Text, comment="ETag the server gave, sent back as If-None-Match on a re-crawl."
    )
    last_modified: Mapped[str | None] = mapped_column(
        Text, comment="Last-Modified the server gave, sent back as If-Modified-Since on a re-crawl."
    )
    # Why a fetched page is not in the corpus as an article (index page, paywall stub, ...).
    note: Mapped[str | None] = mapped_column(
        Text, comment="Why a fetched page is not an article (index page, paywall stub, ...)."
    )
    archived_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="For a page taken from a web archive (Wayback, Common Crawl): when the archive captured "
        "it (UTC); NULL for a live fetch.",
    )


class Story(Base):
    """A cluster of near-identical articles (syndicated copy, light rewrites); singletons too."""

    __tablename__ = "story_clusters"
    __table_args__ = {"comment": "One row per story (near-duplicate cluster); read it through stories."}

    id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Story id; articles.story_id points here."
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), comment="When the cluster was made (UTC)."
    )


class Article(Base):
    """One per real article (all URL variants share `url_key`); its texts are article_versions."""

    __tablename__ = "articles"
    __table_args__ = {"comment": "One row per article; all URL variants of it share url_key."}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, comment="Article id.")
    canonical_url: Mapped[str] = mapped_column(
        Text,
        index=True,
        comment="Canonical URL: tracking parameters and fragments removed, a sane rel=canonical followed.",
    )
    url_key: Mapped[str] = mapped_column(
        Text,
        unique=True,
        comment="Identity key: the URL without scheme, www./m./amp. prefix or trailing slash.",
    )
    outlet_id: Mapped[int] = mapped_column(
        ForeignKey("outlets.id"), index=True, comment="Outlet (outlets.id)."
    )
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("story_clusters.id"), index=True, comment="Near-duplicate cluster (story_clusters.id)."
    )
    first_seen: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), comment="When the article was first captured (UTC)."
    )
    last_seen: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), comment="When the article was last captured (UTC)."
    )
    discovered_via: Mapped[str | None] = mapped_column(
        Text,
        comment="How the article was first found: seeds, sitemap, feed, references, wayback, commoncrawl, "
        "links (reprocess / import for rows rebuilt from WARC files).",
    )
    discovered_from: Mapped[str | None] = mapped_column(
        Text,
        comment="What led to it on that first discovery: the collection file, sitemap, feed, page or "
        "archive query.",
    )


class ArticleVersion(Base):
    """One per distinct text of an article, with the capture it was extracted from."""

    __tablename__ = "article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "capture_id", "extractor", "extractor_version", "extractor_settings"),
        Index("ix_article_versions_search", "search", postgresql_using="gin"),
        Index("ix_article_versions_content_hash", "content_hash"),
        CheckConstraint("access IN ('open', 'paywalled', 'teaser')", name="access"),
        CheckConstraint(
            "page_kind IN ('article', 'brief', 'listing', 'liveblog', 'video')", name="page_kind"
        ),
        {"comment": "One row per distinct text of an article per extraction."},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, comment="Version id.")
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id"), index=True, comment="Article id (articles.id)."
    )
    capture_id: Mapped[int] = mapped_column(
        ForeignKey("captures.id"),
        index=True,
        comment="Capture whose archived bytes the text was extracted from (captures.id).",
    )
    captured_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), comment="When those bytes were fetched (UTC)."
    )
    content_hash: Mapped[str] = mapped_column(
        Text,
        comment=(
            "SHA-256 of the text without volatile lines (relative times, counters) and without the "
            "standfirst opening it: equal hashes, same body."
        ),
    )
    title: Mapped[str | None] = mapped_column(Text, comment="Headline.")
    dek: Mapped[str | None] = mapped_column(Text, comment="Standfirst or subheading.")
    authors: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default="{}", comment="Bylines, in page order."
    )
    published_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), comment="Publication time the page states (UTC)."
    )
    updated_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), comment="Last update time the page states (UTC)."
    )
    section: Mapped[str | None] = mapped_column(Text, comment="Section or category the page names.")
    language: Mapped[str | None] = mapped_column(Text, comment="Language of the text (ISO 639-1 code).")
    text: Mapped[str] = mapped_column(
        Text,
        comment="Article text, one paragraph per line: the standfirst when the page prints one, "
        "then the body; no headline.",
    )
    word_count: Mapped[int] = mapped_column(Integer, comment="Number of words in text.")
    extractor: Mapped[str] = mapped_column(Text, comment="Extraction software (trafilatura).")
    extractor_version: Mapped[str] = mapped_column(Text, comment="Version of the extraction software.")
    extractor_settings: Mapped[dict] = mapped_column(
        JSONB,
        server_default="{}",
        comment=(
            "Extraction settings (JSON); a re-extraction with other settings is kept beside the earlier "
            "one."
        ),
    )
    extracted_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), comment="When this extraction ran (UTC)."
    )
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(Text),
        server_default="{}",
        comment="Topic tags the page gives itself (article:tag, JSON-LD keywords), in page order.",
    )
    extraction_fixes: Mapped[list[str]] = mapped_column(
        ARRAY(Text),
        server_default="{}",
        comment=(
            "What extraction repaired on the way (a wrong declared charset, mojibake, an implausible date "
            "replaced by the next source); empty when nothing was."
        ),
    )
    access: Mapped[str] = mapped_column(
        Text,
        server_default="open",
        comment=(
            "How much of the story the page showed: open; paywalled (the page says so, and gave 150 words "
            "or more); teaser (it says so, and gave only the headline and the lede or standfirst)."
        ),
    )
    page_kind: Mapped[str] = mapped_column(
        Text,
        server_default="article",
        comment=(
            "What the page is: article; brief (under 150 words); listing (mostly teasers and links, with "
            "prose of its own: a round-up); liveblog (JSON-LD LiveBlogPosting); video (a declared video "
            "page with its written story, under 150 words)."
        ),
    )
    search: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(SEARCH_VECTOR, persisted=True),
        comment="Weighted full-text vector ('english'; title A, dek B, text C), GIN-indexed.",
    )


class ArticleSignature(Base):
    """The MinHash signature of an article's latest text, with the parameters that made it."""

    __tablename__ = "article_signatures"
    __table_args__ = {"comment": "MinHash signature of each article's latest text, with its parameters."}

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id"), primary_key=True, comment="Article id (articles.id)."
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("article_versions.id"),
        comment="Version the signature was computed from (article_versions.id).",
    )
    num_perm: Mapped[int] = mapped_column(Integer, comment="Number of hash permutations.")
    seed: Mapped[int] = mapped_column(Integer, comment="Seed of the permutations.")
    shingle_size: Mapped[int] = mapped_column(Integer, comment="Words per shingle.")
    scheme: Mapped[str] = mapped_column(
        Text, comment="datasketch hashing scheme: signatures of different schemes do not compare."
    )
    hashvalues: Mapped[bytes] = mapped_column(
        LargeBinary, comment="The signature: num_perm unsigned 64-bit integers, native byte order."
    )


class MinhashBand(Base):
    """LSH bands: articles sharing any (band, hash) are near-duplicate candidates."""

    __tablename__ = "minhash_bands"
    __table_args__ = {"comment": "LSH bands: articles sharing a (band, hash) are near-duplicate candidates."}

    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True, comment="Band number.")
    hash: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Hash of the signature's rows in that band."
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id"), primary_key=True, index=True, comment="Article id (articles.id)."
    )


class CollectionArticle(Base):
    """Membership: an article belongs to every collection that captured it (kept by triggers)."""

    __tablename__ = "collection_articles"
    __table_args__ = {
        "comment": "Which collections each article belongs to: every collection whose crawl or import "
        "captured it (kept by triggers on article_versions and decisions)."
    }

    collection: Mapped[str] = mapped_column(
        Text, primary_key=True, comment="Collection (collections/<name>.toml)."
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True,
        comment="Article (articles.id).",
    )
    first_seen: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), comment="When that collection first captured the article (UTC)."
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
        {"comment": "Why rows were treated as one: URL folds, unchanged re-fetches, story joins and merges."},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, comment="Decision id.")
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id"), comment="Run that decided (crawl_runs.id)."
    )
    kind: Mapped[str] = mapped_column(
        Text, comment="url_folded, identity_conflict, unchanged_refetch, story_joined or story_merged."
    )
    rule: Mapped[str] = mapped_column(
        Text,
        comment="Rule that decided (tracking-parameters, same-text, minhash-lsh, minhash-containment, ...).",
    )
    subject: Mapped[str] = mapped_column(
        Text, comment="What was decided about: the fetched URL, the article id, or the story merged away."
    )
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id"), index=True, comment="Article id (articles.id)."
    )
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("story_clusters.id"), comment="Story joined, or merged into (story_clusters.id)."
    )
    capture_id: Mapped[int | None] = mapped_column(
        ForeignKey("captures.id"), comment="Fetch the decision is about (captures.id)."
    )
    evidence: Mapped[dict] = mapped_column(
        JSONB,
        server_default="{}",
        comment="Evidence (JSON): URLs and keys compared, estimated similarity, parameters.",
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), comment="When the decision was made (UTC)."
    )
