# ses-tenants — everything a fresh machine needs is installed from this file.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CDK := node_modules/.bin/cdk
LAMBDA_DEPS := build/lambda-deps

# jsii prints a large end-of-life banner for Node 20 on every synth; keep real output readable.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: install demo synth test test-fast lint bench bench-quick clean

install: $(VENV)/.installed $(CDK) $(LAMBDA_DEPS)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(CDK): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The pinned boto3 bundled into the Lambda asset (CDK local bundling copies it; no Docker).
$(LAMBDA_DEPS)/.installed: lambda/requirements.txt $(VENV)/.installed
	rm -rf $(LAMBDA_DEPS)
	$(PY) -m pip install --quiet --target $(LAMBDA_DEPS) -r lambda/requirements.txt
	touch $@

synth: install
	$(CDK) synth --quiet --no-notices

demo: install
	$(PY) scripts/demo.py

lint: install
	$(PY) -m ruff check .

test: install lint
	$(PY) -m pytest -n 2 --timeout 900 -q

test-fast: install
	$(PY) -m pytest -q -m "not slow"

bench: install
	$(PY) -m bench

bench-quick: install
	$(PY) -m bench --quick

clean:
	rm -rf $(VENV) node_modules cdk.out build .demo
