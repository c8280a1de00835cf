"""The extractors the benchmark compares: ours (the product's own path, from the raw bytes) and
plain trafilatura, readability-lxml and newspaper4k (from the page decoded as its declaration says).
Each returns one `Output`: body text, headline, byline, publication date, and whether it found an
article at all."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

from w3lib.encoding import html_to_unicode


@dataclass(frozen=True, slots=True)
class Output:
    text: str = ""
    title: str | None = None
    byline: str | None = None
    date: str | None = None  # ISO date (or date and time)
    article: bool = False  # False: the extractor says the page holds no article (ours), or found no text


Extractor = Callable[[str, bytes, str], Output]  # (decoded html, raw bytes, url) -> Output
INSTALL_HINT = "not installed: make bench-extract (pip install -e '.[bench]')"


def decode(raw: bytes) -> str:
    """The page as text for the other libraries: BOM, then the page's own charset declaration, then
    UTF-8 (undecodable bytes replaced), which is what a caller of those libraries would do."""
    return html_to_unicode(None, raw)[1]


def ours(favor: str = "balanced") -> Extractor:
    from pipeline.extract.cli import extract_record

    def run(html: str, raw: bytes, url: str) -> Output:
        record = extract_record(raw, url, favor)
        authors = record["authors"] or []
        return Output(
            text=str(record["text"] or ""),
            title=record["title"],  # type: ignore[arg-type]
            byline=", ".join(authors) or None,  # type: ignore[arg-type]
            date=record["published_at"],  # type: ignore[arg-type]
            article=record["reason"] is None,
        )

    return run


def plain_trafilatura() -> Extractor:
    import trafilatura

    def run(html: str, raw: bytes, url: str) -> Output:
        text = trafilatura.extract(html, url=url) or ""
        return Output(text=text, article=bool(text.strip()))

    return run


def trafilatura_metadata(html: str, url: str) -> tuple[str | None, str | None, str | None]:
    """trafilatura's headline, author and date from its metadata extractor (`extract` gives none;
    not timed)."""
    import trafilatura

    meta = trafilatura.extract_metadata(html, default_url=url)
    if meta is None:
        return None, None, None
    return meta.title, meta.author, meta.date


def readability() -> Extractor:
    import lxml.html
    from readability import Document

    def run(html: str, raw: bytes, url: str) -> Output:
        document = Document(html, url=url)
        summary = document.summary(html_partial=True)
        fragment = lxml.html.fragment_fromstring(summary, create_parent="div") if summary.strip() else None
        if fragment is not None:
            for el in fragment.iter("p", "div", "li", "h1", "h2", "h3", "h4", "br", "td", "blockquote"):
                el.tail = "\n" + (el.tail or "")
        text = fragment.text_content() if fragment is not None else ""
        return Output(text=text, title=document.short_title(), article=bool(text.strip()))

    return run


def newspaper4k() -> Extractor:
    with warnings.catch_warnings():  # "nltk is not installed": only its NLP extras need it
        warnings.simplefilter("ignore")
        import newspaper

    def run(html: str, raw: bytes, url: str) -> Output:
        article = newspaper.Article(url, fetch_images=False)
        with warnings.catch_warnings():  # dateutil on the page's own date strings
            warnings.simplefilter("ignore")
            article.download(input_html=html)
            article.parse()
        text = article.text or ""
        published = article.publish_date.isoformat() if article.publish_date else None
        return Output(text, article.title, ", ".join(article.authors) or None, published, bool(text.strip()))

    return run


EXTRACTORS: dict[str, Callable[..., Extractor]] = {
    "ours": ours,
    "trafilatura": plain_trafilatura,
    "readability": readability,
    "newspaper4k": newspaper4k,
}
