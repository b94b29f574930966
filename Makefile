# The two commands a new user needs: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Where links in e-mails and calendar feeds lead: the address `make run` serves on, unless set.
PORTAL_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test bench chaos screens install lint format messages lock clean

$(BIN)/.installed: requirements-dev.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	@touch $@

install: $(BIN)/.installed

## The demo portal: SQLite and a file broker under var/ unless DATABASE_URL / REDIS_URL are set;
## web server, Celery worker and beat side by side. Ctrl-C stops all three.
## `make run PORT=8101 HOST=0.0.0.0` serves elsewhere; links in e-mails follow PORTAL_BASE_URL.
run: export DJANGO_SETTINGS_MODULE = hangzhou_cfc.settings.local
run: export PATH := $(CURDIR)/$(BIN):$(PATH)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "  The portal: http://$(HOST):$(PORT)/   (English: http://$(HOST):$(PORT)/en/)"
	@echo "  Web server, Celery worker and beat start below. Ctrl-C stops them all."
	@echo
	PORTAL_HOST=$(HOST) PORTAL_PORT=$(PORT) PORTAL_BASE_URL=$(PORTAL_BASE_URL) \
	  $(BIN)/honcho start -f Procfile

## The whole suite. With DATABASE_URL / REDIS_URL set it runs on PostgreSQL, Redis and a real
## worker; without them those tests are skipped (and fail when CI=true).
## On every core: pytest-xdist starts TEST_WORKERS processes (auto: one a core), each with a test
## database and a Redis database of its own (REDIS_URL's number, the next one …; see
## tests/conftest.py). Each takes a run of tests in order, and one that is done takes half of
## what another has left (worksteal: the slow tests at the end are shared out; loadfile and
## loadgroup would run one of the API fuzzer's 49 tests, which share a name). TEST_WORKERS=0:
## this one process, for -s or --pdb: make test TEST_WORKERS=0 PYTEST_ARGS="tests/x.py -s"
TEST_WORKERS ?= auto
test: install
	$(BIN)/pytest --numprocesses $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## Benchmarks (bench/): need DATABASE_URL pointing at PostgreSQL.
bench: install
	$(BIN)/pytest bench -s $(PYTEST_ARGS)

## The chaos test (tests/chaos/chaos.py): CHAOS_N suggestions through the pipeline while workers
## are killed, its own Redis restarted and the database cut off; prints and checks the figures.
## Needs PostgreSQL (a database of its own on the server of DATABASE_URL) and redis-server.
CHAOS_N ?= 2000
chaos: export DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)
chaos: install
	$(BIN)/python tests/chaos/chaos.py --n $(CHAOS_N)

## Phone-sized screenshots of the children's and guardians' pages, both languages, from a
## fresh demo (scripts/screens.py): they go to docs/screens/, linked from the README.
screens: install
	$(BIN)/python scripts/screens.py

## Ruff, then the import contract: each app imports only from the apps below it
## ([tool.importlinter] in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Extract new strings into locale/ and compile them (needs GNU gettext).
messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hans --no-obsolete --no-location
	$(BIN)/python manage.py compilemessages --locale zh_Hans --ignore .venv

## Re-pin every dependency after a change to pyproject.toml: requirements.lock for the image,
## requirements-dev.lock (the same pins plus the tools) for the virtualenv.
PIP_COMPILE = $(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links
lock: install
	$(PIP_COMPILE) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint requirements.lock --output-file requirements-dev.lock pyproject.toml

clean:
	rm -rf var .pytest_cache .ruff_cache .import_linter_cache
