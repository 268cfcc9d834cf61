# Two entry points: `make run` (the main job) and `make test` (the test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: install run test validation docs clean

$(BIN)/iosim: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(BIN)/iosim

install: $(BIN)/iosim

# The main job: the CheckMate 067 virtual trial (melanoma: nivolumab vs ipilimumab vs both),
# 2,000 patients per arm, into the embedded DuckDB store, with the HTML report.
run: install
	mkdir -p $(OUT)
	rm -rf $(OUT)/checkmate067
	$(BIN)/iosim trial examples/checkmate067.yaml --out $(OUT)/checkmate067
	@echo "open $(OUT)/checkmate067/report.html"

# Every calibration-registry entry simulated and compared: docs/validation.md, .csv and the plot.
validation: install
	$(BIN)/iosim validate --patients 1000 --out docs

test: install
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest

docs: install
	$(BIN)/python -m iosim.model.docs docs/models

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
