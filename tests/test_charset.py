"""Decoding a page's bytes: what the declaration says, checked against the bytes."""

from __future__ import annotations

from pipeline.extract.charset import decode_html


def test_valid_utf8_that_breaks_its_declared_charset_is_read_as_utf8():
    text = "<html><head><meta charset='gb2312'><title>DeepMind新电脑已可利用记忆自学</title></head></html>"
    decoded = decode_html(text.encode("utf-8"))
    assert "DeepMind新电脑已可利用记忆自学" in decoded.text
    assert decoded.fixes == ("charset: declared gb2312 (meta), decoded as utf-8",)


def test_bytes_in_their_declared_charset_stay_in_it():
    text = "<html><head><meta charset='gb2312'><title>新电脑已可利用记忆自学</title></head></html>"
    decoded = decode_html(text.encode("gb2312"))
    assert "新电脑已可利用记忆自学" in decoded.text
    assert decoded.fixes == ()
