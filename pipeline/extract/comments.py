"""Where the readers' comments below an article begin, when an extractor's text runs on into them.

trafilatura leaves out comment sections it recognises by their markup; older sites mark theirs with
nothing, and readability's block, or a container of loose text trafilatura writes as one line, then
holds the article and the comments after it. Such a section opens with a heading of its own
("Comments", "Post a comment", "Comments are now closed for this story", "Have your say", "What do
you think?"). The text ends at the first such heading that stands below the article's prose
(PROSE_BEFORE paragraphs of it): the same words above the article are a link to the comments, not
their start.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.extract.prose import prose_line

HEADING = re.compile(
    r"^(?:\d+\s+)?(?:readers?'?\s+|user\s+|your\s+)?comments?(?:\s*\(\d+\))?\s*:?$"
    r"|^(?:post|leave|add|write|submit|make)\s+(?:a|your|new)\s+comments?\b"
    r"|^comments?\s+(?:are|is|have\s+been)\s+(?:now\s+)?closed\b"
    r"|^(?:have\s+your\s+say|join\s+the\s+(?:discussion|conversation)|discuss\s+this\s+(?:story|article))\b"
    r"|^what\s+(?:do\s+)?you\s+think\W*$"
    r"|^\d+\s+(?:comments?|responses?|replies)\s+(?:to|on|so\s+far)\b",
    re.I,
)
HEADING_WORDS = 8  # a comment section's heading is short
PROSE_BEFORE = 2  # paragraphs of prose above the heading: it stands below the article


def _heading(line: str) -> bool:
    line = line.strip()
    return len(line.split()) <= HEADING_WORDS and HEADING.match(line) is not None


def before_comments(lines: Sequence[str]) -> list[str]:
    """The lines above the comment section's heading, or all of them when there is none."""
    prose = 0
    for i, line in enumerate(lines):
        if prose >= PROSE_BEFORE and _heading(line):
            return list(lines[:i])
        prose += prose_line(line)
    return list(lines)
