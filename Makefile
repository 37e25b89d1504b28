# Everything creates what it needs: a fresh clone needs only Python 3.11+, git and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## the whole flow offline on the embedded defaults
	$(BIN)/notebook-bot demo

test: $(STAMP)  ## the whole test suite (starts the Firestore emulator itself)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check bot renderers tests benchmarks
	$(BIN)/ruff format --check bot renderers
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format bot renderers tests benchmarks
	$(BIN)/ruff check --fix bot renderers tests benchmarks

bench: $(STAMP)  ## benchmarks; each prints its figures
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .notebook-bot .pytest_cache .mypy_cache .ruff_cache *.egg-info
