"""Bytes to text: the declared charset when the bytes agree with it, a repair when they do not.

Servers and templates often declare one charset and send another (an ISO-8859-1 header on UTF-8
bytes is the classic), and some pages carry mojibake in their own source. Every repair is named in
the returned `fixes`, so the corpus says what was done to the archived bytes.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import ftfy
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

# Encodings where every byte is a character: any byte string "decodes", so a clean decode proves
# nothing, and valid multi-byte UTF-8 in them is almost certainly UTF-8 declared wrongly.
SINGLE_BYTE = re.compile(r"^(cp125\d|iso8859_\d+|latin_1|ascii|cp437|mac_roman|koi8_[ru])$")
# Up to this share of undecodable bytes is damage (a truncated body cuts a character in two), not
# a wrong charset: keep the declared one and replace those bytes.
DAMAGE_SHARE = 0.001
_LABEL = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"OggS",
    b"ID3",
    b"RIFF",
    b"\x00\x00\x01\x00",
    b"wOFF",
    b"wOF2",
    b"\x7fELF",
)
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype|html|head|body|meta|title|div|p|script|\?xml)\b", re.I | re.S
)
_TEXT_TYPES = ("text/", "application/xhtml", "application/xml", "application/rss", "application/atom")
# Characters mojibake is made of: a Latin-1 lead byte read as a character, then a continuation
# byte read as Latin-1 or Windows-1252. Text without such a pair is not run through ftfy.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    fixes: tuple[str, ...] = ()


def looks_binary(body: bytes, content_type: str | None = None) -> bool:
    """True for images, PDFs, archives and other non-text bodies, whatever the server called them."""
    head = body[:4096]
    if _HTML_START.match(head) or read_bom(head)[0]:
        return False
    if head.startswith(_BINARY_MAGIC) or b"\x00" in head:
        return True
    kind = (content_type or "").split(";")[0].strip().lower()
    return bool(kind) and not kind.startswith(_TEXT_TYPES) and b"<" not in head


def _label(raw: bytes | None) -> str | None:
    match = _LABEL.search(raw or b"")
    return match.group(1).decode("ascii", "replace").lower() if match else None


def _codec(encoding: str | None) -> str | None:
    try:
        return codecs.lookup(encoding).name if encoding else None
    except LookupError:
        return None


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode with the BOM, else the HTTP header's charset, else `<meta charset>`, checking each.

    A single-byte declaration on bytes that are valid UTF-8 with non-ASCII characters is taken as
    UTF-8; a declaration the bytes break in more than a few places is replaced by UTF-8 or, failing
    that, Windows-1252 (what browsers assume); no declaration means UTF-8, else Windows-1252.
    """
    bom, mark = read_bom(body)
    if bom:
        return Decoded(body[len(mark) :].decode(bom, errors="replace"), bom)
    header = http_content_type_encoding(content_type) if content_type else None
    declared = header or html_body_declared_encoding(body)
    where = "HTTP header" if header else "meta"
    raw_label = _label(content_type.encode("latin-1", "replace") if header and content_type else None)
    label = raw_label or (_label(body[:4096]) if declared else None) or declared
    codec = _codec(resolve_encoding(declared) if declared else None)
    if codec:
        if SINGLE_BYTE.match(codec) and not body.isascii() and (utf8 := _strict(body, "utf-8")):
            return Decoded(utf8, "utf-8", (f"charset: declared {label} ({where}), decoded as utf-8",))
        text = _strict(body, codec)
        if text is not None:
            return Decoded(text, codec)
        damaged = body.decode(codec, errors="replace")
        bad = damaged.count("\ufffd") - body.decode(codec, errors="ignore").count("\ufffd")
        # bytes that break the declaration but are valid UTF-8 were re-encoded without it
        if not body.isascii() and (utf8 := _strict(body, "utf-8")) is not None:
            return Decoded(utf8, "utf-8", (f"charset: declared {label} ({where}), decoded as utf-8",))
        if bad <= max(1, DAMAGE_SHARE * len(body)):
            return Decoded(damaged, codec, (f"charset: {bad} undecodable byte(s) replaced",))
        for fallback in ("utf-8", "cp1252"):
            if fallback != codec and (text := _strict(body, fallback)) is not None:
                return Decoded(
                    text, fallback, (f"charset: declared {label} ({where}), decoded as {fallback}",)
                )
        return Decoded(damaged, codec, (f"charset: {bad} undecodable byte(s) replaced",))
    text = _strict(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8")
    note = f"declared {label} ({where}) is unknown" if declared else "none declared"
    return Decoded(
        body.decode("cp1252", errors="replace"),
        "cp1252",
        (f"charset: {note}, not utf-8: decoded as windows-1252",),
    )


def repair_mojibake(value: str) -> tuple[str, bool]:
    """`value` with UTF-8-read-as-Windows-1252 undone (ftfy.fix_encoding, which changes nothing
    else), and whether anything changed. A regex finds candidate pages first: ftfy is slow."""
    if not value or not _MOJIBAKE_HINT.search(value):
        return value, False
    fixed = ftfy.fix_encoding(value)
    return fixed, fixed != value
