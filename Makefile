# CSAS-graph: every target does its own set-up, so a fresh clone needs only `make demo` or `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
JAR     := neo4j-local/target/neo4j-local-1.0.0.jar
SOURCES := csas_graph ingest cypher api viz tests bench

.PHONY: demo test lint format typecheck setup system-deps neo4j-local bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

$(JAR): neo4j-local/pom.xml $(wildcard neo4j-local/src/main/java/org/csas/neo4jlocal/*.java)
	mvn -q -B -f neo4j-local/pom.xml package -DskipTests

setup: $(STAMP) $(JAR)

neo4j-local: $(JAR)

demo: setup
	$(BIN)/csas demo

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format $(SOURCES)
	$(BIN)/ruff check --fix $(SOURCES)

# Debian packages for the browser (Chromium) and PDF (WeasyPrint, poppler) tests; needs root or sudo.
SYSTEM_PACKAGES := chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 poppler-utils
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null || ! ldconfig -p | grep -q libpango-1.0 || ! ldconfig -p | grep -q libharfbuzz-subset; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	fi

test: setup system-deps lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.analyses

clean:
	rm -rf neo4j-local/target build *.egg-info
