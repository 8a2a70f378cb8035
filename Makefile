# The two quickstart commands are `make site` and `make test`; each sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NODE_TOOLS := node_modules/.installed
PORT ?= 8000

.PHONY: site test serve lint golden bench migrate compare fuzz lighthouse clean

site: $(INSTALLED)
	$(BIN)/digest build .

test: $(INSTALLED) $(NODE_TOOLS)
	tools/ensure-system.sh
	$(BIN)/ruff check generator tests bench tools
	$(BIN)/mypy generator
	$(BIN)/python -m pytest -q

serve: $(INSTALLED)
	$(BIN)/digest serve . --port $(PORT)

lint: $(INSTALLED)
	$(BIN)/ruff check generator tests bench tools
	$(BIN)/ruff format --check generator tests bench tools
	$(BIN)/mypy generator

# Regenerate tests/golden/ from tests/sample_site/ after an intended output change.
golden: $(INSTALLED)
	$(BIN)/python -m tests.golden_tool

# Benchmarks against Hugo, Eleventy and Pelican (installed here when missing); slow.
bench: $(INSTALLED)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	command -v hugo >/dev/null || (apt-get update -qq && apt-get install -y -qq hugo)
	cd bench/anchors/eleventy && npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/run.py

# Migrate two made-up archives planted with issue 12's cases (a 668-issue Pelican newsletter,
# a 2,289-post Jekyll site; bench/archives.py) and print what each case became, the time of
# each command and what it printed (bench/MIGRATION.md is one such report; OUT=FILE writes
# it; RUNS=3 takes median times). BEFORE=<git revision> adds a column for that code, installed
# in the scratch folder.
migrate: $(INSTALLED)
	$(BIN)/python bench/migrate.py $(if $(BEFORE),--before $(BEFORE)) $(if $(OUT),--out $(OUT)) $(if $(RUNS),--runs $(RUNS))

# Two versions of digest paired run by run on one corpus (cold with and without search, a
# one-entry edit): `make compare BEFORE=<git revision>` [AFTER=<revision>] [ENTRIES=4000] [PAIRS=5].
compare: $(INSTALLED)
	$(BIN)/python bench/compare.py --before $(BEFORE) $(if $(AFTER),--after $(AFTER)) $(if $(ENTRIES),--entries $(ENTRIES)) $(if $(PAIRS),--pairs $(PAIRS)) $(if $(OUT),--out $(OUT))

# Fuzz with atheris for FUZZ_SECONDS each target (not part of make test): the parsers
# (fuzz/corpus), YAML with every PyYAML parser (fuzz/corpus-yaml) and Markdown nesting
# (fuzz/corpus-nesting). An input that crashes, or runs past 10 s, lands in
# fuzz/crashes/<target>-*; tests/test_fuzz_regressions.py replays everything there.
FUZZ_SECONDS ?= 300
fuzz: $(INSTALLED)
	$(BIN)/python -m pip install -q -e '.[test,fuzz]'
	for target in parse yaml nesting; do \
		corpus=fuzz/corpus$$([ $$target = parse ] || echo -$$target); \
		rm -rf .fuzz-work && mkdir -p .fuzz-work && cp $$corpus/* .fuzz-work/ && \
		$(BIN)/python fuzz/fuzz_$$target.py -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-rss_limit_mb=2048 -artifact_prefix=fuzz/crashes/$$target- .fuzz-work || exit 1; \
	done

# Lighthouse (performance, accessibility, best practices, SEO) on the demo's home and an
# entry page; fails below 98. Slow (about a minute), so not part of `make test`.
lighthouse: $(INSTALLED) $(NODE_TOOLS)
	tools/ensure-system.sh
	$(BIN)/python tools/lighthouse.py --min 98

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
