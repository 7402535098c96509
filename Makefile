# The two commands of the README:
#   make run     set up .venv and process ../shared/seeds on the embedded default
#   make test    set up .venv with the dev tools, then lint, type-check and run every test
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# the seeds beside the repository, or the machine's copy when the clone is elsewhere
PATHS ?= $(firstword $(wildcard ../shared/seeds) /work/shared/seeds)

# Every install comes from the hash-checked locks in requirements/ (`make lock` rewrites them;
# `make lock LOCK_FLAGS=--upgrade` moves every pin to the newest allowed version). The build
# tools go in first, from their own lock: newsflow and any sdist are then built with them
# (--no-build-isolation), since pip's isolated build environments download unchecked ones.
# The venv's own pip is used as it comes (23.2 with Python 3.11): nothing here needs a newer one.
HASHED := --require-hashes --no-build-isolation
LOCK_FLAGS ?=
COMPILE = $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes $(LOCK_FLAGS)

.PHONY: run test lint bench install install-dev install-browser lock

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml requirements/build.txt requirements/lock.txt
	$(PIP) install --quiet --require-hashes -r requirements/build.txt
	$(PIP) install --quiet $(HASHED) -r requirements/lock.txt
	$(PIP) install --quiet --no-build-isolation --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements/lock-dev.txt
	$(PIP) install --quiet $(HASHED) -r requirements/lock-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(VENV)/bin/newsflow run $(PATHS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The browser tests (tests/integration/web/) drive Debian's chromium through Playwright's
# driver; the browser comes from the distribution, never from `playwright install`. Under
# CI=true the test run installs it first, and those tests fail (never skip) without it.
CHROMIUM ?= /usr/bin/chromium
install-browser:
	@test -x $(CHROMIUM) || { apt-get update && apt-get install -y --no-install-recommends chromium; }

test: lint $(if $(filter true,$(CI)),install-browser)
	$(VENV)/bin/pytest

bench: $(VENV)/.installed-dev
	$(PY) bench/quality.py
	$(PY) bench/language_quality.py

# The runtime lock first; the dev lock and the build lock are constrained by it, so all three
# agree on every version they share (tests/unit/test_lock.py checks it).
lock: $(VENV)/.installed-dev
	$(COMPILE) pyproject.toml requirements/build.in -o requirements/lock.txt
	$(COMPILE) pyproject.toml requirements/build.in --extra dev -c requirements/lock.txt \
		-o requirements/lock-dev.txt
	$(COMPILE) requirements/build.in -c requirements/lock.txt -o requirements/build.txt
