# The project's commands. `make test` is what CI runs; it installs everything it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
CHECKOV_VERSION := 3.3.30

# The real engine, from `make tools` (or a `pulumi` already on PATH), on the local stack: a file
# backend inside the project and a passphrase meant for this stack only (see Pulumi.local.yaml).
PULUMI_ENV := PATH="$(CURDIR)/$(TOOLS)/bin:$(CURDIR)/$(VENV)/bin:$$PATH" \
	PULUMI_HOME="$(CURDIR)/$(TOOLS)/pulumi-home" \
	PULUMI_BACKEND_URL="file://$(CURDIR)/.pulumi-state" \
	PULUMI_CONFIG_PASSPHRASE="archon-local-only" \
	PULUMI_SKIP_UPDATE_CHECK=true \
	PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

.PHONY: venv checkov tools demo test bench clean

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

# The Pulumi CLI, Python language host and Kubernetes provider, built from Go modules into
# .tools/bin (cached; a matching `pulumi` on PATH is used instead of building the CLI).
tools:
	tools/build-pulumi.sh --use-system

# The quick start's main job: render the whole stack with the real engine, show the outputs.
demo: venv tools
	mkdir -p .pulumi-state
	$(PULUMI_ENV) pulumi stack select --create --secrets-provider passphrase local
	$(PULUMI_ENV) pulumi up --yes --stack local
	@echo; echo "Manifests rendered into rendered/local/:"; ls rendered/local/*/
	@echo; $(PULUMI_ENV) pulumi stack output --stack local
	@echo; echo "MCP client configuration:"; $(PULUMI_ENV) pulumi stack output --stack local mcpClientConfig
	@echo; $(PULUMI_ENV) pulumi preview --expect-no-changes --stack local >/dev/null && echo "Run again: no changes."

# Lint, then unit, component and security tests. The Pod Security evaluator (Go) builds on first use.
test: venv checkov tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

# Benchmarks (not tests): mock evaluation and engine preview against their baselines.
bench: venv tools
	$(PY) bench/bench.py

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache rendered .pulumi-state
