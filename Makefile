# Two commands on a fresh machine: `make run` (the web app on the bundled data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test mutation validate system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The XStatic asset packages ship sdists that import pkg_resources, gone from setuptools 81: build them
	# (and the project) with the venv's own older setuptools instead of an isolated, newest one.
	$(BIN)/python -m pip install --quiet "setuptools>=68,<81" wheel
	$(BIN)/python -m pip install --quiet --no-build-isolation -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/corridor serve

validate: $(STAMP)
	$(BIN)/corridor validate

system-deps:
	bash scripts/install_system_deps.sh

# The status tests run against SQLite and against a real PostgreSQL server that ci_postgres.sh installs and starts;
# CORRIDOR_TEST_REQUIRE_ALL turns a missing PostgreSQL or Chromium into failures instead of skips.
test: $(STAMP) system-deps
	eval "$$(bash scripts/ci_postgres.sh)" && CORRIDOR_TEST_REQUIRE_ALL=1 $(BIN)/python -m pytest

# Mutation testing of the modules whose figures users quote (docs/testing.md): minutes per module, so not part of
# `make test`. `make mutation MODULES="coverage tsp"` runs some of them.
MUTATION_STAMP := $(VENV)/.mutation-installed
$(MUTATION_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --no-build-isolation -e '.[test,mutation]'
	touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	$(BIN)/python scripts/mutation.py $(MODULES)

clean:
	rm -rf $(VENV) .pytest_cache
