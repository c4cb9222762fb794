# The README's two commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# PostgreSQL for `make test-postgres` (CI runs the suite on both databases).
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# The suite passes at any hour: each pass runs under a faked wall clock (tests/clock.py),
# the SQLite pass at 23:30 UTC (tomorrow already in Shanghai), the PostgreSQL pass at
# 23:45 Asia/Shanghai. `make test SQLITE_CLOCK=real` runs it at the real time.
SQLITE_CLOCK   ?= 23:30 UTC
POSTGRES_CLOCK ?= 23:45 Asia/Shanghai
# Test processes (pytest-xdist), one per core, at most 2. `--dist load`, not loadfile or
# loadgroup: those key the work by node id and run only one of the API fuzz tests (the 83
# schemathesis cases share one id). `--maxschedchunk 1`: the tests go to the workers one at
# a time in the collection's order, whose known-longest tests come first (tests/conftest.py:
# LONGEST_FIRST), so no long test starts last. `make test WORKERS=0` runs in one process.
WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 2 ] && n=2; echo $$n)
XDIST   := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist load --maxschedchunk 1)

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
	WARROOM_TEST_CLOCK="$(SQLITE_CLOCK)" $(BIN)/pytest $(XDIST)

test-postgres: $(STAMP)
	WARROOM_TEST_CLOCK="$(POSTGRES_CLOCK)" DATABASE_URL=$(PG_URL) $(BIN)/pytest $(XDIST)

# Every bench states its targets and exits 1 on a miss (bench/_common.py); all of them run,
# then make fails if one missed or failed.
bench: $(STAMP)
	@failed=""; for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || failed="$$failed $$f"; done; \
	if [ -n "$$failed" ]; then echo "missed a target or failed:$$failed"; exit 1; fi

messages: $(STAMP)
	$(BIN)/python scripts/messages.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
