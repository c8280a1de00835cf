"""`python -m pipeline versions URL`: an article's versions, each with the diff from the one before."""

from __future__ import annotations

import difflib

from sqlalchemy import text as sql

from pipeline.normalize.identity import identify


def text_diff(old: str, new: str, old_label: str = "before", new_label: str = "after") -> str:
    """A unified diff of two versions' texts, one paragraph per line."""
    return "\n".join(
        difflib.unified_diff(old.split("\n"), new.split("\n"), old_label, new_label, lineterm="", n=1)
    )


HISTORY = """
SELECT v.id, v.captured_at, v.content_hash, v.title, v.text, v.word_count,
       v.extractor, v.extractor_version, v.extractor_settings, a.canonical_url
FROM article_versions v JOIN articles a ON a.id = v.article_id
WHERE a.id = (SELECT id FROM articles WHERE id::text = :ref OR canonical_url = :ref
                 OR url_key = :key ORDER BY id LIMIT 1)
ORDER BY v.extracted_at, v.captured_at, v.id
"""


def article_history(engine, ref: str) -> list:
    """Every version of one article (by id, canonical URL or any URL variant), oldest first."""
    key = identify(ref).key if "://" in ref else ref
    with engine.connect() as conn:
        return list(conn.execute(sql(HISTORY), {"ref": ref, "key": key}))


def render_history(rows: list) -> str:
    """Versions of the newest extraction, each with the diff from the one before."""
    if not rows:
        return "no such article"
    newest = (rows[-1].extractor, rows[-1].extractor_version, rows[-1].extractor_settings)
    same = [r for r in rows if (r.extractor, r.extractor_version, r.extractor_settings) == newest]
    lines = [f"{rows[0].canonical_url}: {len(same)} version(s) ({newest[0]} {newest[1]})"]
    previous = None
    for number, row in enumerate(same, 1):
        when = row.captured_at.strftime("%Y-%m-%d %H:%M:%S %Z")
        lines.append(f"\nversion {number}: captured {when}, {row.word_count} words, {row.title}")
        if previous is not None:
            title_change = (
                "" if previous.title == row.title else f"title: {previous.title!r} -> {row.title!r}\n"
            )
            lines.append(
                title_change
                + text_diff(previous.text, row.text, f"version {number - 1}", f"version {number}")
            )
        previous = row
    return "\n".join(lines)
