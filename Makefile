# The two set-up commands on a fresh machine (see README.md):
#   make demo   runs the main job: `pulumi up` of the sandbox stack against the local sandbox
#   make test   installs everything (venv, the Pulumi engine, actionlint) and runs every check
#
# Python: any supported CPython (requires-python in pyproject.toml). scripts/ensure-venv
# picks one, or takes PYTHON (make unit PYTHON=python3.13), and rebuilds .venv from the
# lock, requirements.txt, whenever the lock, pyproject.toml or the interpreter changes.
VENV := .venv
BIN := $(VENV)/bin
# pytest-xdist workers of `make suite` and `make portable` (WORKERS=0: one process). The
# end-to-end tests spend their time in the engine's processes, each of which keeps a core
# busy only part of the time. Measured on 2 cores (whole suite, warm): 3 workers 207 s,
# 4 178-182 s, 5 172 s, 6 210 s (before the fault suite's stricter checks). Tests go out
# in collection order with two queued per worker (load, --maxschedchunk 1: the fewest
# xdist allows), the slow ones first (tests/conftest.py); worksteal's first split gave
# every end-to-end test to one worker (258 s with 4 workers).
WORKERS ?= 4
XDIST = -n $(WORKERS) --dist load --maxschedchunk 1

.PHONY: demo test lint suite unit portable lock engine venv

venv:
	@PYTHON='$(PYTHON)' scripts/ensure-venv

# Builds the CLI with Go on first use (minutes), then answers from its cache (seconds).
engine:
	@scripts/ensure-pulumi >/dev/null

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy mlpp_monitoring mlpp_sandbox
	"$$(scripts/ensure-actionlint | tail -n 1)" .github/workflows/*.yml

# The engine build (minutes on a new machine, Go on every core) and the venv (downloads)
# go on side by side; then the linters, then the suite.
test:
	@$(MAKE) --no-print-directory -j2 engine venv
	@$(MAKE) --no-print-directory lint suite

# Every test, without the linters (CI runs `make lint` and this as two steps).
suite: venv engine
	$(BIN)/pytest $(XDIST)

# Fast loop while coding: no engine, no end-to-end tests.
unit: venv
	$(BIN)/pytest tests/unit

# The suites that need no engine, which CI also runs on every other supported Python:
#   make portable PYTHON=python3.13
portable: venv
	$(BIN)/pytest $(XDIST) tests/unit tests/providers tests/sandbox

# Re-resolves requirements.txt from requirements.in and pyproject.toml (keeping every pin
# that still fits; ARGS=--upgrade moves them all), then checks wheels exist for every
# supported Python and platform.
lock: venv
	scripts/lock $(ARGS)

demo: venv engine
	$(BIN)/mlpp-monitoring demo
