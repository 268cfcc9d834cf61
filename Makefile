# Two entry points: `make run` (the main job) and `make test` (the test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: install run test lint docs clean

$(BIN)/iosim: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(BIN)/iosim

install: $(BIN)/iosim

run: install
	mkdir -p $(OUT)
	$(BIN)/iosim models
	$(BIN)/iosim equilibria kuznetsov1994
	$(BIN)/iosim simulate kuznetsov1994 --days 365 --init T=5e7 --out $(OUT)/kuznetsov1994.csv --plot $(OUT)/kuznetsov1994.png
	@echo "wrote $(OUT)/kuznetsov1994.csv and $(OUT)/kuznetsov1994.png"

test: install
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest

docs: install
	$(BIN)/python -m iosim.model.docs docs/models

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
