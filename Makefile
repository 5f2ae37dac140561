# The retention dashboard. GNU make; recipes run on a fresh Debian 12 (as root, or as a user
# with sudo for the system packages).
#
#   make run            seed the demo workspace on first start, then serve the app (PORT=8501)
#   make test           dev dependencies + system packages, then pytest (ARGS="-k foo" adds;
#                       tests marked slow only with CI=true or ARGS="-m slow")
#   make bench          benchmarks at 100k/1M/10M customers -> bench/RESULTS.md (BENCH_SIZES=... to choose)
#   make load           20 concurrent browser sessions on the demo base for 2 minutes (LOAD_SESSIONS, LOAD_SECONDS)
#   make test-distributed  the parity tests on Spark SQL (starts a local Spark Thrift Server; heavy)
#   make sysdeps        Chromium, PostgreSQL server binaries, a CJK font (apt, only if missing)
#   make venv / dev     .venv with requirements.txt / requirements-dev.txt
#   make clean          remove .venv, the embedded database files and the workspace list

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := PIP_DISABLE_PIP_VERSION_CHECK=1 $(PY) -m pip install -q
PORT    ?= 8501
ADDRESS ?=

PYTEST_ARGS ?= -q
ifeq ($(CI),true)
PYTEST_ARGS += -p no:cacheprovider
else
# Tests marked slow (the 1 GB import) run in CI; locally `make test ARGS="-m slow"` runs them.
PYTEST_ARGS += -m "not slow"
endif
ARGS ?=

# System packages the tests need, as "test-path=package" pairs (a glob is fine).
SYSDEPS := /usr/bin/chromium=chromium \
           /usr/lib/postgresql/*/bin/initdb=postgresql \
           /usr/share/fonts/truetype/wqy/wqy-microhei.ttc=fonts-wqy-microhei

# Shell snippet: install the Debian packages in $$pkgs, as root directly, else through sudo.
# Without either it warns and goes on (tests that need them skip), but fails under CI=true.
APT_INSTALL = \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "make: cannot install $$pkgs: not root and no sudo; install them by hand" >&2; \
	  if [ "$${CI:-}" = true ]; then exit 1; else exit 0; fi; fi; \
	echo "Installing system packages: $$pkgs"; \
	$$sudo apt-get update -qq; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$pkgs

.PHONY: help venv dev run test load test-distributed bench sysdeps clean

help:
	@sed -n 's/^#   //p' Makefile

# -- Python environment -----------------------------------------------------------------------
venv: $(VENV)/.stamp-run
dev: $(VENV)/.stamp-dev

# Debian's python3 needs the python3-venv package for `-m venv` (ensurepip).
$(PY):
	@rm -rf $(VENV)
	@if ! $(PYTHON) -m venv $(VENV) 2>/dev/null; then \
	  rm -rf $(VENV); (pkgs=python3-venv; $(APT_INSTALL)); \
	  $(PYTHON) -m venv $(VENV); \
	fi
	@echo "created $(VENV) with $$($(PY) --version)"

$(VENV)/.stamp-run: requirements.txt | $(PY)
	$(PIP) -r requirements.txt
	@touch $@

# requirements-reference.txt: libraries the tests compare our statistics with (lifelines
# declares pandas<3, so it goes in without dependency resolution; its own deps are pinned there).
$(VENV)/.stamp-dev: requirements-dev.txt requirements-reference.txt $(VENV)/.stamp-run
	$(PIP) -r requirements-dev.txt
	$(PIP) --no-deps -r requirements-reference.txt
	@touch $@

# -- Running ----------------------------------------------------------------------------------
run: venv
	$(PY) -m lib demo --if-empty
	$(VENV)/bin/streamlit run dashboard.py --server.port $(PORT) $(if $(ADDRESS),--server.address $(ADDRESS))

# -- Tests ------------------------------------------------------------------------------------
test: dev sysdeps
	$(PY) -m pytest $(PYTEST_ARGS) $(ARGS)

# 20 browser sessions clicking through the pages of a demo base for 2 minutes (docs/operations.md, "Reliability").
load: dev sysdeps
	$(PY) -m tools.load --sessions $(or $(LOAD_SESSIONS),20) --seconds $(or $(LOAD_SECONDS),120)

# Not part of `make test` (Spark is about 500 MB and a JVM): installs requirements-distributed.txt,
# runs tests/test_distributed.py against a throw-away Spark Thrift Server on 127.0.0.1 (master
# local[2]), which tests/sparkserver.py starts, and stops afterwards even when tests fail.
test-distributed: dev $(VENV)/.stamp-distributed
	$(PY) -m tests.sparkserver -- $(PY) -m pytest $(PYTEST_ARGS) tests/test_distributed.py $(ARGS)

$(VENV)/.stamp-distributed: requirements-distributed.txt $(VENV)/.stamp-run
	@command -v java >/dev/null 2>&1 || (pkgs=openjdk-17-jre-headless; $(APT_INSTALL))
	$(PIP) -r requirements-distributed.txt
	@touch $@

# Every page's queries (cold/warm, vs pandas), import, model, offers and peak memory at each size,
# then the served app's memory on the largest base (Chromium drives every page): bench/RESULTS.md.
# Bases are made once in bench/work/ (10M: 6.6 GB on disk, seeded in about 15 minutes).
BENCH_SIZES ?= 100000,1000000,10000000
bench: dev sysdeps
	$(PY) -m bench.run_all --sizes $(BENCH_SIZES)

# Quiet and quick (no apt call) when everything is there.
sysdeps:
	@need=""; \
	for pair in $(SYSDEPS); do \
	  path="$${pair%%=*}"; pkg="$${pair#*=}"; \
	  compgen -G "$$path" >/dev/null || need="$$need $$pkg"; \
	done; \
	if [ -n "$$need" ]; then pkgs="$$need"; $(APT_INSTALL); fi

clean:
	rm -rf $(VENV)
	rm -f data/*.duckdb data/*.duckdb.*
	rm -rf data/workspaces data/workspaces.toml
