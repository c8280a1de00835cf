"""The documentation a reader follows: every link leads somewhere, every command it names exists.

A link in README.md or docs/*.md that points at a moved page or heading, a `make` target that was
renamed, or a `python -m pipeline` subcommand or option that is not there, fails here rather than
on a reader's first try.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import query

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
MAKE = re.compile(r"(?:^|[\s;&(|])make\s+([A-Za-z0-9_.-]+)")
PIPELINE = re.compile(r"python -m pipeline((?:\s+--demo)?)\s+([a-z][a-z-]*)([^\n#|;&]*)")
MODULE = re.compile(r"python -m ((?:pipeline|bench|warc|spiders)\.[A-Za-z0-9_.]+)")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")
SOURCE_PATH = re.compile(r"(?<![\w./-])((?:pipeline|spiders|warc|bench|tests|migrations)/[\w./-]*[\w/])")


def _ids(page: Path) -> str:
    return str(page.relative_to(ROOT))


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`|\*", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def _anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    anchors = set()
    for line in text.splitlines():
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = _slug(match.group(1))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _code(text: str) -> list[str]:
    """What a reader would type: fenced blocks and inline code spans."""
    blocks = FENCE.findall(text)
    return blocks + CODE_SPAN.findall(FENCE.sub("", text))


def _every(page_pattern: re.Pattern, group: int = 1) -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for snippet in _code(page.read_text(encoding="utf-8")):
            for match in page_pattern.finditer(snippet):
                found.append((page.name, match.group(group)))
    return found


@pytest.mark.parametrize("page", PAGES, ids=_ids)
def test_every_relative_link_leads_to_a_file_and_heading(page):
    broken = []
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        path = (page.parent / path_part).resolve() if path_part else page
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{target}: no heading #{anchor} in {path.relative_to(ROOT)}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def test_the_docs_pages_are_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {target.partition("#")[0] for target in LINK.findall(readme)}
    missing = [f"docs/{p.name}" for p in PAGES[1:] if f"docs/{p.name}" not in linked]
    assert not missing, f"README.md links to none of: {missing}"


@cache
def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", makefile, re.M))
    for phony in re.findall(r"^\.PHONY:(.*)$", makefile, re.M):
        targets.update(phony.split())
    return targets


def test_every_make_target_named_exists():
    named = [(page, target) for page, target in _every(MAKE) if "=" not in target]
    assert named, "the docs name no make target at all: the pattern is wrong"
    missing = sorted({f"{page}: make {target}" for page, target in named if target not in _make_targets()})
    assert not missing, missing


def _help(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", *args, "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@cache
def _subcommands() -> set[str]:
    listing = _help().split("positional arguments:", 1)[1].split("options:", 1)[0]
    return set(re.findall(r"^    ([a-z][a-z-]*)", listing, re.M))


@cache
def _options(subcommand: str) -> set[str]:
    return set(OPTION.findall(_help(subcommand)))


def test_every_pipeline_subcommand_and_option_named_exists():
    named = []
    for page in PAGES:
        for snippet in _code(page.read_text(encoding="utf-8")):
            for match in PIPELINE.finditer(snippet):
                named.append((page.name, match.group(2), match.group(3)))
    assert named, "the docs name no python -m pipeline command at all: the pattern is wrong"
    problems = set()
    for page, subcommand, rest in named:
        if subcommand not in _subcommands():
            problems.add(f"{page}: python -m pipeline {subcommand}: no such command")
            continue
        if subcommand == "psql":  # its other arguments go to psql itself
            continue
        # Only the first line's options, up to a word that starts a comment or another command.
        for option in OPTION.findall(rest):
            if option not in _options(subcommand):
                problems.add(f"{page}: python -m pipeline {subcommand} {option}: no such option")
    assert not problems, sorted(problems)


def test_every_python_module_named_exists():
    named = _every(MODULE)
    assert named
    sys.path.insert(0, str(ROOT))
    missing = sorted({f"{page}: python -m {module}" for page, module in named
                      if importlib.util.find_spec(module.rstrip(".")) is None})
    assert not missing, missing


def test_every_source_path_named_exists():
    named = _every(SOURCE_PATH)
    assert named, "the docs name no source file at all: the pattern is wrong"
    missing = sorted({f"{page}: {path}" for page, path in named if not (ROOT / path).exists()})
    assert not missing, missing


SQL_BLOCK = re.compile(r"^[ \t]*```sql\n(.*?)^[ \t]*```", re.S | re.M)


def _documented_queries() -> list[tuple[str, str]]:
    return [(page.name, sql) for page in PAGES
            for sql in SQL_BLOCK.findall(page.read_text(encoding="utf-8"))]


def test_every_documented_query_returns_rows_on_the_demo(demo_archive):
    queries = _documented_queries()
    assert len(queries) >= 10, "the SQL blocks were not found: the pattern is wrong"
    empty = []
    for page, sql in queries:
        # The pages name the collection `make demo` crawls; this archive crawled the flat list.
        sql = sql.replace("'demo-discovery'", "'demo'")
        if not query(demo_archive.engine, sql):
            empty.append(f"{page}: {sql.strip()[:120]}")
    assert not empty, empty
