# One entry point. `make run` and `make test` both set everything up from scratch.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# uv installs exactly what uv.lock lists. It is itself pinned, in its own small venv.
UV_VERSION := 0.13.9
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)

export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# Put the venv's dbt/dagster on PATH for anything these targets start.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: templates install lock dagster-home run rebuild test dev docs backfill bench measure seeds lint clean reconcile

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

## The environment, exactly as uv.lock has it (--locked: refuse a lock that no longer matches
## pyproject.toml; run `make lock` after changing a dependency). --compile-bytecode writes every
## module's .pyc once, at install: where PYTHONDONTWRITEBYTECODE is set (containers, CI) Python
## would otherwise compile dagster, dbt and pandas from source at every start (about 3 s).
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra dev --compile-bytecode --python $(PYTHON)
	touch $(STAMP)

install: $(STAMP)

## Re-resolve uv.lock after a change to the dependencies in pyproject.toml (keeps every other
## pin). `$(UV) lock --upgrade-package NAME` moves one package to its newest allowed release.
lock: | $(UV)
	$(UV) lock --python $(PYTHON)

## DAGSTER_HOME with the local default instance config (deploy/local/dagster.yaml: the
## warehouse pool limited to one step at a time) unless it already has a dagster.yaml, and the
## warehouse slot of any run killed outright (kill -9, OOM) released.
dagster-home: install
	@$(PY) -m orchestration.ops.local_instance

## Materialise every asset through Dagster on raw/ and print where the outputs are; with
## nothing changed since the last publish, say so and start no run. (The CLI prepares
## DAGSTER_HOME and releases stale slots itself: no second Python start-up for dagster-home.)
## Run options (Dagster run config, orchestration/planning/options.py): REPORT_PERIODS=latest-year
## writes only the latest financial year's reports; LGBF_PACK_COUNCILS=all (or names) more packs;
## PDF_PAPERS=all|latest|none: which workbooks are also published as PDF (default latest).
RUN_OPTIONS = $(if $(REPORT_PERIODS),--report-periods $(REPORT_PERIODS)) $(if $(LGBF_PACK_COUNCILS),--lgbf-pack-councils "$(LGBF_PACK_COUNCILS)") $(if $(PDF_PAPERS),--pdf-papers $(PDF_PAPERS))
run: install
	$(PY) -m orchestration.ops.cli run $(RUN_OPTIONS)

## The same, rebuilding every dbt model from scratch. `make run` recomputes only the financial
## years whose returns changed since the last build (orchestration/planning/incremental.py), and
## rebuilds in full by itself whenever the dbt project (rules, targets, catalogue) changed.
rebuild: install
	$(PY) -m orchestration.ops.cli run --full-refresh

## The whole test suite (what CI runs), on two worker processes (TEST_WORKERS=1 for one).
test: install dagster-home
	$(PY) -m pytest -q -n $(or $(TEST_WORKERS),2) --dist loadfile

## The Dagster UI on http://127.0.0.1:3000 (DEV_PORT=...), this machine only: the webserver has
## no authentication (DEV_HOST=0.0.0.0 opens it to the network; deploy/ puts a proxy that
## authenticates in front). Ctrl-C, or SIGTERM to make, stops every process it started
## (orchestration/ops/dev.py).
dev: install dagster-home
	$(PY) -m orchestration.ops.cli prepare
	$(PY) -m orchestration.ops.dev --host $(or $(DEV_HOST),127.0.0.1) --port $(or $(DEV_PORT),3000)

## The dbt docs site (every model and column described) for the published warehouse, served on
## http://127.0.0.1:8080 (DOCS_PORT=...).
docs: install
	$(PY) -m orchestration.transform.docs --port $(or $(DOCS_PORT),8080)

## Backfill every quarter that has a return (or FROM=2015-16-Q2 TO=2019-20-Q4) in ONE run of
## load_all: the partitioned ingest loads the whole range at once (BackfillPolicy.single_run),
## then dbt builds and the warehouse is published. See README "Operations".
backfill: install dagster-home
	$(PY) -m orchestration.ops.cli backfill $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO))

## Benchmark on SYNTHETIC returns (default 32 councils x 10 services x 10 years = 12,800
## workbooks, generated into a temporary folder): prints every figure and writes
## output/benchmark.json. Smaller: make bench BENCH_ARGS="--councils 4 --services 2 --years 2"
bench: install
	$(PY) scripts/benchmark.py $(BENCH_ARGS)

## The runs a data engineer watches, timed beside the floor (../shared/bench/floor) in one
## sitting: medians over ROUNDS rounds (default 5) and ratios to the floor. Run it on a quiet machine.
measure: install
	$(PY) scripts/measure_runs.py --rounds $(or $(ROUNDS),5)

## Pre-filled return workbooks for a quarter (output/templates/), from the published warehouse.
templates: install
	$(PY) -m orchestration.ops.cli templates --quarter $(QUARTER)

## Compare the generated Q2 2016/17 and 2019/20 reports (from `make run`) with the seed
## transcription, section by section; fails on an unexplained difference.
reconcile: install
	$(PY) -m orchestration.ops.cli reconcile

## Rebuild raw/returns/*.xlsx from the seed transcription in raw/transcription/.
seeds: install
	$(PY) scripts/build_seed_returns.py
	$(PY) scripts/build_lgbf_reference.py
	$(PY) scripts/build_framework.py
	$(PY) -m scripts.build_tenants

## What CI checks first: lint and format (`ruff format .` fixes the format), the layers of
## orchestration/ (`lint-imports`: an import cycle or an import from a higher stage fails), and
## the dbt models' SQL (`sqlfluff`, dbt templater; house style in dbt_project/.sqlfluff; it
## compiles into .lint/, leaving the pipeline's dbt_project/target alone).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	cd dbt_project && DUCKDB_PATH=:memory: \
	  $(CURDIR)/$(VENV)/bin/sqlfluff lint models --processes 2

clean:
	rm -rf output .dagster_home dbt_project/target dbt_project/logs
