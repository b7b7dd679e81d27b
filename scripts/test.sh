#!/usr/bin/env bash
# `make test`: set up (with test tools), then lint and run the whole suite against a real
# PostGIS (a separate database, resilience_test) and a real Redis (db 15).
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
.venv/bin/python -m pytest "$@"
