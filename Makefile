# newsdesk — the commands a newcomer types: `make run` and `make test`.
# Both find or start PostgreSQL themselves (scripts/ensure-postgres.sh).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

# cargo from rustup, also when the shell's profile was not read.
export PATH := $(HOME)/.cargo/bin:$(PATH)

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
BIN := $(TARGET_DIR)/debug/newsdesk

.PHONY: help run test lint fmt openapi openapi-check schema schema-check fuzz clients-test portal-test spec-lint generators-check bootstrap-test cluster-test cluster-bench edge-test clean-data bench soak

help:
	@echo "make run            start the server (creates .env, finds/starts PostgreSQL, migrates, seeds)"
	echo "make test           lint, build, cargo test, schema check, then concurrently: contract fuzzing, generated clients,"
	echo "                    the example portal in Chromium, spec linters, Kotlin/Swift generators, bootstrap self-check,"
	echo "                    the replication cluster test, the Varnish edge test"
	echo "make lint           cargo fmt --check and cargo clippy -D warnings"
	echo "make fmt            cargo fmt"
	echo "make openapi        regenerate openapi/openapi.json"
	echo "make openapi-check  fail when openapi/openapi.json is stale"
	echo "make schema         regenerate src/db/schema.rs from migrations/"
	echo "make schema-check   fail when src/db/schema.rs is stale"
	echo "make fuzz           schemathesis against openapi/openapi.json on a throwaway database"
	echo "make clients-test   generate TypeScript and Python clients from openapi/openapi.json, run their smoke scripts"
	echo "make portal-test    the example portal (examples/portal) against a seeded server, in headless Chromium"
	echo "make spec-lint      Redocly (recommended) and Spectral (spectral:oas) on openapi/openapi.json"
	echo "make generators-check  openapi-generator for Kotlin and Swift, generated models inspected"
	echo "make bootstrap-test self-check of scripts/ensure-postgres.sh"
	echo "make cluster-test   a primary, a streaming replica, two instances and HAProxy on loopback (also in make test)"
	echo "make cluster-bench  release build; one instance on the primary vs two reading from the replica"
	echo "make edge-test      newsdesk behind a real Varnish (deploy/varnish/newsdesk.vcl), purged by writes (also in make test)"
	echo "make clean-data     stop the project-local PostgreSQL cluster and delete .data/"
	echo "make bench          release build, synthetic data (BENCH_ARTICLES=20000), wrk + pgbench table"
	echo "make soak           release build, SOAK_MINUTES=10 of mixed traffic with a database fault in the middle (not in make test)"

run:
	@if [[ ! -f .env ]]; then
		[[ -f .env.example ]] || { echo "make run: .env.example is missing" >&2; exit 1; }
		secret=$$(openssl rand -hex 32 2>/dev/null || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
		sed "s/^JWT_SECRET=.*/JWT_SECRET=$$secret/" .env.example > .env
		grep -q '^JWT_SECRET=' .env || echo "JWT_SECRET=$$secret" >> .env
		echo "make run: created .env from .env.example with a random JWT_SECRET"
	fi
	DATABASE_URL=$$(scripts/ensure-postgres.sh newsdesk)
	export DATABASE_URL
	echo "make run: DATABASE_URL=$$(sed -E 's#(://[^:@/]*):[^@/]*@#\1:***@#' <<<"$$DATABASE_URL")"
	cargo build
	$(BIN) migrate
	$(BIN) seed --if-empty
	exec $(BIN) serve

test: lint
	@TEST_DATABASE_URL=$$(scripts/ensure-postgres.sh postgres)
	export TEST_DATABASE_URL
	echo "make test: TEST_DATABASE_URL=$$(sed -E 's#(://[^:@/]*):[^@/]*@#\1:***@#' <<<"$$TEST_DATABASE_URL")"
	set -x
	# The media tests' S3-compatible server (moto), installed while the build runs.
	( source scripts/python-venv.sh && python_tools .venv-moto tests/s3/requirements.txt ) &
	moto=$$!
	cargo build --all-targets
	wait $$moto
	export NEWSDESK_MOTO_SERVER=$(abspath .venv-moto/bin/moto_server)
	cargo test -- --test-threads=4
	scripts/schema-check.sh
	NEWSDESK_BIN=$(abspath $(BIN)) scripts/checks.sh

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

fmt:
	cargo fmt

openapi:
	@mkdir -p openapi
	cargo run --quiet -- openapi > openapi/openapi.json.tmp
	mv openapi/openapi.json.tmp openapi/openapi.json
	echo "wrote openapi/openapi.json"

openapi-check:
	@tmp=$$(mktemp)
	trap 'rm -f "$$tmp"' EXIT
	cargo run --quiet -- openapi > "$$tmp"
	diff -u --label openapi/openapi.json --label "cargo run -- openapi" openapi/openapi.json "$$tmp" ||
		{ echo "openapi/openapi.json is stale: run 'make openapi'" >&2; exit 1; }

schema:
	scripts/schema-check.sh --write

schema-check:
	scripts/schema-check.sh

fuzz:
	cargo build
	NEWSDESK_BIN=$(BIN) scripts/fuzz.sh

clients-test:
	cargo build
	NEWSDESK_BIN=$(BIN) scripts/clients-test.sh

portal-test:
	cargo build
	NEWSDESK_BIN=$(BIN) scripts/portal-test.sh

spec-lint:
	scripts/spec-lint.sh

generators-check:
	scripts/generators-check.sh

bootstrap-test:
	scripts/test-ensure-postgres.sh

cluster-test:
	cargo build
	NEWSDESK_BIN=$(BIN) scripts/cluster-test.sh

edge-test:
	cargo build
	NEWSDESK_BIN=$(BIN) scripts/edge-test.sh

cluster-bench:
	@if ! command -v wrk >/dev/null; then
		if [[ $$(id -u) == 0 ]] && command -v apt-get >/dev/null; then
			echo "make cluster-bench: installing wrk with apt-get"
			apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
		else
			echo "make cluster-bench: needs wrk: sudo apt-get install wrk" >&2; exit 1
		fi
	fi
	cargo build --release --bin newsdesk
	CLUSTER_BENCH=1 NEWSDESK_BIN=$(TARGET_DIR)/release/newsdesk scripts/cluster-test.sh

clean-data:
	scripts/stop-local-postgres.sh
	rm -rf .data

bench:
	@if ! command -v wrk >/dev/null || ! command -v pgbench >/dev/null || ! command -v varnishd >/dev/null; then
		if [[ $$(id -u) == 0 ]] && command -v apt-get >/dev/null; then
			echo "make bench: installing wrk, PostgreSQL (for pgbench) and Varnish with apt-get"
			apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk postgresql varnish varnish-modules >/dev/null
		else
			echo "make bench: needs wrk, pgbench and Varnish: sudo apt-get install wrk postgresql varnish varnish-modules" >&2; exit 1
		fi
	fi
	cargo build --release --bin newsdesk --example bare --example static_files
	NEWSDESK_BIN=$(TARGET_DIR)/release/newsdesk python3 scripts/bench.py

# A bounded soak run (examples/soak.rs): mixed traffic for SOAK_MINUTES against a release server
# whose database connections go through a fault-injection proxy (SOAK_FAULT=blackhole|cut|none,
# SOAK_FAULT_SECS in the middle of the run); see README.md, "Soak".
soak:
	@cargo build --release --bins --examples
	SERVER_URL=$$(scripts/ensure-postgres.sh postgres)
	$(TARGET_DIR)/release/examples/soak $(abspath $(TARGET_DIR))/release/newsdesk "$$SERVER_URL"
