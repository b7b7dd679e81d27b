# The two commands of the README. Both set up what is missing first (scripts/setup.sh).
.PHONY: run test setup lint bench translations

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

lint:
	@.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy && .venv/bin/lint-imports --no-logo

bench:
	@bash scripts/setup.sh dev && .venv/bin/python bench/coverage.py

# New or changed UI strings into translations/*/messages.po (then translate the empty
# msgstr and run the tests: tests/web/test_i18n.py fails on any left untranslated).
translations:
	@.venv/bin/pybabel extract -F babel.cfg --no-wrap --sort-by-file -o translations/messages.pot . \
	  && .venv/bin/pybabel update -i translations/messages.pot -d translations --no-wrap --no-fuzzy-matching
