# `make run` and `make test` are the README's two commands; both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format bench clean

$(BIN)/socialimp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/socialimp
	$(BIN)/socialimp demo --n 500 --seed 1 --out out/demo

test: $(BIN)/socialimp lint
	$(BIN)/python -m pytest -m "" -q

lint: $(BIN)/socialimp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/socialimp
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(BIN)/socialimp
	$(BIN)/python bench/bench_simulate.py
	$(BIN)/python bench/bench_fit.py
	$(BIN)/python bench/bench_bootstrap.py

clean:
	rm -rf $(VENV) out build *.egg-info
