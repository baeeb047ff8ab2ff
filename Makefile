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

run: $(STAMP)
	mkdir -p var
	$(BIN)/recovery-hub db upgrade
	$(BIN)/recovery-hub demo load --if-empty
	$(BIN)/recovery-hub demo tokens
	$(BIN)/recovery-hub serve --dev --host 127.0.0.1 --port 8000

# SQLite always; PostgreSQL too when reachable (RECOVERY_HUB_TEST_POSTGRES_URL).
# With CI=true an unreachable PostgreSQL fails the run instead of skipping.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var/*.db var/*.db-*
