"""The documents of the discovery fixtures: robots.txt, sitemaps, feeds, the reference wiki page,
bad input, and the pages that are not in ``content/`` (one forbidden by robots.txt, two gone from
the live web and kept only in the archive)."""

from __future__ import annotations

from datetime import date, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from .parse import parse_page

if TYPE_CHECKING:
    from .page import Page
    from .site import Site

NEWS_SITEMAPS = ("www.bitwire.test", "www.screenledger.test")
RSS_FEEDS = ("www.pacificcourier.test", "www.bitwire.test")
ATOM_FEEDS = ("www.globalwire.test", "www.capitaltribune.test")
FORBIDDING_HOST = "www.pacificcourier.test"
FORBIDDEN_PATH = "/private/2014/12/20/sony-hack-internal-memo-guardians-of-peace/"
ARCHIVE_BASE = "http://web.archive.test/web"
BAD = "/bad/"  # bad documents: /bad/malformed.xml, /bad/huge.xml, /bad/laughs.xml, /bad/not-a-feed.xml
HUGE_BYTES = 12 * 1024 * 1024  # over the 10 MB default limit
WINDOW = (date(2014, 11, 24), date(2015, 2, 28))

_CONTENT = Path(__file__).resolve().parent / "discovery_content"  # same format as content/
ARCHIVE_ONLY_HOST = "www.capitaltribune.test"
ARCHIVE_TIMES = ("20141218140000", "20150102230000")  # when the fixture archive captured them


def forbidden_page(site: Site | None = None) -> Page:
    """On topic, listed in the sitemap, and in a folder robots.txt forbids: never to be fetched."""
    file = _CONTENT / "forbidden" / "internal-memo.txt"
    return parse_page(file.read_text(encoding="utf-8"), host=FORBIDDING_HOST, source=file)


def archive_only_pages() -> list[Page]:
    """Gone from the live web (the outlet answers 410), kept in the fixture archive only."""
    files = sorted((_CONTENT / "archived").glob("*.txt"))
    return [parse_page(f.read_text(encoding="utf-8"), host=ARCHIVE_ONLY_HOST, source=f) for f in files]


def gone(host: str, path: str) -> str | None:
    """The live outlet's answer for an archive-only page: 410 Gone."""
    if host == ARCHIVE_ONLY_HOST and any(p.path == path for p in archive_only_pages()):
        return "<!doctype html><title>Gone</title><h1>This article is no longer available.</h1>\n"
    return None


def robots(host: str) -> str:
    lines = ["User-agent: *"]
    lines.append("Disallow: /private/" if host == FORBIDDING_HOST else "Allow: /")
    lines.append(f"Sitemap: http://{host}/sitemap.xml")
    if host in NEWS_SITEMAPS:
        lines.append(f"Sitemap: http://{host}/news-sitemap.xml")
    return "\n".join(lines) + "\n"


def _pages(site: Site, host: str) -> list[Page]:
    pages = [p for p in site.pages if p.host == host]
    if host == FORBIDDING_HOST:
        pages.append(forbidden_page(site))
    return sorted(pages, key=lambda p: (p.published, p.url))


def _month(d: datetime | date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def sitemap_index(site: Site, host: str) -> str:
    months: dict[str, datetime] = {}
    for p in _pages(site, host):
        key = _month(p.published)
        months[key] = max(months.get(key, p.published), p.published)
    rows = [f"<sitemap><loc>http://{host}/sitemaps/{m}.xml</loc><lastmod>{d.date()}</lastmod></sitemap>"
            for m, d in sorted(months.items())]
    # Before the window: listed, never to be read (its pages do not exist).
    rows.insert(0, f"<sitemap><loc>http://{host}/sitemaps/2014-10.xml</loc><lastmod>2014-10-31</lastmod></sitemap>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(rows) + "\n</sitemapindex>\n")


def _urlset(rows: list[str], news: bool = False) -> str:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>\n'
            + "\n".join(rows) + "\n</urlset>\n")


def monthly_sitemap(site: Site, host: str, path: str) -> bytes | None:
    month = path.removeprefix("/sitemaps/").removesuffix(".xml")
    if month == "2014-10":
        rows = [f"<url><loc>http://{host}/2014/10/{i:02d}/sony-pictures-hack-preview-{i}/</loc>"
                f"<lastmod>2014-10-{i:02d}</lastmod></url>" for i in (3, 17)]
        return _urlset(rows).encode()
    pages = [p for p in _pages(site, host) if _month(p.published) == month]
    if not pages:
        return None
    rows = [f"<url><loc>{escape(p.url)}</loc><lastmod>{p.published.date()}</lastmod></url>" for p in pages]
    return _urlset(rows).encode()


def news_sitemap(site: Site, host: str) -> str:
    rows = []
    for p in _pages(site, host):
        if p.kind != "article":
            continue
        rows.append(
            f"<url><loc>{escape(p.url)}</loc><news:news><news:publication>"
            f"<news:name>{escape(host)}</news:name><news:language>en</news:language></news:publication>"
            f"<news:publication_date>{p.published.isoformat()}</news:publication_date>"
            f"<news:title>{escape(p.title)}</news:title></news:news></url>"
        )
    return _urlset(rows, news=True)


def _feed_pages(site: Site, host: str) -> list[Page]:
    hidden = forbidden_page().url
    return [p for p in reversed(_pages(site, host)) if p.kind == "article" and p.url != hidden]


def rss(site: Site, host: str) -> str:
    items = "\n".join(
        f"<item><title>{escape(p.title)}</title><link>{escape(p.url)}</link>"
        f"<guid isPermaLink=\"true\">{escape(p.url)}</guid>"
        f"<pubDate>{format_datetime(p.published)}</pubDate>"
        f"<description>{escape(p.dek or '')}</description></item>"
        for p in _feed_pages(site, host)
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(host)}</title><link>http://{host}/</link>\n{items}\n</channel></rss>\n")


def atom(site: Site, host: str) -> str:
    entries = "\n".join(
        f'<entry><title>{escape(p.title)}</title><link rel="alternate" href="{escape(p.url)}"/>'
        f"<id>{escape(p.url)}</id><published>{p.published.isoformat()}</published>"
        f"<updated>{(p.updated or p.published).isoformat()}</updated></entry>"
        for p in _feed_pages(site, host)
    )
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(host)}</title><id>http://{host}/</id>\n{entries}\n</feed>\n")


def bad_document(path: str) -> bytes | None:
    if not path.startswith(BAD):
        return None
    name = path.removeprefix(BAD)
    if name == "malformed.xml":
        return b'<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://x'
    if name == "huge.xml":
        row = b"<url><loc>http://www.bitwire.test/2014/12/01/padding/</loc></url>\n"
        return b'<?xml version="1.0"?>\n<urlset>' + row * (HUGE_BYTES // len(row)) + b"</urlset>"
    if name == "laughs.xml":
        entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
        return (f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY l0 "lol">{entities}]>\n'
                "<rss><channel><item><title>&l9;</title><link>http://www.bitwire.test/</link></item>"
                "</channel></rss>").encode()
    if name == "not-a-feed.xml":
        return b'<?xml version="1.0"?>\n<html><body>Not a feed</body></html>'
    return None


def calendar_page(host: str, path: str) -> str:
    """A calendar trap: every month links the next one, for ever, with on-topic anchor text."""
    parts = [int(x) for x in path.strip("/").split("/")[1:3] if x.isdigit()] or [2014, 12]
    year, month = (parts + [12])[:2]
    nxt = (year + month // 12, month % 12 + 1)
    return (f"<!doctype html><title>Sony hack coverage {year}-{month:02d}</title>"
            f"<p>Sony hack coverage archive for {year}-{month:02d}.</p>"
            f'<a href="/calendar/{nxt[0]}/{nxt[1]:02d}/">Sony hack coverage, next month</a>\n')


def wiki_citations(site: Site) -> list[tuple[str, str | None, str]]:
    """(cited URL, archived copy, title) of the reference page."""
    cited = [p for p in site.articles("on") if not (WINDOW[0] <= p.published.date() <= WINDOW[1])]
    cited += [p for p in site.articles("on") if p.host == "www.rollingstone.test"]
    rows = [(p.url, None, p.title) for p in cited]
    for page, stamp in zip(archive_only_pages(), ARCHIVE_TIMES, strict=True):
        rows.append((page.url, f"{ARCHIVE_BASE}/{stamp}/{page.url}", page.title))
    return rows


def wiki_page(site: Site, path: str) -> str | None:
    if path != "/wiki/2014_Sony_Pictures_hack":
        return None
    items = []
    for url, archived, title in wiki_citations(site):
        archive = f' <a href="{escape(archived)}">Archived</a> from the original.' if archived else ""
        items.append(f'<li><cite><a class="external text" href="{escape(url)}">{escape(title)}</a></cite>'
                     f"{archive} Retrieved 2015-01-05.</li>")
    return ("<!doctype html><html><head><title>2014 Sony Pictures hack - Wikipedia</title></head><body>"
            "<h1>2014 Sony Pictures hack</h1><p>In November 2014 a group calling itself the Guardians of "
            'Peace leaked confidential data from Sony Pictures. <a href="/wiki/North_Korea">North Korea</a>'
            '</p><h2>References</h2><div class="reflist"><ol class="references">'
            + "\n".join(items) + "</ol></div></body></html>\n")
