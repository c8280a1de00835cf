"""Dead links that do not say so: a live article URL that answers 200 with a "page not found"
page (a soft 404), with the site's generic page for unknown addresses, or that redirects to the
home page or a section front. Each is taken from its archived copy, as a 404 or 410 is; the live
answer stays in the WARC, its capture noted with the reason.

The site's generic page is learnt the way soft-404 studies do (Bar-Yossef et al., 2004): one
request per host for an address that cannot exist, beside the article's; a page whose title and
words are that answer's is no article. Pages of a host wait (in memory) until that answer is in."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse

from pipeline.signals import capture_noted
from warc.middleware import CAPTURE_RECORD, LOCATION
from warc.outlinks import response_root

PROBE_HOST = "soft404_probe_host"  # meta: the host whose generic page this request learns
# A title segment or heading that is an error page's (short: a headline may say "not found").
_NOT_FOUND = re.compile(
    r"^(?:(?:oops|whoops|sorry|error|uh oh|404)\W*)*(?:the |this |that )?"
    r"(?:page|article|story|content|file|url|address|document)s?(?: you (?:requested|are looking for))?"
    r" (?:(?:is |was )?not found|(?:cannot|can't|could ?not|couldn't) be (?:found|displayed)"
    r"|does ?n[o']?t exist|(?:is )?no longer (?:exists|available)|is (?:unavailable|missing))"
    r"|\b404\b.{0,30}\b(?:not found|error|page)\b|^(?:error )?404$"
    r"|\b(?:error|fehler|erreur)\s*:?\s*404\b"
    r"|^(?:(?:file|error|http) )?not found$"
    r"|\b(?:couldn't|could not|can't|cannot) find (?:the |that |this |your )?(?:page|article|story)"
    r"|\bthe page you (?:requested|are looking for|were looking for|were trying to reach)\b"
    r"|\b(?:seite|datei) (?:wurde )?nicht gefunden|\bpage (?:introuvable|non trouv)|\bp[áa]gina no encontrada"
    r"|\bpagina non trovata|\bpagina niet gevonden"
)
_SEPARATORS = re.compile(r"\s+[-|–—·:»]\s+|\s*[|–—·»]\s*")
_SECTION_PREFIXES = frozenset(
    {"section", "sections", "category", "categories", "topic", "topics", "tag", "tags"}
)
_WORD = re.compile(r"\w+")


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _article_like(segment: str) -> bool:
    """A slug or id (three words or more, or a long number), not a section name."""
    stem = segment.rsplit(".", 1)[0]
    return len(re.split(r"[-_+]", stem)) >= 3 or bool(re.search(r"\d{5,}", stem))


def redirected_to_front(original: str, final: str) -> bool:
    """Whether a redirect took an article's URL to a front page: the home page, a page above it
    (its section, its date folder), or a section's own page (``/business/``, ``/section/tech``)."""
    before, after = _segments(urlsplit(original).path), _segments(urlsplit(final).path)
    if not before or after == before:
        return False
    if not after:
        return True
    if len(after) < len(before) and after == before[: len(after)]:
        return True
    if _article_like(after[-1]):
        return False
    return len(after) == 1 or (len(after) == 2 and after[0].lower() in _SECTION_PREFIXES)


def _normal(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").lower()
    return re.sub(r"\s+", " ", text).strip(" \t\n!.?,;:'\"()[]")


def says_not_found(title: str, headings: list[str]) -> str | None:
    """The title segment or heading that says the page was not found, if one does."""
    for text in [*_SEPARATORS.split(title or ""), *headings]:
        line = _normal(text)
        if line and len(line.split()) <= 12 and _NOT_FOUND.search(line):
            return text.strip()
    return None


def page_heads(root) -> tuple[str, list[str]]:
    title = root.xpath("normalize-space(//title)")
    headings = (element.xpath("normalize-space(.)") for element in root.xpath("//h1")[:3])
    return title, [h for h in headings if h]


def page_words(root, url: str) -> tuple[frozenset[str], frozenset[str]]:
    """(title words, words of the title, headings and paragraphs), without the words of the
    page's own address, which a not-found page often repeats."""
    own = set(_WORD.findall(urlsplit(url).path.lower()))
    title = frozenset(_WORD.findall(root.xpath("normalize-space(//title)").lower())) - own
    text = " ".join(root.xpath("//title//text() | //h1//text() | //h2//text() | //p//text()"))
    return title, frozenset(_WORD.findall(text.lower())) - own


def same_page(page: tuple[frozenset, frozenset], generic: tuple[frozenset, frozenset]) -> bool:
    """The same title and nearly the same words (Jaccard 0.8): two articles never share a title."""
    (title, words), (generic_title, generic_words) = page, generic
    if not words or not generic_words or title != generic_title:
        return False
    return len(words & generic_words) / len(words | generic_words) >= 0.8


def probe_url(url: str) -> str:
    """An address beside ``url`` that no site has: its folder and a random name."""
    parts = urlsplit(url)
    folder = parts.path.rstrip("/").rsplit("/", 1)[0]
    name = f"no-such-page-{uuid.uuid4().hex[:12]}" + ("/" if parts.path.endswith("/") else "")
    return urlunsplit((parts.scheme, parts.netloc, f"{folder}/{name}", "", ""))


class SoftNotFoundMixin:
    """Judges a live page that has an archived copy; what it decides goes to ``take_archive_copy``."""

    def live_verdict(self, response: Response, copy: str) -> list | None:
        """None when the live page stands; else what to yield instead of it: the archived copy, or
        the request that learns the site's generic page (this page waiting for it), or nothing."""
        if not isinstance(response, TextResponse) or response.status != 200:
            return None
        original = (response.meta.get("redirect_urls") or [response.url])[0]
        if original != response.url and redirected_to_front(original, response.url):
            reason = f"redirected to {response.url}"
            return self.take_archive_copy(response, copy, original, "redirect", reason)
        root = response_root(response)
        if root is None:
            return None
        title, headings = page_heads(root)
        if said := says_not_found(title, headings):
            reason = f"soft 404: the page says {said!r}"
            return self.take_archive_copy(response, copy, original, "soft_404", reason)
        host = urlsplit(response.url).hostname or ""
        if host not in self.generic_pages:
            waiting = self.waiting_for_probe.setdefault(host, [])
            waiting.append(response)
            return [self.probe_request(response.url, host)] if len(waiting) == 1 else []
        generic = self.generic_pages[host]
        if generic and same_page(page_words(root, response.url), generic):
            reason = "soft 404: the site's answer for an address it does not have"
            return self.take_archive_copy(response, copy, original, "soft_404", reason)
        return None

    def probe_request(self, url: str, host: str) -> scrapy.Request:
        meta = {PROBE_HOST: host, "handle_httpstatus_all": True, "discovered_via": "probe"}
        meta["discovered_from"] = url
        self.count("discovery/soft404_probes")
        return scrapy.Request(
            probe_url(url),
            callback=self.parse_probe,
            errback=self.probe_failed,
            meta=meta,
            dont_filter=True,
            priority=100,
        )

    def parse_probe(self, response: Response):
        generic = None
        if isinstance(response, TextResponse) and response.status == 200:
            root = response_root(response)
            generic = page_words(root, response.url) if root is not None else None
        yield from self._probed(response.meta[PROBE_HOST], generic)

    def probe_failed(self, failure):
        yield from self._probed(failure.request.meta[PROBE_HOST], None)

    def _probed(self, host: str, generic):
        """The host's generic page is known (None: it answers unknown addresses with an error)."""
        self.generic_pages[host] = generic
        for response in self.waiting_for_probe.pop(host, []):
            yield from self.parse_page(response)

    def take_archive_copy(self, response: Response, copy: str, original: str, kind: str, reason: str) -> list:
        """The archived copy instead of the live answer, whose capture keeps the reason."""
        self.count(f"discovery/fallback_{kind}")
        self.logger.info("taking %s from the archive (%s): %s", original, reason, copy)
        record = response.meta.get(CAPTURE_RECORD) or getattr(response.meta.get(LOCATION), "record_id", None)
        self.crawler.signals.send_catch_log(
            capture_noted,
            capture_record_id=record,
            note=f"{reason}; the article is taken from its archived copy {copy}",
        )
        if not self.claim(copy):
            return []
        meta = response.meta
        return [self.archive_request(copy, original, meta["discovered_via"], meta["discovered_from"])]
