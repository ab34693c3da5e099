# stepgrad developer tasks. Everything runs inside a repo-local .venv that
# `make` creates and keeps in sync with pyproject.toml.

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python

STAMP       := $(VENV)/.installed
STAMP_REF   := $(VENV)/.installed-ref
STAMP_BENCH := $(VENV)/.installed-bench

# Extra packages for the benchmark against the original micrograd.
BENCH_DEPS := micrograd==0.1.0

.PHONY: venv test test-fast demo notebooks crosscheck browser golden bench lint clean

venv: $(STAMP)

# Create the venv (if missing or broken) and install the project with the dev
# extra. Re-runs whenever pyproject.toml changes. pip is not upgraded: the
# pip bundled with Python >= 3.10 handles editable pyproject installs fine.
$(STAMP): pyproject.toml notebooks/lab-settings/stepgrad.json
	@if ! $(VPY) -m pip --version >/dev/null 2>&1; then \
	  rm -rf $(VENV); \
	  echo "Creating $(VENV) with $(PYTHON)"; \
	  if ! $(PYTHON) -m venv $(VENV); then \
	    rm -rf $(VENV); \
	    echo "" >&2; \
	    echo "error: '$(PYTHON) -m venv' failed; the venv/ensurepip module is missing." >&2; \
	    echo "  On Debian/Ubuntu install it with:  sudo apt-get install python3-venv" >&2; \
	    echo "  (or point PYTHON= at an interpreter that has it, e.g. make PYTHON=python3.11)" >&2; \
	    exit 1; \
	  fi; \
	fi
	$(VPY) -m pip install -q -e '.[dev]'
	@# JupyterLab saves widget state with the notebook (an editable install skips data-files)
	mkdir -p $(VENV)/share/jupyter/lab/settings/overrides.d
	cp notebooks/lab-settings/stepgrad.json $(VENV)/share/jupyter/lab/settings/overrides.d/
	@touch $@

# PyTorch for the cross-check tests (large; only installed when asked for).
$(STAMP_REF): $(STAMP)
	$(VPY) -m pip install -q -e '.[ref]'
	@touch $@

$(STAMP_BENCH): $(STAMP)
	$(VPY) -m pip install -q $(BENCH_DEPS)
	@touch $@

# pytest's exit code goes through untouched: exit 5 (no tests ran) fails too.
# The unit tests and every notebook, executed top to bottom (nbmake).
test: $(STAMP)
	$(VPY) -m pytest -q --nbmake tests notebooks

# The unit tests without the ones marked slow (@pytest.mark.slow: long training runs).
test-fast: $(STAMP)
	$(VPY) -m pytest -q -m "not slow" tests

# Trains a small MLP on the moons data and writes its pictures into stepgrad-out/.
demo: $(STAMP)
	$(VENV)/bin/stepgrad demo

# Rebuild the notebooks from notebooks/src/ and execute them in place (outputs committed).
notebooks: $(STAMP)
	$(VPY) notebooks/build.py
	$(VPY) notebooks/run_all.py

# Torch-marked tests only; STEPGRAD_REQUIRE_TORCH=1 turns "torch missing ->
# skip" into a failure.
crosscheck: $(STAMP_REF)
	STEPGRAD_REQUIRE_TORCH=1 $(VPY) -m pytest -q -m torch

# Recompute the committed PyTorch float64 golden values (tests/golden/*.json).
golden: $(STAMP_REF)
	$(VPY) tests/golden/make_golden.py
	$(VPY) tests/golden/make_nn_golden.py

# The headless-Chromium tests alone (they also run in `make test` when chromium exists).
browser: $(STAMP)
	STEPGRAD_REQUIRE_BROWSER=1 $(VPY) -m pytest -q -m browser

bench: $(STAMP_BENCH)
	$(VPY) bench/run.py $(BENCH_ARGS)

lint: $(STAMP)
	$(VPY) -m ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
