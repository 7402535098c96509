# The two commands of the README:
#   make run     set up .venv and process ../shared/seeds on the embedded default
#   make test    set up .venv with the dev tools, then lint, type-check and run every test
VENV ?= .venv
PY := $(VENV)/bin/python
PATHS ?= ../shared/seeds

.PHONY: run test lint bench install install-dev

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(VENV)/bin/newsflow run $(PATHS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest

bench: $(VENV)/.installed-dev
	$(PY) bench/quality.py
	$(PY) bench/language_quality.py
