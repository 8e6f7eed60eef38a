# Two commands for a new machine: `make demo` and `make test`. Everything else is set up on the way.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup system node demo test test-sqlite test-postgres lint format bench clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The stamp follows the lock file, so a changed lock re-syncs the environment.
$(VENV)/.synced: uv.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv sync --frozen --inexact --python $(BIN)/python
	touch $@

setup: $(VENV)/.synced

# axe-core, which the browser tests inject into the public pages to check WCAG 2.1 AA. The stamp follows
# the lock file, as .venv/.synced does, so `npm ci` runs again only when the lock changes.
node_modules/.installed: package-lock.json package.json | system
	npm ci --no-audit --no-fund
	touch $@

node: node_modules/.installed

# Debian packages the tests need (PostgreSQL 15 server binaries); installed only when missing.
system:
	bash scripts/install-system-packages.sh

demo: setup system
	$(BIN)/cakupan demo

test: setup system lint test-sqlite test-postgres

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: setup node
	$(BIN)/pytest -q

test-postgres: setup system node
	$(BIN)/python -m cakupan.devtools.pgcluster -- $(BIN)/pytest -q

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup system
	$(BIN)/python bench/generate_bench.py
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/coverage_bench.py
	$(BIN)/python bench/worker_list_bench.py
	$(BIN)/python bench/phone_bench.py
	$(BIN)/python bench/pipeline_bench.py
	$(BIN)/python bench/messaging_bench.py
	$(BIN)/python bench/status_check_bench.py

clean:
	rm -rf $(VENV) var node_modules
