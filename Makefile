# The two commands of the README. Both set up what is missing first (scripts/setup.sh).
.PHONY: run test setup lint bench

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

lint:
	@.venv/bin/ruff check . && .venv/bin/ruff format --check .

bench:
	@bash scripts/setup.sh dev && .venv/bin/python bench/coverage.py
