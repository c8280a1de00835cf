"""The text's comparison form: what decides whether a re-fetched article counts as changed.

A page often differs between two fetches without any editorial change: "Updated 5 minutes ago",
a share counter, a "most read" box. Such lines are kept in the stored text but left out of the
text's comparison form, whose hash decides whether a re-fetch is a new version. So is the
standfirst that opens the text: the canonical page prints it and its AMP or mobile copy often does
not, and an edit is a change to the body (the standfirst, like the headline, is stored on its own).
"""

from __future__ import annotations

import hashlib
import re

# Lines made only of relative times and counters, as news templates print them.
_RELATIVE_TIME = r"\b(?:\d+|an?|one)\s+(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?)\s+ago\b"
_COUNTER = r"\b\d[\d,.]*\s*[kKmM]?\s+(?:shares?|comments?|views?|reads?|likes?|reactions?|retweets?)\b"
VOLATILE = re.compile(rf"{_RELATIVE_TIME}|{_COUNTER}|\bjust now\b", re.I)
MAX_VOLATILE_WORDS = 15  # a long line that mentions "3 hours ago" is prose, not page furniture


def is_volatile(line: str) -> bool:
    if len(line.split()) > MAX_VOLATILE_WORDS or not VOLATILE.search(line):
        return False
    rest = VOLATILE.sub(" ", line)
    rest = re.sub(r"\b(?:updated|posted|published|last|edited)\b|[·|•\-–—:,.]", " ", rest, flags=re.I)
    return len(rest.split()) <= 3


def comparison_form(text: str, standfirst: str | None = None) -> tuple[str, list[str]]:
    """The text without volatile lines and without the `standfirst` opening it, and the lines left
    out."""
    kept, dropped = [], []
    lines = text.split("\n")
    if standfirst and " ".join(lines[0].split()) == " ".join(standfirst.split()):
        dropped.append(lines.pop(0))
    for line in lines:
        (dropped if is_volatile(line) else kept).append(line)
    return "\n".join(kept), dropped


def content_hash(text: str, standfirst: str | None = None) -> str:
    """Hash of the comparison form: equal hashes mean no real change."""
    return hashlib.sha256(comparison_form(text, standfirst)[0].encode("utf-8")).hexdigest()
