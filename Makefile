# warehouse_lite developer commands. `make help` lists them.
# Everything runs from a local virtualenv (.venv) that the first command creates.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST ?= postgresql://postgres@127.0.0.1:5432/postgres
PYTEST := $(BIN)/pytest -p no:cacheprovider
# The coverage gate of `make test` (branch coverage of every family); raise it as the suite grows.
COVERAGE_MIN ?= 95
COV := --cov=warehouse_lite --cov-branch --cov-append --cov-report=

.DEFAULT_GOAL := help

.PHONY: system-deps help venv serve stack worker migrate shell test test-fast test-sqlite test-pg \
        test-e2e test-browser test-reliability coverage lint format bench clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[1m%-17s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): setup.cfg pyproject.toml constraints.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test,lint]'
	touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the app with test and lint tools

serve: $(STAMP) ## Run the app on http://localhost:6543/ (embedded: SQLite, no services needed)
	$(BIN)/warehouse-lite serve --host 127.0.0.1 --port 6543

stack: $(STAMP) ## Run the full stack (gunicorn, Celery worker, SMTP sink) with dev/stack.env
	bin/dev-stack

worker: $(STAMP) ## Run a Celery worker (needs REDIS_URL, e.g. `set -a; . dev/stack.env`)
	$(BIN)/celery -A warehouse_lite.worker worker --loglevel INFO

migrate: $(STAMP) ## Apply database migrations (DATABASE_URL or var/warehouse.sqlite3)
	$(BIN)/warehouse-lite db upgrade

shell: $(STAMP) ## Python shell with the settings and a database session
	$(BIN)/warehouse-lite shell

test: system-deps test-fast test-e2e test-browser test-reliability coverage ## Every test family (what CI runs)

system-deps: ## Install/start PostgreSQL, redis-server, Chromium, oathtool, wrk (Debian; sudo if not root)
	bin/system-deps

test-fast: test-sqlite test-pg ## Unit + functional tests on SQLite and on PostgreSQL

test-sqlite: $(STAMP) ## Unit + functional tests on SQLite
	rm -f .coverage
	$(PYTEST) tests/unit tests/functional -q $(COV)

test-pg: $(STAMP) ## Unit + functional tests on PostgreSQL (PG_TEST=postgresql://...)
	WAREHOUSE_TEST_DATABASE=$(PG_TEST) $(PYTEST) tests/unit tests/functional -q $(COV)

test-e2e: $(STAMP) ## End-to-end: gunicorn, Redis, Celery, SMTP, twine/uv/pip/flit/pypitoken
	$(PYTEST) tests/e2e -q -m "not browser" $(COV)

test-browser: $(STAMP) ## End-to-end in headless Chromium (Debian's /usr/bin/chromium)
	$(PYTEST) tests/e2e -q -m browser $(COV)

test-reliability: $(STAMP) ## Concurrency, faults, hostile input, security suite (+ hostile/security on PostgreSQL)
	@if [ -d tests/reliability ] || [ -d tests/security ]; then \
	  $(PYTEST) $$(ls -d tests/reliability tests/security 2>/dev/null) -q $(COV) && \
	  WAREHOUSE_TEST_DATABASE=$(PG_TEST) $(PYTEST) tests/reliability/test_hostile_http.py \
	    tests/security -q $(COV); \
	else echo "no reliability/security tests yet"; fi

coverage: $(STAMP) ## Branch coverage of the test runs since test-sqlite; fails under COVERAGE_MIN (make test's gate)
	$(BIN)/coverage report --precision=1 --fail-under=$(COVERAGE_MIN)

lint: $(STAMP) ## ruff (lint + format check), mypy and the import contracts (lint-imports)
	$(BIN)/ruff check warehouse_lite tests bench
	$(BIN)/ruff format --check warehouse_lite tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff format warehouse_lite tests bench
	$(BIN)/ruff check --fix warehouse_lite tests bench

bench: $(STAMP) ## Benchmarks against pypiserver and devpi-server (writes docs/benchmarks.md)
	$(BIN)/python -m bench

clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var .coverage
