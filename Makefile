# The project's commands. `make demo` is the quick start; `make test` is what CI runs. Both
# install and build everything they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
CHECKOV_VERSION := 3.3.30
# Every pulumi and kubectl command below runs with the project's tools and the local stack's
# backend (see tools/env.sh); recipes that use it are silent, so no passphrase is echoed.
WITH_ENV := . tools/env.sh &&

.PHONY: venv checkov tools cluster-tools cluster cluster-down demo render shell test bench clean

# The program's virtualenv (with the test tools), and the component package's own (package/venv,
# its runtime requirements only: what `pulumi install` creates for it).
venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	test -x package/venv/bin/python || $(PYTHON) -m venv package/venv
	package/venv/bin/python -m pip install --quiet -r package/requirements.txt
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
	@tools/build.sh --use-system engine kubernetes

# etcd, the Kubernetes control plane, kubectl and kwok, built from Go modules (cached).
cluster-tools:
	@tools/build.sh cluster

# The local cluster on 127.0.0.1 (kubeconfig: .tools/cluster/kubeconfig, context archon-local).
cluster: venv cluster-tools
	@$(PY) -m localcluster up

cluster-down: venv
	@$(PY) -m localcluster down

# The quick start's main job: the `local` stack deployed to the local cluster by `pulumi up`.
demo: venv tools cluster
	@$(WITH_ENV) tools/demo.sh

# Manifests without a cluster, for GitOps: the `local` stack rendered into rendered/local/ by the
# provider's render mode, pointing the pods at a Secret you create (render mode would write
# Secret values in plain text). Its stack file is a copy of Pulumi.local.yaml (ignored).
render: venv tools
	@cp Pulumi.local.yaml Pulumi.local-render.yaml
	@$(WITH_ENV) pulumi stack select --create --secrets-provider passphrase local-render >/dev/null && \
	  pulumi config set --plaintext --stack local-render archon:renderYamlToDirectory rendered/local && \
	  pulumi config set --plaintext --stack local-render archon:existingSecret archon-local-credentials && \
	  pulumi up --yes --skip-preview --stack local-render
	@echo; echo "Manifests in rendered/local/:"; ls rendered/local/*/

# A shell with the project's pulumi and kubectl on PATH, and the local cluster's kubeconfig.
shell:
	@$(WITH_ENV) exec $${SHELL:-bash}

# Lint, then every test: unit, component, security, the real engine and the local cluster
# (which the tests start and stop themselves).
test: venv checkov tools cluster-tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

# Benchmarks (not tests): mock evaluation, engine preview, and deploy, no-op and destroy on the
# local cluster, each against its baseline.
bench: venv tools cluster-tools
	$(PY) bench/bench.py

clean: cluster-down
	rm -rf $(VENV) package/venv $(TOOLS) .pytest_cache rendered .pulumi-state Pulumi.local-render.yaml
