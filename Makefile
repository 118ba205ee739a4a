# Two entry points, each doing its own set-up on a fresh machine:
#   make example   render the bundled example orders into out/
#   make test      lint, type-check, check the import layers and run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.package-lock.json

.PHONY: example test lint pytest bench clean system-deps screenshots docs

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
	$(VENV)/bin/lint-imports

pytest: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest

test: system-deps lint pytest

# Debian's Chromium, for `delightmail screenshot` and the preview's browser tests
# (Playwright drives it; it never downloads a browser), SpamAssassin and Node for
# the inbox-ready checks, Redis for the Celery workers' tests. Installed only when missing.
system-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	test -x /usr/bin/spamassassin || missing="$$missing spamassassin"; \
	test -x /usr/bin/redis-server || missing="$$missing redis-server"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi

# The npm checkers (mjml, doiuse-email, axe-core), pinned by package-lock.json.
$(NODE_STAMP): package-lock.json | system-deps
	npm ci --no-audit --no-fund

# Light and dark screenshots of every example, at desktop width, in out/screenshots/.
screenshots: $(STAMP) system-deps
	@mkdir -p out/screenshots
	@for order in examples/orders/*.json; do \
	  name=$$(basename $$order .json); \
	  for scheme in light dark; do \
	    flag=$$([ $$scheme = dark ] && echo --dark); \
	    $(PY) -m delightmail screenshot $$order --merchant examples/merchant.json $$flag \
	      -o out/screenshots/$$name-$$scheme.png || exit 1; \
	  done; \
	done

# The template reference, generated from the code (tests/test_reference.py holds it to that).
docs: $(STAMP)
	$(PY) -m delightmail templates --context --format markdown > docs/templates.md

bench: $(STAMP) system-deps
	$(PY) benchmarks/render.py
	$(PY) benchmarks/send.py
	$(PY) benchmarks/celery.py

clean:
	rm -rf out build dist .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
