"""Labelled pairs of article texts for the near-duplicate quality table, made from real texts.

Positives are what syndication does to a wire story: another outlet's copy, in its own template
(other furniture lines around the text), cut after its first half or two thirds (at the end of a
sentence), a wire credit line added or removed, a few
words changed and a sentence dropped; full-length copies too. Dev pages that are already one wire
story at two outlets are positives as they are.

Hard negatives are different articles that look alike: every two articles of one host, and the
pairs of articles that share the most vocabulary (the pages come from one season of Google News,
so those are one subject on about one day), each both at full length and as a full article beside
a half-length one in the same outlet's template with the same wire credit line (shared furniture
is what fools containment).
Pairs of dev pages that share passages of one wire text (a digest quoting one item, a rewrite) are
neither: they are left out.

The generator is seeded: the same texts and seed make the same pairs.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.errors import BenchError

MIN_WORDS = 120  # shorter sources make copies of a few dozen words: too few shingles to tell
RELATED_SHINGLES = 30  # dev pages sharing this many 5-word runs quote one wire text
NATURAL_CONTAINMENT = 0.8  # ... and are one story when the shorter lies this much in the longer
TOPIC_PAIRS = 400  # most alike pairs of different hosts taken as same-subject negatives
_WORDS = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[\"“‘']?[A-Z0-9])")

OUTLETS = (
    "The Valley Ledger",
    "Northern Star",
    "Coastal Herald",
    "KXLT News 4",
    "Metro Daily",
    "The Riverside Post",
    "Plains Gazette",
    "Harbor City Times",
    "WBNJ Channel 7",
    "The Summit Record",
    "Lakeshore Journal",
    "Capital Observer",
)
HEADER_LINES = (
    "{outlet} | {section}",
    "Posted: {weekday} {month} {day}, 2008 {hour}:{minute} {ampm} ET",
    "By {outlet} staff and wire reports",
    "Advertisement",
    "Text size: A A A | Email | Print",
    "Share this story: Facebook Twitter Digg Email",
    "{section} news from {outlet}",
)
FOOTER_LINES = (
    "Copyright 2008 {outlet}. All rights reserved.",
    "Click here to sign up for {outlet}'s daily news e-mail.",
    "Comments ({count}) | Add your comment",
    "Related stories: more {section} coverage from {outlet}",
    "Report an error or send a news tip to the {outlet} newsroom.",
    "Sponsored links",
    "Most viewed: {section} | Photos | Video | Weather",
)
CREDIT_LINES = (
    "Copyright 2008 The Associated Press. All rights reserved. This material may not be published, "
    "broadcast, rewritten or redistributed.",
    "(Reporting by {name}; Editing by {name2})",
    "© Reuters 2008. All rights reserved.",
    "Associated Press writer {name} contributed to this report.",
)
SECTIONS = ("News", "World", "Sports", "Business", "Entertainment", "Politics", "Health")
NAMES = ("Jane Morrow", "Luis Ortega", "Mark Felder", "Anita Rao", "Tom Becker", "Claire Dubois")
MONTHS = ("Jan.", "Feb.", "March", "April", "May", "June")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    host: str
    text: str


@dataclass(frozen=True, slots=True)
class Pair:
    kind: str  # copy-full, copy-2/3, copy-1/2, natural-copy; same-host, same-topic (+ /trimmed)
    same: bool  # one story
    first: str  # the text stored first
    second: str
    ids: tuple[str, str]


def load_sources(folder: Path) -> list[Source]:
    """The texts of `folder`/ground-truth.jsonl (fields id, url, text), by id."""
    truth = folder / "ground-truth.jsonl"
    if not truth.is_file():
        raise BenchError(f"no labelled texts: {truth} not found (set EXTRACTION_DEV or --data)")
    sources = []
    for number, line in enumerate(truth.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            sources.append(Source(str(row["id"]), urlsplit(row.get("url", "")).hostname or "", row["text"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise BenchError(f"{truth}:{number}: not a JSON object with id and text ({exc})") from None
    return sorted(sources, key=lambda s: s.id)


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph) if s.strip()]


def trim(text: str, share: float) -> list[str]:
    """The text cut after the sentence that brings it to `share` of its words (its first half or
    two thirds by length, not by paragraph count: a headline and a dateline are paragraphs too)."""
    paras = paragraphs(text)
    target, kept, words = share * len(text.split()), [], 0
    for paragraph in paras:
        size = len(paragraph.split())
        if words + size <= target:
            kept.append(paragraph)
            words += size
            continue
        sentences = []
        for sentence in _sentences(paragraph):
            if words >= target:
                break
            sentences.append(sentence)
            words += len(sentence.split())
        if sentences:
            kept.append(" ".join(sentences))
        break
    return kept


def _fill(line: str, rng: random.Random, outlet: str, section: str) -> str:
    return line.format(
        outlet=outlet,
        section=section,
        weekday=rng.choice(WEEKDAYS),
        month=rng.choice(MONTHS),
        day=rng.randint(1, 28),
        hour=rng.randint(1, 12),
        minute=f"{rng.randint(0, 59):02d}",
        ampm=rng.choice(("AM", "PM")),
        count=rng.randint(0, 250),
        name=rng.choice(NAMES),
        name2=rng.choice(NAMES),
    )


@dataclass(frozen=True, slots=True)
class Template:
    """An outlet's furniture that survives extraction: the same lines on every page of the outlet
    (but for dates and counters)."""

    outlet: str
    section: str
    header: tuple[str, ...]
    footer: tuple[str, ...]

    @classmethod
    def of(cls, outlet: str, seed: int) -> Template:
        rng = random.Random(f"{seed}:{outlet}")
        return cls(
            outlet,
            rng.choice(SECTIONS),
            tuple(rng.sample(HEADER_LINES, rng.randint(0, 2))),
            tuple(rng.sample(FOOTER_LINES, rng.randint(1, 3))),
        )

    def wrap(self, body: list[str], rng: random.Random) -> str:
        head = [_fill(line, rng, self.outlet, self.section) for line in self.header]
        foot = [_fill(line, rng, self.outlet, self.section) for line in self.footer]
        return "\n".join(head + body + foot)


def light_edits(body: list[str], rng: random.Random) -> list[str]:
    """A few words changed (one in a hundred, at least two) and, in a longer text, a sentence dropped."""
    body = list(body)
    sentences = [(i, j) for i, p in enumerate(body) for j, _ in enumerate(_sentences(p))]
    if len(sentences) > 6 and rng.random() < 0.5:
        i, j = rng.choice(sentences[1:])
        parts = _sentences(body[i])
        body[i] = " ".join(parts[:j] + parts[j + 1 :])
    words = [(i, w) for i, p in enumerate(body) for w in p.split()]
    vocabulary = sorted({w for _, w in words if w.isalpha()})
    for _ in range(max(2, len(words) // 100)):
        i, _word = rng.choice(words)
        tokens = body[i].split()
        if tokens:
            tokens[rng.randrange(len(tokens))] = rng.choice(vocabulary or ["said"])
            body[i] = " ".join(tokens)
    return [p for p in body if p.strip()]


def _credit(rng: random.Random) -> str:
    return _fill(rng.choice(CREDIT_LINES), rng, "", "")


def copy_pair(source: Source, share: float, kind: str, templates: list[Template], rng: random.Random) -> Pair:
    """The story at one outlet, and another outlet's copy of its first `share`."""
    original, other = rng.sample(templates, 2)
    body = paragraphs(source.text)
    copy = light_edits(trim(source.text, share) if share < 1 else body, rng)
    credit = _credit(rng)
    if rng.random() < 0.5:  # the wire credit kept by one outlet only
        body = body + [credit]
    else:
        copy = copy + [credit]
    a, b = original.wrap(body, rng), other.wrap(copy, rng)
    if rng.random() < 0.5:  # a cut copy may be stored before its original
        a, b = b, a
    return Pair(kind, True, a, b, (source.id, source.id))


def _shingles(text: str) -> set[str]:
    words = _WORDS.findall(text.lower())
    return {" ".join(words[i : i + 5]) for i in range(len(words) - 4)}


def _related(a: set[str], b: set[str]) -> float | None:
    """Exact containment of the smaller in the larger when the two share a wire passage, else None."""
    shared = len(a & b)
    return shared / min(len(a), len(b)) if shared >= RELATED_SHINGLES else None


def _vocabulary(text: str) -> set[str]:
    return {w for w in _WORDS.findall(text.lower()) if len(w) > 3 and not w.isdigit()}


def negative_pairs(
    x: Source, y: Source, kind: str, templates: list[Template], rng: random.Random
) -> list[Pair]:
    """Two different articles at full length in two outlets' templates, and one full beside the
    other's first half in one outlet's template, both with one wire credit line."""
    one, two = rng.sample(templates, 2)
    full = Pair(
        kind, False, one.wrap(paragraphs(x.text), rng), two.wrap(paragraphs(y.text), rng), (x.id, y.id)
    )
    credit = _credit(rng)  # two wire stories of one outlet: its furniture and the wire's credit in both
    half = Pair(
        f"{kind}/trimmed",
        False,
        one.wrap(paragraphs(x.text) + [credit], rng),
        one.wrap(trim(y.text, 0.5) + [credit], rng),
        (x.id, y.id),
    )
    return [full, half]


def make_pairs(sources: list[Source], seed: int = 2008, limit: int | None = None) -> list[Pair]:
    """Positive and hard negative pairs of `sources`; `limit` sources at most (a seeded sample)."""
    rng = random.Random(seed)
    templates = [Template.of(outlet, seed) for outlet in OUTLETS]
    sources = sorted(sources, key=lambda s: s.id)
    if limit is not None and limit < len(sources):
        sources = sorted(rng.sample(sources, limit), key=lambda s: s.id)
    shingled = {s.id: _shingles(s.text) for s in sources}
    pairs: list[Pair] = []
    related: set[tuple[str, str]] = set()
    for x, y in itertools.combinations(sources, 2):
        containment = _related(shingled[x.id], shingled[y.id])
        if containment is None:
            continue
        related.add((x.id, y.id))
        if containment >= NATURAL_CONTAINMENT:
            pairs.append(Pair("natural-copy", True, x.text, y.text, (x.id, y.id)))

    eligible = [s for s in sources if len(s.text.split()) >= MIN_WORDS]
    for source in eligible:
        for share, kind in ((1.0, "copy-full"), (2 / 3, "copy-2/3"), (0.5, "copy-1/2")):
            pairs.append(copy_pair(source, share, kind, templates, rng))

    by_host: dict[str, list[Source]] = {}
    for source in eligible:
        by_host.setdefault(source.host, []).append(source)
    for group in by_host.values():
        for x, y in itertools.combinations(group, 2):
            if (x.id, y.id) not in related:
                pairs += negative_pairs(x, y, "same-host", templates, rng)

    vocabulary = {s.id: _vocabulary(s.text) for s in eligible}

    def overlap(x: Source, y: Source) -> float:
        return len(vocabulary[x.id] & vocabulary[y.id]) / min(len(vocabulary[x.id]), len(vocabulary[y.id]))

    alike = sorted(
        (-overlap(x, y), x.id, y.id)
        for x, y in itertools.combinations(eligible, 2)
        if x.host != y.host and (x.id, y.id) not in related
    )
    by_id = {s.id: s for s in eligible}
    topic_pairs = TOPIC_PAIRS if limit is None else max(1, TOPIC_PAIRS * len(sources) // 400)
    for _, x_id, y_id in alike[:topic_pairs]:
        pairs += negative_pairs(by_id[x_id], by_id[y_id], "same-topic", templates, rng)
    return pairs
