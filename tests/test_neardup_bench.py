"""The near-duplicate benchmark at tiny sizes, as `python -m bench.neardup` runs it, so it cannot rot:
labelled pairs made from the fixture web's article texts (not the dev set) placed through the
store with their precision and recall, every size reported with timings, the light rewrites found,
the new texts not matched. No timing is asserted (the machine may be busy)."""

from __future__ import annotations

import json

import psycopg
from sqlalchemy.engine import make_url

from bench.neardup_pairs import Source, make_pairs, trim
from tests.conftest import run_module

SIZES = (2000, 4000)
PROBES = 40
PER_HOST = 3


def _sources(site) -> list[Source]:
    """A few articles of each fixture outlet, and every syndicated copy with its original."""
    chosen, per_host = [], {}
    for page in site.articles(None):
        if page.story or per_host.get(page.host, 0) < PER_HOST:
            per_host[page.host] = per_host.get(page.host, 0) + 1
            chosen.append(page)
    return [Source(p.url, p.host, "\n".join([p.title, *p.paragraphs])) for p in chosen]


def _write_dev_set(folder, site) -> None:
    folder.mkdir()
    rows = [{"id": s.id, "url": s.id, "text": s.text} for s in _sources(site)]
    (folder / "ground-truth.jsonl").write_text("\n".join(map(json.dumps, rows)) + "\n", encoding="utf-8")


def test_pairs_are_seeded_and_labelled_as_built(site):
    sources = _sources(site)
    pairs = make_pairs(sources, seed=7)
    assert pairs == make_pairs(list(reversed(sources)), seed=7)
    assert pairs != make_pairs(sources, seed=8)
    kinds = {p.kind for p in pairs}
    assert {"copy-full", "copy-2/3", "copy-1/2", "natural-copy", "same-host", "same-host/trimmed"} <= kinds
    for pair in pairs:
        assert pair.same == (pair.ids[0] == pair.ids[1] or pair.kind == "natural-copy")
        if pair.kind == "copy-1/2":
            short, long = sorted((pair.first, pair.second), key=len)
            assert len(short.split()) < 0.75 * len(long.split())
    body = sources[0].text
    assert len(" ".join(trim(body, 0.5)).split()) <= 0.5 * len(body.split()) + 60  # cut at a sentence end


def test_bench_reports_quality_and_every_size(postgres_admin_url, tmp_path, site):
    data = tmp_path / "dev"
    _write_dev_set(data, site)
    env = {"DATABASE_URL": postgres_admin_url, "ARCHIVE_DATA_DIR": str(tmp_path)}
    sizes = ",".join(map(str, SIZES))
    result = run_module(
        "bench.neardup", "--sizes", sizes, "--probes", str(PROBES), "--data", str(data), env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "bench" / "neardup.json").read_text())

    quality = summary["quality"]
    assert quality["pairs"] == sum(k["pairs"] for k in quality["by_kind"].values()) > 50
    assert quality["precision"] >= 0.99 and quality["recall"] >= 0.95, quality
    assert quality["joined_by_rule"].get("minhash-containment", 0) > 0
    assert f"pairwise precision {quality['precision']:.4f}" in result.stdout
    assert "| copy-1/2 | yes |" in result.stdout

    assert [r["signatures"] for r in summary["sizes"]] == list(SIZES)
    for row in summary["sizes"]:
        assert row["minhash_bands"] == row["signatures"] * summary["params"]["bands"]
        for path in ("lookup", "assign"):
            assert all(row[path][k] > 0 for k in ("median_ms", "mean_ms", "p95_ms"))
        assert row["near_probes"] > 0 and row["near_probes"] + row["fresh_probes"] == PROBES
        assert row["near_found_lookup"] == row["near_found_assign"] == row["near_probes"]
        assert row["fresh_matched"] == 0
        assert f"| {row['signatures']:,} |" in result.stdout

    # The throwaway databases are gone.
    server = make_url(postgres_admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(server) as conn:
        left = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (summary["database"],)).fetchall()
    assert summary["database"].startswith("bench_") and not left


def test_bench_names_a_missing_data_set(tmp_path):
    result = run_module("bench.neardup", "--sizes", "100", "--data", str(tmp_path / "none"), timeout=120)
    assert result.returncode == 1
    assert "ground-truth.jsonl not found" in result.stderr and "Traceback" not in result.stderr
