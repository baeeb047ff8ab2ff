# Two commands: `make run` and `make test`. Everything else is a helper for those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the dependency lists change.
$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# `make run PORT=8080` serves on another port.
PORT ?= 8000
run: $(STAMP)
	mkdir -p var
	$(BIN)/recovery-hub db upgrade
	$(BIN)/recovery-hub demo load --if-empty
	$(BIN)/recovery-hub demo tokens
	$(BIN)/recovery-hub serve --dev --host 127.0.0.1 --port $(PORT)

# SQLite always; PostgreSQL too when reachable (RECOVERY_HUB_TEST_POSTGRES_URL).
# With CI=true an unreachable PostgreSQL fails the run instead of skipping.
# On every core (pytest-xdist); a subset: make test PYTEST_ARGS="tests/elft -k review".
PYTEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var/*.db var/*.db-*

# Benchmarks (bench/, issue #8). `make bench-quick`: SQLite, small, under a minute, writes
# bench/results.json and bench/quick-report/REPORT.md. `make bench`: borough scale on SQLite and
# PostgreSQL (RECOVERY_HUB_BENCH_POSTGRES_URL, default postgres@127.0.0.1/recovery_hub_bench,
# dropped and recreated), several minutes, writes bench/results.json and bench/REPORT.md;
# RECOVERY_HUB_BENCH_NATIONAL=1 adds the national scale (500,000 people, PostgreSQL, slow).
BENCH_STAMP := $(VENV)/.bench-installed
COMMA := ,
BENCH_SCALES := quick,borough$(if $(filter 1,$(RECOVERY_HUB_BENCH_NATIONAL)),$(COMMA)national)

.PHONY: bench bench-quick bench-tools

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,bench]'
	touch $(BENCH_STAMP)

# wrk drives the HTTP runs; without it the benchmark falls back to its httpx driver.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk) \
		>/dev/null 2>&1 || echo "wrk not installed: HTTP runs use the httpx driver"

bench-quick: $(BENCH_STAMP) bench-tools
	mkdir -p var/bench
	$(BIN)/python -m bench run --scales quick --backends sqlite --report-dir bench/quick-report

bench: $(BENCH_STAMP) bench-tools
	mkdir -p var/bench
	$(BIN)/python -m bench run --scales $(BENCH_SCALES) --backends sqlite,postgres \
		--report-dir bench
