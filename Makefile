# Teczka JST — developer and coordinator commands. `make help` lists them.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FORMS ?= forms
OUT ?= output

.DEFAULT_GOAL := help
.PHONY: help documents preview forms samples validate test test-fast lint bench clean system-deps serve

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

system-deps: ## Install LibreOffice and fonts when missing (needs root), or say how
	@bash scripts/system-deps.sh

# Exit codes of `make documents` (those of `teczka build`): 0 every unit complete or in progress; 1 some unit
# has errors in its forms or failed (the run ends with "Co dalej: …", the next step in Polish); 2 the run
# could not start or had to stop.
documents: $(STAMP) system-deps ## Build every unit under forms/ into output/ (the main job)
	@$(BIN)/teczka build --forms $(FORMS) --out $(OUT)

preview: $(STAMP) system-deps ## Preview the templates with sample data (output/podglad/index.html)
	@$(BIN)/teczka templates preview --out $(OUT)/podglad

forms: $(STAMP) ## Regenerate the blank forms in forms/puste/
	@$(BIN)/teczka forms --out $(FORMS)/puste

samples: $(STAMP) ## Regenerate the sample units' forms from tests/data/sample_units
	@$(BIN)/teczka samples --forms $(FORMS)

serve: $(STAMP) system-deps ## Teczka online: serve the teams' and the coordinator's pages on 127.0.0.1:8000
	@$(BIN)/teczka serve --forms $(FORMS) --out $(OUT)

validate: $(STAMP) ## Validate the forms only (no documents)
	@$(BIN)/teczka validate $(FORMS)

# The fast tests run in one more worker than there are cores (pytest-xdist): many of them wait for a
# program (a stand-in LibreOffice that sleeps, a CLI run), so a third worker on two cores took the
# suite from 65 to 58-60 s. The slow ones run one at a time, as they start LibreOffice, Chromium and
# whole builds that use every core themselves.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
FAST_TESTS := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal -m "not slow"
# Compiled modules and pytest's rewritten tests are kept in __pycache__ (git-ignored) even where the
# environment says not to write them: compiling and rewriting them again in every test process cost
# about 10 s of CPU per run of the fast tests.
unexport PYTHONDONTWRITEBYTECODE
test: $(STAMP) system-deps ## Run all tests, the slow end-to-end ones, the template check and the type check
	@$(BIN)/teczka templates check
	@$(BIN)/mypy
	@$(FAST_TESTS)
	@$(BIN)/python -m pytest -q -m slow

test-fast: $(STAMP) ## Run the fast tests only
	@$(FAST_TESTS)

lint: $(STAMP) ## Lint (ruff), type-check (mypy) and look for dead code (vulture)
	@$(BIN)/ruff check pipeline tests bench
	@$(BIN)/mypy
	@$(BIN)/vulture pipeline vulture_whitelist.py --min-confidence 60

bench: $(STAMP) system-deps ## Benchmark against the naive way (see bench/)
	@$(BIN)/python bench/run.py

clean: ## Remove generated output and caches (keeps the virtual environment)
	rm -rf $(OUT)/* .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
