#!/usr/bin/env bash
# `make test`: set up (with test tools), then lint and run the whole suite against a real
# PostGIS (a separate database, resilience_test) and a real Redis (db 15), in one pytest
# process per core (pytest-xdist): worker gw<N> uses the database resilience_test_gw<N> and
# Redis db 15-N (tests/conftest.py). Arguments go to pytest after ours: `make test ARGS="-n 0
# tests/test_cli.py"` runs one file in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
bash scripts/setup.sh dev

export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/resilience_test}
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
say "Lint (ruff)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
say "Types (mypy)"
.venv/bin/mypy
say "Layers (import-linter, .importlinter)"
.venv/bin/lint-imports --no-logo
say "Tests against ${TEST_DATABASE_URL} and ${TEST_REDIS_URL}"
# loadgroup: tests are dealt out one by one, except those of one xdist_group (one worker).
.venv/bin/python -m pytest -n auto --maxprocesses 8 --dist loadgroup "$@"
