"""The article text a page declares in its JSON-LD (`articleBody`), for pages that do not show it.

Sites that build the page in the reader's browser send a shell (headline, standfirst, a caption,
the menus) and put the whole text in the JSON-LD they give search engines. Readability reads only
what the markup shows; trafilatura falls back on the declared body only when the markup shows
almost nothing (under 250 characters), and then as one block. So on such a page the extractors
find a few lines. When the page's visible text is under VISIBLE_SHARE of the declared body, the
declared body is the text, a paragraph a line, and the fix says so.

Publishers write `articleBody` in several ways: plain text (paragraphs on their own lines, or one
block), HTML (`<p>...</p>`, WordPress block comments), HTML escaped once more (`&lt;p&gt;`). All
three are read. A body in Markdown (`[text](https://...)`) is not plain text and is not used.
"""

from __future__ import annotations

import html
import re

from pipeline.extract.bodytext import markup_lines
from pipeline.extract.pagekind import COLLECTION_TYPES, words
from pipeline.extract.pagemeta import ARTICLE_TYPES, PageMeta, jsonld_types, page_types

MIN_WORDS = 100  # a shorter declared body is a summary, not the article
VISIBLE_SHARE = 0.25  # the visible text holds under this share of the declared body's words
FIX = "text from the page's JSON-LD articleBody: the page's markup shows little of it"
_TAG = re.compile(r"<(?:/?[a-zA-Z][a-zA-Z0-9]*[\s/>]|!--)")
_MARKDOWN_LINK = re.compile(r"\]\((?:https?:)?/")


def declared_lines(page: PageMeta) -> tuple[str, ...]:
    """The paragraphs of the first article body the page's JSON-LD declares; () when it declares
    none, or one that is not text, or the page is a collection (its bodies are other pages')."""
    for obj in page.json_ld:
        body = obj.get("articleBody")
        if isinstance(body, list):
            body = "\n".join(part for part in body if isinstance(part, str))
        if not isinstance(body, str) or not body.strip() or not jsonld_types(obj) & ARTICLE_TYPES:
            continue
        if page_types(page) & COLLECTION_TYPES:  # asked only of the few pages that declare a body
            return ()
        for _ in range(2):  # `&amp;lt;p&amp;gt;`: escaped once more than it should be
            unescaped = html.unescape(body)
            if unescaped == body:
                break
            body = unescaped
        if _MARKDOWN_LINK.search(body):
            return ()
        if _TAG.search(body):
            return tuple(markup_lines(body))
        return tuple(" ".join(line.split()) for line in body.splitlines() if line.strip())
    return ()


def fuller_text(page: PageMeta, visible: tuple[str, ...]) -> tuple[str, ...] | None:
    """The declared body when the visible text holds little of it (under VISIBLE_SHARE of its
    words, and it has MIN_WORDS or more); None when the visible text stands."""
    declared = declared_lines(page)
    size = sum(words(line) for line in declared)
    if size < MIN_WORDS or sum(words(line) for line in visible) >= VISIBLE_SHARE * size:
        return None
    return declared
