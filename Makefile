# Two entry points: `make run` (the main job) and `make test` (the test suite).
# Both install from requirements.lock: the exact versions (with their hashes) the suite passed
# with, for Python 3.11 on Linux x86_64. `make lock` refreshes it; `make test-latest` runs the
# suite against today's newest releases in a separate venv, so drift shows before users see it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= out
LOCK := requirements.lock
LATEST := .venv-latest
TOOLS := .venv-tools
UV_VERSION := 0.13.9
# Test processes (pytest-xdist): each file's tests stay in one process, so its compiled kernels are
# built once; two processes keep this 2-core machine busy while one compiles a kernel.
TEST_WORKERS ?= 2
PYTEST := python -m pytest -n $(TEST_WORKERS) --dist loadfile

.PHONY: install run test test-latest lock validation docs clean

$(BIN)/iosim: pyproject.toml $(LOCK) requirements-build.txt
	@$(PYTHON) -c 'import sys, platform; ok = sys.version_info[:2] == (3, 11) and platform.machine() == "x86_64"; \
	ok or print("warning: $(LOCK) is locked for Python 3.11 on Linux x86_64; this is", platform.python_version(), \
	platform.machine(), "- if the install fails, run with PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(BIN)/iosim

install: $(BIN)/iosim

# Re-resolve every dependency of .[dev] (and the build backend) to its newest release, with
# hashes. Then run `make test` and commit requirements.lock only if it passes.
lock:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	$(TOOLS)/bin/uv pip compile pyproject.toml requirements-build.txt --extra dev --upgrade --generate-hashes --quiet \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 -o $(LOCK)

# The suite against the newest releases of everything (not the lock), in its own venv.
test-latest:
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e ".[dev]"
	$(LATEST)/bin/python -m pip freeze --exclude-editable > $(LATEST)/tested-versions.txt
	@echo "testing against: $$(tr '\n' ' ' < $(LATEST)/tested-versions.txt)"
	$(LATEST)/bin/ruff check src tests
	$(LATEST)/bin/mypy src/iosim
	$(LATEST)/bin/$(PYTEST)

# The main job: the CheckMate 067 virtual trial (melanoma: nivolumab vs ipilimumab vs both),
# 2,000 patients per arm, into the embedded DuckDB store, with the HTML report.
run: install
	mkdir -p $(OUT)
	rm -rf $(OUT)/checkmate067
	$(BIN)/iosim trial examples/checkmate067.yaml --out $(OUT)/checkmate067
	@echo "open $(OUT)/checkmate067/report.html"

# Every calibration-registry entry simulated and compared: docs/validation.md, .csv and the plot.
# 2,000 patients per arm: the size the OAK lesion targets were set for (docs/virtual-populations.md).
validation: install
	$(BIN)/iosim validate --patients 2000 --out docs

# Lint, type check (mypy, configured in pyproject.toml), then the suite.
test: install
	$(BIN)/ruff check src tests
	$(BIN)/mypy src/iosim
	$(BIN)/$(PYTEST)

docs: install
	$(BIN)/python -m iosim.models._docs docs/models

clean:
	rm -rf $(VENV) $(LATEST) $(TOOLS) $(OUT) .pytest_cache
