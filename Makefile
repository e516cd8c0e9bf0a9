# The two commands of the README: `make run` (main job) and `make test`. Each does its own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test bench proto clean fuzz fuzz-setup

# `make fuzz FUZZ_SECONDS=N [FUZZ_TARGETS="lds_sod verify_sod"] [FUZZ_RUNS=1000000]`: each target N seconds
# (or until FUZZ_RUNS inputs), coverage-guided with atheris, at the lowest CPU priority.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_RUNS ?=
FUZZ_STAMP := $(VENV)/.installed-fuzz

setup: $(STAMP)

$(STAMP): pyproject.toml setup.py scripts/setup-system.sh
	bash scripts/setup-system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(STAMP)

run: setup
	bash scripts/demo_api.sh

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/mrz_bench.py
	$(BIN)/python benchmarks/chip_bench.py
	$(BIN)/python benchmarks/api_bench.py
	nice -n 15 $(BIN)/python benchmarks/ocr_bench.py --peer-every 10
	$(BIN)/python benchmarks/speech_bench.py
	$(BIN)/python benchmarks/line_reader_bench.py
	$(BIN)/python benchmarks/desk_bench.py
	$(BIN)/python benchmarks/camera_bench.py
	$(BIN)/python benchmarks/optical_margins.py

proto: setup
	$(BIN)/python -m gateway.api.codegen

fuzz-setup: $(FUZZ_STAMP)

$(FUZZ_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,bench,fuzz]'
	touch $(FUZZ_STAMP)

fuzz: fuzz-setup
	nice -n 19 $(BIN)/python -m fuzz.run --seconds $(FUZZ_SECONDS) $(if $(FUZZ_RUNS),--runs $(FUZZ_RUNS)) $(FUZZ_TARGETS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache gateway/_proto
