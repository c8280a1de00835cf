"""The article body, one paragraph per line: trafilatura, checked against readability.

trafilatura keeps more of an article than readability, and more of the page around it too
(teasers, link lists, layout tables: precision is its weak side on news pages). Readability picks
one main block and is precise, but misses text outside it. So each trafilatura paragraph is kept
only when at least AGREEMENT of its words are also in readability's text (trafilatura's own fork of
readability, a fraction of readability-lxml's cost for nearly the same result). The two together
score above either alone (docs/extraction.md, "The extraction benchmark"). The rule is skipped
when readability found almost nothing (it then has no opinion) and in recall mode (it is a
precision device); readability's own text is used when trafilatura finds none. Table frames, share
counters, cookie banners and calls to sign up for a newsletter are dropped from the lines first.

Readability also has no say when it backs little of trafilatura's text, however long its block (it
picked a sign-in box or a list of names, not the article). And each extractor puts back the lede
the other left out: a paragraph of prose just above the first one both have; and when readability's
block is the longer (TAIL_COVERAGE), its paragraphs of prose after the last one both have, where
trafilatura stopped early, and those between two paragraphs both have, which trafilatura skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass

import lxml.html
import trafilatura
from trafilatura.readability_lxml import Document as Readability

from pipeline.extract.comments import before_comments
from pipeline.extract.pagekind import PAYWALL_TEXT
from pipeline.extract.prose import ends_sentence

log = logging.getLogger(__name__)

# Recorded in extractor_settings: each changes the text.
TRAFILATURA_OPTIONS = {"include_comments": False, "include_tables": True, "deduplicate": False}
AGREEMENT = 0.5  # share of a paragraph's words readability must also have
SHORT_LINE_WORDS = 6  # up to this, only words of four letters or more count towards AGREEMENT
MIN_READABILITY_WORDS = 20  # below this readability found no article, and is not asked
# Readability picks one block. When its text is under MIN_COVERAGE of trafilatura's words it picked
# a fragment (one paragraph of a product page, a caption) and has no say; under PARTIAL_COVERAGE it
# likely picked one part of an article split over several containers, and may then only drop weak
# lines: a full sentence paragraph of SENTENCE_WORDS or more stays.
MIN_COVERAGE = 0.2
PARTIAL_COVERAGE = 0.5
# Readability's block backing under this share of trafilatura's words (AGREEMENT line by line) is
# another part of the page than trafilatura's text, however long: then too it has no say.
MIN_BACKED = 0.3
SENTENCE_WORDS = 15
# ... but not a teaser of another story: its lede cut short ("... has launched a new...").
TEASER_WORDS = 40
_TRUNCATED = re.compile(r"(?:\.\.\.|\u2026)$")
# A paragraph readability has above the text both found, of LEDE_WORDS or more words ending a
# sentence, is the lede trafilatura missed; the first LEDE_PREFIX characters tell shared paragraphs.
LEDE_WORDS = 8
LEDE_PREFIX = 50
LEDE_SKIP_WORDS = 4  # lines shorter than this between a lede and the article are passed over
# When readability's block is this much longer than trafilatura's text, trafilatura stopped early:
# readability's paragraphs of prose after the last one both have are the article's end.
TAIL_COVERAGE = 1.2
# A trafilatura line holding readability's paragraphs is glued to furniture when more than this
# share of its words is outside them.
GLUE_SLACK = 0.15
_SENTENCE_END = re.compile(r"[.!?\u2026\"\u201d\u00bb\u201c)\]:;\u3002\uff01\uff1f]$")
# Readability's cost grows with the page, and pages this large are mostly reader comments, which
# trafilatura already leaves out: above this size its check is skipped.
READABILITY_MAX_CHARS = 1_000_000
# Cookie banners, which some pages put inside the article container.
CONSENT_LINE = re.compile(
    r"^(?=.{0,400}$).*(?:\b(?:we|this (?:web)?site) uses? cookies\b"
    r"|\baccept (?:all )?cookies\b|\bcookie (?:policy|settings)\b)",
    re.I,
)
# Calls to sign up for a newsletter or a subscription that sit in article containers ("Sign up for
# the free daily newsletter", "Subscribe now to our e-edition for the full story"): a short line
# that names signing up or subscribing and something delivered (a newsletter, e-mail, an alert, an
# edition, a feed). A paywall's prompt is left for the page-kind rules.
PROMO_LINE = re.compile(
    r"^(?=.{0,300}$)(?:.*\b(?:sign(?:ing)? up|subscribe|subscribing)\b.{0,100}"
    r"\b(?:newsletters?|e-?mails?|inbox|alerts?|edition|full story|rss)\b"
    r"|.*\bnewsletters?\b.{0,100}\b(?:sign(?:ing)? up|subscribe)\b)",
    re.I,
)
# Lines of page furniture that sit inside article containers: share counters and relative times
# ("Updated 38 minutes ago · 1,407 shares"), which also change on every fetch.
NOISE_LINE = re.compile(
    r"^(?=.{0,120}$)(?:.*\b\d[\d,.]*k?\s+(?:shares?|comments?|views?|likes?|reactions?)\b"
    r"|(?:updated|posted|published)?\s*\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?)\s+ago\b.*)$",
    re.I,
)
_PARSER_OPTIONS = {
    "remove_comments": True,
    "remove_pis": True,
    "collect_ids": False,
    "default_doctype": False,
}
PARSER = lxml.html.HTMLParser(**_PARSER_OPTIONS)
UTF8_PARSER = lxml.html.HTMLParser(encoding="utf-8", **_PARSER_OPTIONS)
_WORD = re.compile(r"\w")
_BLOCKS = (
    "p",
    "div",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "td",
    "th",
    "tr",
    "blockquote",
    "pre",
    "br",
    "dd",
    "dt",
)


@dataclass(frozen=True, slots=True)
class Body:
    lines: tuple[str, ...]
    method: str  # "trafilatura", "trafilatura+readability" or "readability"

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """The document tree, or None when there is no markup to speak of."""
    try:
        return lxml.html.document_fromstring(html, parser=PARSER)
    except ValueError:  # an XML declaration naming an encoding, even a broken one
        try:
            return lxml.html.document_fromstring(html.encode("utf-8"), parser=UTF8_PARSER)
        except (lxml.etree.ParserError, ValueError):
            return None
    except lxml.etree.ParserError:
        return None


def _trafilatura_lines(html: str, url: str, favor: str) -> list[str]:
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=False,
            favor_precision=favor == "precision",
            favor_recall=favor == "recall",
            **TRAFILATURA_OPTIONS,
        )
    except Exception:  # trafilatura on arbitrary markup: a failure is "no text", not a crash
        log.debug("trafilatura failed on %s", url, exc_info=True)
        return []
    rows = (_table_row(line) for line in _lines(document.text if document is not None else ""))
    # a row's furniture ("| 3 days ago | | Other headline |") shows once its frame is gone
    return [row for row in rows if row and not NOISE_LINE.match(row)]


def _table_row(line: str) -> str:
    """A table row as trafilatura writes it ("| a | | b |") without its frame and empty cells:
    layout tables of older sites would otherwise leave lines of bare pipes in the text."""
    if not line.startswith("| "):
        return line
    cells = [cell.strip() for cell in line.strip("| ").split(" | ")]
    return " | ".join(cell for cell in cells if cell.strip("| "))


def _readability_lines(html: str, url: str) -> list[str]:
    tree = parse_html(html)
    if tree is None:
        return []
    try:
        summary = Readability(tree, min_text_length=25).summary()
    except Exception:  # as above: readability gives up on some markup
        log.debug("readability failed on %s", url, exc_info=True)
        return []
    return markup_lines(summary)


def markup_lines(fragment_html: str) -> list[str]:
    """The text of an HTML fragment, one line per block element (paragraph, heading, list item)."""
    fragment = parse_html(fragment_html) if fragment_html.strip() else None
    if fragment is None:
        return []
    for el in fragment.iter(_BLOCKS):
        el.tail = "\n" + (el.tail or "")
    return _lines(fragment.text_content())


def _lines(text: str | None) -> list[str]:
    lines = (" ".join(line.split()) for line in (text or "").splitlines())
    return [line for line in lines if line and not _furniture(line)]


def _furniture(line: str) -> bool:
    """A share counter, a cookie banner or a sign-up call; a paywall's prompt stays, for the
    page-kind rules to see."""
    if NOISE_LINE.match(line) or CONSENT_LINE.search(line):
        return True
    return PROMO_LINE.match(line) is not None and PAYWALL_TEXT.search(line) is None


def _words(line: str) -> list[str]:
    """Lowercased tokens that hold a letter or digit (a lone "|" or "-" says nothing)."""
    return [w for w in line.lower().split() if _WORD.search(w)]


def agreeing(
    lines: list[str], reference: list[str], keep_sentences: bool = False, keep: Collection[str] = ()
) -> list[str]:
    """The lines whose words are mostly (AGREEMENT) in the reference text too, and those in `keep`;
    with `keep_sentences`, also every paragraph of full sentences (see PARTIAL_COVERAGE)."""
    known = {w for line in reference for w in _words(line)}
    kept = []
    for line in lines:
        words = _words(line)
        # a short line ("Refer to a friend", "Print this article") is weighed by its words of more
        # than three letters: "to" and "a" are in any article
        weighed = [w for w in words if len(w) > 3] if len(words) <= SHORT_LINE_WORDS else words
        weighed = weighed or words
        if line in keep or (words and sum(w in known for w in weighed) >= AGREEMENT * len(weighed)):
            kept.append(line)
        elif keep_sentences and len(words) >= SENTENCE_WORDS and _SENTENCE_END.search(line):
            if not _teaser(line):
                kept.append(line)
    return kept


def _teaser(line: str) -> bool:
    """A teaser of another story: a lede cut short with an ellipsis, under TEASER_WORDS."""
    return len(line.split()) < TEASER_WORDS and _TRUNCATED.search(line) is not None


def _word_count(lines: list[str]) -> int:
    return sum(len(line.split()) for line in lines)


def extract_body(html: str, url: str, favor: str = "balanced") -> Body:
    """The body paragraphs of the article on the page (possibly none)."""
    lines = _trafilatura_lines(html, url, favor)
    if favor == "recall" and lines:
        return Body(tuple(lines), "trafilatura")
    lines = before_comments(lines)
    reference = _readability_lines(html, url) if len(html) <= READABILITY_MAX_CHARS or not lines else []
    reference = before_comments(reference)
    if not lines:
        return Body(tuple(reference), "readability" if reference else "trafilatura")
    kept = reconcile(lines, reference)
    return Body(tuple(kept), "trafilatura+readability" if len(kept) < len(lines) else "trafilatura")


def reconcile(lines: list[str], reference: list[str]) -> list[str]:
    """trafilatura's lines that readability's text backs, as far as readability has a say, and the
    lede readability found above them."""
    reference_words = _word_count(reference)
    if reference_words < MIN_READABILITY_WORDS:
        return lines
    lines, heads = unglued(lines, reference)
    coverage = reference_words / max(1, _word_count(lines))
    # the share of trafilatura's words readability backs: under MIN_BACKED it picked another block
    # (a sidebar, a sign-in box, a list of names) however long, and has no say
    backed = _word_count(agreeing(lines, reference)) / max(1, _word_count(lines))
    if coverage < MIN_COVERAGE or backed < MIN_BACKED:
        return lines
    kept = agreeing(lines, reference, keep_sentences=coverage < PARTIAL_COVERAGE, keep=heads) or lines
    if kept is not lines:
        kept = own_lede(kept, lines, reference)
    if backed >= PARTIAL_COVERAGE:
        kept = with_lede(kept, lines, reference)
        if coverage >= TAIL_COVERAGE:
            kept = with_gaps(with_tail(kept, lines, reference), lines, reference)
    return kept


def unglued(lines: list[str], reference: list[str]) -> tuple[list[str], set[str]]:
    """`lines` with each line that holds readability's paragraphs and much else besides split: what
    stands before them (a headline, byline, dateline or caption: kept whatever readability says, the
    second value), then readability's paragraphs; what follows them is dropped. trafilatura writes a
    container of loose text and inline markup (no <p>) as one line, the article glued to the
    furniture around it (related headlines, "Post your comment", a newsletter pitch, a copyright
    notice), which readability split at its elements.

    The paragraphs put in are readability's run from the first to the last of its paragraphs of
    LEDE_WORDS or more found verbatim (whitespace aside) in the line, widened by neighbours also
    found in it; the line stays when the run holds all but GLUE_SLACK of its words."""
    compact = [_compact(p) for p in reference]
    paragraphs = [i for i, p in enumerate(reference) if len(_words(p)) >= LEDE_WORDS]
    result: list[str] = []
    heads: set[str] = set()
    for line in lines:
        text = _compact(line)
        found = [i for i in paragraphs if len(compact[i]) <= len(text) and compact[i] in text]
        if not found:
            result.append(line)
            continue
        first, last = found[0], found[-1]
        while first > 0 and compact[first - 1] and compact[first - 1] in text:
            first -= 1
        while last + 1 < len(reference) and compact[last + 1] and compact[last + 1] in text:
            last += 1
        run = reference[first : last + 1]
        if len(_words(line)) - _word_count_words(run) <= GLUE_SLACK * len(_words(line)):
            result.append(line)
            continue
        head = _before(line, compact[first])
        if _words(head):
            result.append(head)
            heads.add(head)
        result.extend(p for p in run if p not in result)
    return result, heads


def _before(line: str, compact_part: str) -> str:
    """The text of `line` before the first place `compact_part` (whitespace removed) stands in it."""
    at = _compact(line).find(compact_part)
    seen = 0
    for i, char in enumerate(line):
        if seen == at:
            return line[:i].strip()
        if not char.isspace():
            seen += 1
    return line.strip()


def _word_count_words(lines: list[str]) -> int:
    return sum(len(_words(line)) for line in lines)


def _lede_like(line: str) -> bool:
    """A paragraph of prose: LEDE_WORDS or more, ending a sentence (not a colon: "Read on:"), no table
    cells."""
    return len(_words(line)) >= LEDE_WORDS and ends_sentence(line) and "|" not in line


def own_lede(kept: list[str], lines: list[str], reference: list[str]) -> list[str]:
    """`kept` with trafilatura's paragraphs of prose just above the first paragraph readability has
    too (short lines between them, a photo credit or "In pictures", are passed over and stay out):
    readability's block often starts below a lede that stands in an element of its own."""
    text = _compact("".join(reference))
    first = next(
        (i for i, line in enumerate(lines) if len(_words(line)) >= LEDE_WORDS and _shared(line, text)), None
    )
    if first is None or lines[first] not in kept:
        return kept
    lede: list[str] = []
    for line in reversed(lines[:first]):
        if _lede_like(line):
            lede.insert(0, line)
        elif len(_words(line)) >= LEDE_SKIP_WORDS:
            break
    lede = [line for line in lede if line not in kept]
    at = kept.index(lines[first])
    return kept[:at] + lede + kept[at:]


def _shared(line: str, compact_text: str) -> bool:
    return _compact(line)[:LEDE_PREFIX] in compact_text


def _compact(text: str) -> str:
    return "".join(text.split())


def with_lede(kept: list[str], lines: list[str], reference: list[str]) -> list[str]:
    """`kept` with the paragraphs readability has above the first one trafilatura has too, when they
    are sentences (LEDE_WORDS or more, ending a sentence): trafilatura misses a lede that stands
    apart from the paragraphs below it (a dateline paragraph, a lede in its own element).

    Only when readability backs most of trafilatura's text (both found the same article); a
    paragraph counts as shared when its first LEDE_PREFIX characters (whitespace aside) are in
    trafilatura's text."""
    text = _compact("".join(lines))
    lede: list[str] = []
    anchor = None
    for paragraph in reference:
        # a short line (a kicker: "Entertainment") is found in any text, and anchors nothing
        if len(_words(paragraph)) >= LEDE_WORDS and _shared(paragraph, text):
            anchor = paragraph
            break
        if _lede_like(paragraph):
            lede.append(paragraph)
    if not (lede and anchor):
        return kept
    for i, line in enumerate(kept):
        if _holds(line, anchor):
            return kept[:i] + lede + kept[i:]
    return kept


def _mostly_in(line: str, paragraph: str) -> bool:
    """Whether most (AGREEMENT) of the line's words are the paragraph's."""
    words = _words(line)
    anchor = set(_words(paragraph))
    return bool(words) and sum(w in anchor for w in words) >= AGREEMENT * len(words)


def _holds(line: str, paragraph: str) -> bool:
    """Whether a line of trafilatura's is, or holds, a paragraph of readability's: most of its words
    are the paragraph's, or the paragraph's start stands in it (a line of several paragraphs)."""
    return _mostly_in(line, paragraph) or _shared(paragraph, _compact(line))


def with_tail(kept: list[str], lines: list[str], reference: list[str]) -> list[str]:
    """`kept` with readability's paragraphs of prose after the last one trafilatura has too (short
    lines passed over, up to the first longer line that is no prose), after the line they follow."""
    text = _compact("".join(lines))
    last = max((i for i, paragraph in enumerate(reference) if _shared(paragraph, text)), default=None)
    if last is None:
        return kept
    tail: list[str] = []
    for paragraph in reference[last + 1 :]:
        if _lede_like(paragraph):
            tail.append(paragraph)
        elif len(_words(paragraph)) >= LEDE_SKIP_WORDS:
            break
    # matched on words only: a line of trafilatura's holding the paragraph and more (all of an
    # article glued together) means trafilatura did not stop early; readability's block then runs
    # on into the comments
    for i in range(len(kept) - 1, -1, -1):
        if tail and _mostly_in(kept[i], reference[last]):
            return kept[: i + 1] + tail + kept[i + 1 :]
    return kept



def with_gaps(kept: list[str], lines: list[str], reference: list[str]) -> list[str]:
    """`kept` with readability's paragraphs of prose that trafilatura skipped between two paragraphs
    both have (a paragraph inside a quote box or a differently marked element), after the first."""
    text = _compact("".join(lines))
    shared = [i for i, paragraph in enumerate(reference) if _shared(paragraph, text)]
    result = list(kept)
    for before, after in zip(shared, shared[1:], strict=False):
        missed = [p for p in reference[before + 1 : after] if _lede_like(p) and p not in result]
        for i, line in enumerate(result if missed else []):
            if _holds(line, reference[before]):
                result[i + 1 : i + 1] = missed
                break
    return result
