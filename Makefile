# Two entry points, each doing its own set-up on a fresh machine:
#   make example   render the bundled example orders into out/
#   make test      lint, type-check, check the import layers and run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.package-lock.json

.PHONY: example test lint pytest compat bench clean system-deps screenshots docs

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

test: system-deps lint pytest compat

# The Django integration under each supported Django LTS besides the installed one (Django 6
# needs Python 3.12): each into a folder of its own, put first on the path.
COMPAT_DJANGO := 4.2
compat: $(STAMP)
	@for version in $(COMPAT_DJANGO); do \
	  target=.compat/django-$$version; \
	  test -d $$target || $(PY) -m pip install --quiet --no-deps --target $$target "django~=$$version.0" || exit 1; \
	  PYTHONPATH=$$target $(PY) -c 'import django; print("tests/test_contrib_django.py with Django", django.__version__)'; \
	  PYTHONPATH=$$target $(PY) -m pytest -q -p no:cacheprovider tests/test_contrib_django.py || exit 1; \
	done

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
	$(PY) -m delightmail screenshot examples/orders/*.json --merchant examples/merchant.json \
	  --scheme light --scheme dark -o out/screenshots

# The template reference, generated from the code (tests/test_reference.py holds it to that).
docs: $(STAMP)
	$(PY) -m delightmail templates --context --format markdown > docs/templates.md

# benchmarks/send.py measures React Email beside us when its packages are there.
bench: $(STAMP) system-deps
	npm ci --prefix benchmarks/react-email --no-audit --no-fund
	$(PY) benchmarks/render.py
	$(PY) benchmarks/send.py
	$(PY) benchmarks/workers.py

clean:
	rm -rf out build dist .compat .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
