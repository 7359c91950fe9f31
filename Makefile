# CSE Desktop — the two commands a new clone needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

LOCK   := requirements/dev.lock
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: run test lint bench soak install clean installer installer-test lock

# Everything the app and its tests need: system libraries, a virtualenv, and exactly the
# packages of the hash-pinned lock (the app's, the development tools', pip's and the build
# backend's: any file whose SHA-256 is not in the lock is refused), then the package itself
# (editable, no dependencies of its own). Re-runs when pyproject.toml or the lock changes.
$(STAMP): pyproject.toml $(LOCK) tools/ensure-system-deps.sh
	bash tools/ensure-system-deps.sh test
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes -r $(LOCK)
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

## make run: start the desktop app on your own encrypted workspace (or the fictional demo)
run: $(STAMP)
	bash tools/ensure-system-deps.sh gui
	$(BIN)/cse-desktop

## make lint: ruff, the import-linter layer contracts (ARCHITECTURE.md) and the type checker
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# the processes `make test` runs the tests in: one more than the cores, at most 4
PARALLEL := -n $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 3 ] && n=3; echo $$((n + 1))) \
	--dist loadfile

## make test: install everything, lint, every test (the fast ones and those marked slow; the hub
## tests start a throwaway PostgreSQL server, so the system check runs every time, not only with
## the stamp), then the frozen build's self-test. The tests run in several processes
## (pytest-xdist; a test file stays in one process, with its fixtures): one more than the cores,
## up to 4, as the suite waits on Qt, subprocesses and servers as much as it computes
test: lint
	bash tools/ensure-system-deps.sh test
	$(BIN)/pytest -q -m "slow or not slow" $(PARALLEL)
	$(MAKE) installer-test
## make installer: the one-folder desktop build for this machine from the locked packages
## (Linux: a tarball in dist/, with its CycloneDX SBOM and SHA256SUMS; see README "Security")
installer: $(STAMP)
	$(BIN)/python installer/build.py

## make installer-test: build it, check its packages against installer/bundle-allowlist.txt
## and the lock, then run the frozen app's --version and --self-test
installer-test: $(STAMP)
	$(BIN)/python installer/build.py --test

## make lock: re-pin requirements/dev.lock (runtime + dev + build, for every platform, with
## hashes) and requirements/runtime.lock (the app and the hub alone) after pyproject.toml
## changes; versions already pinned stay unless pyproject.toml rules them out. Needs PyPI.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml requirements/build.in --extra dev $(LOCKFLAGS) \
		-o $(LOCK)
	$(BIN)/uv pip compile pyproject.toml -c $(LOCK) $(LOCKFLAGS) -o requirements/runtime.lock
LOCKFLAGS := --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command 'make lock'

## make bench: the store, sync, reports and desktop benchmarks on the reference sizes (DESIGN.md
## section 7; the desktop's budgets are issue 14's)
bench: $(STAMP)
	$(BIN)/python bench/bench_store.py
	$(BIN)/python bench/bench_sync.py
	$(BIN)/python bench/bench_reports.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/bench_desktop.py

## make soak: the long reliability runs (2,000 kill -9 cycles of a writer)
soak: $(STAMP)
	CSE_CRASH_CYCLES=2000 $(BIN)/pytest -q -m slow --timeout=0 tests/store/test_crash.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache test-artifacts
