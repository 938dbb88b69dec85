#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [extra schemathesis run options...]
#
# Contract fuzzing: starts the newsdesk server on a throwaway database and a free loopback port,
# creates an admin, logs in, and runs schemathesis against the committed OpenAPI spec with the
# admin's bearer token and every check. Exit code: schemathesis' (124 when FUZZ_TIMEOUT ran out).
#
# Environment:
#   NEWSDESK_BIN        server binary (default: ${CARGO_TARGET_DIR:-target}/debug/newsdesk; build it first)
#   FUZZ_SPEC           OpenAPI document (default: openapi/openapi.json)
#   FUZZ_MAX_EXAMPLES   test cases per operation and phase (default: 30)
#   FUZZ_SEED           random seed (default: 1)
#   FUZZ_WORKERS        concurrent schemathesis workers (default: 1)
#   FUZZ_TIMEOUT        hard limit in seconds for the schemathesis run (default: 600); it is then
#                       interrupted and still prints its summary
#   FUZZ_SHRINK=1       shrink failing examples (off by default: shrinking can take long)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SCHEMATHESIS_VERSION=4.32.5
VENV=$ROOT/.venv

BIN=${NEWSDESK_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/newsdesk}
SPEC=${FUZZ_SPEC:-$ROOT/openapi/openapi.json}
[[ $SPEC == /* ]] || SPEC=$PWD/$SPEC
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-30}
SEED=${FUZZ_SEED:-1}
WORKERS=${FUZZ_WORKERS:-1}
TIMEOUT=${FUZZ_TIMEOUT:-600}

log() { printf '%s\n' "fuzz: $*" >&2; }

[[ -x $BIN ]] || { log "$BIN not found or not executable: run 'cargo build' (or set NEWSDESK_BIN)"; exit 1; }
[[ -f $SPEC ]] || { log "$SPEC not found: run 'make openapi' (or set FUZZ_SPEC)"; exit 1; }

# ---- schemathesis in a project-local virtualenv --------------------------------------------
# shellcheck source=scripts/python-venv.sh
source "$ROOT/scripts/python-venv.sh"
ensure_venv() {
	if [[ -x $VENV/bin/schemathesis ]] &&
		[[ $("$VENV/bin/schemathesis" --version 2>/dev/null) == *" $SCHEMATHESIS_VERSION" ]]; then
		return 0
	fi
	python_venv "$VENV"
	log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
	"$VENV/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
}
ensure_venv
PY=$VENV/bin/python

# ---- server on a throwaway database ----------------------------------------------------------
# shellcheck source=scripts/live-server.sh
source "$ROOT/scripts/live-server.sh"
LIVE_LOG_PREFIX=fuzz
trap live_server_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Demo content (--seed), so that reads by key and the stateful phase meet real rows.
live_server_start newsdesk_fuzz --seed
BASE=$LIVE_BASE
live_server_user fuzz@example.com 'fuzz-password-123' admin Fuzz
TOKEN=$(live_server_token fuzz@example.com 'fuzz-password-123')

# ---- schemathesis ---------------------------------------------------------------------------
# Operations that end the fuzzing session itself (logging out everywhere, changing the
# password, disabling or deleting accounts) run in a pass of their own, last.
SESSION_ENDERS=(delete_all_sessions update_current_user update_user delete_user)
# DELETE /api-keys/{id} revokes a key, which stays readable (marked `revoked`) for the record,
# as documented; the stateful phase's use-after-free check would call the read that follows a
# failure. It runs in the last pass, where no read of a key can follow it.
SOFT_DELETES=(revoke_api_key)

common=(
	run "$SPEC"
	--url "$BASE"
	--checks all
	--exclude-checks positive_data_acceptance
	--max-examples "$MAX_EXAMPLES"
	--seed "$SEED"
	--workers "$WORKERS"
	--generation-database none
	--request-timeout 10
	--no-color
)
if "$PY" - "$SPEC" <<'PYEOF'; then
import json, re, sys
paths = json.load(open(sys.argv[1])).get("paths", {})
sys.exit(0 if any(re.match(r"^/(metrics|docs)(/|$)", p) for p in paths) else 1)
PYEOF
	common+=(--exclude-path-regex '^/(metrics|docs)(/|$)')
fi
[[ ${FUZZ_SHRINK:-0} == 1 ]] || common+=(--no-shrink)

WORKDIR=${CARGO_TARGET_DIR:-$ROOT/target}/schemathesis
mkdir -p "$WORKDIR"
# No automatic sign-up through POST /users (schemathesis reads this file from its working
# directory): the passes choose their own credentials. Invalid data may also be refused with
# 412 (a fuzzed If-Match) or 414 (a fuzzed query longer than the URL limit): both are refusals.
cat >"$WORKDIR/schemathesis.toml" <<'TOML'
[auth]
auto-signup = false

[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "412", "414", "415", "422", "428", "429"]
TOML
rc=0
# One schemathesis pass: a name, then its extra arguments.
pass() {
	local name=$1
	shift
	local args=("${common[@]}" "$@" "${EXTRA_ARGS[@]}")
	local shown
	printf -v shown '%q ' "${args[@]}"
	log "pass '$name': schemathesis ${shown//$TOKEN/<token>}"
	local prc=0
	(cd "$WORKDIR" && exec timeout -s INT -k 30 "$TIMEOUT" "$VENV/bin/schemathesis" "${args[@]}") || prc=$?
	if ((prc == 124)); then
		log "pass '$name' did not finish within FUZZ_TIMEOUT=$TIMEOUT s"
	fi
	((prc == 0)) || rc=$prc
	if ! live_server_alive; then
		log "the server died during pass '$name'"
		live_server_log_tail 60
		exit 1
	fi
}
EXTRA_ARGS=("$@")
enders=()
for op in "${SESSION_ENDERS[@]}" "${SOFT_DELETES[@]}"; do enders+=(--exclude-operation-id "$op"); done
# schemathesis takes POST /users for a sign-up operation and then holds every property of its
# body required, so leaving out the optional display_name counts as "invalid data accepted":
# that operation runs in a pass of its own without the negative-data check.
pass "staff" --header "Authorization: Bearer $TOKEN" "${enders[@]}" --exclude-operation-id create_user
pass "create user" --header "Authorization: Bearer $TOKEN" --include-operation-id create_user \
	--exclude-checks positive_data_acceptance,negative_data_rejection
pass "anonymous"
only=()
for op in "${SESSION_ENDERS[@]}" "${SOFT_DELETES[@]}"; do only+=(--include-operation-id "$op"); done
pass "session enders and soft deletes" --header "Authorization: Bearer $TOKEN" "${only[@]}"
((rc == 0)) || live_server_log_tail 40
exit "$rc"
