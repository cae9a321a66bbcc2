# Quick start: `make demo` (runs everything on the embedded broker), `make test` (the suite).
# The virtual environment is created and installed on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck schemas dashboards unit integration clean bench-extract

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/lagebild demo

test: $(STAMP) lint typecheck
	$(BIN)/lagebild schemas --check
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration

lint: $(STAMP)
	$(BIN)/ruff check services tests scripts
	$(BIN)/ruff format --check services tests scripts

typecheck: $(STAMP)
	$(BIN)/mypy

schemas: $(STAMP)
	$(BIN)/lagebild schemas

# Grafana dashboards (and the region gazetteer) from services/lagebild/dashboards.
dashboards: $(STAMP)
	$(BIN)/python -m lagebild.dashboards

# Single-core extraction throughput on a fixed-seed corpus (articles/s, MB/s, per stage).
bench-extract: $(STAMP)
	$(BIN)/python scripts/bench_extract.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
