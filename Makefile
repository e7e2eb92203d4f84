# Two commands do all the set-up (README.md): `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint venv bench clean

$(BIN)/monitor: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/monitor

run: venv  ## start the daemon on the shipped config (config/monitor.toml, state under state/)
	$(BIN)/monitor run

test: venv  ## lint, type-check and run the whole test suite
	$(BIN)/ruff check monitor tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

bench: venv  ## quality, polling and delivery benchmarks (print figures; not part of test)
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/poll_bench.py
	$(BIN)/python bench/fault_matrix.py
	$(BIN)/python bench/state_growth.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
