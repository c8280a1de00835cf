"""A page that goes on after `</html>` is read as browsers show it: the article that follows the
end tags is extracted, and the repair is named among the fixes."""

from __future__ import annotations

from pipeline.extract.article import extract_page
from pipeline.extract.markup import FIX, with_trailing_content
from tests.test_bodytext import AFTER, BEFORE, URL

HEADER = """<html><head><title>Weather</title></head><body><div>Tuesday 14th of May<br>Temperature: 25°
</div></body></html>"""


def second_document() -> str:
    paragraphs = "<br><br>".join([*BEFORE, *AFTER])
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html><head><title>News::Council closes harbour bridge</title></head><body><table><tr><td>
<span class="title"><strong>Council closes harbour bridge</strong></span><br>
<span class="brief">{paragraphs}</span></td></tr></table></body></html>"""


def test_an_article_after_the_first_documents_end_is_extracted():
    result = extract_page((HEADER + second_document()).encode(), URL)
    assert result.article is not None, result.reason
    assert all(p in result.article.text for p in [*BEFORE, *AFTER])
    assert FIX in result.fixes


def test_a_page_that_ends_at_its_end_tags_is_left_as_it_is():
    page = HEADER + "\n<!-- served in 0.2 s -->\n"
    assert with_trailing_content(page) == (page, False)
    assert FIX not in extract_page((second_document() + "\n").encode(), URL).fixes
