"""A crawl leaves the process it runs in as it found it: its environment, its garbage collector."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline.collector import collect_young_objects_rarely, collector_restored
from tests.conftest import ROOT

# A researcher's environment: a proxy that is not there, and no host to go through any proxy.
ENVIRONMENT = {"http_proxy": "http://127.0.0.1:9", "no_proxy": "*", "NO_PROXY": "*"}


def test_a_crawl_through_a_proxy_leaves_the_environment_as_it_was(make_database, fixture_web, site, tmp_path):
    """--proxy holds for the crawl, whatever the environment says, and for the crawl alone."""
    collection = tmp_path / "env.toml"
    seed = site.articles()[0].url
    collection.write_text(f'[collection]\nname = "env"\ntitle = "env"\n[[seeds]]\nurl = "{seed}"\n')
    job = {
        "collection": str(collection),
        "database_url": make_database(),
        "proxy": fixture_web.proxy_url,
        "out": str(tmp_path / "out.json"),
    }
    (tmp_path / "job.json").write_text(json.dumps(job))
    env = {**os.environ, **ENVIRONMENT, "ARCHIVE_DATA_DIR": str(tmp_path / "var")}
    done = subprocess.run(
        [sys.executable, "-m", "tests.test_crawl", str(tmp_path / "job.json")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(Path(job["out"]).read_text())
    assert out["pages_fetched"] == 1  # through --proxy, not the environment's dead one
    assert out["environment_changed"] == {}
    assert out["thresholds_after"] == out["thresholds_before"]
    assert out["frozen_after"] == 0  # the crawl froze what its start loaded (tune_collector_for_the_crawl)


def test_the_collector_is_restored_after_the_crawl():
    thresholds = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with collector_restored():
        gc.freeze()
        collect_young_objects_rarely()
        assert gc.get_freeze_count() > 0 and gc.get_threshold() != thresholds
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0


# -- the crawl, in its own process (Scrapy runs once per process) -----------------------------


def main(job: dict) -> None:
    from pipeline.collection import load_collection
    from pipeline.run.crawl import run_crawl

    environment = dict(os.environ)
    thresholds = gc.get_threshold()
    report = run_crawl(load_collection(job["collection"]), job["database_url"], proxy=job["proxy"])
    changed = {
        name: [environment.get(name), os.environ.get(name)]
        for name in environment.keys() | os.environ.keys()
        if environment.get(name) != os.environ.get(name)
    }
    out = {
        "pages_fetched": report.pages_fetched,
        "environment_changed": changed,
        "thresholds_before": list(thresholds),
        "thresholds_after": list(gc.get_threshold()),
        "frozen_after": gc.get_freeze_count(),
    }
    Path(job["out"]).write_text(json.dumps(out))


if __name__ == "__main__":
    main(json.loads(Path(sys.argv[1]).read_text()))
