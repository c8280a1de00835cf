"""Canonical identity: one article per real article, whatever URL it was fetched under.

Two forms come out of a URL:
- the canonical URL researchers see (the page's own sane rel=canonical/og:url, else the fetched
  URL with tracking parameters, AMP/print markers and `index.html` removed);
- the identity key articles are unique on, which also folds what a display URL should keep:
  http/https, `www.`/`m.`/`amp.` host prefixes, trailing slashes, aliased domains of one outlet.

Every rule that changed a URL is named, so the store can record why two URLs became one article.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, unquote_plus, urlencode, urljoin, urlsplit, urlunsplit

from courlan import extract_domain, normalize_url
from courlan.clean import TRACKERS_RE

ALIASES_FILE = Path(__file__).with_name("outlet_aliases.toml")

# Campaign and referral parameters courlan's ClearURLs-derived list does not already remove.
EXTRA_TRACKING = {"cmp", "cmpid", "intcmp", "icid", "ncid", "ocid", "smid", "smtyp", "mbid", "ito"}
# courlan's tracker list, each word ending at the end of the name, before `_`, `-`, `.`, a digit or
# `id` (or the match itself ending in `_`: `utm_`, `pk_`), so that it never takes a longer word.
TRACKERS = re.compile(rf"(?:{TRACKERS_RE.pattern})(?:(?<=_)|$|[_.\-\d]|id)")
AMP_QUERY = {"amp", "outputtype", "output"}  # ?amp=1, ?outputType=amp, ?output=amp
PRINT_QUERY = {"print", "printable", "view", "page"}  # ?print=1, ?view=print, ?page=all
PREFIXES = ("www.", "m.", "mobile.", "amp.")
INDEX_PAGES = re.compile(r"/index\.(?:html?|php|aspx?)$", re.I)
AMP_PATH = re.compile(r"/amp/?$|\.amp(?:\.html)?$", re.I)
PRINT_PATH = re.compile(r"^/print(?=/)", re.I)


@dataclass(frozen=True, slots=True)
class Identity:
    canonical_url: str
    key: str
    outlet_domain: str
    rules: tuple[str, ...]  # what changed the fetched URL into the canonical one


@cache
def outlet_aliases() -> dict[str, str]:
    """Domain → the outlet's main domain, for renamed or aliased domains (outlet_aliases.toml)."""
    data = tomllib.loads(ALIASES_FILE.read_text(encoding="utf-8"))
    return {alias: main for main, aliases in data["aliases"].items() for alias in aliases}


def registered_domain(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    domain = extract_domain(url) or extract_domain(url, fast=True) or host.removeprefix("www.")
    return outlet_aliases().get(domain, domain)


def _strip_host_prefix(host: str, domain: str) -> str:
    for prefix in PREFIXES:
        if host.startswith(prefix) and host[len(prefix) :].endswith(domain):
            return host[len(prefix) :]
    return host


def is_tracking_parameter(name: str) -> bool:
    """A campaign, referral or click-id parameter: courlan's tracker list used as a deny list, with
    each of its words required to end where the name's word ends (`ref` and `ga` are trackers,
    `reference` and `gallery` are not), plus our own additions."""
    lowered = name.lower()
    return lowered in EXTRA_TRACKING or lowered.startswith("utm_") or bool(TRACKERS.search(lowered))


def _query_rule(name: str, value: str) -> str | None:
    """The rule that removes this query parameter, or None to keep it."""
    lowered, low_value = name.lower(), value.lower()
    if lowered in AMP_QUERY and (lowered == "amp" or low_value == "amp"):
        return "amp-query"
    if (
        lowered in PRINT_QUERY
        and (lowered != "page" or low_value == "all")
        and (lowered != "view" or low_value == "print")
    ):
        return "print-query"
    if is_tracking_parameter(name):
        return "tracking-parameters"
    return None


def clean_url(url: str) -> tuple[str, list[str]]:
    """The URL without tracking parameters, AMP/print markers and index pages; and the rules used.

    Every other query parameter is kept as it was sent: `?idx=8576` and `?idx=8723` are two articles.
    """
    rules: list[str] = []
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    netloc = host + (f":{parts.port}" if parts.port and parts.port not in (80, 443) else "")
    path = parts.path or "/"
    if AMP_PATH.search(path):
        rules.append("amp-path")
        path = AMP_PATH.sub("/", path).replace("//", "/")
    if PRINT_PATH.search(path):
        rules.append("print-path")
        path = PRINT_PATH.sub("", path)
    if INDEX_PAGES.search(path):
        rules.append("index-page")
        path = INDEX_PAGES.sub("/", path)
    kept = []
    for field in filter(None, parts.query.split("&")):
        name, _, value = field.partition("=")
        rule = _query_rule(unquote_plus(name), unquote_plus(value))
        if rule:
            rules.append(rule)
        else:
            kept.append(field)  # as sent: its encoding is part of the address
    # courlan for the rest (case, default ports, path segments); strict mode drops the fragment,
    # and it gets no query, whose parameters it would filter by its own allow list.
    normalized = normalize_url(urlunsplit((parts.scheme.lower(), netloc, path, "", "")), strict=True)
    if kept:
        normalized = f"{normalized}?{'&'.join(kept)}"
    if parts.fragment:
        rules.append("fragment")
    return normalized, sorted(set(rules))


def identity_key(url: str) -> str:
    """What two URLs of one article share: no scheme, no www/m/amp prefix, no trailing slash."""
    parts = urlsplit(url)
    domain = registered_domain(url)
    host = _strip_host_prefix((parts.hostname or "").lower(), domain)
    if outlet_aliases().get(host.removeprefix("www.")):
        host = outlet_aliases()[host.removeprefix("www.")]
    path = parts.path.rstrip("/") or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{host}{path}" + (f"?{query}" if query else "")


def is_sane_canonical(candidate: str, page_url: str) -> bool:
    """Absolute http(s), the same outlet, and not the home page (a common template bug)."""
    parts = urlsplit(candidate)
    return (
        parts.scheme in ("http", "https")
        and parts.path not in ("", "/")
        and registered_domain(candidate) == registered_domain(page_url)
    )


def identify(page_url: str, declared: str | None = None) -> Identity:
    """The canonical URL and identity key of a fetched page, with the rules that got there."""
    rules: list[str] = []
    chosen = page_url
    if declared:
        candidate = urljoin(page_url, declared.strip())
        if is_sane_canonical(candidate, page_url):
            if clean_url(candidate)[0] != clean_url(page_url)[0]:
                rules.append("declared-canonical")
            chosen = candidate
        else:
            rules.append("declared-canonical-ignored")
    canonical, cleaning = clean_url(chosen)
    if chosen == page_url:
        rules.extend(cleaning)
    elif clean_url(page_url)[1]:
        rules.extend(clean_url(page_url)[1])
    key = identity_key(canonical)
    if canonical != page_url and key == identity_key(page_url) and not rules:
        rules.append("same-identity-key")  # http/https, www./m./amp. host, trailing slash
    return Identity(canonical, key, registered_domain(canonical), tuple(sorted(set(rules))))
