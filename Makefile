# The two commands of the README. Both set up what is missing first (scripts/setup.sh).
.PHONY: run test setup lint bench translations

run:
	@bash scripts/run.sh

# `make test ARGS="-k energy"` passes ARGS to pytest.
test:
	@bash scripts/test.sh $(ARGS)

lint:
	@.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy && .venv/bin/lint-imports --no-logo

# Every bench at full size (minutes: the Sweden-sized sets); each prints `name: value`
# lines, ratios last. `make test` runs each at its small size (--smoke, tests/test_bench.py).
bench:
	@bash scripts/setup.sh dev \
	  && .venv/bin/python bench/coverage_compute.py \
	  && .venv/bin/python bench/coverage.py \
	  && .venv/bin/python bench/plan.py \
	  && .venv/bin/python bench/exports.py \
	  && .venv/bin/python bench/warning_latency.py \
	  && .venv/bin/python bench/ogc.py \
	  && .venv/bin/python bench/roads.py --sweden

# New or changed UI strings into translations/*/messages.po (then translate the empty
# msgstr and run the tests: tests/web/test_i18n.py fails on any left untranslated).
translations:
	@.venv/bin/pybabel extract -F babel.cfg --no-wrap --sort-by-file -o translations/messages.pot . \
	  && .venv/bin/pybabel update -i translations/messages.pot -d translations --no-wrap --no-fuzzy-matching
