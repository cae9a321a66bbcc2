# Quick start: `make demo` (runs everything on the embedded broker), `make test` (the suite).
# The virtual environment is created and installed on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck schemas dashboards unit integration clean bench-extract bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,data]'
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
	$(BIN)/ruff check services tests scripts bench
	$(BIN)/ruff format --check services tests scripts bench

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

# Throughput, publish→counter latency, RSS and replay of the whole pipeline next to a plain
# aiokafka loop, with a py-spy profile (bench/run.py; results in bench-results/, ~8 min).
# More: make bench BENCH_ARGS='--count 2000 --replay-count 100000'.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'py-spy==0.4.3' \
		|| echo 'py-spy not installed: no profile'
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
