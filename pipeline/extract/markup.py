"""Markup that browsers read one way and lxml (libxml2) another, put the browsers' way before any
parser sees it.

A page that goes on after `</html>` (templates that include a whole second document, a footer
written after the closing tags) shows all of it in a browser: HTML5 parsing ignores the end tags of
`body` and `html` and puts what follows in the body. libxml2 drops it, and with it the article when
that is what followed. So when markup follows the first such end tag, the end tags go.
"""

from __future__ import annotations

import re

_END_TAGS = re.compile(r"</(?:body|html)\s*>", re.I)
# after an end tag, what a browser would still show: an element, or text (comments aside)
_MORE = re.compile(r"<[a-zA-Z]|[^\s<]")
_COMMENT = re.compile(r"<!--.*?(?:-->|$)|<![^>]*>", re.S)

FIX = "content after </html> kept, as browsers show it"


def with_trailing_content(html: str) -> tuple[str, bool]:
    """The page with its `</body>` and `</html>` end tags removed when content follows the first of
    them, and whether it had to be."""
    first = _END_TAGS.search(html)
    if first is None or not _MORE.search(_END_TAGS.sub("", _COMMENT.sub("", html[first.end() :]))):
        return html, False
    return _END_TAGS.sub("", html), True
