"""Near-duplicate stories (`python -m bench.neardup [--sizes 10000,100000,1000000] [--quick]`): how
well StoryClusterer groups labelled pairs of real texts, and how long it takes to place one article
when PostgreSQL holds N signatures, for each N.

Quality: pairs made by bench/neardup_pairs.py from the texts of ground-truth.jsonl in --data
($EXTRACTION_DEV, else ../shared/extraction-dev; without it the table is left out, with a note):
cut and re-templated copies of a story, and hard negatives. Each pair is stored through the
clusterer into the throwaway database (bench/neardup_quality.py): pairwise precision and recall.

Lookup time: a throwaway database (on DATABASE_URL's server when set, else the local service on
127.0.0.1:5432, else the embedded server of pipeline.database), migrated with the project's
migrations, is filled with COPY to each size in turn: N articles with their stories, captures
and versions (the rows the signatures reference), N article_signatures and `bands` x N
minhash_bands. Most signatures are random, with random band hashes, as random signatures' bands
would be; a few (the originals) are real signatures of generated texts. Then VACUUM ANALYZE, as
a corpus that has been written to for a while would have had.

Probe articles (a share of them light rewrites of an original, the rest new texts; their article
rows exist, with no signature and no story) are placed two ways, each timed per article:

- lookup: the clusterer's own candidate query and comparison (`_stored_candidates`, then
  `_matches`), the signature computed beforehand;
- assign: the whole `StoryClusterer.assign` (signature, lock, store, lookup, story) in a
  transaction rolled back afterwards, so the stored count stays N.

Results: a table on stdout and JSON in <ARCHIVE_DATA_DIR or var>/bench/neardup.json. Times are
wall times on a machine that may be doing other things: compare sizes within one run.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.benchdb import libpq_url, throwaway_database
from bench.errors import BenchError
from bench.neardup_quality import PAIRS_SEED, quality
from bench.neardup_quality import render as render_quality
from bench.sitepages import default_data_dir
from pipeline.database import engine_for
from pipeline.dedupe.stories import (
    NewText,
    SignatureParams,
    StoryClusterer,
    StorySignature,
    band_hashes,
    signature,
)
from pipeline.paths import data_dir

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
PROBES = 300
QUICK_SOURCES = 100  # texts the quick run makes its labelled pairs from (a seeded sample)
NEAR_SHARE = 0.2  # of the probes, light rewrites of a stored article
REWRITE_SHARE = 0.03  # of a text's words replaced in a light rewrite (estimated Jaccard ~0.75)
WARM_UP = 10  # probes placed before the timed ones, at each size (caches, plans)
CHUNK = 100_000  # articles per COPY
PROBE_BASE = 10**12  # probe article ids: above any filled id
VOCABULARY = 20_000
WORDS = (250, 700)  # words per generated text


# ---- texts and signatures -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Probe:
    article_id: int
    text: str
    original: int | None  # the stored article it rewrites, for a near-duplicate


def make_text(rng: random.Random) -> str:
    words = [f"w{rng.randrange(VOCABULARY)}" for _ in range(rng.randint(*WORDS))]
    return " ".join(words)


def rewrite(text_: str, rng: random.Random) -> str:
    words = text_.split()
    for i in rng.sample(range(len(words)), max(1, int(len(words) * REWRITE_SHARE))):
        words[i] = f"r{rng.randrange(VOCABULARY)}"
    return " ".join(words)


# Binary COPY (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4): fixed-width
# rows, so numpy writes them all at once.
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_TRAILER = b"\xff\xff"
SCHEME_BYTES = SignatureParams().scheme.encode()


def _field(name: str, dtype: str) -> list[tuple[str, str]]:
    return [(f"{name}_len", ">i4"), (name, dtype)]


BAND_ROW = np.dtype([("n", ">i2"), *_field("band", ">i2"), *_field("hash", ">i8"), *_field("article", ">i8")])


def signature_row(num_perm: int) -> np.dtype:
    return np.dtype(
        [
            ("n", ">i2"),
            *_field("article", ">i8"),
            *_field("version", ">i8"),
            *_field("num_perm", ">i4"),
            *_field("seed", ">i4"),
            *_field("shingle_size", ">i4"),
            *_field("scheme", f"S{len(SCHEME_BYTES)}"),
            *_field("hashvalues", f"V{num_perm * 8}"),
        ]
    )


def _copy(conn: psycopg.Connection, table: str, columns: str, rows: np.ndarray) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(COPY_HEADER)
        copy.write(rows.tobytes())
        copy.write(COPY_TRAILER)


def copy_signatures(
    conn, params: SignatureParams, ids: np.ndarray, values: np.ndarray, bands: np.ndarray
) -> None:
    """article_signatures and minhash_bands rows for `ids` (values: n x num_perm, bands: n x bands)."""
    rows = np.zeros(len(ids), dtype=signature_row(params.num_perm))
    rows["n"] = 7
    for name, width, value in (
        ("article", 8, ids),
        ("version", 8, ids),
        ("num_perm", 4, params.num_perm),
        ("seed", 4, params.seed),
        ("shingle_size", 4, params.shingle_size),
        ("scheme", len(SCHEME_BYTES), SCHEME_BYTES),
    ):
        rows[f"{name}_len"], rows[name] = width, value
    rows["hashvalues_len"] = params.num_perm * 8
    rows["hashvalues"] = np.ascontiguousarray(values, dtype=np.uint64).view(f"V{params.num_perm * 8}").ravel()
    _copy(
        conn,
        "article_signatures",
        "article_id, version_id, num_perm, seed, shingle_size, scheme, hashvalues",
        rows,
    )

    band, hash_, article = (
        np.tile(np.arange(params.first_band, params.first_band + params.bands, dtype=np.int16), len(ids)),
        bands.ravel(),
        np.repeat(ids, params.bands),
    )
    order = np.lexsort((hash_, band))  # primary key order: each index page written once per COPY
    band_rows = np.zeros(bands.size, dtype=BAND_ROW)
    band_rows["n"] = 3
    band_rows["band_len"], band_rows["hash_len"], band_rows["article_len"] = 2, 8, 8
    band_rows["band"], band_rows["hash"], band_rows["article"] = band[order], hash_[order], article[order]
    _copy(conn, "minhash_bands", "band, hash, article_id", band_rows)


SERIES = "generate_series(%(lo)s::bigint, %(hi)s::bigint) g"


def add_articles(conn, lo: int, hi: int, with_story: bool) -> None:
    """Articles lo..hi (inclusive) with a capture and a version each (of a typical length), and a
    story of their own."""
    span = {"lo": lo, "hi": hi}
    if with_story:
        conn.execute(
            f"INSERT INTO story_clusters (id) SELECT g FROM {SERIES}",
            span,
        )
    conn.execute(
        "INSERT INTO articles (id, canonical_url, url_key, outlet_id, story_id, first_seen, last_seen)"
        " SELECT g, 'https://bench.test/a/' || g, 'bench.test/a/' || g, 1,"
        f" {'g' if with_story else 'NULL'}, now(), now() FROM {SERIES}",
        span,
    )
    conn.execute(
        "INSERT INTO captures (id, url, status, fetched_at)"
        f" SELECT g, 'https://bench.test/a/' || g, 200, now() FROM {SERIES}",
        span,
    )
    conn.execute(
        "INSERT INTO article_versions (id, article_id, capture_id, captured_at, content_hash, text,"
        " word_count, extractor, extractor_version)"
        f" SELECT g, g, g, now(), g::text, '', 400, 'bench', '0' FROM {SERIES}",
        span,
    )


NO_SUPERUSER = "not a superuser: foreign keys checked row by row while filling (slower, same result)"


def _skip_row_checks(conn: psycopg.Connection) -> bool:
    """Foreign keys unchecked while filling (the rows are made consistent), when allowed: the
    checks, one query per band row, would take most of the fill's time."""
    try:
        conn.execute("SET session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        conn.rollback()
        return False
    return True


def fill(conn, params: SignatureParams, start: int, end: int, rng: np.random.Generator) -> None:
    """Random signatures for articles start..end-1, CHUNK at a time."""
    for lo in range(start, end, CHUNK):
        hi = min(lo + CHUNK, end) - 1
        ids = np.arange(lo, hi + 1, dtype=np.int64)
        add_articles(conn, lo, hi, with_story=True)
        values = rng.integers(0, 2**32, size=(len(ids), params.num_perm), dtype=np.uint64)
        bands = rng.integers(-(2**63), 2**63 - 1, size=(len(ids), params.bands), dtype=np.int64)
        copy_signatures(conn, params, ids, values, bands)
        conn.commit()


# ---- the lookup, whichever shape StoryClusterer has -----------------------------------------


def lookup(clusterer: StoryClusterer, conn, article_id: int, values, bands, words: int) -> int | None:
    """The stored article the clusterer would join this text to, by its own candidate query and
    comparison (what `assign` does between storing the signature and placing the story), or None."""
    sig = StorySignature(values, tuple(bands), clusterer.params, b"", words)
    found = clusterer._stored_candidates(conn, [NewText(article_id, article_id, "")], [sig])
    matches = clusterer._matches(sig, found.get(0, {}))
    return matches[0][0] if matches else None


# ---- the run --------------------------------------------------------------------------------


@dataclass
class Timing:
    median_ms: float
    mean_ms: float
    p95_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Timing:
        ms = sorted(s * 1000 for s in seconds)
        return cls(
            round(statistics.median(ms), 3),
            round(statistics.fmean(ms), 3),
            round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 3),
        )


@dataclass
class SizeResult:
    signatures: int
    minhash_bands: int
    fill_seconds: float
    lookup: Timing
    assign: Timing
    near_probes: int
    near_found_lookup: int
    near_found_assign: int
    fresh_probes: int
    fresh_matched: int  # fresh texts that found a match: should be 0


def make_probes(count: int, originals: dict[int, str], rng: random.Random) -> list[Probe]:
    near = [
        Probe(PROBE_BASE + i, rewrite(originals[o], rng), o)
        for i, o in enumerate(sorted(originals)[: int(count * NEAR_SHARE)])
    ]
    fresh = [Probe(PROBE_BASE + len(near) + i, make_text(rng), None) for i in range(count - len(near))]
    probes = near + fresh
    rng.shuffle(probes)
    return probes


def measure(url: str, size: int, probes: list[Probe], clusterer: StoryClusterer) -> dict:
    params = clusterer.params
    engine = engine_for(url)
    prepared = {p.article_id: signature(p.text, params) for p in probes}
    bands = {k: band_hashes(v, params) for k, v in prepared.items()}
    lookups, assigns = [], []
    found_lookup = found_assign = fresh_matched = 0
    with engine.connect() as conn:
        for n, probe in enumerate(probes[:WARM_UP] + probes):
            timed = n >= WARM_UP
            started = time.perf_counter()
            other = lookup(
                clusterer,
                conn,
                probe.article_id,
                prepared[probe.article_id],
                bands[probe.article_id],
                len(probe.text.split()),
            )
            if timed:
                lookups.append(time.perf_counter() - started)
                found_lookup += probe.original is not None and other == probe.original
                fresh_matched += probe.original is None and other is not None
            conn.rollback()

            started = time.perf_counter()
            with conn.begin() as transaction:
                clusterer.assign(conn, probe.article_id, probe.article_id, probe.text, None)
                if timed:
                    assigns.append(time.perf_counter() - started)
                story = conn.execute(
                    text("SELECT story_id FROM articles WHERE id = :id"), {"id": probe.article_id}
                ).scalar()
                found_assign += timed and probe.original is not None and story == probe.original
                transaction.rollback()
    return {
        "lookup": Timing.of(lookups),
        "assign": Timing.of(assigns),
        "near_found_lookup": found_lookup,
        "near_found_assign": found_assign,
        "fresh_matched": fresh_matched,
    }


def run(sizes: list[int], probes: int = PROBES, seed: int = 2014) -> dict:
    params = SignatureParams()
    clusterer = StoryClusterer(params)
    rng, np_rng = random.Random(seed), np.random.default_rng(seed)
    near_count = int(probes * NEAR_SHARE)
    if sizes[0] < near_count:
        raise BenchError(f"the smallest size must hold the {near_count} stored originals of the probes")
    originals = {article_id: make_text(rng) for article_id in range(1, near_count + 1)}
    chosen = make_probes(probes, originals, rng)
    results: list[SizeResult] = []
    with throwaway_database() as (url, where), psycopg.connect(libpq_url(url)) as conn:
        notes = [] if _skip_row_checks(conn) else [NO_SUPERUSER]
        conn.execute("INSERT INTO outlets (id, name, domain) VALUES (1, 'Bench', 'bench.test')")
        # The originals: real signatures of texts the near-duplicate probes rewrite.
        add_articles(conn, 1, near_count, with_story=True)
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE article_versions SET word_count = %s WHERE id = %s",
                [(len(originals[i].split()), i) for i in sorted(originals)],
            )
        values = np.array([signature(originals[i], params) for i in sorted(originals)])
        real_bands = np.array([band_hashes(v, params) for v in values], dtype=np.int64)
        copy_signatures(conn, params, np.arange(1, near_count + 1, dtype=np.int64), values, real_bands)
        add_articles(conn, PROBE_BASE, PROBE_BASE + probes - 1, with_story=False)
        conn.commit()
        stored = near_count
        for size in sizes:
            started = time.perf_counter()
            fill(conn, params, stored + 1, size + 1, np_rng)
            stored = size
            for table in ("story_clusters", "articles", "captures", "article_versions"):
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            conn.commit()
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")
            conn.autocommit = False
            fill_seconds = time.perf_counter() - started
            print(
                f"bench.neardup: {size:,} signatures stored ({fill_seconds:.0f} s); placing probes",
                file=sys.stderr,
            )
            measured = measure(url, size, chosen, clusterer)
            results.append(
                SizeResult(
                    signatures=size,
                    minhash_bands=size * params.bands,
                    fill_seconds=round(fill_seconds, 1),
                    near_probes=near_count,
                    fresh_probes=probes - near_count,
                    **measured,
                )
            )
    first, last = results[0], results[-1]
    return {
        "server": where,
        "database": make_url(url).database,  # dropped by now (the test checks)
        "probes": probes,
        "params": asdict(params),
        "sizes": [asdict(r) for r in results],
        "lookup_growth": round(last.lookup.median_ms / first.lookup.median_ms, 2),
        "assign_growth": round(last.assign.median_ms / first.assign.median_ms, 2),
        "notes": notes,
    }


def render(summary: dict) -> str:
    lines = [
        f"Near-duplicate lookup: {summary['probes']} probe articles per size "
        f"({summary['sizes'][0]['near_probes']} light rewrites of stored ones), {summary['server']}",
        "",
        "| stored signatures | lookup ms/article (median / p95) | assign ms/article (median / p95) "
        "| near-dups found (lookup / assign) | fresh texts matched |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in summary["sizes"]:
        lines.append(
            f"| {r['signatures']:,} | {r['lookup']['median_ms']:.2f} / {r['lookup']['p95_ms']:.2f} "
            f"| {r['assign']['median_ms']:.2f} / {r['assign']['p95_ms']:.2f} "
            f"| {r['near_found_lookup']}/{r['near_probes']} / {r['near_found_assign']}/{r['near_probes']} "
            f"| {r['fresh_matched']} |"
        )
    lines.append("")
    lines.append(
        f"Largest vs smallest size, median: lookup x{summary['lookup_growth']}, "
        f"assign x{summary['assign_growth']}"
    )
    return "\n".join(lines)


def sizes_arg(value: str) -> list[int]:
    try:
        sizes = [int(v.replace("_", "")) for v in value.split(",") if v.strip()]
    except ValueError:
        sizes = []
    if not sizes or any(s <= 0 for s in sizes) or sizes != sorted(set(sizes)):
        raise argparse.ArgumentTypeError(
            f"expected increasing positive sizes like 10000,100000, got {value!r}"
        )
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.neardup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=sizes_arg, default=None, help="stored signatures")
    parser.add_argument("--probes", type=int, default=PROBES, help="articles placed at each size")
    parser.add_argument(
        "--quick", action="store_true", help=f"sizes {QUICK_SIZES}, pairs of {QUICK_SOURCES} texts"
    )
    parser.add_argument("--data", type=Path, default=None, help="texts (default: $EXTRACTION_DEV)")
    parser.add_argument("--seed", type=int, default=PAIRS_SEED, help="seed of the labelled pairs")
    args = parser.parse_args(argv)
    sizes = args.sizes or list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    data = args.data if args.data is not None else default_data_dir()
    try:
        if args.data is None and not (data / "ground-truth.jsonl").is_file():
            missing = f"no labelled texts: {data}/ground-truth.jsonl not found (set EXTRACTION_DEV)"
            measured = {"skipped": missing}
            print(f"bench.neardup: {measured['skipped']}", file=sys.stderr)
        else:
            measured = quality(data, QUICK_SOURCES if args.quick else None, args.seed)
        summary = run(sizes, args.probes) | {"quality": measured}
    except BenchError as exc:
        print(f"bench.neardup: {exc}", file=sys.stderr)
        return 1
    out = data_dir() / "bench" / "neardup.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    if "skipped" not in measured:
        print(render_quality(measured) + "\n")
    print(render(summary))
    print(f"\nJSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
