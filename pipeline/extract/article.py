"""Article extraction: from a page's bytes to the text and metadata of its article, or the reason it
has none.

`extract_page` is the one code path: the crawl pipeline, `reprocess` and `python -m pipeline
extract` all call it with the archived bytes and get the same fields. The parts, each a module:

- charset.py: bytes to text (declared charset checked against the bytes; mojibake repaired);
- markup.py: markup read the way browsers read it (content after `</html>` kept);
- bodytext.py: the body paragraphs (trafilatura, checked against readability), ending where
  readers' comments begin (comments.py);
- declaredbody.py: the text the page's JSON-LD declares, for pages whose markup shows little of it;
- linklists.py: lists of the site's own links (menus, related stories) taken out of the body;
- pagekind.py: the kind of page (article, brief, listing, liveblog, video) and its access (open,
  paywalled, teaser), or why it holds no article (home page, index or video page without prose, ...);
- pagemeta.py: what the page states in markup (JSON-LD, meta tags, microdata), read once;
- metadata.py, dates.py, bylines.py: headline, standfirst, section, tags, language, canonical URL
  and outlet; published and updated times; authors.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version

import trafilatura
from scrapy.exceptions import DropItem
from w3lib.encoding import html_body_declared_encoding, resolve_encoding

from pipeline.extract import comments, dates, declaredbody, linklists, markup, metadata, pagekind, prose
from pipeline.extract.bodytext import (
    AGREEMENT,
    GLUE_SLACK,
    LEDE_PREFIX,
    LEDE_SKIP_WORDS,
    LEDE_WORDS,
    MIN_BACKED,
    MIN_READABILITY_WORDS,
    READABILITY_MAX_CHARS,
    SHORT_LINE_WORDS,
    TAIL_COVERAGE,
    TEASER_WORDS,
    TRAFILATURA_OPTIONS,
    extract_body,
    parse_html,
)
from pipeline.extract.bylines import page_authors
from pipeline.extract.charset import decode_html, looks_binary, repair_mojibake
from pipeline.extract.pagemeta import read_page
from pipeline.items import Extracted, PageItem

log = logging.getLogger(__name__)

EXTRACTOR = "trafilatura"
EXTRACTOR_VERSION = trafilatura.__version__
# Our own rules on top of the libraries; bump when a change here changes any output field.
RULES_VERSION = "8"
FAVOR = ("balanced", "precision", "recall")
# Above this the page is a data dump or an endless listing, not an article; the WARC keeps it.
MAX_PAGE_CHARS = 5_000_000


@cache
def _library_versions() -> dict[str, str]:
    return {name: version(name) for name in ("dateparser", "ftfy", "htmldate")}


def extractor_settings(favor: str = "balanced") -> dict:
    """Everything that changes the output, stored on every version row (a row extracted with other
    settings is another extraction, kept beside it)."""
    return {
        "trafilatura": TRAFILATURA_OPTIONS | {"favor": favor, "with_metadata": False},
        "readability_check": {
            "used": favor != "recall",
            "agreement": AGREEMENT,
            "min_words": MIN_READABILITY_WORDS,
            "max_chars": READABILITY_MAX_CHARS,
            "lede": {"words": LEDE_WORDS, "prefix": LEDE_PREFIX, "skip_words": LEDE_SKIP_WORDS},
            "tail_coverage": TAIL_COVERAGE,
            "min_backed": MIN_BACKED,
            "glue_slack": GLUE_SLACK,
            "teaser_words": TEASER_WORDS,
            "short_line_words": SHORT_LINE_WORDS,
        },
        # the standfirst stays in the text; one printed under the headline opens it
        "standfirst": {"in_text": True, "headline_reach": metadata.HEADLINE_REACH},
        "comments_cut": {
            "used": favor != "recall",
            "heading_words": comments.HEADING_WORDS,
            "prose_before": comments.PROSE_BEFORE,
        },
        "declared_body": {"min_words": declaredbody.MIN_WORDS, "visible_share": declaredbody.VISIBLE_SHARE},
        "link_lists": {
            "used": favor != "recall",
            "link_share": linklists.LINK_SHARE,
            "min_run": linklists.MIN_RUN,
            "label_words": linklists.LABEL_WORDS,
            "item_words": linklists.ITEM_WORDS,
            "pointer_label_words": linklists.POINTER_LABEL_WORDS,
            "pointer_link_words": linklists.POINTER_LINK_WORDS,
            "prose_words": prose.PROSE_WORDS,
        },
        "dates": {
            "order": ["json-ld", "meta", "microdata", "time", "byline", "url", "htmldate"],
            "earliest": dates.EARLIEST.date().isoformat(),
            "future_slack_days": dates.FUTURE_SLACK.days,
        },
        "no_article": {
            "min_words": pagekind.MIN_WORDS,
            "max_page_chars": MAX_PAGE_CHARS,
            "index_teaser_share": pagekind.INDEX_SHARE,
            # ... unless the page declares itself one article with a publication time of its own
            "declared_article_kept": True,
            "paywall_max_words": pagekind.PAYWALL_MAX_WORDS,
            "video_max_words": pagekind.VIDEO_MAX_WORDS,
            # pages with article prose are kept whatever the gates above say, with a page_kind
            "kept_with_prose": {
                "sentences": pagekind.PROSE_SENTENCES,
                "sentence_words": pagekind.PROSE_SENTENCE_WORDS,
            },
            "paywall_teasers_kept": True,
            "brief_max_words": pagekind.BRIEF_MAX_WORDS,
        },
        "rules": RULES_VERSION,
        "versions": dict(_library_versions()),
    }


@dataclass(frozen=True, slots=True)
class PageExtraction:
    """What one page yielded: an article, or the reason it holds none; its tags; what was repaired."""

    article: Extracted | None
    reason: str | None = None
    tags: tuple[str, ...] = ()
    fixes: tuple[str, ...] = ()


def _comparable(text: str | None) -> str:
    return re.sub(r"\W+", " ", (text or "").lower()).strip()


def _body_only(
    lines: tuple[str, ...], title: str | None, dek: str | None, authors: list[str], section: str | None
) -> tuple[str, ...]:
    """The body without what extractors leave at its top: a kicker, the headline, the byline and the
    dateline stamp. The standfirst (`dek`) stays: the outlet published it as the article's opening,
    and full-text search and word counts should find it; it is also stored on its own. Top matter
    below it (a byline under the standfirst) goes as well."""
    body = list(lines)
    head = _comparable(title)
    # a headline among the first lines, after nothing but short ones (kicker, section name)
    for i, line in enumerate(body[:3]):
        if head and _comparable(line) == head and all(len(b.split()) <= 4 for b in body[:i]):
            del body[: i + 1]
            break
    section_key = _comparable(section)
    standfirst = _comparable(dek)

    def top_matter(line: str) -> bool:
        key = _comparable(line)
        words = key.split()
        byline = key.startswith("by ") and len(words) <= 20 and any(_comparable(a) in key for a in authors)
        stamp = len(words) <= 8 and dates.DATE_TEXT.search(line) is not None
        return bool(head and key == head) or key == section_key or byline or stamp

    at = 0
    while at < len(body):
        if top_matter(body[at]):
            del body[at]
        elif len(body[at].split()) <= 3 and at + 1 < len(body) and top_matter(body[at + 1]):  # a kicker
            del body[at : at + 2]
        elif standfirst and _comparable(body[at]) == standfirst:
            at += 1
        else:
            break
    return tuple(body)


def extract_page(
    html: str | bytes,
    url: str,
    favor: str = "balanced",
    content_type: str | None = None,
    captured_at: dt.datetime | None = None,
) -> PageExtraction:
    """Extract the article on one page (HTML as text, or as the bytes a server sent).

    `content_type` is the HTTP Content-Type header (its charset wins over `<meta charset>`);
    `captured_at` is when the page was fetched, the limit for plausible dates (default: now).
    A page the code cannot handle is logged and reported as `reason`, so that one odd page never
    stops a crawl or a rebuild of the corpus.
    """
    if favor not in FAVOR:
        raise ValueError(f"favor must be one of {', '.join(FAVOR)}, not {favor!r}")
    try:
        return _extract_page(html, url, favor, content_type, captured_at)
    except Exception as exc:
        log.exception("extraction failed on %s", url)
        return PageExtraction(None, f"extraction failed: {type(exc).__name__}")


def _extract_page(
    html: str | bytes, url: str, favor: str, content_type: str | None, captured_at: dt.datetime | None
) -> PageExtraction:
    fixes: list[str] = []
    if isinstance(html, bytes | bytearray):
        if not bytes(html).strip():
            return PageExtraction(None, "empty page")
        if looks_binary(bytes(html), content_type):
            return PageExtraction(None, "binary")
        decoded = decode_html(bytes(html), content_type)
        html, fixes = decoded.text, list(decoded.fixes)
    if len(html) > MAX_PAGE_CHARS:
        return PageExtraction(None, "too large", fixes=tuple(fixes))
    html, repaired = repair_mojibake(html)
    if repaired:
        fixes.append("mojibake repaired (ftfy)")
    html, reopened = markup.with_trailing_content(html)
    if reopened:
        fixes.append(markup.FIX)
    tree = parse_html(html) if html.strip() else None
    if tree is None or not tree.xpath("normalize-space(//body)"):
        return PageExtraction(None, "empty page", fixes=tuple(fixes))
    if pagekind.is_home_page(url):
        return PageExtraction(None, "home page", fixes=tuple(fixes))
    page = read_page(tree, url)
    lines = extract_body(html, url, favor).lines
    if (declared := declaredbody.fuller_text(page, lines)) is not None:
        lines = declared
        fixes.append(declaredbody.FIX)
    title = metadata.title(page, lines)
    if favor != "recall":  # a precision device, as the readability check is
        lines = linklists.without_link_lists(lines, linklists.link_texts(tree, url))
    site_name = metadata.site_name(page)
    authors = page_authors(page, site_name)
    dek = metadata.dek(
        page, title, next((line for line in lines if _comparable(line) != _comparable(title)), None)
    )
    section = metadata.section(page)
    paywall = pagekind.paywalled(page, lines)
    if paywall:
        # what a paywall leaves may be a lede beside the headline, in any order
        head = _comparable(title)
        prompts_gone = pagekind.without_paywall_prompts(lines)
        lines = tuple(x for x in prompts_gone if not head or _comparable(x) != head)
    lines = _body_only(lines, title, dek, authors, section)
    shown = metadata.dek_under_headline(page, title)  # the marked standfirst, so `dek` too
    if shown and lines:
        # the standfirst printed under the headline opens the text, wherever an extractor put it
        # (after the lede) or whether it left it with the header
        lines = (shown, *(x for x in lines if _comparable(x) != _comparable(shown)))
    verdict = pagekind.classify(page, lines, paywall, title, dek)
    if verdict.reason:
        return PageExtraction(None, verdict.reason, fixes=tuple(fixes))
    if verdict.access == "paywalled":
        fixes.append("paywall: the page says it is paywalled; the text may be partial")

    when = dates.page_dates(page, captured_at)
    fixes.extend(when.fixes)
    article = Extracted(
        title=title,
        dek=dek,
        authors=authors,
        published_at=when.published,
        updated_at=when.updated,
        section=section,
        language=metadata.language(page),
        # a teaser that shows only its headline and standfirst: the standfirst is what was published
        text="\n".join(lines) or dek or "",
        canonical_url=metadata.canonical_url(page),
        site_name=site_name,
        extractor=EXTRACTOR,
        extractor_version=EXTRACTOR_VERSION,
        extractor_settings=extractor_settings(favor),
        access=verdict.access,
        page_kind=verdict.page_kind,
    )
    return PageExtraction(article, None, metadata.tags(page), tuple(fixes))


def extract_article(html: str, url: str, favor: str = "balanced") -> Extracted | None:
    """The article on a page, or None when it holds none (see `extract_page` for why)."""
    return extract_page(html, url, favor).article


def _content_type(item: PageItem) -> str | None:
    """The response's Content-Type when the item carries it; else the charset the fetch settled on
    when it is not simply the page's own `<meta charset>` (then the HTTP header said so)."""
    if content_type := getattr(item, "content_type", None):
        return content_type
    declared = html_body_declared_encoding(item.body)
    if item.encoding and resolve_encoding(item.encoding) != resolve_encoding(declared or "utf-8"):
        return f"text/html; charset={item.encoding}"
    return None


class ExtractPipeline:
    """Stage 1: extract each archived page's article; a page with none stays a capture only.

    This stage extracts in the calling thread (`reprocess`, tests). A crawl registers the pooled
    stage (pool.py), which makes the same call in worker processes and passes the outcome to
    `accept`.
    """

    def __init__(self, stats=None, favor: str = "balanced") -> None:
        if favor not in FAVOR:
            raise ValueError(f"favor must be one of {', '.join(FAVOR)}, not {favor!r}")
        self.stats = stats
        self.favor = favor

    @classmethod
    def from_crawler(cls, crawler):
        return cls.configured(crawler.settings, crawler.stats)

    @classmethod
    def configured(cls, settings, stats=None):
        return cls(stats, favor=settings.get("ARCHIVE_EXTRACT_FAVOR"))

    def _inc(self, key: str) -> None:
        if self.stats:
            self.stats.inc_value(key)

    def arguments(self, item: PageItem) -> tuple:
        """`extract_page`'s arguments for the item's page."""
        return (item.body, item.url, self.favor, _content_type(item), item.fetched_at)

    def process_item(self, item: PageItem) -> PageItem:
        return self.accept(item, extract_page(*self.arguments(item)))

    def accept(self, item: PageItem, result: PageExtraction) -> PageItem:
        """Counts the outcome; drops a page without an article, or puts the article on the item."""
        for _ in result.fixes:
            self._inc("extract/fixes")
        if result.article is None:
            self._inc("extract/no_article")
            self._inc(f"extract/no_article/{result.reason}")
            raise DropItem(result.reason)
        item.extracted = result.article
        item.extracted.tags = list(result.tags)
        item.extracted.fixes = list(result.fixes)
        self._inc("extract/articles")
        # pages the gates once dropped, counted so that a run's stats show what they became
        if result.article.page_kind != "article":
            self._inc(f"extract/page_kind/{result.article.page_kind}")
        if result.article.access != "open":
            self._inc(f"extract/access/{result.article.access}")
        return item
