"""A line of prose: what the rules that tell an article's paragraphs from page furniture keep
(comments.py, bodytext.py's ledes; linklists.py with its own sentence end): PROSE_WORDS words or
more, ending a sentence."""

from __future__ import annotations

import re

PROSE_WORDS = 8
# a sentence's end: its mark, or a closing quote or bracket after it (CJK marks too)
PROSE_END = re.compile(r"[.!?\u2026\"\u201d\u00bb\u201c)\]\u3002\uff01\uff1f]$")


def ends_sentence(line: str) -> bool:
    return PROSE_END.search(line) is not None


def prose_line(line: str) -> bool:
    return len(line.split()) >= PROSE_WORDS and ends_sentence(line)
