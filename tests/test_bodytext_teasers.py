"""Teasers of other stories (headline, date, a lede cut short with an ellipsis) below an article are
not kept as the article's full sentences when readability picked only part of it; short lines that
share only little words with readability's text are not backed by it."""

from __future__ import annotations

from pipeline.extract.bodytext import agreeing, reconcile
from tests.test_bodytext import AFTER, BEFORE

TEASERS = [
    "Ferry Operator Named For Summer Crossings May 13, 7:00 AM The harbour authority has picked a "
    "private operator to run the temporary ferry between the two banks while the...",
    "Steel Prices Delay Bridge Repairs Elsewhere May 12, 8:30 AM Rising steel prices have pushed back "
    "repairs on three other crossings in the county, the roads department said on\u2026",
]


def test_teasers_with_a_truncated_lede_go_where_full_sentences_stay():
    lines = [*BEFORE, AFTER[0], "Photo gallery", *AFTER[1:], "Latest headlines", *TEASERS]
    # readability's block holds only the text before the gallery (PARTIAL_COVERAGE): full sentences
    # after it stay, a lede cut short does not
    assert reconcile(lines, [*BEFORE, AFTER[0]]) == BEFORE + AFTER


def test_a_long_paragraph_ending_in_an_ellipsis_stays():
    # the article's own last paragraph trailing off is prose, not a teaser
    trailing = (
        "Asked whether the council would reconsider if the ferry could not cope with the crowds of the "
        "summer season, the mayor would say only that the engineers' report left little room, and that "
        "the decision, however unpopular on the north bank, had been a long time coming..."
    )
    lines = [*BEFORE, AFTER[0], "Photo gallery", *AFTER[1:], trailing]
    assert reconcile(lines, [*BEFORE, AFTER[0]]) == [*BEFORE, *AFTER, trailing]


def test_a_short_line_is_not_backed_by_little_words_alone():
    # "to" and "a" are in the article; "refer" and "friend" are not
    lines = [*BEFORE, "Refer to a friend", "Print this article"]
    assert agreeing(lines, BEFORE) == BEFORE


def test_a_short_line_readability_has_stays():
    subhead = "A ferry for the north bank"
    reference = [BEFORE[0], subhead, BEFORE[1]]
    assert agreeing([BEFORE[0], subhead, BEFORE[1]], reference) == reference
