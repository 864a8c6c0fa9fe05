# Two entry points for a fresh clone: `make demo` (the course demo) and `make test` (every test).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup browser sandbox clean bench

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,torch]"
	touch $(STAMP)

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
