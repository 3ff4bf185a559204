# lvs.cluster: one entry point for developers and CI; `make help` lists the targets.
#   make test      every test tier, and the demo (as root)
#   make demo      boot the lab and show the cluster working (as root)
# The file reads top-down: make test's phases, then their tiers in that order,
# then the venvs and set-up they share, then the targets for developers.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
# The controller's Python: the newest one the locks cover, or PYTHON=/path/to/python3.X.
# Its lock gives it the newest ansible-core that supports it (requirements/controller.in).
PYTHON ?= $(shell tools/find-python 3.13 3.12 3.11)
PYVER := $(if $(PYTHON),$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])'))
CONTROLLER_LOCK := requirements/controller-py$(PYVER).lock
# Debian's own Python: make test proves it (debian-python). The Pythons venvs are
# built from: host-deps installs python3-venv when one of them is Debian's.
DEBIAN_PYTHON := /usr/bin/python3
VENV_PYTHONS := $(PYTHON)
COLLECTION_TREE := $(ROOT)/.cache/collections/ansible_collections/lvs/cluster
export ANSIBLE_COLLECTIONS_PATH := $(ROOT)/.cache/collections
# Ansible's home (collections, tmp, molecule's copy of this collection) inside
# the checkout: a collection left in ~/.ansible by another run or clone would
# otherwise shadow this tree for ansible-lint and molecule.
export ANSIBLE_HOME := $(ROOT)/.cache/ansible-home
export PATH := $(VENV)/bin:$(PATH)
# Where the molecule scenarios are: molecule looks in extensions/molecule of a collection and
# warns when it finds them in molecule/ instead, unless told.
export MOLECULE_GLOB := molecule/*/molecule.yml
# CI sets CI=true: there a tier or a check that cannot run on this machine fails
# instead of saying why it did not run (the same rule as tests/ci_gate.py).
# $(call cannot-run,WHAT): say so, and fail under CI=true.
cannot-run = { echo "$(1)$(if $(filter true,$(CI)), (CI=true: fails))" >&2; $(if $(filter true,$(CI)),false,true); }

.PHONY: help
help: ## this list
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-19s %s\n", $$1, $$2}'

# make test runs these phases one after the other, and stops after a phase in
# which a tier failed. In a phase, the lanes separated by "|" run side by side,
# and the tiers of a lane one after the other (a failed tier ends its lane); the
# first lane's output shows as it comes, the others' after the phase. "idle:"
# runs a lane under SCHED_IDLE (tools/tiers.py has the details).
#   1. The lab's images (mostly downloads), the default molecule scenario, then
#      the demo on the lab it leaves. Beside them every tier that needs no lab,
#      under SCHED_IDLE: any guest or client that wakes up takes the CPU from
#      them at once (at nice 19 the scenario still took 830 s instead of 595 s
#      alone). They still slow the lab, most in its converges (CC15: check 88 s,
#      converge 155 s; alone 23 s and 53 s). In two lanes, about as long as the
#      lab's (CC15: 1162 s of lab, 1230 s of phase).
#   2. The fault scenario, alone: its figures are timings.
# The ECMP scenario (make molecule-ecmp) is not in make test: in phase 2, before
# the fault scenario, it took 562 s, and make test 2405 s (CC20, 2026-12-08), over
# the 35 minutes make test may take. A new lab scenario goes into a lab lane;
# never into a lane beside another lab (on 2 cores the guests of two labs starve
# each other: BFD sessions of the ECMP lab flapped beside another lab).
TEST_PHASES := \
	'lab-images molecule-demo | idle: lint docs-check units rules sanity build matrix | idle: render debian-python' \
	'faults'
# Each tier's output is also in .cache/tiers/TIER.log. A tier that runs longer
# than TIER_TIMEOUT seconds is stopped, and so is every tier on SIGINT or SIGTERM.
TIER_LOGS := $(ROOT)/.cache/tiers
TIER_TIMEOUT := 3600
# The stage timer (molecule's tiers) appends the tests that failed to FAILED_TESTS:
# make test ends with them.
FAILED_TESTS := $(ROOT)/.cache/failed-tests.txt

.PHONY: test test-deps
test: test-deps ## every tier of the phases above; each tier's time, CPU time and result, then the failed tests, last
	@python3 tools/tiers.py --run '$(MAKE) --no-print-directory' --logs $(TIER_LOGS) \
	  --digest $(FAILED_TESTS) --timeout $(TIER_TIMEOUT) $(TEST_PHASES)
test-deps: VENV_PYTHONS += $(DEBIAN_PYTHON)
test-deps: host-deps venv collection-link ## the Debian packages make test needs (root; silent when present), and the venv and collection link its parallel lanes share

# The targets that need no lab keep their temporary files in the checkout:
# pytest's, pip's, and those of Ansible on the local connection (its remote_tmp
# is ~/.ansible/tmp, whatever ANSIBLE_HOME says). Not the lab's targets: UML
# keeps a guest's memory in a file under TMPDIR when it is set.
CONTROLLER_TARGETS := venv lock lint docs docs-check units sanity dist build matrix render syntax debian-python bench
TMP := $(ROOT)/.cache/tmp
$(CONTROLLER_TARGETS): export TMPDIR := $(TMP)
$(CONTROLLER_TARGETS): export ANSIBLE_REMOTE_TEMP := $(TMP)/ansible-remote
$(CONTROLLER_TARGETS): | $(TMP)
$(TMP):
	@mkdir -p $@

# Phase 1 ----------------------------------------------------------------------

.PHONY: lint
lint: venv collection-link ## yamllint and ansible-lint (production profile, offline)
	yamllint --strict .
	ansible-lint --offline

.PHONY: docs docs-check
docs: venv ## regenerate the reference docs from argument_specs and plugin docs
	python tools/docs/gen_reference.py
docs-check: venv ## reference docs up to date, no broken links in README and docs/
	python tools/docs/gen_reference.py --check
	python tools/docs/check_links.py

.PHONY: units
units: venv collection-link ## unit tests: ipvsadm parser and module on real captures, filters, bad cluster descriptions, the lab's parts, the tier runner
	pytest -q tests/unit tests/tools
	pytest -q tests/check
	pytest -q tests/lab tests/labtest

# promtool comes from Debian's prometheus package, unpacked into a cache (tools/promtool): installed, the
# package would run a Prometheus server on this machine.
.PHONY: rules
rules: ## the example Prometheus alert rules: promtool checks them and fires each alert (tests/prometheus)
	tools/promtool check rules examples/prometheus/lvs-alerts.yml
	tools/promtool test rules tests/prometheus/lvs-alerts-test.yml

LAB := $(ROOT)/lab/lvslab
.PHONY: lab-up lab-down lab-status lab-images lab-kernel-pin
lab-images: host-deps ## build the lab's guest images (one per suite) if they are not cached (root)
	$(LAB) images

# The stage timer prints each stage's duration and the failed tests at the end.
stage-times = python tools/molecule-stage-times.py --failures $(FAILED_TESTS)
failed-tests = test ! -s $(FAILED_TESTS) || { echo "failed tests:"; sed 's/^/  /' $(FAILED_TESTS); }
# Molecule destroys the lab itself; the trap also covers a molecule that died
# before its destroy step. A scenario's failed tests replace an earlier run's
# (make test runs the next phase only when the earlier ones passed).
molecule-test = mkdir -p $(dir $(FAILED_TESTS)); : >$(FAILED_TESTS); trap '$(LAB) down >/dev/null 2>&1 || true' EXIT; \
	molecule test -s $(1) 2>&1 | $(stage-times)

# make test runs the default scenario as a user would, then the demo as a user would (it fails when
# balancing or failover does not show) on the lab the scenario leaves up (its test sequence ends
# with verify): first an existing site's playbook converges it with the roles of the installed
# tarball (installed-converge below; in a tarball directory of its own, as `build` runs beside it),
# then the demo's `lvslab up` finds it booted. The trap takes the lab down; the scenario's next run
# starts with molecule's destroy. `lvslab clocks` fails the tier when a guest's clock drifted more
# than 0.5 s, as molecule's destroy step does in the other scenarios. On a new lab, the boot, the
# installed converge and the demo took 183 s after the scenario (CC13); on this one the boot is
# saved and the converge finds the roles' packages installed.
.PHONY: molecule-demo
molecule-demo: host-deps venv collection-link ## the default molecule scenario, then the installed tarball's site playbook and the demo on its lab (root)
	$(call molecule-test,default); \
	  $(MAKE) --no-print-directory installed-converge DIST=$(ROOT)/.cache/dist-lab \
	    INVENTORY="$$($(LAB) inventory)"; \
	  tools/demo.sh; \
	  $(LAB) clocks

# ansible-test needs the collection at .../ansible_collections/lvs/cluster and refuses
# a symlinked cwd, so sanity runs on a copy of the files git knows about. Its HOME
# is in the checkout: ansible-test keeps its venvs and caches in ~/.ansible/test.
# It would download a get-pip script for the pip its ansible-core pins, from a
# host CI cannot reach: tools/ansible-test-get-pip.py stands in, in its cache.
SANITY_TREE := $(ROOT)/.cache/sanity/ansible_collections/lvs/cluster
ANSIBLE_TEST_HOME := $(ROOT)/.cache/ansible-test-home
ansible-test-pip = python -c 'from types import SimpleNamespace as python; \
	from ansible_test._internal.python_requirements import get_venv_packages; \
	print(get_venv_packages(python(version="$(PYVER)"))["pip"].replace(".", "_"))'
.PHONY: sanity
# ansible-test runs in en_US.UTF-8 (host-deps compiles it) and warns when it falls back to C.UTF-8.
sanity: venv ## ansible-test sanity on the controller's Python, offline; the changelog fragments
	@cache=$(ANSIBLE_TEST_HOME)/.ansible/test/cache && mkdir -p $$cache && \
	  cp tools/ansible-test-get-pip.py $$cache/get_pip_$$($(ansible-test-pip)).py
	rm -rf $(SANITY_TREE) && mkdir -p $(SANITY_TREE)
	git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ $(SANITY_TREE)/
	cd $(SANITY_TREE) && git init -q && git add -A && \
	  HOME=$(ANSIBLE_TEST_HOME) ansible-test sanity --venv --python $(PYVER) --color no --exclude lab/
	antsibull-changelog lint

# The tarball users install, built and installed into an empty directory. With
# installed-env, Ansible sees that copy only: not the checkout's link (the venvs
# hold no collection).
DIST := $(ROOT)/.cache/dist
INSTALLED := $(DIST)/installed
installed-env = env ANSIBLE_COLLECTIONS_PATH=$(INSTALLED)
.PHONY: dist
dist: venv ## build the collection tarball and install it into an empty .cache/dist/installed
	rm -rf $(DIST) && mkdir -p $(DIST)
	ansible-galaxy collection build --output-path $(DIST)
	$(installed-env) ansible-galaxy collection install $(DIST)/lvs-cluster-*.tar.gz -p $(INSTALLED)

# $(call documented,ENV): ENV's ansible-doc shows the doc of every module and lists
# every role of this tree with its entry points (a module it cannot find is only a
# warning there). Not the roles' own doc: ansible-core 2.21.5 then warns about its
# internal collection (ansible/ansible#85689).
MODULES := $(patsubst plugins/modules/%.py,lvs.cluster.%,$(wildcard plugins/modules/*.py))
ROLES := $(wildcard roles/*/)
documented = test "$$($(1) ansible-doc $(MODULES) | grep -ciE '^> (module )?\*?lvs\.cluster\.[a-z_]+\*? ')" = \
	$(words $(MODULES)) && test "$$($(1) ansible-doc -t role -l lvs.cluster | grep -cE '^lvs\.cluster\.[a-z_]+(:$$| )')" = \
	$(words $(ROLES))
# Every playbook's syntax, on the examples inventory.
SYNTAX_CHECK := ansible-playbook --syntax-check -i examples/inventory playbooks/*.yml

# The installed tarball: every module and role documented, the syntax of its site
# playbook and of an existing site's playbook that uses its roles
# (tests/installed/site.yml), and galaxy-importer's acceptance (without its own
# ansible-lint run: `make lint` runs ansible-lint, production profile, as a gate).
VENV_GI := $(ROOT)/.venv-gi
IMPORTER_LOCK := requirements/importer-py$(PYVER).lock
VENV_GI_STAMP := $(VENV_GI)/.installed-$(notdir $(IMPORTER_LOCK))
.PHONY: build
build: dist $(VENV_GI_STAMP) ## the installed tarball: modules and roles documented, playbooks' syntax, galaxy-importer
	@$(call documented,$(installed-env) ANSIBLE_NOCOLOR=1) || { echo "build: ansible-doc misses a module or role of $(INSTALLED)" >&2; exit 1; }
	$(installed-env) ansible-playbook --syntax-check -i examples/inventory lvs.cluster.site tests/installed/site.yml
	cd $(DIST) && GALAXY_IMPORTER_RUN_ANSIBLE_LINT=false $(VENV_GI)/bin/python -m galaxy_importer.main \
	  lvs-cluster-*.tar.gz | tail -3

# The controller matrix: units, filter tests, the render tier (the oldest minor),
# the syntax of every playbook, one
# check.yml run and the module and role docs on each ansible-core minor from
# requires_ansible up. Each older minor has a venv .venv-core-<minor> on a Python
# it supports, from requirements/core-<minor>-py<X.Y>.lock; the controller's
# lock's runs in .venv. A deprecation warning, or ansible-core refusing
# the collection, fails the minor; each minor's output is in .cache/matrix. A
# minor whose Python this machine lacks is not tested (cannot-run).
MATRIX := 2.15:3.11 2.16:3.11 2.18:3.11
MATRIX_CORES := $(foreach m,$(MATRIX),$(firstword $(subst :, ,$(m))))
# The render tier is most of a minor's time: the oldest minor runs it here, debian-python on 2.19,
# make render on the pinned minor; 2.16 and 2.18 run every other step (since CC15, to fit make test in 35 min).
MATRIX_RENDER_CORE := $(firstword $(MATRIX_CORES))
PINNED_CORE := $(shell sed -nE 's/^ansible-core==([0-9]+\.[0-9]+)\..*/\1/p' $(CONTROLLER_LOCK))
MATRIX_TARGETS := $(addprefix matrix-core-,$(MATRIX_CORES) $(PINNED_CORE))
matrix-python-version = $(lastword $(subst :, ,$(filter $(1):%,$(MATRIX))))
matrix-python = $(shell tools/find-python $(call matrix-python-version,$(1)))
matrix-untestable = $(strip $(foreach core,$(MATRIX_CORES),$(if $(call matrix-python,$(core)),,$(core))))
core-bin = $(if $(filter $(PINNED_CORE),$*),$(VENV),$(ROOT)/.venv-core-$*)/bin
core-log = $(ROOT)/.cache/matrix/core-$*.log
core-env = env PATH=$(core-bin):$$PATH ANSIBLE_DEPRECATION_WARNINGS=1 ANSIBLE_NOCOLOR=1
core-step = $(core-env) $(1) >>$(core-log) 2>&1 || \
	{ cat $(core-log); echo "matrix: ansible-core $*: $(firstword $(1)) failed" >&2; exit 1; }

core-lock = requirements/core-$*-py$(call matrix-python-version,$*).lock
.SECONDEXPANSION:
$(ROOT)/.venv-core-%/.stamp: $$(core-lock)
	@test -n "$(call matrix-python,$*)" || { echo "error: ansible-core $* needs Python $(call matrix-python-version,$*), not found" >&2; exit 1; }
	@tools/make-venv $(@D) $(call matrix-python,$*) $(core-lock)
	@touch $@

.PHONY: matrix $(MATRIX_TARGETS)
matrix: $$(filter-out $$(addprefix matrix-core-,$$(matrix-untestable)),$(MATRIX_TARGETS)) ## units, filters, playbook syntax, docs on every ansible-core minor (2.15-2.21), render on 2.15, no deprecation warning
	@$(if $(matrix-untestable),$(call cannot-run,matrix: not tested for want of its Python (tools/find-python):\
	  $(foreach core,$(matrix-untestable),ansible-core $(core) (Python $(call matrix-python-version,$(core))))))

$(addprefix matrix-core-,$(MATRIX_CORES)): matrix-core-%: $(ROOT)/.venv-core-%/.stamp
matrix-core-$(PINNED_CORE): venv
$(addprefix matrix-core-,$(MATRIX_CORES)): host-deps
$(MATRIX_TARGETS): matrix-core-%: collection-link
	@mkdir -p $(dir $(core-log)) && rm -f $(core-log)
	@$(call core-step,pytest -q tests/unit)
	@$(if $(filter $(MATRIX_RENDER_CORE),$*),$(call core-step,pytest -q tests/render),true)
	@$(call core-step,$(SYNTAX_CHECK))
	@$(call core-step,ansible-playbook -i examples/inventory playbooks/check.yml -e ansible_connection=local \
	  -e ansible_python_interpreter=$(core-bin)/python -e lvs_director_interface=lo --skip-tags lvs_kernel_check)
	@{ $(call documented,$(core-env)); } 2>>$(core-log) || \
	  { cat $(core-log); echo "matrix: ansible-core $*: ansible-doc misses a module or role" >&2; exit 1; }
	@if grep -iE 'deprecat|does not support Ansible version' $(core-log); then \
	  echo "matrix: ansible-core $*: warnings above, see $(core-log)" >&2; exit 1; fi
	@echo "matrix: ansible-core $$($(core-bin)/python -c 'import ansible.release as r; print(r.__version__)')" \
	  "on $$($(core-bin)/python --version): $$(grep -E '^[0-9]+ passed' $(core-log) | paste -sd+)," \
	  "$(words $(wildcard playbooks/*.yml)) playbooks, check.yml and docs clean"

# Renders through the real roles, checked by keepalived -t and systemd-analyze;
# the namespace tests need root. One pytest run per directory: each has its own
# conftest module, and one process can import only one module of that name.
.PHONY: render
render: host-deps venv collection-link ## role render matrix, semantic checks, real-server helper in a netns (root)
	pytest -q tests/render
	pytest -q tests/realserver

.PHONY: syntax
syntax: venv collection-link ## ansible-playbook --syntax-check of every playbook, on the examples inventory
	$(SYNTAX_CHECK)

# Debian 12's own Python (3.11) and the ansible-core its lock gives it, as a
# stock Debian 12 controller gets them, with the same tools/make-venv.
.PHONY: debian-python
debian-python: ## units, render tier and playbook syntax on Debian's own python3 and its lock (.venv-debian; root)
	@if test -x $(DEBIAN_PYTHON); then \
	  $(MAKE) --no-print-directory VENV=$(ROOT)/.venv-debian PYTHON=$(DEBIAN_PYTHON) units render syntax; \
	else $(call cannot-run,debian-python: not run: no $(DEBIAN_PYTHON) on this machine); fi

# Phase 2 ----------------------------------------------------------------------

# $(call scenario-with-figures,SCENARIO,NAME): a scenario under client load. Its tests record every request,
# event and Ansible log in .cache/NAME; the report prints the figures and writes NAME.json and
# NAME-timeline.png there, also after a failed run (for diagnosis). UPDATE_DOCS=1 copies a green run's
# figures into docs/NAME.md, docs/NAME.json and docs/images/NAME-timeline.png.
report = PYTHONPATH=molecule/resources python -m labtest.report $(ROOT)/.cache/$(1) --name $(1)
define scenario-with-figures
rm -rf $(ROOT)/.cache/$(2)
$(call molecule-test,$(1)) || { test ! -s $(ROOT)/.cache/$(2)/figures.json || $(call report,$(2)); \
  $(failed-tests); exit 1; }
$(call report,$(2)) $(if $(UPDATE_DOCS),--docs docs)
endef
.PHONY: faults
faults: host-deps venv collection-link ## fault scenarios under client load, with figures (root; UPDATE_DOCS=1 updates docs/faults.md)
	$(call scenario-with-figures,failover,faults)

# lvs_director_mode ecmp: three active directors behind the lab's BGP router, under client load, with figures
# (in .cache/ecmp, as the fault scenario's). Its lab has its own state and namespace.
.PHONY: molecule-ecmp
molecule-ecmp: export LVSLAB_TOPOLOGY := $(ROOT)/lab/topology-ecmp.toml
molecule-ecmp: export LVSLAB_STATE := /var/tmp/lvs-ecmp
molecule-ecmp: export LVSLAB_NETNS := lvsecmp
molecule-ecmp: export ANSIBLE_HOME := $(ROOT)/.cache/ansible-home-ecmp
molecule-ecmp: host-deps venv collection-link ## ECMP scenario: 3 directors announce the VIP by BGP, under client load, with figures (root; UPDATE_DOCS=1 updates docs/ecmp.md)
	$(call scenario-with-figures,ecmp,ecmp)

# Venvs and set-up -------------------------------------------------------------

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

$(VENV_GI_STAMP): $(IMPORTER_LOCK)
	@tools/make-venv $(VENV_GI) $(PYTHON) $(IMPORTER_LOCK)

LOCK_VENV := $(ROOT)/.venv-lock
LOCK_TOOL := requirements/lock-tool-py$(PYVER).lock
$(LOCK_VENV)/.installed-$(notdir $(LOCK_TOOL)): $(LOCK_TOOL)
	@tools/make-venv $(LOCK_VENV) $(PYTHON) $(LOCK_TOOL)

.PHONY: lock
lock: $(LOCK_VENV)/.installed-$(notdir $(LOCK_TOOL)) ## recompile requirements/*.lock from the .in files: the newest versions they allow, with hashes
	UV_CACHE_DIR=$(ROOT)/.cache/uv tools/lock-requirements $(LOCK_VENV)/bin/uv

# The tiers that run keepalived, the lab or the sanity copy need Debian packages,
# and a venv from Debian's own Python needs python3-venv (VENV_PYTHONS).
.PHONY: host-deps
host-deps: ## install the Debian packages the lab and the tests need (root; silent when present)
	@tools/host-deps.sh $(VENV_PYTHONS)

# ansible and ansible-test want the collection at .../ansible_collections/lvs/cluster:
# a symlink to this checkout keeps one copy of the code.
.PHONY: collection-link
collection-link: ## link .cache/collections/ansible_collections/lvs/cluster to this checkout
	@mkdir -p $(dir $(COLLECTION_TREE))
	@test "$$(readlink $(COLLECTION_TREE))" = $(ROOT) || ln -sfn $(ROOT) $(COLLECTION_TREE)

# For developers ---------------------------------------------------------------

.PHONY: demo
demo: host-deps venv collection-link ## boot the lab, build the cluster, show balancing and failover (root)
	tools/demo.sh

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

lab-up: host-deps ## boot the lab: 2 directors, 2 real servers, on Debian 12 and 13 (root)
	$(LAB) up
lab-down: ## stop the lab and remove everything it created
	$(LAB) down
lab-status: ## show the lab's guests
	$(LAB) status
lab-kernel-pin: host-deps ## move lab/kernel.toml's pin to Debian testing's current user-mode-linux (then commit it)
	$(LAB) kernel --update

# An existing site's playbook that uses the roles of the installed tarball
# (tests/installed/site.yml), with its own description of the cluster in its
# inventory layer (tests/installed/inventory: group_vars there reach the
# collection's check playbook it imports, group_vars beside the playbook would
# not), on the hosts of INVENTORY (one or more, each passed with -i): on a booted lab,
# make installed-converge INVENTORY="$$(lab/lvslab inventory)".
.PHONY: installed-converge
installed-converge: dist ## converge tests/installed/site.yml from the installed tarball only, on INVENTORY=... (root for the lab)
	@test -n "$(INVENTORY)" || { echo "usage: make installed-converge INVENTORY=path [...]" >&2; exit 2; }
	$(installed-env) ansible-playbook $(addprefix -i ,$(INVENTORY)) -i tests/installed/inventory tests/installed/site.yml

.PHONY: bench
bench: venv collection-link ## benchmarks that print figures (not tests)
	python tools/bench/ipvsadm_parse.py

# A lab of its own (tools/bench/topology.toml, namespace lvsbench): never molecule's.
.PHONY: bench-converge
bench-converge: host-deps venv collection-link ## site.yml converge times on a lab of its own; writes docs/benchmarks.md (root)
	python tools/bench/converge.py

.PHONY: bench-switchover
bench-switchover: host-deps venv collection-link ## what planned switchovers lose under load, rr against mh with sloppy_tcp, on the bench lab; writes docs/operations.md (root)
	python tools/bench/switchover.py
