"""Lists of links that extractors leave in an article's text: a site's section menu, "Related to this
story", "Most read", a blog roll, a footer of sister titles.

Both trafilatura and readability keep such a list when it sits in the article's container as plain
lines: each is then a short text, and nothing in the text alone tells it from a subheading. The page
does: each such line is the text of a link to the same site. So the page's link texts are read from
its tree, and a run of lines that are such links (LINK_SHARE of their letters and digits), with the
short lines of no sentence between them ("Akron Zips:", "(31 Dec 07 |", "Wire News | Wed, Jan 16
2008, 07:50 GMT"), goes when it holds MIN_RUN links or more, at most one other line for each,
with the heading just above it ("Related to this story:"). Link lines that open or close the text
("Send this article to a friend", "Back to top") go too, without the lines beside them. So does a
pointer to another of the site's pages wherever it stands: a label of at most POINTER_LABEL_WORDS
words outside any link, with no digit, then ":", "»", "›" or ">", then the text of a link of
POINTER_LINK_WORDS words or more ("Read more: ...", "Lea también: ...", "Czytaj też: ...", "Tags:
..."). A table row ("70 g | Almonds") or a heading that is itself a link is no pointer.

Links to other sites are left out: a list of those is the article's own (the offers a deals post
lists, the places a travel piece names). A line of prose is never taken for a link line, and when
nothing would be left the lines are returned as they were: a page that is itself a list of links is
for the page-kind rules to judge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import urlsplit

import lxml.html
from courlan import extract_domain

from pipeline.extract.prose import PROSE_WORDS

LINK_SHARE = 0.95  # of a line's letters and digits inside link texts: a link line
MIN_RUN = 3  # link lines in one run (labels between them aside) for the run to be a list
LABEL_WORDS = 5  # up to this, a line of no sentence above a list is its heading
# up to this, a line of no sentence between two links is part of the list: a label, a source and
# time stamp ("Thomson Financial News | Wed, Jan 16 2008, 07:50 GMT")
ITEM_WORDS = 12
POINTER_LABEL_WORDS = 4
POINTER_LINK_WORDS = 4
# a label, its mark, and the rest of the line: "Read more: <headline>", "LEA TAMBIÉN » <headline>"
_POINTER = re.compile(r"^\W*(\w[^:»›>]{0,40}?)\s*[:»›>]+\s*(.+)$")
_DIGIT = re.compile(r"\d")
_LETTERS = re.compile(r"\w+")
_ABSOLUTE = re.compile(r"https?://", re.I)
# prose.PROSE_END without closing brackets: a list item ends with one ("Headline (video)", "(31 Dec
# 07)") and is no sentence for it
_SENTENCE_END = re.compile(r"[.!?\u2026\"\u201d\u00bb\u3002\uff01\uff1f]$")


def link_texts(tree: lxml.html.HtmlElement, url: str) -> frozenset[str]:
    """The text of each link on the page that stays on its site (whitespace collapsed; those holding
    a letter or digit). A link to another site is left out: a list of those is the article's own
    (the offers a deals post lists, the places a travel piece names), not the site's furniture."""
    try:
        site = _site(urlsplit(url).hostname) if url else None
    except ValueError:  # a page address that is no URL: every link counts as the site's own
        site = None
    texts = set()
    for a in tree.iter("a"):
        href = a.get("href")
        if href is None:
            continue
        if site is not None and _elsewhere(href.strip(), site):
            continue
        text = " ".join(a.text_content().split())
        if _LETTERS.search(text):
            texts.add(text)
    return frozenset(texts)


def _elsewhere(href: str, site: str) -> bool:
    """Whether a link leads to another site (a relative link stays on this one)."""
    if href.startswith("//"):
        href = "http:" + href
    elif not _ABSOLUTE.match(href):
        return False
    try:
        return _site(urlsplit(href).hostname) != site
    except ValueError:  # a malformed address (an unclosed IPv6 bracket) leads nowhere
        return True


@lru_cache(maxsize=4096)
def _site(host: str | None) -> str | None:
    """The registered domain of a host (news.bbc.co.uk: bbc.co.uk); for a name under no public
    suffix courlan knows, its last two labels; an IP address is its own site."""
    if not host:
        return None
    if domain := extract_domain(f"http://{host}/"):
        return domain
    return host if host.replace(".", "").isdigit() or ":" in host else ".".join(host.split(".")[-2:])


def link_share(line: str, links: Iterable[str]) -> float:
    """The share of the line's letters and digits that stand inside the text of some link."""
    if line in links:
        return 1.0
    covered = bytearray(len(line))
    for text in links:
        if len(text) <= len(line):
            at = line.find(text)
            while at >= 0:
                covered[at : at + len(text)] = b"\x01" * len(text)
                at = line.find(text, at + len(text))
    letters = [m.span() for m in _LETTERS.finditer(line)]
    total = sum(end - start for start, end in letters)
    inside = sum(sum(covered[start:end]) for start, end in letters)
    return inside / total if total else 0.0


def _label(line: str, words: int = LABEL_WORDS) -> bool:
    return len(line.split()) <= words and not _SENTENCE_END.search(line)


def _prose(line: str) -> bool:
    return len(line.split()) >= PROSE_WORDS and _SENTENCE_END.search(line) is not None


def pointer(line: str, links: Iterable[str]) -> bool:
    """A line that sends the reader to another page of the site: "Read more: <a link's text>"."""
    found = _POINTER.match(line)
    if found is None or _prose(line):
        return False
    label, rest = found.groups()
    return (
        _label(label, POINTER_LABEL_WORDS)
        and not _DIGIT.search(label)
        and len(rest.split()) >= POINTER_LINK_WORDS
        and link_share(rest, links) >= LINK_SHARE
        and link_share(label, links) < 0.5
    )


def without_link_lists(lines: Sequence[str], links: frozenset[str]) -> tuple[str, ...]:
    """`lines` without the runs of link lines and the pointers in them (see the module's
    docstring)."""
    if not links:
        return tuple(lines)
    linked = [not _prose(line) and link_share(line, links) >= LINK_SHARE for line in lines]
    drop = [pointer(line, links) for line in lines]
    i = 0
    while i < len(lines):
        if not linked[i]:
            i += 1
            continue
        # a run: link lines, and labels between them
        end, last_link, count = i, i, 0
        while end < len(lines) and (linked[end] or _label(lines[end], ITEM_WORDS)):
            if linked[end]:
                last_link, count = end, count + 1
            end += 1
        # a list, with its heading: links, and at most one other line for each
        if count >= MIN_RUN and 2 * count >= last_link + 1 - i:
            start = i - 1 if i > 0 and _label(lines[i - 1]) else i
            # items of a link and a line under it each (a source and time): the last one's line too
            paired = all(linked[k] == ((k - i) % 2 == 0) for k in range(i, last_link + 1))
            stop = last_link + 2 if paired and last_link + 1 < end else last_link + 1
            drop[start:stop] = [True] * (stop - start)
        elif i == 0 or last_link == len(lines) - 1:  # links opening or closing the text
            for k in range(i, last_link + 1):
                drop[k] = linked[k]
        i = last_link + 1
    kept = tuple(line for line, gone in zip(lines, drop, strict=True) if not gone)
    return kept or tuple(lines)
