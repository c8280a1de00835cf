"""Topic relevance: keyword scores for links and pages, and the pipeline stage that keeps off-topic
pages out of the corpus (they stay captures, with the drop reason as their note).

A keyword matches as a phrase of whole tokens, its last token also as a prefix ("hack" matches
"hackers", "Sony Pictures" matches "Sony Pictures’"), so URL slugs and anchor text score alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from scrapy.exceptions import DropItem, NotConfigured

from pipeline.stagetime import timed

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# Page score: keyword hits per 100 words of text, plus this much per keyword in the headline.
TITLE_WEIGHT = 2.0
_ABSOLUTE = ("http://", "https://")
_URL_DROPS = str.maketrans("", "", "\t\r\n")  # what urllib removes from a URL before parsing it
_SHORT_TEXT = 500  # characters: up to this, one pattern search beats a search per keyword
_URL_ODD = re.compile(r"[%\t\r\n]")  # what makes a URL's text differ from its unquoted form


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _phrase_hits(phrase: tuple[str, ...], words: list[str]) -> int:
    """Occurrences of one keyword phrase (whole tokens, the last also as a prefix) in a token list."""
    *head, last = phrase
    if not head:
        return sum(1 for word in words if word.startswith(last))
    n, first, count = len(head), head[0], 0
    for i in range(len(words) - n):  # the cheap test first: this runs for every word
        if words[i] == first and words[i : i + n] == head and words[i + n].startswith(last):
            count += 1
    return count


@dataclass(frozen=True, slots=True)
class Keywords:
    """The collection's keywords as token phrases."""

    phrases: tuple[tuple[str, ...], ...]
    # The phrases' first tokens, and the same as one pattern: one search per short text (the
    # spider's link test runs on every link of every page); on a long one str's own search for
    # each is faster.
    _firsts: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _first_tokens: re.Pattern | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        firsts = tuple(sorted({phrase[0] for phrase in self.phrases}, key=len, reverse=True))
        object.__setattr__(self, "_firsts", firsts)
        object.__setattr__(
            self, "_first_tokens", re.compile("|".join(map(re.escape, firsts))) if firsts else None
        )

    @classmethod
    def of(cls, keywords) -> Keywords:
        return cls(tuple(p for p in (tuple(tokens(k)) for k in keywords) if p))

    def may_occur(self, lowered: str) -> bool:
        """False when no keyword can occur in a lowercased text: none of their first tokens is in
        it. A substring test, far cheaper than tokenizing: most links and pages of an outlet are
        about something else."""
        if len(lowered) > _SHORT_TEXT or self._first_tokens is None:
            return any(first in lowered for first in self._firsts)
        return self._first_tokens.search(lowered) is not None

    def _may_occur_in_url(self, text: str) -> bool:
        """`may_occur` on a URL or a part of one, as its path reads once unquoted."""
        if _URL_ODD.search(text):
            text = unquote(text.translate(_URL_DROPS))
        return self.may_occur(text.lower())

    def hits(self, words: list[str]) -> int:
        """Occurrences of any keyword phrase in a token list."""
        return sum(_phrase_hits(phrase, words) for phrase in self.phrases)

    def distinct(self, words: list[str]) -> int:
        """How many different keywords occur in a token list."""
        return sum(1 for phrase in self.phrases if _phrase_hits(phrase, words))

    def link_may_score(self, anchor: str, href: str, base_path: str) -> bool:
        """False when `link_score` of a link is surely 0, told without joining its URL to the base
        (whose path is `base_path`): no keyword's first token is in its anchor text or in the text
        that holds the joined URL's path (the href, and the base's path too for a relative href).
        Most of a page's links are about something else. (A token never spans two of these
        texts: the joined URL has a "/" between the base's path and a relative href.)"""
        if self.may_occur(anchor.lower()) or self._may_occur_in_url(href):
            return True
        relative = not (href[:1] == "/" or href[:8].lower().startswith(_ABSOLUTE))
        return relative and self._may_occur_in_url(base_path)

    def link_score(self, url: str, anchor: str = "") -> float:
        """Distinct keywords in the anchor text and the URL's path tokens (the slug)."""
        if not self.may_occur(f"{anchor} {unquote(url)}".lower()):  # the path is part of the URL
            return 0.0
        path = unquote(urlsplit(url).path)
        return float(self.distinct(tokens(anchor) + ["|"] + tokens(path.replace("-", " "))))

    def page_score(self, title: str | None, text: str) -> float:
        """Keyword hits per 100 words of text, plus TITLE_WEIGHT per distinct keyword in the title."""
        lowered = text.lower()
        words = _TOKEN.findall(lowered) if self.may_occur(lowered) else []  # no hit: density 0 anyway
        density = 100.0 * self.hits(words) / max(len(words), 1)
        return round(density + TITLE_WEIGHT * self.distinct(tokens(title or "")), 2)


class RelevancePipeline:
    """Drops pages that are not about the collection's topic; curated seeds are exempt."""

    def __init__(self, keywords: Keywords | None, min_score: float, stats=None):
        self.keywords = keywords
        self.min_score = min_score
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls.configured(crawler.settings, crawler.stats)

    @classmethod
    def configured(cls, settings, stats=None):
        """The collection's keywords and threshold ([links] min_score), as stages.collection_settings
        puts them in the settings."""
        if not settings.getbool("DISCOVERY_RELEVANCE_ENABLED"):
            raise NotConfigured("DISCOVERY_RELEVANCE_ENABLED is off")
        keywords = settings.getlist("DISCOVERY_KEYWORDS")
        return cls(Keywords.of(keywords) if keywords else None, settings.getfloat("DISCOVERY_MIN_SCORE"), stats)

    @timed("relevance")
    def process_item(self, item):
        if item.discovered_via == "seeds" or not self.keywords or not self.keywords.phrases:
            return item
        title = item.extracted.title if item.extracted else None
        score = self.keywords.page_score(title, item.text or "")
        if score < self.min_score:
            self._count("relevance/off_topic")
            raise DropItem(f"off-topic: score {score:.2f} < {self.min_score:g} ({item.discovered_via})")
        self._count("relevance/on_topic")
        return item

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
