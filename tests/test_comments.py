"""Readers' comments below an article, in markup that does not call them comments, are not part of
its text: the text ends at the comment section's heading, when that heading stands below the
article's prose."""

from __future__ import annotations

import pytest

from pipeline.extract.bodytext import extract_body
from pipeline.extract.comments import before_comments
from tests.test_bodytext import AFTER, BEFORE, URL

COMMENTS = [
    "Rita from the north bank: The council should have fixed this bridge twenty years ago instead of "
    "spending the money on the new town hall, and everybody here knows it.",
    "Tom K.: I cross that bridge every morning on my bicycle and I am glad it stays open for us at least.",
    "Anna: Twenty minutes more to the hospital is a disgrace, and I hope the voters remember it next year.",
]


def old_site_page(heading: str) -> str:
    """An article and its comments as older sites lay them out: loose text and <br> in one cell."""
    article = "<br><br>".join([*BEFORE, *AFTER])
    comments = "<br><br>".join(f"<b>{c.split(':')[0]}</b>{c.split(':', 1)[1]}" for c in COMMENTS)
    return f"""<html><head><title>Council closes harbour bridge</title></head><body><table><tr>
<td width="500"><h1>Council closes harbour bridge</h1>{article}<br><br><b>{heading}</b><br>{comments}
</td></tr></table></body></html>"""


@pytest.mark.parametrize(
    "heading",
    ["Comments are now closed for this story", "Reader comments (3)", "Have your say", "What do you think?"],
)
def test_comments_below_the_article_are_not_its_text(heading):
    text = extract_body(old_site_page(heading), URL).text
    assert all(p in text for p in [*BEFORE, *AFTER])
    assert "council should have fixed" not in text
    assert heading not in text


def test_the_text_ends_at_the_heading_below_the_articles_prose():
    assert before_comments([*BEFORE, *AFTER, "Comments (3)", *COMMENTS]) == [*BEFORE, *AFTER]
    assert before_comments([*BEFORE, "Post a comment", *COMMENTS]) == BEFORE


def test_the_same_words_above_the_article_are_a_link_not_the_comments():
    lines = ["By Sam Reyes", "Comments", "Print Email", *BEFORE, *AFTER]
    assert before_comments(lines) == lines


def test_a_sentence_or_a_subheading_that_starts_like_a_heading_is_not_one():
    lines = [
        *BEFORE,
        "Commentary on the vote",
        "Comments from the mayor came late on Tuesday, after the vote had been counted twice.",
        *AFTER,
    ]
    assert before_comments(lines) == lines
