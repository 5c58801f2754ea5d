# Florilège: two commands do everything on a fresh machine.
#   make run   install into .venv, migrate, load the demo, serve on http://127.0.0.1:8000 with the worker
#   make test  install and run the whole suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLORILEGE_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install lint check clean chromium fedify-peer newsboat bench-readers bench-ingest bench-federation bench-language bench-dedup bench-serve bench-relevance bench-ranking bench-lcp bench-analytics pgbouncer bench-api bench-scale openapi

# Debian ships venv separately (python3-venv); install it when we can, else say so.
$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV) 2>/dev/null || { \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv $(VENV); \
	  else echo "Python's venv module is missing: sudo apt-get install python3-venv"; exit 1; fi; }

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The secret key is made once per data folder. The demo feeds are served by the instance
# itself, whose own address the fetcher always allows; the rest of loopback stays closed.
run: install
	@(umask 077 && mkdir -p "$(FLORILEGE_DATA_DIR)")
	@test -s "$(FLORILEGE_DATA_DIR)/secret_key" || (umask 077 && $(BIN)/python -c \
		"import secrets; print(secrets.token_urlsafe(50))" > "$(FLORILEGE_DATA_DIR)/secret_key")
	$(BIN)/python manage.py serve --demo

# Browser tests drive Debian's Chromium; as root we install it, otherwise they skip.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
		>/dev/null; } || echo "chromium not installed: browser tests will be skipped"

# The PostgreSQL run of CI goes through Debian's PgBouncer (transaction pooling); as root we
# install it, otherwise `pytest -p florilege.testing_pgbouncer` says how.
pgbouncer:
	@test -x /usr/sbin/pgbouncer || command -v pgbouncer >/dev/null || { [ "$$(id -u)" = 0 ] && \
		command -v apt-get >/dev/null && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null; } || \
		echo "pgbouncer not installed: the pooled PostgreSQL run cannot start"

# The Fedify test peer (federation interop) is installed from npm exactly as its lock file
# pins it; without npm, or when the install fails, its test skips and says why.
FEDIFY_PEER := florilege/federation/tests/peers/fedify
$(FEDIFY_PEER)/node_modules/.installed: $(FEDIFY_PEER)/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: the Fedify peer test will be skipped"; exit 0; }; \
	cd $(FEDIFY_PEER) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed \
	|| echo "npm ci failed in $(FEDIFY_PEER): the Fedify peer test will be skipped"

fedify-peer: $(FEDIFY_PEER)/node_modules/.installed

# The reader-app tests drive Debian's newsboat (and tmux for its interactive part); as
# root we install them, otherwise those tests skip and say why.
newsboat:
	@{ command -v newsboat >/dev/null && command -v tmux >/dev/null; } || { [ "$$(id -u)" = 0 ] && \
		command -v apt-get >/dev/null && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq newsboat tmux >/dev/null; } || \
		echo "newsboat not installed: its reader-app tests will be skipped"
	@command -v newsboat >/dev/null && newsboat --version | head -1 || true

test: install chromium fedify-peer newsboat
test: install chromium pgbouncer fedify-peer
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	FLORILEGE_DEBUG=1 $(BIN)/lint-imports
	FLORILEGE_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Benchmarks: each prints a table (ours beside the peer's, same run) and a last line
# "summary key=value ...". nginx (Debian) serves the generated feeds on loopback.
$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench-ingest: $(VENV)/.bench-installed
	@command -v nginx >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; } || \
		{ echo "bench-ingest needs nginx: sudo apt-get install nginx-light"; exit 1; }
	$(BIN)/python -m bench.ingest $(BENCH_ARGS)

# One scoop to 10,000 followers on 1,000 simulated instances (a loopback receiver that
# verifies every signature), then again with 5% of the instances hanging.
bench-federation: install
	$(BIN)/python -m bench.federation $(BENCH_ARGS)

# Language identification (Lingua and MasakhaNEWS corpora) and story clustering (BBC News).
bench-language: install
	$(BIN)/python -m bench.language $(BENCH_ARGS)

bench-dedup: install
	$(BIN)/python -m bench.dedup $(BENCH_ARGS)

# The page served by Florilège (granian, as `make run` serves it) beside the same page as
# a file served by nginx, both under wrk; wrk and nginx come from Debian.
bench-serve: $(VENV)/.bench-installed
	@{ command -v nginx >/dev/null && command -v wrk >/dev/null; } || { [ "$$(id -u)" = 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk \
		nginx-light >/dev/null; } || \
		{ echo "bench-serve needs wrk and nginx: sudo apt-get install wrk nginx-light"; exit 1; }
	$(BIN)/python -m bench.serve $(BENCH_ARGS)

# A reader app's sync of 1,000 unread suggestions (Google Reader ids then contents, and
# Miniflux pages), on SQLite and on PostgreSQL when DATABASE_URL is set.
bench-readers: install
	$(BIN)/python -m bench.readers $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var

# Ranking: relevance on the news corpora (../shared/data/news), and speed (scoring, queue page;
# PostgreSQL too when DATABASE_URL is set).
bench-relevance: install
	$(BIN)/python -m bench.relevance $(BENCH_ARGS)

bench-ranking: install
	$(BIN)/python -m bench.ranking $(BENCH_ARGS)

# Largest contentful paint and layout shift of the topic page and a permalink on a phone,
# in headless Chromium under a throttled 4G profile (Debian's chromium: make chromium).
bench-lcp: $(VENV)/.bench-installed chromium
	$(BIN)/python -m bench.lcp $(BENCH_ARGS)
# Audience analytics: a year of synthetic traffic for 100 topics; the Audience page p95,
# rollup throughput, topic page req/s with counting on and off (PostgreSQL too when
# DATABASE_URL is set).
bench-analytics: install
	$(BIN)/python -m bench.analytics $(BENCH_ARGS)
# Suggestion queue through the REST API (100,000 pending), and the reader-app sync.
bench-api: install
	$(BIN)/python -m bench.api $(BENCH_ARGS)

# Scale: 2,000,000 entries generated on PostgreSQL with COPY (database fl_scale_bench on
# 127.0.0.1, recreated), two web hosts and three worker pools as separate processes on one
# PostgreSQL, one Redis and moto's S3 server, feeds served by nginx; e.g.
# BENCH_ARGS="--scale 0.05 --warm-minutes 5 --soak-minutes 10" for a quick run.
bench-scale: $(VENV)/.bench-installed
	@command -v nginx >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; } || \
		{ echo "bench-scale needs nginx: sudo apt-get install nginx-light"; exit 1; }
	@df -h /tmp | tail -1
	$(BIN)/python -m bench.scale $(BENCH_ARGS)

# The committed OpenAPI document of the REST API (a test fails when it is out of date).
openapi: install
	FLORILEGE_DEBUG=1 $(BIN)/python manage.py export_openapi_schema --api florilege.api.api.api \
	  --indent 2 --sorted --output docs/api/openapi.json
