# The two quickstart commands are `make site` and `make test`; each sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NODE_TOOLS := node_modules/.installed
PORT ?= 8000

.PHONY: site test serve lint golden bench clean

site: $(INSTALLED)
	$(BIN)/digest build .

test: $(INSTALLED) $(NODE_TOOLS)
	tools/ensure-system.sh
	$(BIN)/ruff check generator tests
	$(BIN)/python -m pytest -q

serve: $(INSTALLED)
	$(BIN)/digest serve . --port $(PORT)

lint: $(INSTALLED)
	$(BIN)/ruff check generator tests
	$(BIN)/ruff format --check generator tests

# Regenerate tests/golden/ from tests/sample_site/ after an intended output change.
golden: $(INSTALLED)
	$(BIN)/python -m tests.golden_tool

# Benchmarks against Hugo, Eleventy and Pelican (installed here when missing); slow.
bench: $(INSTALLED)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	command -v hugo >/dev/null || (apt-get update -qq && apt-get install -y -qq hugo)
	cd bench/anchors/eleventy && npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/run.py

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

$(NODE_TOOLS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf site .digest-cache .pytest_cache .hypothesis
