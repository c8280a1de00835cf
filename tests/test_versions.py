"""Real changes make versions; page furniture that changes on every fetch does not."""

from pipeline.normalize.comparison import comparison_form, content_hash, is_volatile
from pipeline.read.versions import text_diff

BODY = "The FBI said on Friday that North Korea was responsible.\nSony declined to comment."


def test_relative_times_and_counters_are_not_changes():
    a = "Updated 5 minutes ago · 1,204 shares\n" + BODY
    b = "Updated 2 hours ago · 3,911 shares\n" + BODY
    assert content_hash(a) == content_hash(b) == content_hash(BODY)
    assert comparison_form(a)[1] == ["Updated 5 minutes ago · 1,204 shares"]


def test_a_correction_is_a_change():
    corrected = BODY.replace("Friday", "Thursday")
    assert content_hash(corrected) != content_hash(BODY)
    diff = text_diff(BODY, corrected)
    assert "-The FBI said on Friday" in diff and "+The FBI said on Thursday" in diff


def test_prose_mentioning_time_is_kept():
    line = "Officials said the attackers had been inside the network for at least 3 days ago already."
    assert not is_volatile(line)
    assert not is_volatile("Posted 3 hours ago by the studio, the statement said it would fight back.")
    assert is_volatile("5 comments")
    assert is_volatile("Last updated 12 mins ago")


def test_the_standfirst_opening_the_text_is_no_part_of_what_counts_as_a_change():
    """The canonical page prints its standfirst and the AMP copy does not: the same article. An edit
    of the body is a change whether or not the standfirst opens the text."""
    standfirst = "The studio shut its network down after the attack."
    assert content_hash(f"{standfirst}\n{BODY}", standfirst) == content_hash(BODY)
    assert comparison_form(f"{standfirst}\n{BODY}", standfirst)[1] == [standfirst]
    # without the dek to go by, the line is text like any other
    assert content_hash(f"{standfirst}\n{BODY}") != content_hash(BODY)
    edited = BODY.replace("\n", " (corrected)\n", 1)
    assert content_hash(f"{standfirst}\n{edited}", standfirst) != content_hash(BODY)
