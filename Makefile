# hwcloud.apig — `make demo` shows it working, `make test` proves it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/.collections
LINK := $(COLLECTIONS)/ansible_collections/hwcloud/apig

# The collection is importable (pytest) and loadable (ansible) from the checkout through a symlink tree.
export PYTHONPATH := $(COLLECTIONS):$(CURDIR)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
# Interpreter discovery can pick a pyenv shim that exits 127: name the interpreter.
export ANSIBLE_PYTHON_INTERPRETER := $(BIN)/python
export PATH := $(BIN):$(PATH)

.PHONY: help venv test unit integration sanity build-check lint changelog-lint demo bench clean

help:
	@echo "make demo   - start the APIG emulator and loopback backends, run the examples, clean up"
	@echo "make test   - every test: unit, integration playbooks, ansible-test sanity, build + ansible-doc"
	@echo "make bench  - the benchmarks, printing ratios"

venv: $(VENV)/.installed $(LINK)

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn ../../.. $(LINK)

test: venv unit integration sanity build-check lint changelog-lint
	@echo "make test: all suites passed"

unit: venv
	$(BIN)/pytest tests/unit -q -p no:cacheprovider -n 2

integration: venv
	$(BIN)/pytest tests/integration -q -p no:cacheprovider -n 2

sanity: venv
	.ci/ansible-test.sh $(BIN)/ansible-test sanity --venv --python 3.11 --requirements

build-check: venv
	.ci/build-check.sh

lint: venv
	$(BIN)/ansible-lint --profile production --offline

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

demo: venv
	$(BIN)/python -m examples.demo

bench: venv
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(COLLECTIONS) build tests/output *.tar.gz
