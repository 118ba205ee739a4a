# Two entry points, each doing its own set-up on a fresh machine:
#   make example   render the bundled example orders into out/
#   make test      lint, type-check and run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: example test lint pytest bench clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

example: $(STAMP)
	$(PY) -m delightmail render examples/orders/*.json --merchant examples/merchant.json -o out
	@echo
	@echo "--- the text part of out/01-one-item.txt ---"
	@cat out/01-one-item.txt

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests examples benchmarks
	$(VENV)/bin/ruff format --check src tests examples benchmarks
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest

test: system-deps lint pytest

# Debian's Chromium, for `delightmail screenshot` and the preview's browser tests
# (Playwright drives it; it never downloads a browser). Installed only when missing.
system-deps:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

bench: $(STAMP)
	$(PY) benchmarks/render.py

clean:
	rm -rf out build dist .pytest_cache .mypy_cache .ruff_cache
