# hwcloud.apig — `make demo` shows it working, `make test` proves it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/.collections
LINK := $(COLLECTIONS)/ansible_collections/hwcloud/apig
WHEELHOUSE := $(CURDIR)/.cache/wheelhouse

# The collection is importable (pytest) and loadable (ansible) from the checkout through a symlink tree.
export PYTHONPATH := $(COLLECTIONS):$(CURDIR)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
# Interpreter discovery can pick a pyenv shim that exits 127: name the interpreter.
export ANSIBLE_PYTHON_INTERPRETER := $(BIN)/python
export PATH := $(BIN):$(PATH)
# huaweicloudsdkapig 3.0.65-3.0.68 are the only releases with the connectivity check's model; 3.0.68 is installed
# beside the venv (not into it: the two releases share a name) for tests/contract.
SDK_WITH_CHECK := $(VENV)/sdk-apig-3.0.68
export HWCLOUD_APIG_SDK_WITH_CHECK := $(SDK_WITH_CHECK)

# Every gate `make test` runs, in this order: the one list of what CI checks (.ci/run calls `make test`).
# The quality gates install their own pinned tools into .cache/quality/ (requirements-quality-*.txt).
GATES := style unit integration sanity sanity-oldest sanity-newest build-check lint changelog-lint docs-lint role-doc \
	galaxy-importer ee-check ee

.PHONY: help venv test $(GATES) sanity-matrix mutation demo bench clean

help:
	@echo "make demo   - start the APIG emulator and loopback backends, run the examples, clean up"
	@echo "make test   - every test: unit, integration playbooks, ansible-test sanity, build + ansible-doc, EE image"
	@echo "make ee     - build the execution environment image (podman) and run the gate in it"
	@echo "make bench  - the benchmarks, printing ratios"
	@echo "make mutation - mutation testing of module_utils and plugin_utils with cosmic-ray (over an hour; not part of make test)"

venv: $(VENV)/.installed $(LINK) $(WHEELHOUSE)/.downloaded

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --upgrade --target $(SDK_WITH_CHECK) \
		huaweicloudsdkapig==3.0.68
	touch $@

# The quickstart test installs ansible-core and requests as a new user does, but from these wheels only: a test never
# reaches a package index (loopback only). They are downloaded here, with the dev venv, at the versions it holds.
$(WHEELHOUSE)/.downloaded: $(VENV)/.installed
	mkdir -p $(WHEELHOUSE)
	$(BIN)/python -m pip freeze --exclude-editable | grep '==' > $(WHEELHOUSE)/constraints.txt
	$(BIN)/python -m pip download --quiet --disable-pip-version-check --only-binary :all: --dest $(WHEELHOUSE) \
		--constraint $(WHEELHOUSE)/constraints.txt ansible-core requests
	touch $@

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn ../../.. $(LINK)

test: venv
	.ci/gates.sh $(GATES)

# One house style (ruff.toml): formatted, and clean of lint findings.
style: venv
	$(BIN)/ruff format --check --diff .
	$(BIN)/ruff check .

unit: venv
	$(BIN)/pytest tests/unit tests/contract -q -p no:cacheprovider -n 2

integration: venv
	$(BIN)/pytest tests/integration tests/property -q -p no:cacheprovider -n 2

sanity: venv
	.ci/ansible-test.sh $(BIN)/ansible-test sanity --venv --python 3.11 --requirements

build-check: venv
	.ci/build-check.sh

# ansible-core 2.16 on Python 3.11 (the oldest this collection supports) and 2.21 on Python 3.12 (the newest).
sanity-oldest: venv
	.ci/quality/sanity.sh 2.16

sanity-newest: venv
	.ci/quality/sanity.sh 2.21

sanity-matrix: sanity sanity-oldest sanity-newest
	for v in 2.17 2.18 2.20; do .ci/quality/sanity.sh $$v || exit 1; done

lint: venv
	.ci/quality/ansible-lint.sh

changelog-lint: venv
	.ci/quality/changelog-lint.sh

docs-lint: venv
	.ci/quality/docs-lint.sh

role-doc: venv
	.ci/quality/role-doc.sh

galaxy-importer: venv
	.ci/quality/galaxy-importer.sh

ee-check: venv
	.ci/quality/ee-check.sh

# Build the execution environment image with ansible-builder and podman and run the gate in it (podman run and
# ansible-runner); "ee: skipped: <reason>" where podman cannot be used, unless HWCLOUD_APIG_REQUIRE_TOOLS=1.
ee: venv
	.ci/ee/ee.sh

# Not a gate (about an hour, one mutant at a time): docs/quality-gates.md, "Mutation testing".
# MUTATION_ARGS: --fresh, --survivors and/or subjects (auth apig_module retries signer targets, gate_plan gate_records
# gate_decision gate_report, or gate for those four).
mutation: venv
	.ci/quality/mutation.sh $(MUTATION_ARGS)

demo: venv
	$(BIN)/python -m examples.demo

bench: venv
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(COLLECTIONS) build tests/output *.tar.gz .cache
