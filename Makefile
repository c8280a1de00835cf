# Two commands do all the set-up on a fresh machine: `make archive` and `make test`.
# Only python3 is assumed; the virtual environment is made in .venv on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# pywb's own virtual environment (see `replay` at the end); defined here because `test` needs it.
PYWB_VENV  ?= .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.installed

.PHONY: archive demo test test-tools migrate psql serve-fixtures venv clean-data help replay cron psql-researcher bench-extract bench-neardup bench

help:
	@echo "make archive         crawl the default collection (sony-hack-2014) into var/"
	@echo "make archive WORKERS=4  the same crawl by 4 processes sharing a Redis frontier"
	@echo "make demo            crawl the offline fixture web (no network needed)"
	@echo "make test            run the whole test suite (installs wget and chromium when missing, as root)"
	@echo "make migrate         upgrade the corpus schema"
	@echo "make psql            open psql on the corpus (DEMO=1: on the demo's own database)"
	@echo "make clean-data COLLECTION=name [WARC=1] [YES=1]  list one collection's rows; YES=1 removes them (WARC=1: its WARC files too)"
	@echo "make clean-data      remove the data folder var/ (asks; YES=1 does not); never a DATABASE_URL database"
	@echo "make cron            print the crontab line for a collection (INSTALL=1 installs it)"
	@echo "make serve-fixtures  serve the fixture web on 127.0.0.1:8714 to browse by hand"
	@echo "make replay          index var/warc/ and replay it with pywb on 127.0.0.1:8080 (PORT=...)"
	@echo "make report          write the coverage report to var/report/index.html (opens offline)"
	@echo "make bench-extract   score our extractor against trafilatura, readability, newspaper4k"
	@echo "make bench-neardup   story clustering precision/recall on labelled pairs; lookup time at 10k-1M (QUICK=1)"
	@echo "make bench           end-to-end benchmark on a loopback site of N=5000 articles (N=500 REPEAT=1: small)"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

# make clean-data COLLECTION=name [WARC=1] [YES=1] [DEMO=1]: one collection's rows (and WARC files).
# make clean-data [YES=1]: the whole data folder (var/ or $$ARCHIVE_DATA_DIR: the embedded databases,
# WARC files, reports, logs), after saying what goes and asking unless YES=1. A database named by
# DATABASE_URL lives elsewhere and is never touched by it.
DATA_DIR = $(or $(ARCHIVE_DATA_DIR),var)

clean-data: $(STAMP)
ifdef COLLECTION
	$(PY) -m pipeline $(DEMO_FLAG) drop-collection $(COLLECTION) $(if $(WARC),--warc) $(if $(YES),--yes)
else
	@if [ ! -e "$(DATA_DIR)" ]; then echo "nothing to remove: $(DATA_DIR) does not exist"; exit 0; fi; \
	case "$$(cd "$(DATA_DIR)" && pwd -P)" in /|"$$HOME"|"$(CURDIR)") \
		echo "error: refusing to remove $(DATA_DIR): not a data folder"; exit 2;; esac; \
	echo "this removes $(DATA_DIR) (the embedded databases, WARC files, reports, logs):"; \
	du -sh "$(DATA_DIR)"/* 2>/dev/null | sed 's/^/  /'; \
	$(if $(DATABASE_URL),echo "the database at DATABASE_URL is not touched (COLLECTION=name removes a collection's rows there)";) \
	if [ -z "$(YES)" ]; then \
		printf "remove it? [y/N] "; read answer || echo; \
		case "$$answer" in y|Y|yes) ;; *) echo "nothing removed (YES=1 skips this question)"; exit 1;; esac; \
	fi; \
	test ! -d "$(DATA_DIR)/pgdata" || ARCHIVE_DATA_DIR="$(DATA_DIR)" $(PY) -c "from pipeline.database import stop_embedded; stop_embedded()"; \
	rm -rf "$(DATA_DIR)" && echo "removed $(DATA_DIR)"
endif

# WORKERS=N: N crawler processes sharing one frontier in Redis ($$REDIS_URL, default local Redis).
archive: $(STAMP)
	$(PY) -m pipeline crawl $(if $(COLLECTION),--collection $(COLLECTION)) $(if $(WORKERS),--workers $(WORKERS))

demo: $(STAMP) $(PYWB_STAMP)
	$(PY) -m pipeline demo

test: $(STAMP) $(PYWB_STAMP) test-tools
	$(PY) -m pytest $(PYTEST_ARGS)

# What the tests drive from outside Python (GNU wget, Debian's Chromium): installed when missing as
# root, else the exact apt-get command is printed (.ci/test-tools).
test-tools:
	@.ci/test-tools

migrate: $(STAMP)
	$(PY) -m pipeline migrate

# DEMO=1 reads the demo's own database (where `make demo` writes) instead of the corpus.
DEMO_FLAG = $(if $(DEMO),--demo)

psql: $(STAMP)
	$(PY) -m pipeline $(DEMO_FLAG) psql

psql-researcher: $(STAMP)
	$(PY) -m pipeline $(DEMO_FLAG) psql --researcher

serve-fixtures: $(STAMP)
	$(PY) -m pipeline serve-fixtures

# make cron [COLLECTION=name] [SCHEDULE="0 */6 * * *"] [INSTALL=1]
cron: $(STAMP)
	$(PY) -m pipeline cron $(if $(COLLECTION),--collection $(COLLECTION)) $(if $(SCHEDULE),--schedule "$(SCHEDULE)") $(if $(INSTALL),--install)

# Replay: pywb 2.10 pins packages (redis 2.10.6, werkzeug, pyOpenSSL) that clash with the crawler's,
# so it gets its own virtual environment and runs as a separate process. The pins are the set
# tested together on Python 3.11; pywb leaves most of them open.
PORT       ?= 8080
PYWB_PINS  := pywb==2.10.0 \
	brotlipy==0.7.0 certauth==1.3.0 certifi==2026.10.19.post1 cffi==2.1.1 \
	charset-normalizer==3.5.3 cryptography==47.0.0 defusedxml==0.7.1 fakeredis==0.16.0 \
	filelock==4.3.1 gevent==26.9.0 greenlet==3.5.6 idna==3.20 Jinja2==3.1.6 MarkupSafe==3.0.4 \
	portalocker==4.4.2 Py3AMF==0.9.1 pycparser==3.12 pyOpenSSL==26.1.0 python-dateutil==4.0.0 \
	PyYAML==6.0.4 redis==2.10.6 requests==2.34.2 requests-file==3.0.1 six==1.17.0 surt==0.3.1 \
	tldextract==5.4.0 typing_extensions==4.16.0 tzdata==2026.6 ua-parser==1.0.2 \
	ua-parser-builtins==202610 urllib3==2.8.0 warcio==1.8.1 webassets==2.0 webencodings==0.6.1 \
	Werkzeug==3.1.7 wsgiprox==1.5.2 zope.event==6.2 zope.interface==8.7

$(PYWB_STAMP): Makefile
	@test -x $(PYWB_VENV)/bin/python || $(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(PYWB_PINS)
	@touch $(PYWB_STAMP)

replay: $(STAMP) $(PYWB_STAMP)
	$(PY) -m pipeline $(DEMO_FLAG) replay --port $(PORT)

# The coverage report: one self-contained HTML page (plotly.js inlined), readable offline.
report: $(STAMP)
	$(PY) -m pipeline $(DEMO_FLAG) report $(if $(COLLECTION),--collection $(COLLECTION))

# The extraction benchmark (bench/extraction.py) on the three sets of ../shared/extraction-dev
# (EXTRACTION_DEV=...): L3S-GN1, trafilatura-eval and readability-pages, a table per set and
# var/bench/extraction.json. The libraries it compares against are the `bench` extra, installed into
# .venv on first use. BENCH_ARGS="--sets l3s-gn1 --only ours,trafilatura --worst 20" for a part.
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	@touch $(BENCH_STAMP)

bench-extract: $(BENCH_STAMP)
	$(PY) -m bench.extraction $(BENCH_ARGS)

# Story clustering's pairwise precision and recall on labelled pairs made from
# ../shared/extraction-dev (EXTRACTION_DEV=...), and near-duplicate lookup time against 10k, 100k
# and 1M stored signatures (bench/neardup.py). QUICK=1: pairs of 100 texts, 10k and 100k only;
# SIZES=... for other sizes. The 1M fill takes about five minutes.
bench-neardup: $(STAMP)
	$(PY) -m bench.neardup $(if $(QUICK),--quick) $(if $(SIZES),--sizes $(SIZES))

# The end-to-end benchmark (bench/endtoend.py): crawl, WARC, extract, dedupe, store on a loopback
# site of N article pages made from ../shared/extraction-dev (EXTRACTION_DEV=...; fixture pages
# when absent), beside plain Scrapy, WARC capture only and extraction alone. Needs only the normal
# venv. Each mode's fastest of REPEAT runs counts (other load only slows a run). Results: a table
# on stdout and var/bench/latest.json.
N ?= 5000
REPEAT ?= 3

bench: $(STAMP)
	$(PY) -m bench.endtoend --pages=$(N) --repeat=$(REPEAT)
