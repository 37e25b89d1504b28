# Everything creates what it needs: a fresh clone needs only Python 3.11+, git and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint lint-types format bench mutate install clean

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

# The tests and benchmarks are type-checked too, leniently: untyped test functions and Optional values a test
# has just asserted are fine there; wrong names, arguments and attributes are not.
MYPY_TESTS := --allow-untyped-defs --allow-incomplete-defs --allow-untyped-calls --allow-untyped-decorators \
	--allow-any-generics --no-warn-return-any --no-warn-unused-ignores --no-strict-optional

lint: $(STAMP) lint-types  ## what CI runs besides the tests (.ci/run), and the pre-commit hooks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-types: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy $(MYPY_TESTS) tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Mutation testing of bot/domain and bot/workflow ([tool.mutmut] in pyproject.toml): each mutant runs the fast
# tests that reach the function it changed. The whole run takes hours on two cores; MUTANTS narrows it to some
# modules, e.g. make mutate MUTANTS='bot.workflow.removal*'. `mutmut results` lists survivors afterwards and
# `mutmut show NAME` shows one.
MUTANTS ?=
mutate: $(STAMP)
	$(BIN)/mutmut run $(MUTANTS)
	$(BIN)/mutmut results

bench: $(STAMP)  ## benchmarks; each prints its figures
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .notebook-bot .pytest_cache .mypy_cache .ruff_cache *.egg-info mutants
