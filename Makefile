# The two set-up commands on a fresh machine (see README.md):
#   make demo   runs the main job: `pulumi up` of the sandbox stack against the local sandbox
#   make test   installs everything (venv, the Pulumi engine, actionlint) and runs every check
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint unit engine

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# Builds the CLI with Go on first use (minutes), then answers from its cache (seconds).
engine:
	@scripts/ensure-pulumi >/dev/null

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy mlpp_monitoring
	"$$(scripts/ensure-actionlint | tail -n 1)" .github/workflows/*.yml

test: $(INSTALLED) engine lint
	$(BIN)/pytest

# Fast loop while coding: no engine, no end-to-end tests.
unit: $(INSTALLED)
	$(BIN)/pytest tests/unit

demo: $(INSTALLED) engine
	$(BIN)/mlpp-monitoring demo
