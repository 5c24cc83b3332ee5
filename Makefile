# Teczka JST — developer and coordinator commands. `make help` lists them.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FORMS ?= forms
OUT ?= output

.DEFAULT_GOAL := help
.PHONY: help documents preview forms samples validate test test-fast lint bench clean system-deps

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

system-deps: ## Install LibreOffice and fonts when missing (needs root), or say how
	@bash scripts/system-deps.sh

documents: $(STAMP) system-deps ## Build every unit under forms/ into output/ (the main job)
	@$(BIN)/teczka build --forms $(FORMS) --out $(OUT)

preview: $(STAMP) system-deps ## Preview the templates with sample data (output/podglad/index.html)
	@$(BIN)/teczka templates preview --out $(OUT)/podglad

forms: $(STAMP) ## Regenerate the blank forms in forms/puste/
	@$(BIN)/teczka forms --out $(FORMS)/puste

samples: $(STAMP) ## Regenerate the sample units' forms from tests/data/sample_units
	@$(BIN)/teczka samples --forms $(FORMS)

validate: $(STAMP) ## Validate the forms only (no documents)
	@$(BIN)/teczka validate $(FORMS)

test: $(STAMP) system-deps ## Run all tests, the slow end-to-end ones and the template check included
	@$(BIN)/teczka templates check
	@$(BIN)/python -m pytest -q

test-fast: $(STAMP) ## Run the fast tests only
	@$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP) ## Lint with ruff
	@$(BIN)/ruff check pipeline tests bench

bench: $(STAMP) system-deps ## Benchmark against the naive way (see bench/)
	@$(BIN)/python bench/run.py

clean: ## Remove generated output and caches (keeps the virtual environment)
	rm -rf $(OUT)/* .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
