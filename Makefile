# The project's commands. `make test` is what CI runs; it installs everything it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
CHECKOV_VERSION := 3.3.30

.PHONY: venv checkov test clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# checkov pins its own dependencies, which clash with the program's: it gets its own virtualenv.
checkov: $(TOOLS)/checkov/.installed-$(CHECKOV_VERSION)

$(TOOLS)/checkov/.installed-$(CHECKOV_VERSION):
	rm -rf $(TOOLS)/checkov
	$(PYTHON) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

# Lint, then unit, component and security tests. The Pod Security evaluator (Go) builds on first use.
test: venv checkov
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache rendered
