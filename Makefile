# workforce-sim: `make demo` runs the three-regime comparison, `make test` runs the tests,
# `make check` the quick loop for developers (lint and the tests not marked slow).
# Both find a Python >= 3.12 by themselves and install into .venv.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
OUT     ?= output/compare
PYTEST_ARGS ?=
# tests in two processes (pytest-xdist): the suite is mostly single-process work
PYTEST_WORKERS ?= 2

.PHONY: demo test check lint bench install browser clean

$(STAMP): pyproject.toml
	@set -e; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then \
	  rm -rf $(VENV); PYBIN=$$(sh .ci/find-python); echo "Using $$PYBIN"; $$PYBIN -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --upgrade pip; \
	$(PY) -m pip install --quiet -e '.[test]'; \
	echo "Compiling the model's kernels (once per machine, under a minute)..."; \
	$(PY) -c 'import sim; sim.WorkforceModel(rng=0, warmup_weeks=1).step()'; \
	if command -v npm >/dev/null 2>&1; then \
	  $(VENV)/bin/workforce-sim dashboard --fetch-assets || echo "Dashboard assets not cached (the dashboard needs them offline)."; \
	fi; \
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/workforce-sim compare --out $(OUT)

# A real headless browser for the dashboard test: Debian's chromium, installed when
# missing and we may (root with apt-get). Best effort: without it that test skips.
browser:
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian chromium for the dashboard test..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver >/dev/null) || echo "Could not install chromium; the browser test will skip."; \
	else echo "No chromium and no way to install it; the browser test will skip."; fi

# lint-imports: the package's layers (the contract in pyproject.toml; README, "Project layout")
test: $(STAMP) browser
	$(PY) -m ruff check sim tests benchmarks
	$(PY) -m ruff format --check sim tests benchmarks
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The quick loop: lint, then every test not marked slow (pyproject.toml, [tool.pytest]).
# Under a minute on two cores once the kernels are compiled; `make test` runs them all.
check: $(STAMP)
	$(PY) -m ruff check sim tests benchmarks
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check sim tests benchmarks
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m ruff format --check sim tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/bench_model.py

clean:
	rm -rf $(VENV) output .pytest_cache .ruff_cache
