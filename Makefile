# medisup — `make demo` and `make test` set everything up on a fresh machine.
# Dependencies install through requirements.lock (exact versions the suite passes with);
# `make lock` refreshes it from the ranges in pyproject.toml.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)

.PHONY: install demo test test-sqlite test-pg lint bench importtime lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

demo: install
	@bash scripts/demo.sh

# The whole suite on SQLite and on a throwaway local PostgreSQL, side by side.
test: install
	@bash scripts/test.sh

test-sqlite: install
	$(BIN)/python -m pytest

test-pg: install
	@bash scripts/test.sh --pg-only

lint: install
	$(BIN)/ruff check medisup tests migrations bench

bench: install
	$(BIN)/python bench/run.py

importtime: install
	$(BIN)/python -X importtime -c "import medisup.cli" 2>&1 | sort -t'|' -k2 -n | tail -25

lock:
	@bash scripts/lock.sh

clean:
	rm -rf $(VENV) .pytest_cache build dist demo-output
