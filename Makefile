# One entry point. `make run` and `make test` both set everything up from scratch.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# Put the venv's dbt/dagster on PATH for anything these targets start.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: install run test dev seeds lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Materialise every asset through Dagster on raw/ and print where the outputs are.
run: install
	@mkdir -p $(DAGSTER_HOME)
	$(PY) -m orchestration.cli run

## The whole test suite (what CI runs).
test: install
	@mkdir -p $(DAGSTER_HOME)
	$(PY) -m pytest -q

## The Dagster UI on http://127.0.0.1:3000
dev: install
	@mkdir -p $(DAGSTER_HOME)
	$(PY) -m orchestration.cli prepare
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

## Rebuild raw/returns/*.xlsx from the seed transcription in raw/transcription/.
seeds: install
	$(PY) scripts/build_seed_returns.py

lint: install
	$(VENV)/bin/ruff check orchestration tests scripts

clean:
	rm -rf output .dagster_home dbt_project/target dbt_project/logs
