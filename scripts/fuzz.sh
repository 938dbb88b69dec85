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
# shellcheck disable=SC2317 # cleanup() runs from a trap

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
ensure_venv() {
	if [[ -x $VENV/bin/schemathesis ]] &&
		[[ $("$VENV/bin/schemathesis" --version 2>/dev/null) == *" $SCHEMATHESIS_VERSION" ]]; then
		return 0
	fi
	if [[ ! -x $VENV/bin/python ]]; then
		log "creating $VENV"
		if ! python3 -m venv "$VENV" >&2; then
			rm -rf "$VENV"
			if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
				log "installing python3-venv"
				apt-get update -qq >&2
				DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
				python3 -m venv "$VENV" >&2
			else
				log "python3 cannot make a virtualenv: install python3-venv"
				exit 1
			fi
		fi
	fi
	log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
	"$VENV/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
}
ensure_venv
PY=$VENV/bin/python

# ---- server on a throwaway database ----------------------------------------------------------
TMP=$(mktemp -d)
DB_URL=""
SERVER_PID=""
cleanup() {
	if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	if [[ -n $DB_URL ]]; then
		(PG_LOG_PREFIX=fuzz && source "$ROOT/scripts/pg-common.sh" && pg_drop_db "$DB_URL") ||
			log "could not drop the throwaway database"
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

server_log_tail() {
	log "last lines of the server log:"
	tail -n "${1:-40}" "$TMP/server.log" >&2 || true
}

DB_URL=$(scripts/ensure-postgres.sh "newsdesk_fuzz_$$")
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE=http://127.0.0.1:$PORT
if command -v openssl >/dev/null 2>&1; then
	JWT=$(openssl rand -hex 32)
else
	JWT=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
fi
# Rate limits are off: the passes send far more than a client would (their 429s are documented).
export DATABASE_URL=$DB_URL BIND_ADDR=127.0.0.1:$PORT JWT_SECRET=$JWT RUST_LOG=warn NEWSDESK_ENV=test \
	RATE_LIMIT_PER_MINUTE=0 BEACON_RATE_LIMIT_PER_MINUTE=0

if ! "$BIN" migrate >"$TMP/migrate.log" 2>&1; then
	cat "$TMP/migrate.log" >&2
	log "'newsdesk migrate' failed"
	exit 1
fi

# Demo content, so that reads by key and the stateful phase meet real rows.
if ! NEWSDESK_ADMIN_PASSWORD=fuzz-admin-password "$BIN" seed >"$TMP/seed.log" 2>&1; then
	cat "$TMP/seed.log" >&2
	log "'newsdesk seed' failed"
	exit 1
fi

"$BIN" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
deadline=$((SECONDS + 60))
until [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/livez" 2>/dev/null) == 200 ]]; do
	if ! kill -0 "$SERVER_PID" 2>/dev/null; then
		SERVER_PID=""
		log "the server exited before answering GET /livez"
		server_log_tail
		exit 1
	fi
	if ((SECONDS >= deadline)); then
		log "GET $BASE/livez did not answer 200 within 60 s"
		server_log_tail
		exit 1
	fi
	sleep 0.2
done
log "server up at $BASE"

if ! "$BIN" users create --email fuzz@example.com --role admin --password 'fuzz-password-123' \
	--display-name Fuzz >"$TMP/users.log" 2>&1; then
	cat "$TMP/users.log" >&2
	log "'newsdesk users create' failed"
	exit 1
fi

login=$(curl -sS -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
	-d '{"email":"fuzz@example.com","password":"fuzz-password-123"}') || { log "login request failed"; exit 1; }
TOKEN=$(printf '%s' "$login" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' 2>/dev/null) || {
	log "login did not return an access_token: $login"
	exit 1
}

# ---- schemathesis ---------------------------------------------------------------------------
# Operations that end the fuzzing session itself (logging out everywhere, changing the
# password, disabling or deleting accounts) run in a pass of their own, last.
SESSION_ENDERS=(delete_all_sessions update_current_user update_user delete_user)

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
# directory): the passes choose their own credentials.
printf '[auth]\nauto-signup = false\n' >"$WORKDIR/schemathesis.toml"
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
	if ! kill -0 "$SERVER_PID" 2>/dev/null; then
		log "the server died during pass '$name'"
		SERVER_PID=""
		server_log_tail 60
		exit 1
	fi
}
EXTRA_ARGS=("$@")
enders=()
for op in "${SESSION_ENDERS[@]}"; do enders+=(--exclude-operation-id "$op"); done
# schemathesis takes POST /users for a sign-up operation and then holds every property of its
# body required, so leaving out the optional display_name counts as "invalid data accepted":
# that operation runs in a pass of its own without the negative-data check.
pass "staff" --header "Authorization: Bearer $TOKEN" "${enders[@]}" --exclude-operation-id create_user
pass "create user" --header "Authorization: Bearer $TOKEN" --include-operation-id create_user \
	--exclude-checks positive_data_acceptance,negative_data_rejection
pass "anonymous"
only=()
for op in "${SESSION_ENDERS[@]}"; do only+=(--include-operation-id "$op"); done
pass "session enders" --header "Authorization: Bearer $TOKEN" "${only[@]}"
((rc == 0)) || server_log_tail 40
exit "$rc"
