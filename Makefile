# The everyday commands; .ci/run is what CI runs (it also sets up the real Immich).
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install lock lint format type test quick e2e cov bench ci

install:  ## a venv with the tool and everything the tests need, pinned by hash
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps -e .

lock:  ## pin every dependency by hash again, after a change to pyproject.toml (needs uv)
	uv pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 \
	  --no-header -o requirements.lock
	uv pip compile pyproject.toml --extra dev --universal --generate-hashes \
	  --python-version 3.11 --no-header -o requirements-dev.lock

lint:  ## ruff: lint and formatting
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format:  ## ruff: fix what it can, format
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

type:  ## mypy --strict on src, tests and bench (also as macOS sees it)
	$(BIN)/mypy
	$(BIN)/mypy --platform darwin

test:  ## the whole suite (the real-server part skips without a kit)
	$(BIN)/pytest

quick:  ## everything but the kill tests and the real server (about half the time)
	$(BIN)/pytest -m 'not slow'

e2e:  ## the suite against a real Immich: make e2e KIT=/var/cache/photos-sync-immich
	PHOTOS_SYNC_E2E_IMMICH_DIR=$(KIT) $(BIN)/pytest tests/e2e

cov:  ## the suite with coverage, held to the floor in pyproject.toml
	$(BIN)/pytest --cov --cov-report=term

bench:  ## the benchmarks against the double (see bench/README.md)
	$(BIN)/python -m bench.library_bench
	$(BIN)/python -m bench.import_bench
	$(BIN)/python -m bench.backup_bench

ci:  ## what CI runs, on this checkout
	.ci/run
