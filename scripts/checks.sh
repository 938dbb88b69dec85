#!/usr/bin/env bash
# Usage: scripts/checks.sh
#
# The checks of `make test` that run after `cargo test`, concurrently in three lanes so that CI
# stays short on 2 cores (most of their time is spent waiting on servers, the JVM and npm):
#   contract:  scripts/fuzz.sh (schemathesis against a live server)
#   clients:   scripts/clients-test.sh (TypeScript and Python clients), then
#              scripts/portal-test.sh (the example portal in headless Chromium)
#   spec:      scripts/spec-lint.sh (Redocly, Spectral), scripts/generators-check.sh (Kotlin,
#              Swift), scripts/test-ensure-postgres.sh (the PostgreSQL bootstrap self-check),
#              scripts/cluster-test.sh (primary, streaming replica, two instances, HAProxy),
#              scripts/edge-test.sh (Varnish in front, purged by writes)
# Each lane's output goes to target/checks/<lane>.log and is printed when the lane ends, so the
# logs do not interleave. Each lane is bounded by CHECKS_TIMEOUT seconds (default 1200). Exit
# code 0 only when every lane passed.
#
# Environment: NEWSDESK_BIN (the server binary, passed on), CHECKS_TIMEOUT.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
LOGS=${CARGO_TARGET_DIR:-target}/checks
mkdir -p "$LOGS"
LIMIT=${CHECKS_TIMEOUT:-1200}
started=$SECONDS

lane() {
	local name=$1
	shift
	local cmd
	for cmd in "$@"; do
		echo "== $cmd"
		# shellcheck disable=SC2086
		timeout --kill-after=10 "$LIMIT" $cmd || { echo "== FAILED: $cmd (exit $?)"; return 1; }
	done
}

declare -A pids
lane contract scripts/fuzz.sh >"$LOGS/contract.log" 2>&1 &
pids[contract]=$!
lane clients scripts/clients-test.sh scripts/portal-test.sh >"$LOGS/clients.log" 2>&1 &
pids[clients]=$!
lane spec scripts/spec-lint.sh scripts/generators-check.sh scripts/test-ensure-postgres.sh \
	scripts/cluster-test.sh scripts/edge-test.sh >"$LOGS/spec.log" 2>&1 &
pids[spec]=$!

failed=()
for name in spec contract clients; do
	if wait "${pids[$name]}"; then
		status=passed
	else
		status=FAILED
		failed+=("$name")
	fi
	echo "---------------- checks: $name lane $status ($((SECONDS - started)) s) ----------------"
	cat "$LOGS/$name.log"
done
if ((${#failed[@]})); then
	echo "checks: FAILED lanes: ${failed[*]} (logs in $LOGS)" >&2
	exit 1
fi
echo "checks: every lane passed in $((SECONDS - started)) s"
