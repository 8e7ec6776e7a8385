# Pilot Coach: every target creates .venv itself; `make test` is what CI runs.
# Installs come from the lock files (exact versions, with hashes); pyproject.toml keeps the
# floors. `make lock` refreshes both lock files from pyproject.toml (with uv, from PyPI).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --quiet

CONTRACT := tests/contract
CONTRACT_STAMP := $(CONTRACT)/node_modules/.installed-lock

.PHONY: demo test check lint typecheck install dev lock clean contract-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(STAMP): pyproject.toml $(DEV_LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(UV_COMPILE) --upgrade -o $(LOCK)
	$(UV_COMPILE) --upgrade --extra dev -o $(DEV_LOCK)

install: $(VENV)/.installed
dev: $(STAMP)

demo: $(VENV)/.installed
	$(BIN)/pilot-coach demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck

# The contract test's npm packages (@slack/types, typescript, adaptivecards) from the lock file;
# without node/npm the contract test skips itself and says why.
contract-deps:
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "contract-deps: node/npm not found: the @slack/types and adaptivecards checks will be skipped"; \
	elif [ -f $(CONTRACT_STAMP) ] && cmp -s $(CONTRACT_STAMP) $(CONTRACT)/package-lock.json; then \
		:; \
	else \
		cd $(CONTRACT) && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-lock; \
	fi

test: check contract-deps
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) demo-out pilot-coach.db .pytest_cache .mypy_cache .ruff_cache \
		$(CONTRACT)/node_modules $(CONTRACT)/build
