# Two entry points for a fresh clone: `make demo` (the course demo) and `make test` (every test).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHELL := /bin/bash
# pip's output reduced to progress: a line every 20 packages resolved, the count installed, every error
# (and warnings, except the "Location ... is ignored" notes of machine-wide pip settings)
PIP_FILTER := awk '/^Collecting/ {n++; if (n % 20 == 0) {print "   " n " packages resolved..."; fflush()}} \
	/^Successfully installed/ {print "   installed " NF - 2 " packages"} \
	/ERROR|[Ee]rror:/ || (/^WARNING/ && !/Location .* is ignored/) {print; fflush()}'

.PHONY: demo test setup browser sandbox clean bench

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11"; exit 1; }
	@echo "== setup 1/3: creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "== setup 2/3: upgrading pip"
	@set -o pipefail; $(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | $(PIP_FILTER)
	@echo "== setup 3/3: installing lrcourse with torch, nbgrader, JupyterLab, Jupyter Book and the test tools"
	@echo "   (about 2 minutes on a fresh machine; progress every 20 packages)"
	@set -o pipefail; $(BIN)/python -m pip install --progress-bar off -e ".[dev,torch]" 2>&1 | $(PIP_FILTER)
	@touch $(STAMP)
	@echo "== setup done: $(BIN)/lrcourse (or: source $(VENV)/bin/activate)"

setup: $(STAMP)

browser:
	@bash scripts/ensure-chromium

sandbox:
	@bash scripts/ensure-bwrap

demo: $(STAMP) sandbox
	$(BIN)/lrcourse demo

test: $(STAMP) browser sandbox
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(STAMP) sandbox
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) _build artifacts demo-output
