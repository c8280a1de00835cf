# Two commands do all the set-up on a fresh machine: `make archive` and `make test`.
# Only python3 is assumed; the virtual environment is made in .venv on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: archive demo test migrate psql serve-fixtures venv clean-data help

help:
	@echo "make archive         crawl the default collection (sony-hack-2014) into var/"
	@echo "make demo            crawl the offline fixture web (no network needed)"
	@echo "make test            run the whole test suite"
	@echo "make migrate         upgrade the corpus schema"
	@echo "make psql            open psql on the corpus"
	@echo "make serve-fixtures  serve the fixture web on 127.0.0.1:8714 to browse by hand"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

archive: $(STAMP)
	$(PY) -m pipeline crawl $(if $(COLLECTION),--collection $(COLLECTION))

demo: $(STAMP)
	$(PY) -m pipeline demo

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

migrate: $(STAMP)
	$(PY) -m pipeline migrate

psql: $(STAMP)
	$(PY) -m pipeline psql

serve-fixtures: $(STAMP)
	$(PY) -m pipeline serve-fixtures
