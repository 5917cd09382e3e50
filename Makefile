# rwa-token: `make demo` runs a complete issuance on a local chain; `make test` runs every test.
# Both install what they need (npm packages, the venv) on first use; nothing else must be present but
# python3 (3.10+), node/npm and make.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NPM_STAMP := node_modules/.rwa-installed
VENV_STAMP := $(VENV)/.rwa-installed
FORGE := node_modules/@foundry-rs/forge-linux-amd64/bin/forge

.PHONY: setup postgres-server browser demo test test-python test-ganache test-solidity conformance compile codes lint brownie-test bench coverage clean

setup: $(NPM_STAMP) $(VENV_STAMP)

$(NPM_STAMP): package.json
	npm install --no-audit --no-fund --no-package-lock --loglevel=error
	@touch $@

$(VENV_STAMP): requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

## PostgreSQL's server binaries for the tests of the PostgreSQL event index (tests/conftest.py `postgres_url` starts
## a throwaway server from them): installed from the distribution when missing and we are root, as on a fresh CI
## machine; otherwise those tests fail saying what to install.
postgres-server:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
		else echo "PostgreSQL's server is missing: apt-get install postgresql (as root)" >&2; fi; }

## Debian's Chromium and its driver for the web console's browser tests (tests/test_web_console.py drives them through
## /usr/bin/chromedriver; Selenium never downloads a browser or driver): installed when missing and we are root, as
## on a fresh CI machine; otherwise those tests fail saying what to install.
browser:
	@test -x /usr/bin/chromedriver || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
		else echo "Chromium's driver is missing: apt-get install chromium chromium-driver (as root)" >&2; fi; }

## Regenerate the reason-code Solidity library and docs from rwa_token/data/reason_codes.json.
codes: $(VENV_STAMP)
	$(PY) tools/gen_reason_codes.py

## Recompile contracts/ into the artifacts shipped in rwa_token/artifacts/ (commit them).
compile: setup
	$(PY) tools/gen_reason_codes.py
	$(PY) -m rwa_token.primitives.compiler

demo: setup
	$(VENV)/bin/rwa demo

test: setup test-python test-ganache test-solidity conformance

test-python: setup postgres-server browser
	$(PY) -m pytest -q

## The Ganache lane: the README quick starts, onboarding, refused transfers, a distribution, a waterfall period and
## the reports on Ganache 7.9 (shanghai, the contracts' shanghai build); the lane is GANACHE_LANE in tests/conftest.py.
test-ganache: setup
	$(PY) -m pytest -q --engine ganache -m ganache_lane

test-solidity: $(NPM_STAMP)
	$(FORGE) test --summary

bench: setup
	$(PY) bench/gas.py

## Line and branch coverage of the contracts by the Solidity tests (the SDK's anvil tests are not counted).
## The tests deploy forge's own build here instead of rwa_token/artifacts: coverage maps only that to the sources.
coverage: $(NPM_STAMP)
	RWA_FORGE_OWN_BYTECODE=true $(FORGE) coverage --report summary

## Standards conformance (docs/conformance.md): our ABIs against T-REX 4.1.6's and ERC-7943's, ERC-165 ids, and
## slither-check-erc (ERC20, ERC165, ERC2612) in the Slither venv; fails on a MISSING/MISMATCH row or a stale doc.
conformance: $(NPM_STAMP) $(VENV_STAMP)
	@test -x .venv-slither/bin/slither || ($(PYTHON) -m venv .venv-slither && .venv-slither/bin/pip install --quiet slither-analyzer==0.11.6)
	$(PY) tools/conformance.py --check

## Slither in its own venv (it needs web3<8); fails on any high or medium finding.
lint: $(NPM_STAMP)
	@test -x .venv-slither/bin/slither || ($(PYTHON) -m venv .venv-slither && .venv-slither/bin/pip install --quiet slither-analyzer==0.11.6)
	tools/slither.sh

## Brownie in its own venv, so its pytest plugin never touches the SDK's test run.
brownie-test: $(NPM_STAMP)
	@test -x .venv-brownie/bin/brownie || ($(PYTHON) -m venv .venv-brownie && .venv-brownie/bin/pip install --quiet eth-brownie==1.22.2)
	mkdir -p build/solcx && ln -sf $(CURDIR)/tools/solc build/solcx/solc-v0.8.30
	PATH=$(CURDIR)/node_modules/@foundry-rs/anvil-linux-amd64/bin:$$PATH SOLCX_BINARY_PATH=$(CURDIR)/build/solcx \
		.venv-brownie/bin/brownie test brownie_tests
	PATH=$(CURDIR)/node_modules/@foundry-rs/anvil-linux-amd64/bin:$$PATH SOLCX_BINARY_PATH=$(CURDIR)/build/solcx \
		RWA_STATE_DIR=$$(mktemp -d) .venv-brownie/bin/brownie run scripts/issue_example.py

clean:
	rm -rf build .pytest_cache
