# The README's two commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# PostgreSQL for `make test-postgres` (CI runs the suite on both databases).
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: demo test install system-deps lint test-sqlite test-postgres bench messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("warroom needs Python >= 3.11" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## make demo: build the demo city, run the outbreak, serve the dashboard on http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/warroom demo

## make test: lint, types, architecture contracts, and the whole test suite (nothing skipped)
test: $(STAMP) system-deps lint test-sqlite

system-deps:
	@bash scripts/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy warroom
	$(BIN)/lint-imports

test-sqlite: $(STAMP)
	$(BIN)/pytest

test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL) $(BIN)/pytest

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

messages: $(STAMP)
	$(BIN)/python scripts/messages.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
