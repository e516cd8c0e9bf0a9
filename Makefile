# The two commands of the README: `make run` (main job) and `make test`. Each does its own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup-system.sh
	bash scripts/setup-system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(STAMP)

run: setup
	bash scripts/demo.sh

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/mrz_bench.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
