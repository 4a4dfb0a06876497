# Two commands on a fresh machine (Python >= 3.11 and gcc): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_DEMO := $(VENV)/.installed-demo
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test lint bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP_DEMO): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(STAMP_DEMO)

demo: $(STAMP_DEMO)
	$(BIN)/mingxing evaluate examples/offices/*.json --lang en
	$(BIN)/mingxing evaluate examples/offices/near-miss-floor-area.json --lang zh

test: $(STAMP_TEST)
	$(BIN)/python -m pytest -q -p no:randomly
	$(MAKE) --no-print-directory lint

lint: $(STAMP_TEST)
	$(BIN)/ruff check mingxing_rules tests benchmarks examples fuzz
	$(BIN)/mypy

bench: $(STAMP_TEST)
	$(BIN)/python benchmarks/bench_evaluate.py
	@if [ -f benchmarks/bench_durable.py ]; then $(BIN)/python benchmarks/bench_durable.py; fi
	@if [ -f benchmarks/bench_memory.py ]; then $(BIN)/python benchmarks/bench_memory.py --count 200000; fi
	$(BIN)/python benchmarks/bench_eligibility.py
	$(BIN)/python benchmarks/bench_views.py
	$(BIN)/python benchmarks/bench_gap.py
	$(BIN)/python benchmarks/bench_batch.py

fuzz: $(STAMP_TEST)
	$(BIN)/python fuzz/run_fuzz.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
