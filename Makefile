# `make run` and `make test` are the README's two commands; both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint format bench screenshots clean system system-run
# Debian packages. To run: Graphviz for path diagrams, Pango/HarfBuzz for WeasyPrint's PDF (the admin's report).
# To test, also: poppler to check PDFs, Chromium for the browser tests, PostgreSQL for the storage tests (servers
# the tests start on 127.0.0.1), and LaTeX (booktabs, longtable) to compile the report's tables.
RUN_PACKAGES := graphviz libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
TEST_PACKAGES := $(RUN_PACKAGES) poppler-utils chromium postgresql
LATEX_PACKAGES := texlive-latex-base texlive-latex-recommended
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -q
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

$(BIN)/socialimp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/socialimp system-run
	$(BIN)/socialimp serve

demo: $(BIN)/socialimp
	$(BIN)/socialimp demo --n 500 --seed 1 --out out/demo

system-run:
	@dpkg -s $(RUN_PACKAGES) >/dev/null 2>&1 || ($(SUDO) apt-get update -q && $(SUDO) $(APT_INSTALL) $(RUN_PACKAGES))

system:
	@dpkg -s $(TEST_PACKAGES) $(LATEX_PACKAGES) >/dev/null 2>&1 || ($(SUDO) apt-get update -q && \
		$(SUDO) $(APT_INSTALL) $(TEST_PACKAGES) && $(SUDO) $(APT_INSTALL) --no-install-recommends $(LATEX_PACKAGES))

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
	$(BIN)/python bench/bench_models.py
	$(BIN)/python bench/bench_bootstrap.py
	$(BIN)/python bench/bench_pls.py
	$(BIN)/python bench/bench_report.py
	$(BIN)/python bench/bench_survey.py

screenshots: $(BIN)/socialimp system
	$(BIN)/python -m reports.screenshots docs

clean:
	rm -rf $(VENV) out build *.egg-info
