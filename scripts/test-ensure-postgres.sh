#!/usr/bin/env bash
# Self-check of scripts/ensure-postgres.sh and scripts/stop-local-postgres.sh on a throwaway
# project-local cluster (temporary data dir, port 54339 unless NEWSDESK_PG_TEST_PORT is set),
# so it never touches a real .data cluster or the server on 5432.
# Prints one line per check and a last line "bootstrap: N passed, M failed"; exits non-zero
# when a check failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT=$PWD
ENSURE=$ROOT/scripts/ensure-postgres.sh
STOP=$ROOT/scripts/stop-local-postgres.sh

TMP=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-bootstrap.XXXXXX")
chmod 755 "$TMP" # the postgres user must reach the data dir below it
export NEWSDESK_PG_FORCE_LOCAL=1
export NEWSDESK_PG_DATA_DIR=$TMP/pg
export NEWSDESK_PG_LOCAL_PORT=${NEWSDESK_PG_TEST_PORT:-54339}
unset DATABASE_URL
PORT=$NEWSDESK_PG_LOCAL_PORT
DB=newsdesk_bootstrap_test
EXPECTED="postgres://postgres@127.0.0.1:$PORT/$DB"

cleanup() {
	"$STOP" >/dev/null 2>&1 || true
	# If pg_ctl could not stop it, end the postmaster we started, by its pid.
	if [[ -f $TMP/pg/postmaster.pid ]]; then
		local pid
		pid=$(head -n 1 "$TMP/pg/postmaster.pid")
		[[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null && sleep 1
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

passed=0
failed=0
check() { # check NAME COMMAND...
	local name=$1
	shift
	if "$@"; then
		echo "ok - $name"
		passed=$((passed + 1))
	else
		echo "FAIL - $name"
		failed=$((failed + 1))
	fi
}

psql_q() { psql "$1" -X -A -t -q -c "$2" 2>>"$TMP/err.log"; }
postmaster_pid() { head -n 1 "$TMP/pg/postmaster.pid" 2>/dev/null; }

# 1. First run: initdb, start, create the database, print the URL.
url1=$("$ENSURE" "$DB" 2>"$TMP/run1.err")
rc1=$?
first_run() {
	[[ $rc1 == 0 && $url1 == "$EXPECTED" && -f $TMP/pg/PG_VERSION ]] ||
		{ echo "  rc=$rc1 url='$url1'"; sed 's/^/  /' "$TMP/run1.err"; return 1; }
}
check "first run creates and starts a local cluster and prints $EXPECTED" first_run

check "the URL answers 'select 1'" test -n "$url1" -a "$(psql_q "$url1" 'select 1')" = 1
check "database $DB exists" test "$(psql_q "postgres://postgres@127.0.0.1:$PORT/postgres" \
	"select count(*) from pg_database where datname = '$DB'")" = 1

# 2. Second run: reuses the running cluster, quickly.
pid1=$(postmaster_pid)
start=$(date +%s%N)
url2=$("$ENSURE" "$DB" 2>"$TMP/run2.err")
rc2=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
second_run() {
	if [[ $rc2 == 0 && $url2 == "$url1" && -n $pid1 && $(postmaster_pid) == "$pid1" ]] &&
		! grep -qE 'creating|starting' "$TMP/run2.err"; then
		return 0
	fi
	echo "  rc=$rc2 url='$url2' pid $pid1 -> $(postmaster_pid)"
	sed 's/^/  /' "$TMP/run2.err"
	return 1
}
check "second run reuses the running cluster (${elapsed_ms} ms)" second_run

# 3. DATABASE_URL that answers is preferred, with the requested database name.
url3=$(NEWSDESK_PG_FORCE_LOCAL=0 DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/some_other_db?connect_timeout=5" \
	"$ENSURE" newsdesk_bootstrap_a 2>"$TMP/run3.err")
check "an answering DATABASE_URL is used, with the requested database" \
	test "$url3" = "postgres://postgres@127.0.0.1:$PORT/newsdesk_bootstrap_a?connect_timeout=5"

# 4. Invalid database names are refused.
check "an invalid database name is refused" bash -c "! '$ENSURE' 'bad;name' >/dev/null 2>&1"

# 5. stop-local-postgres.sh stops it; the next run starts it again.
"$STOP" 2>"$TMP/stop.err"
check "stop-local-postgres.sh stops the cluster" \
	bash -c "! psql 'postgres://postgres@127.0.0.1:$PORT/postgres' -XAtqc 'select 1' >/dev/null 2>&1"
url4=$("$ENSURE" "$DB" 2>"$TMP/run4.err")
check "a stopped cluster is started again, its database kept" \
	test "$url4" = "$EXPECTED" -a "$(psql_q "$url4" 'select current_database()')" = "$DB"

echo "bootstrap: $passed passed, $failed failed"
((failed == 0))
