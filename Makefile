# `make run` and `make test` are the README's two commands; both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format bench clean system
# Debian packages the reports need: Graphviz for path diagrams, Pango/HarfBuzz for WeasyPrint's PDF, poppler for tests.
APT_PACKAGES := graphviz poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

$(BIN)/socialimp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/socialimp
	$(BIN)/socialimp demo --n 500 --seed 1 --out out/demo

system:
	@dpkg -s $(APT_PACKAGES) >/dev/null 2>&1 || \
		($(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $(APT_PACKAGES))

test: $(BIN)/socialimp system lint
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
	$(BIN)/python bench/bench_report.py

clean:
	rm -rf $(VENV) out build *.egg-info
