# Everyday commands. `make run` and `make test` do all the set-up on a fresh machine
# that has Python 3.11+ and make.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: venv run demo test test-browser lint format bench messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

## The site on the embedded default (SQLite, local-memory cache) with a demo newsroom.
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py create_editor demo-editor --generate-password --reset-password
	@echo "Serving at http://$(HOST):$(PORT)/ (admin at http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

## The whole test suite. Uses DATABASE_URL / REDIS_URL when set; tests that need a
## server that is not there are skipped with the reason (REQUIRE_SERVICES=1 fails them).
test: venv
	$(PY) -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider --durations=15 $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Benchmarks at scale (needs PostgreSQL: BENCH_DATABASE_URL, and Redis for some parts).
bench: venv
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) -m bench

## Regenerate and compile translations (needs GNU gettext).
messages: venv
	$(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'bench/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-*
