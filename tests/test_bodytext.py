"""The body text rule: trafilatura's paragraphs, checked against readability without losing the
article's text after an in-article box, and without the page around the article."""

from __future__ import annotations

from pipeline.extract.bodytext import agreeing, extract_body, reconcile

URL = "https://courier.example/news/2024/05/14/harbour-bridge-closed"
BEFORE = [
    "The city council voted on Tuesday night to close the old harbour bridge to cars from next spring, "
    "ending months of argument over the crumbling steel span.",
    "Engineers told the council that the bridge, built in 1931, could no longer carry heavy traffic "
    "safely and that a repair would cost more than a new crossing.",
]
AFTER = [
    "Residents on the north bank, who use the bridge to reach the hospital and the market, said the "
    "decision would add twenty minutes to every trip.",
    "The council's plan keeps the bridge open to people on foot and on bicycles while a ferry runs "
    "every fifteen minutes during the day.",
    "Work on the replacement is not expected to begin before 2027, and the council will hold three "
    "public meetings on its design this autumn.",
]
BOXES = """
<div class="gallery"><h3>In pictures</h3><figure><img src="/1.jpg"><figcaption>The bridge in 1931
</figcaption></figure><a href="/gallery/bridge">View gallery</a></div>
<div class="related-links"><h3>Related stories</h3><ul><li><a href="/x">Bridge repairs delayed
again</a></li><li><a href="/y">Ferry operator named</a></li></ul></div>
<div class="ad-slot"><span>Advertisement</span><div id="ad-300x250"></div></div>
"""


def page(first: str, second: str) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Council closes harbour bridge to cars | The Courier</title></head><body>
<header><nav><ul><li><a href="/news/">News</a></li><li><a href="/sport/">Sport</a></li>
<li><a href="/weather/">Weather</a></li></ul></nav></header>
<main><article><h1>Council closes harbour bridge to cars</h1><div class="byline">By Sam Reyes</div>
{first}{BOXES}{second}</article>
<aside class="most-read"><h2>Most read</h2><ul>
<li><a href="/a">Storm brings down trees across the county overnight</a></li>
<li><a href="/b">School bus timetable changes from Monday</a></li></ul></aside></main>
<footer><p>Copyright 2024 The Courier. All rights reserved.</p><a href="/privacy">Privacy policy</a>
</footer></body></html>"""


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def assert_whole_article_without_furniture(text: str) -> None:
    for sentence in BEFORE + AFTER:
        assert sentence in text
    for furniture in (
        "Most read",
        "Storm brings down trees",
        "All rights reserved",
        "Privacy policy",
        "Sport",
    ):
        assert furniture not in text


def test_text_after_boxes_inside_the_article_is_kept():
    body = extract_body(page(f'<div class="story">{paragraphs(BEFORE)}', f"{paragraphs(AFTER)}</div>"), URL)
    assert_whole_article_without_furniture(body.text)


def test_text_after_boxes_between_two_containers_is_kept():
    first = f'<div class="story-body">{paragraphs(BEFORE)}</div>'
    second = f'<div class="story-body">{paragraphs(AFTER)}</div>'
    assert_whole_article_without_furniture(extract_body(page(first, second), URL).text)


def test_a_paragraph_readability_does_not_share_is_dropped():
    lines = [*BEFORE, "Subscribe to our newsletter", "Share this story"]
    assert agreeing(lines, BEFORE) == BEFORE


def test_where_readability_picked_part_of_the_article_full_sentences_stay():
    """Readability's block holding only the text before a box (PARTIAL_COVERAGE): the paragraphs of
    full sentences after it stay, short furniture lines still go."""
    lines = [*BEFORE, "Photo gallery", "View all photos", *AFTER, "Related stories", "Ferry operator named"]
    assert reconcile(lines, BEFORE) == BEFORE + AFTER  # 46 of 121 words: partial
    assert agreeing(lines, BEFORE) == BEFORE


def test_readability_with_most_of_the_text_drops_what_it_does_not_share():
    lines = [*BEFORE, *AFTER, "Most popular", "Storm brings down trees across the county overnight."]
    assert reconcile(lines, BEFORE + AFTER[:2]) == BEFORE + AFTER[:2]


def test_readability_with_almost_none_of_the_text_has_no_say():
    """Readability picked a caption-sized block (under MIN_COVERAGE of the words): it is not asked."""
    lines = [*BEFORE, "Photo gallery", *AFTER, "Related stories"]
    caption = [
        "The harbour bridge seen from the north bank in 1931, the year it opened to traffic, "
        "in a photograph lent by the city museum."
    ]  # 22 words of about 120
    assert reconcile(lines, caption) == lines


def test_an_empty_page_has_no_body():
    assert extract_body("<html><body></body></html>", URL).lines == ()


def test_readability_that_picked_another_block_has_no_say():
    """Readability's block as long as the article but another part of the page (a sign-in box): it
    backs under MIN_COVERAGE of trafilatura's words, so the article is not cut down to nothing."""
    lines = [*BEFORE, *AFTER, "Sign in to your account"]
    sign_in = [
        "Your password must have eight characters or more, with a capital letter, a digit and a sign.",
        "We will send you an email with a link to confirm your address within the next few minutes.",
        "Once confirmed, your account lets you save stories, follow topics and manage your newsletters.",
        "If the link has expired, ask for a new one from this page and check your spam folder too.",
        "Your details are kept as our privacy notice explains, and you can delete your account at any time.",
    ]  # about 90 words, none of the article's sentences
    assert reconcile(lines, sign_in) == lines


def test_a_lede_only_readability_found_is_put_back_above_the_article():
    """trafilatura left out the first paragraph (a dateline lede in an element of its own); readability
    has it above the paragraphs both share, so it is put back in its place. A short line above the
    article (a photo credit) is no lede."""
    lede = (
        "HARBOUR CITY, May 14 - The old harbour bridge will close to cars next spring after a vote "
        "that ended months of argument, the council said on Tuesday."
    )
    lines = [*BEFORE, *AFTER]
    assert reconcile(lines, ["Photo: city museum", lede, *BEFORE, *AFTER]) == [lede, *BEFORE, *AFTER]


def test_a_lede_goes_back_above_a_line_that_holds_several_paragraphs():
    """An old site's article in one container of loose text: trafilatura writes its paragraphs as one
    line and leaves out the lede standing before the container; readability has it, and it goes back
    above that line."""
    lede = (
        "The old harbour bridge will close to cars next spring after a vote that ended months of "
        "argument, the council said on Tuesday."
    )
    glued = " ".join([*BEFORE, *AFTER])
    assert reconcile([glued, "Lottery numbers | 20, 23, 25"], [lede, *BEFORE, *AFTER]) == [lede, glued]


def test_a_lede_comes_back_through_the_whole_extraction():
    html = page(f'<div class="dateline"><span>{BEFORE[0]}</span></div><div class="story">', "").replace(
        "</article>", f"{paragraphs(BEFORE[1:] + AFTER)}</div></article>"
    )
    assert_whole_article_without_furniture(extract_body(html, URL).text)


def test_the_end_of_the_article_trafilatura_cut_off_is_put_back_from_readability():
    """trafilatura stopped after the first paragraphs; readability's block, much longer, goes on with
    the article's paragraphs (a byline-like short line between them passes over): they follow the
    last paragraph both have. A prompt ending with a colon is no paragraph of the article."""
    reference = [*BEFORE, "Pictures: city museum", *AFTER, "Read more of our coverage here:"]
    assert reconcile(BEFORE, reference) == [*BEFORE, *AFTER]
    # readability's block no longer than trafilatura's text: nothing added
    assert AFTER[2] not in reconcile([*BEFORE, *AFTER[:2]], [*BEFORE, AFTER[0], AFTER[2]])


def test_a_paragraph_trafilatura_skipped_inside_the_article_comes_back_in_its_place():
    """readability's block is the longer and has a paragraph of prose between two paragraphs both
    have (a quote box trafilatura passed over): it goes back between them."""
    quote = (
        "\u201cWe have waited thirty years for a decision on this bridge, and now that it has come we "
        "are not sure it is the right one for the people who live on the north bank,\u201d a resident said."
    )
    reference = [*BEFORE, quote, *AFTER]
    assert reconcile([*BEFORE, *AFTER], reference) == reference


SIGN_UP_CALLS = [
    "Sign up for the free daily Courier newsletter for more harbour news!",
    "Never miss the latest news by signing up to our newsletter today!",
    "Subscribe now to our e-edition for the full story.",
    "Our weekly newsletter, The Quay, lands on Fridays. Sign up here",
]
WRITTEN_ABOUT = [
    # the article's own sentences that name newsletters or signing up stay
    "More than 4,000 residents have signed up for the council's bridge newsletter since March.",
    "Drivers can sign up to be told by text when the ferry is delayed.",
]


def test_calls_to_sign_up_inside_the_article_are_not_text_but_its_sentences_about_it_are():
    inside = paragraphs([*BEFORE, SIGN_UP_CALLS[0], *WRITTEN_ABOUT, SIGN_UP_CALLS[1]])
    inside += paragraphs([SIGN_UP_CALLS[2], *AFTER, SIGN_UP_CALLS[3]])
    text = extract_body(page(f'<div class="story">{inside}', "</div>"), URL).text
    assert_whole_article_without_furniture(text)
    assert all(sentence in text for sentence in WRITTEN_ABOUT)
    assert not any(call in text for call in SIGN_UP_CALLS)


def test_a_paywall_prompt_stays_for_the_page_kind_rules():
    prompt = "Subscribe to continue reading this article and every story in our e-edition."
    inside = paragraphs([*BEFORE, prompt])
    text = extract_body(page(f'<div class="story">{inside}', "</div>"), URL).text
    assert prompt in text
