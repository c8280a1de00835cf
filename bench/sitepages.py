"""Article templates for the end-to-end benchmark site: real saved news pages, each cut into fixed
markup and the rewritable text of its ``<p>`` elements, so that any number of distinct articles
can be made from one page while its scripts, navigation and chrome stay as the real web has them.

Clean generated pages make extraction look 3-4x cheaper than it is on the real web, so the
templates are the saved pages of `shared/extraction-dev` when present; without them (CI, tests)
the fixture web's pages stand in, and the report says so.

A template is kept only if it still yields an article after rewriting and two articles made from
it are not near-duplicates (5-word shingle Jaccard below MAX_JACCARD): the corpus must see one
story per original article, or the benchmark's corpus check would measure the templates.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.paths import PROJECT_ROOT

TEMPLATE_VERSION = 1  # bump when a change here changes which templates pass check_template
REWRITE_SHARE = 0.25  # of the words in <p> text, replaced per page
LONG_RUN = 8  # words: a text run this long outside <p> is body text too
MAX_JACCARD = 0.3  # two pages from one template must stay below this (stories join at 0.5)
URL_MARK = "\x00\x01\x00"
TITLE_MARK = "\x00\x02\x00"
CONTENT_TYPE = "text/html; charset=utf-8"

# Markup tokens: comments, raw-text elements whole, tags, text.
_TOKEN = re.compile(
    r"<!--.*?-->|<(script|style|textarea|noscript)\b.*?</\1\s*>|<[!/?a-zA-Z][^>]*>|[^<]+|<",
    re.S | re.I,
)
_TAG_NAME = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
# Tags whose start or end closes an open <p> (HTML's implied end tags, roughly).
_CLOSES_P = frozenset(
    "address article aside blockquote body center dd div dl dt fieldset figure footer form h1 h2 h3 h4 "
    "h5 h6 header hr html li main nav ol p pre section table tbody td th tr ul".split()
)
_WORD = re.compile(r"&#?\w+;|[^\W\d_]{2,}")
_CANONICAL = re.compile(r"(<link\b[^>]*\brel=[\"']?canonical\b[^>]*\bhref=)([\"'])[^\"']*\2", re.I)
_CANONICAL_REV = re.compile(r"(<link\b[^>]*\bhref=)([\"'])[^\"']*\2([^>]*\brel=[\"']?canonical\b)", re.I)
_OG_URL = re.compile(r"(<meta\b[^>]*\bproperty=[\"']og:url[\"'][^>]*\bcontent=)([\"'])[^\"']*\2", re.I)
_TITLE_EL = re.compile(r"(<title\b[^>]*>)(.*?)(</title\s*>)", re.I | re.S)


@dataclass(frozen=True, slots=True)
class RawPage:
    """One saved page: its id, the URL it was saved from, its headline, its HTML."""

    id: str
    url: str
    title: str
    html: str


@dataclass(frozen=True, slots=True)
class Source:
    """Where the templates come from, as the report names it."""

    name: str
    real: bool  # real saved pages (True) or the fixture web's generated ones
    pages: tuple[RawPage, ...]

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for page in self.pages:
            for part in (page.id, page.url, page.title, page.html):
                h.update(part.encode("utf-8", "surrogatepass") + b"\x00")
        return h.hexdigest()[:16]


def default_data_dir() -> Path:
    """$EXTRACTION_DEV, else <project>/../shared/extraction-dev (as bench/extraction.py reads it)."""
    import os

    configured = os.environ.get("EXTRACTION_DEV", "").strip()
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "extraction-dev"


def load_source(data: Path | None = None) -> Source:
    """The saved pages of extraction-dev when the folder is there, else the fixture web's articles."""
    data = data if data is not None else default_data_dir()
    truth = data / "ground-truth.jsonl"
    if truth.is_file():
        return Source(f"real saved pages: {data}", True, tuple(_saved_pages(data, truth)))
    return Source(
        f"FALLBACK fixture-web pages (no {data}): generated markup, extraction looks cheaper than on "
        "the real web",
        False,
        tuple(_fixture_pages()),
    )


def _saved_pages(data: Path, truth: Path) -> Iterator[RawPage]:
    with truth.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            path = data / "html" / f"{row['id']}.html.gz"
            if path.is_file():
                text = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
                yield RawPage(row["id"], row.get("url") or "", row.get("title") or "", text)


def _fixture_pages() -> Iterator[RawPage]:
    from pipeline.demo import load_site
    from pipeline.demo.routes import route
    from pipeline.demo.site import bad_page

    site = load_site()
    for page in site.articles(topic=None):
        if bad_page(page) is None:
            body = route(site, page.host, page.path, "").body
            yield RawPage(page.url, page.url, page.title, body.decode("utf-8", errors="replace"))


@dataclass(frozen=True, slots=True)
class Template:
    """A page cut into fixed markup (even indexes, with URL_MARK and TITLE_MARK) and the text of
    its <p> elements (odd indexes), which `render` rewrites word by word."""

    id: str
    title: str
    parts: tuple[str, ...]

    def render(self, seed: str, url: str, title: str, vocabulary: tuple[str, ...]) -> bytes:
        """The page as one article: its text rewritten by `seed`, its own URL and headline."""
        rng = random.Random(seed)

        def swap(m: re.Match) -> str:
            word = m.group(0)
            if word[0] == "&" or rng.random() >= REWRITE_SHARE:
                return word
            new = vocabulary[rng.randrange(len(vocabulary))]
            return new.capitalize() if word[0].isupper() else new

        out = [part if i % 2 == 0 else _WORD.sub(swap, part) for i, part in enumerate(self.parts)]
        text = "".join(out)
        text = text.replace(URL_MARK, html.escape(url, quote=True))
        text = text.replace(TITLE_MARK, html.escape(title, quote=True))
        return text.encode("utf-8", errors="replace")


def prepare(page: RawPage) -> Template:
    """Mark the page's own URL and headline, then split off the text inside <p> elements."""
    text = page.html.replace(URL_MARK, "").replace(TITLE_MARK, "")
    for form in {page.url, html.escape(page.url, quote=True)} - {""}:
        text = text.replace(f'"{form}"', f'"{URL_MARK}"').replace(f"'{form}'", f"'{URL_MARK}'")
    text = _CANONICAL.sub(lambda m: f"{m[1]}{m[2]}{URL_MARK}{m[2]}", text)
    text = _CANONICAL_REV.sub(lambda m: f"{m[1]}{m[2]}{URL_MARK}{m[2]}{m[3]}", text)
    text = _OG_URL.sub(lambda m: f"{m[1]}{m[2]}{URL_MARK}{m[2]}", text)
    title = " ".join(page.title.split())
    if title:
        for form in {title, html.escape(title, quote=False), html.escape(title, quote=True)}:
            text = text.replace(form, TITLE_MARK)
    element = _TITLE_EL.search(text)
    if element is not None and TITLE_MARK not in element.group(2):
        # the headline is not verbatim in <title>: the headline becomes the page title, unique
        text = _TITLE_EL.sub(lambda m: f"{m[1]}{TITLE_MARK}{m[3]}", text, count=1)
    return Template(page.id, title, tuple(_split_paragraphs(text)))


def _split_paragraphs(text: str) -> list[str]:
    """Text inside <p>, and runs of LONG_RUN words or more elsewhere in the body outside links
    (pages that set their text with <br> in a <div> or <td>), become the rewritable parts."""
    parts: list[str] = []
    fixed: list[str] = []
    in_p = in_a = in_body = False
    for m in _TOKEN.finditer(text):
        token = m.group(0)
        if token[0] == "<" and len(token) > 1:
            name = _TAG_NAME.match(token)
            tag = name.group(1).lower() if name else ""
            closing = token.startswith("</")
            if tag in _CLOSES_P:
                in_p = tag == "p" and not closing
            elif tag == "a":
                in_a = not closing
            if tag == "body" or (tag == "head" and closing):
                in_body = not closing or tag == "head"
            fixed.append(token)
        elif (in_p or (in_body and not in_a and len(token.split()) >= LONG_RUN)) and _WORD.search(token):
            parts.append("".join(fixed))
            parts.append(token)
            fixed = []
        else:
            fixed.append(token)
    parts.append("".join(fixed))
    return parts


def vocabulary(templates: list[Template]) -> tuple[str, ...]:
    """The replacement words: every word of the templates' paragraph text, lowercased, sorted."""
    words: set[str] = set()
    for template in templates:
        for part in template.parts[1::2]:
            words.update(w.lower() for w in _WORD.findall(part) if w[0] != "&" and 3 <= len(w) <= 12)
    return tuple(sorted(words)) or ("news", "report", "today")


def shingle_jaccard(a: str, b: str) -> float:
    """Exact Jaccard of 5-word shingles, as the story clusterer (pipeline/dedupe/stories.py) cuts them."""
    from pipeline.dedupe.stories import SignatureParams, shingles

    size = SignatureParams().shingle_size
    sa, sb = set(shingles(a, size)), set(shingles(b, size))
    return len(sa & sb) / max(len(sa | sb), 1)


def check_template(args: tuple[Template, tuple[str, ...]]) -> tuple[str, str | None, float]:
    """(id, why it is unusable or None, Jaccard of two articles made from it)."""
    from pipeline.extract.article import extract_page

    template, words = args
    texts = []
    for n in (1, 2):
        url = f"http://www.bench-check.test/news/2024/01/0{n}/check-{n}/"
        body = template.render(f"check:{n}", url, f"{template.title} (No. {n})", words)
        result = extract_page(body, url, "balanced", CONTENT_TYPE)
        if result.article is None:
            return template.id, f"no article ({result.reason})", 1.0
        texts.append(result.article.text)
    jaccard = shingle_jaccard(*texts)
    if jaccard >= MAX_JACCARD:
        return template.id, f"near-duplicates after rewriting (Jaccard {jaccard:.2f})", jaccard
    return template.id, None, jaccard
