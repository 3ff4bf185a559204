# lvs.cluster: one entry point for developers and CI.
#   make test      every test tier (lint, sanity, units, matrix, render, molecule, faults, demo)
#   make demo      boot the lab and show the cluster working (as root)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
# The controller's Python: the newest one the locks cover, or PYTHON=/path/to/python3.X.
PYTHON ?= $(shell tools/find-python 3.13 3.12 3.11)
PYVER := $(if $(PYTHON),$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])'))
CONTROLLER_LOCK := requirements/controller-py$(PYVER).lock
COLLECTION_TREE := $(ROOT)/.cache/collections/ansible_collections/lvs/cluster
export ANSIBLE_COLLECTIONS_PATH := $(ROOT)/.cache/collections
# Ansible's home (collections, tmp, molecule's copy of this collection) inside
# the checkout: a collection left in ~/.ansible by another run or clone would
# otherwise shadow this tree for ansible-lint and molecule.
export ANSIBLE_HOME := $(ROOT)/.cache/ansible-home
export PATH := $(VENV)/bin:$(PATH)

.PHONY: help
help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# Every venv holds exactly one lock of requirements/: each package at an exact
# version, checked against its hashes, wheels only, so nothing released upstream
# after a commit changes what that commit installs (tools/make-venv). `make lock`
# moves the locks.
$(VENV)/.installed-$(notdir $(CONTROLLER_LOCK)):
	@test -n "$(PYTHON)" || { echo "error: no Python 3.11, 3.12 or 3.13 found (Debian 12's python3" \
	  "is 3.11); or set PYTHON=/path/to/python3.X" >&2; exit 1; }
	@tools/make-venv $(VENV) $(PYTHON) $(CONTROLLER_LOCK)
$(VENV)/.installed-$(notdir $(CONTROLLER_LOCK)): $(wildcard $(CONTROLLER_LOCK))

.PHONY: venv
venv: $(VENV)/.installed-$(notdir $(CONTROLLER_LOCK)) ## create .venv from the toolchain's lock for this Python

LOCK_VENV := $(ROOT)/.venv-lock
LOCK_TOOL := requirements/lock-tool-py$(PYVER).lock
$(LOCK_VENV)/.installed-$(notdir $(LOCK_TOOL)): $(LOCK_TOOL)
	@tools/make-venv $(LOCK_VENV) $(PYTHON) $(LOCK_TOOL)

.PHONY: lock
lock: $(LOCK_VENV)/.installed-$(notdir $(LOCK_TOOL)) ## recompile requirements/*.lock from the .in files: the newest versions they allow, with hashes
	tools/lock-requirements $(LOCK_VENV)/bin/uv

# The tiers that run keepalived, the lab or the sanity copy need Debian packages.
.PHONY: host-deps
host-deps: ## install the Debian packages the lab and the tests need (root; silent when present)
	@tools/host-deps.sh

# ansible and ansible-test want the collection at .../ansible_collections/lvs/cluster:
# a symlink to this checkout keeps one copy of the code.
.PHONY: collection-link
collection-link:
	@mkdir -p $(dir $(COLLECTION_TREE))
	@test "$$(readlink $(COLLECTION_TREE))" = $(ROOT) || ln -sfn $(ROOT) $(COLLECTION_TREE)

SANITY_TREE := $(ROOT)/.cache/sanity/ansible_collections/lvs/cluster
GET_PIP_CACHE := $(HOME)/.ansible/test/cache/get_pip_25_2.py

.PHONY: lint
lint: venv collection-link ## yamllint and ansible-lint (production profile, offline)
	yamllint --strict .
	ansible-lint --offline

# ansible-test needs the collection at .../ansible_collections/lvs/cluster and refuses
# a symlinked cwd, so sanity runs on a copy of the files git knows about.
.PHONY: sanity
sanity: venv ## ansible-test sanity, offline
	@mkdir -p $(dir $(GET_PIP_CACHE))
	@test -f $(GET_PIP_CACHE) || cp tools/ansible-test-get-pip.py $(GET_PIP_CACHE)
	rm -rf $(SANITY_TREE) && mkdir -p $(SANITY_TREE)
	git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ $(SANITY_TREE)/
	cd $(SANITY_TREE) && git init -q && git add -A && \
	  ansible-test sanity --venv --python 3.13 --color no --exclude lab/
	antsibull-changelog lint

.PHONY: units
units: venv collection-link ## unit tests: ipvsadm parser and module on real captures, filters, bad cluster descriptions, the lab's parts
	pytest -q tests/unit
	pytest -q tests/check
	pytest -q tests/lab

# Renders through the real roles, checked by keepalived -t and systemd-analyze;
# the namespace tests need root. One pytest run per directory: each has its own
# conftest module, and one process can import only one module of that name.
.PHONY: render
render: host-deps venv collection-link ## role render matrix, semantic checks, real-server helper in a netns
	pytest -q tests/render
	pytest -q tests/realserver

# The controller matrix: units, filter tests, the render tier (older minors; the
# pinned one runs it in `make render`), the syntax of every playbook, one
# check.yml run and the module and role docs on each ansible-core minor from
# requires_ansible up. Each older minor has a venv .venv-core-<minor> on a Python
# it supports, from requirements/core-<minor>-py<X.Y>.lock; the controller's
# lock's runs in .venv. A deprecation warning, or ansible-core refusing
# the collection, fails the minor; each minor's output is in .cache/matrix.
MATRIX := 2.15:3.11 2.16:3.11 2.18:3.11
MATRIX_CORES := $(foreach m,$(MATRIX),$(firstword $(subst :, ,$(m))))
PINNED_CORE := $(shell sed -nE 's/^ansible-core==([0-9]+\.[0-9]+)\..*/\1/p' $(CONTROLLER_LOCK))
MATRIX_TARGETS := $(addprefix matrix-core-,$(MATRIX_CORES) $(PINNED_CORE))
matrix-python-version = $(lastword $(subst :, ,$(filter $(1):%,$(MATRIX))))
matrix-python = $(shell tools/find-python $(call matrix-python-version,$(1)))
core-bin = $(if $(filter $(PINNED_CORE),$*),$(VENV),$(ROOT)/.venv-core-$*)/bin
core-log = $(ROOT)/.cache/matrix/core-$*.log
core-env = env PATH=$(core-bin):$$PATH ANSIBLE_DEPRECATION_WARNINGS=1 ANSIBLE_NOCOLOR=1
core-step = $(core-env) $(1) >>$(core-log) 2>&1 || \
	{ cat $(core-log); echo "matrix: ansible-core $*: $(firstword $(1)) failed" >&2; exit 1; }
core-doc-count = $(core-env) ansible-doc $(1) 2>>$(core-log) | grep -ciE '^> (module |role: )?\*?lvs\.cluster\.[a-z_]+\*? '

core-lock = requirements/core-$*-py$(call matrix-python-version,$*).lock
.SECONDEXPANSION:
$(ROOT)/.venv-core-%/.stamp: $$(core-lock)
	@test -n "$(call matrix-python,$*)" || { echo "error: ansible-core $* needs Python $(call matrix-python-version,$*), not found" >&2; exit 1; }
	@tools/make-venv $(@D) $(call matrix-python,$*) $(core-lock)
	@touch $@

.PHONY: matrix $(MATRIX_TARGETS)
matrix: $(MATRIX_TARGETS) ## units, filters, render, playbook syntax, docs on every ansible-core minor (2.15-2.21), no deprecation warning

$(addprefix matrix-core-,$(MATRIX_CORES)): matrix-core-%: $(ROOT)/.venv-core-%/.stamp
matrix-core-$(PINNED_CORE): venv
$(addprefix matrix-core-,$(MATRIX_CORES)): host-deps
$(MATRIX_TARGETS): matrix-core-%: collection-link
	@mkdir -p $(dir $(core-log)) && rm -f $(core-log)
	@$(call core-step,pytest -q tests/unit)
	@$(if $(filter $(PINNED_CORE),$*),true,$(call core-step,pytest -q tests/render))
	@$(call core-step,ansible-playbook --syntax-check -i examples/inventory playbooks/*.yml)
	@$(call core-step,ansible-playbook -i examples/inventory playbooks/check.yml -e ansible_connection=local \
	  -e ansible_python_interpreter=$(core-bin)/python -e lvs_director_interface=lo --skip-tags lvs_kernel_check)
	@test "$$($(call core-doc-count,lvs.cluster.ipvsadm_info lvs.cluster.realserver lvs.cluster.ipvs_kernel))" = 3 && \
	  test "$$($(call core-doc-count,-t role lvs.cluster.lvs_director lvs.cluster.lvs_realserver))" = 2 || \
	  { cat $(core-log); echo "matrix: ansible-core $*: ansible-doc misses a module or role" >&2; exit 1; }
	@if grep -iE 'deprecat|does not support Ansible version' $(core-log); then \
	  echo "matrix: ansible-core $*: warnings above, see $(core-log)" >&2; exit 1; fi
	@echo "matrix: ansible-core $$($(core-bin)/python -c 'import ansible.release as r; print(r.__version__)')" \
	  "on $$($(core-bin)/python --version): $$(grep -E '^[0-9]+ passed' $(core-log) | paste -sd+)," \
	  "$(words $(wildcard playbooks/*.yml)) playbooks, check.yml and docs clean"

VENV_GI := $(ROOT)/.venv-gi
IMPORTER_LOCK := requirements/importer-py$(PYVER).lock
VENV_GI_STAMP := $(VENV_GI)/.installed-$(notdir $(IMPORTER_LOCK))
$(VENV_GI_STAMP): $(IMPORTER_LOCK)
	@tools/make-venv $(VENV_GI) $(PYTHON) $(IMPORTER_LOCK)

# The tarball users install: built, installed into a scratch path, documented by
# ansible-doc from there, and accepted by galaxy-importer (without its own
# ansible-lint run: `make lint` runs ansible-lint, production profile, as a gate).
DIST := $(ROOT)/.cache/dist
.PHONY: build
build: venv $(VENV_GI_STAMP) ## build the collection tarball and check it installs and imports
	rm -rf $(DIST) && mkdir -p $(DIST)
	ansible-galaxy collection build --output-path $(DIST) --force
	ansible-galaxy collection install $(DIST)/lvs-cluster-*.tar.gz -p $(DIST)/installed --force
	ANSIBLE_COLLECTIONS_PATH=$(DIST)/installed ansible-doc lvs.cluster.ipvsadm_info >/dev/null
	ANSIBLE_COLLECTIONS_PATH=$(DIST)/installed ansible-doc -t role lvs.cluster.lvs_director >/dev/null
	ANSIBLE_COLLECTIONS_PATH=$(DIST)/installed ansible-playbook --syntax-check lvs.cluster.site
	cd $(DIST) && GALAXY_IMPORTER_RUN_ANSIBLE_LINT=false $(VENV_GI)/bin/python -m galaxy_importer.main \
	  lvs-cluster-*.tar.gz | tail -3

.PHONY: docs docs-check
docs: venv ## regenerate the reference docs from argument_specs and plugin docs
	python tools/docs/gen_reference.py
docs-check: venv ## reference docs up to date, no broken links in README and docs/
	python tools/docs/gen_reference.py --check
	python tools/docs/check_links.py

.PHONY: bench
bench: venv collection-link ## benchmarks that print figures (not tests)
	python tools/bench/ipvsadm_parse.py

# A lab of its own (tools/bench/topology.toml, namespace lvsbench): never molecule's.
.PHONY: bench-converge
bench-converge: host-deps venv collection-link ## site.yml converge times on a lab of its own; writes docs/benchmarks.md (root)
	python tools/bench/converge.py

LAB := $(ROOT)/lab/lvslab
# The stage timer prints each stage's duration and the failed tests at the end,
# and adds the failed tests to FAILED_TESTS: `make test` ends with them.
FAILED_TESTS := $(ROOT)/.cache/failed-tests.txt
stage-times = python tools/molecule-stage-times.py --failures $(FAILED_TESTS)
failed-tests = test ! -s $(FAILED_TESTS) || { echo "failed tests:"; sed 's/^/  /' $(FAILED_TESTS); }
# Molecule destroys the lab itself; the trap also covers a molecule that died
# before its destroy step.
molecule-test = mkdir -p $(dir $(FAILED_TESTS)); trap '$(LAB) down >/dev/null 2>&1 || true' EXIT; \
	molecule test -s $(1) 2>&1 | $(stage-times)

# The default scenario on the topology's guests: Debian 12 (dir1, rs1) and 13 (dir2, rs2).
.PHONY: molecule molecule-debian12
molecule: host-deps venv collection-link ## molecule default scenario on Debian 12 (dir1, rs1) and 13 (dir2, rs2) guests (root)
	$(call molecule-test,default)
molecule-debian12: export LVSLAB_SUITE := bookworm
molecule-debian12: host-deps venv collection-link ## molecule default scenario with every guest on Debian 12 (root)
	$(call molecule-test,default)

# molecule/debian13 sets the same for lab/lvslab; here they also reach the
# trap's `lvslab down`, which must stop this lab, never the default one.
.PHONY: molecule-debian13
molecule-debian13: export LVSLAB_SUITE := trixie
molecule-debian13: export LVSLAB_STATE := /var/tmp/lvs-trixie
molecule-debian13: export LVSLAB_NETNS := lvstrixie
molecule-debian13: export ANSIBLE_HOME := $(ROOT)/.cache/ansible-home-trixie
molecule-debian13: host-deps venv collection-link ## molecule default scenario with every guest on Debian 13 (root)
	$(call molecule-test,debian13)

# $(call beside,TARGETS,LOG,MAIN,SHOW[,PREFIX]): make TARGETS in the background
# (under the command PREFIX) into LOG while MAIN runs in the foreground, then
# SHOW the LOG (tail -n 20, or cat); fails when either failed, and says which last.
beside = $(5) $(MAKE) --no-print-directory $(1) >$(2) 2>&1 & bg=$$!; \
	main=0; $(MAKE) --no-print-directory $(3) || main=$$?; side=0; wait $$bg || side=$$?; \
	echo "== $(1), beside $(3) (output also in $(2))"; $(4) $(2); \
	test $$main = 0 || echo "make $(3): failed" >&2; test $$side = 0 || echo "make $(1): failed" >&2; \
	test $$main$$side = 00

# The scenario records every request, event and Ansible log in .cache/faults; the
# report prints the figures and writes faults.json and timeline.png there, also
# after a failed run (for diagnosis). UPDATE_DOCS=1 copies a green run's figures
# into docs/faults.md, docs/faults.json and docs/images/timeline.png.
FAULTS_DIR := $(ROOT)/.cache/faults
faults-report = python tools/faults/report.py $(FAULTS_DIR)
.PHONY: faults
faults: host-deps venv collection-link ## fault scenarios under client load, with figures (root; UPDATE_DOCS=1 updates docs/faults.md)
	rm -rf $(FAULTS_DIR)
	$(call molecule-test,failover) || { test ! -s $(FAULTS_DIR)/figures.json || $(faults-report); \
	  $(failed-tests); exit 1; }
	$(faults-report) $(if $(UPDATE_DOCS),--docs docs)

.PHONY: demo molecule-demo
demo: host-deps venv collection-link ## boot the lab, build the cluster, show balancing and failover (root)
	tools/demo.sh

# make test runs the demo as a user would (it fails when balancing or failover
# does not show) on the lab the default scenario leaves up: the demo's
# `lvslab up` finds it booted, which saves a boot and a first converge.
# --destroy=never skips the scenario's first destroy too, and molecule would
# take a lab left down by an earlier run for created: molecule destroy, first
# and last, takes the lab down and resets that state.
molecule-demo: host-deps venv collection-link
	molecule destroy -s default >/dev/null
	trap 'molecule destroy -s default >/dev/null 2>&1 || $(LAB) down >/dev/null 2>&1 || true' EXIT; \
	  molecule test -s default --destroy=never 2>&1 | $(stage-times); \
	  tools/demo.sh

.PHONY: lab-up lab-down lab-status lab-images
lab-up: host-deps ## boot the lab: 2 directors, 2 real servers, on Debian 12 and 13 (root)
	$(LAB) up
lab-images: host-deps ## build the lab's guest images (one per suite) if they are not cached (root)
	$(LAB) images
lab-down: ## stop the lab and remove everything it created
	$(LAB) down
lab-status: ## show the lab's guests
	$(LAB) status

# The lab's images (mostly downloads) build while lint and the unit tiers run.
# The controller tiers (sanity, build, matrix, render) need no lab: they run
# while molecule's lab boots, converges and is verified, under SCHED_IDLE: any
# guest or client that wakes up takes the CPU from them at once (at nice 19 the
# scenario still took 830 s instead of 595 s alone). Their output follows
# molecule's. The demo then runs on the scenario's lab. The fault scenario runs
# alone: its figures are timings.
IMAGES_LOG := $(ROOT)/.cache/lab-images.log
CONTROLLER_LOG := $(ROOT)/.cache/controller-tiers.log
.PHONY: test
test: host-deps ## run every test tier, and the demo
	@mkdir -p $(ROOT)/.cache && rm -f $(FAILED_TESTS)
	@($(call beside,lab-images,$(IMAGES_LOG),lint docs-check units,tail -n 20)) || { $(failed-tests); exit 1; }
	@($(call beside,sanity build matrix render,$(CONTROLLER_LOG),molecule-demo,cat,chrt --idle 0)) || \
	  { $(failed-tests); exit 1; }
	@$(MAKE) --no-print-directory faults
