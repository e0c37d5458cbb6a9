# Two commands: `make run` and `make test`. Everything they need is installed on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall when the dependency list changes.
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
NODE_STAMP := extension/node_modules/.installed-$(shell sha1sum extension/package-lock.json | cut -c1-12)
# Playwright drives Debian's Chromium (.ci/ensure-chromium); it must never fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test bench install clean

run: $(STAMP) $(NODE_STAMP)
	cd extension && npm run build
	$(BIN)/telltale run

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check backend tests
	cd extension && npm test
	bash .ci/ensure-postgres
	bash .ci/ensure-chromium
	cd extension && npm run build
	$(BIN)/python -m pytest tests/backend tests/e2e

# Not part of `make test`: loopback only, about twenty minutes (`served` and `footprint` run `telltale run` under load). BENCH_ARGS="--quick --only pixel,micro" for a part.
bench: $(STAMP)
	bash .ci/ensure-bench-tools
	-bash .ci/ensure-postgres
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(NODE_STAMP): extension/package-lock.json
	cd extension && npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) backend/*.egg-info .pytest_cache extension/node_modules extension/dist
