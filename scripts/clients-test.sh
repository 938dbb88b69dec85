#!/usr/bin/env bash
# Usage: scripts/clients-test.sh
#
# Generated clients, tested: generates a TypeScript client (openapi-typescript types +
# openapi-fetch) and a Python client (openapi-python-client) from the committed OpenAPI spec,
# fails when either lost types, type-checks the smoke scripts (`tsc --strict`, `mypy --strict`),
# then runs both of them (clients/ts/smoke.ts, clients/python/smoke.py) against a live
# server on a throwaway database. Exit code 0 only when every step passed.
#
# Tools are pinned and project-local: clients/ts/node_modules (npm ci from package-lock.json)
# and .venv-clients (pip from clients/python/requirements.txt), reinstalled when their pins
# change. Generated code goes to clients/ts/generated, clients/ts/dist and
# clients/python/generated; none of it is committed.
#
# Environment:
#   NEWSDESK_BIN   server binary (default: ${CARGO_TARGET_DIR:-target}/debug/newsdesk; build it first)
#   CLIENTS_SPEC   OpenAPI document (default: openapi/openapi.json)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BIN=${NEWSDESK_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/newsdesk}
SPEC=${CLIENTS_SPEC:-$ROOT/openapi/openapi.json}
[[ $SPEC == /* ]] || SPEC=$ROOT/$SPEC
TS=$ROOT/clients/ts
PY_DIR=$ROOT/clients/python
VENV=$ROOT/.venv-clients

log() { printf '%s\n' "clients: $*" >&2; }
started=$SECONDS

[[ -f $SPEC ]] || { log "$SPEC not found: run 'make openapi' (or set CLIENTS_SPEC)"; exit 1; }
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
	{ log "needs Node.js 20 or later with npm (e.g. apt-get install nodejs npm)"; exit 1; }

# stamp FILE -> the checksum that says which pins an installation was made from.
stamp() { sha256sum "$1" | cut -d' ' -f1; }

# ---- tools -----------------------------------------------------------------------------------
if [[ $(cat "$TS/node_modules/.newsdesk-stamp" 2>/dev/null) != "$(stamp "$TS/package-lock.json")" ]]; then
	log "installing the TypeScript tools (npm ci in clients/ts)"
	(cd "$TS" && npm ci --no-audit --no-fund --loglevel=error >&2)
	stamp "$TS/package-lock.json" >"$TS/node_modules/.newsdesk-stamp"
fi

# shellcheck source=scripts/python-venv.sh
source "$ROOT/scripts/python-venv.sh"
python_tools "$VENV" "$PY_DIR/requirements.txt"

# ---- generate, and fail on lost types -------------------------------------------------------
# run_generator NAME CMD... -> runs CMD; fails when it fails or warns (its output is shown then).
run_generator() {
	local name=$1 out
	shift
	if ! out=$("$@" 2>&1); then
		printf '%s\n' "$out" >&2
		log "$name failed"
		exit 1
	fi
	if grep -qiE 'warn|⚠' <<<"$out"; then
		printf '%s\n' "$out" >&2
		log "$name warned: fix openapi/openapi.json at its source (the utoipa annotations in src/)"
		exit 1
	fi
}

rm -rf "$TS/generated" "$TS/dist" "$PY_DIR/generated"
mkdir -p "$TS/generated" "$PY_DIR/generated"
run_generator openapi-typescript "$TS/node_modules/.bin/openapi-typescript" "$SPEC" \
	--output "$TS/generated/schema.d.ts"
node "$TS/check-types.mjs" "$TS/generated/schema.d.ts"
# ruff (in the virtualenv) formats the generated package.
PATH=$VENV/bin:$PATH run_generator openapi-python-client "$VENV/bin/openapi-python-client" generate \
	--path "$SPEC" --meta none --config "$PY_DIR/config.yml" --output-path "$PY_DIR/generated/newsdesk_client"
log "generated both clients"

# Strict type checks of the smoke scripts against the generated code (tsc also writes the
# JavaScript to run).
(cd "$TS" && node_modules/.bin/tsc -p tsconfig.json)
log "smoke.ts type-checks (tsc --strict)"
(cd "$PY_DIR" && "$VENV/bin/mypy" --config-file mypy.ini --cache-dir "$VENV/mypy-cache" smoke.py >&2)
log "smoke.py type-checks (mypy --strict)"

# ---- run the smokes against a live server ----------------------------------------------------
# shellcheck source=scripts/live-server.sh
source "$ROOT/scripts/live-server.sh"
LIVE_LOG_PREFIX=clients
trap live_server_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Views reach the database (and the most-read lists) within a fraction of a second.
LIVE_ENV=(VIEWS_FLUSH_INTERVAL=0.2 RANKINGS_TTL=1)
live_server_start newsdesk_clients
EMAIL=clients@example.com
PASSWORD=clients-password-123
live_server_user "$EMAIL" "$PASSWORD" admin Clients

export NEWSDESK_URL=$LIVE_BASE NEWSDESK_EMAIL=$EMAIL NEWSDESK_PASSWORD=$PASSWORD SMOKE_RUN=$$
failed=()
log "TypeScript smoke (openapi-fetch):"
node "$TS/dist/smoke.js" || failed+=(TypeScript)
log "Python smoke (openapi-python-client):"
"$VENV/bin/python" "$PY_DIR/smoke.py" || failed+=(Python)

if ! live_server_alive; then
	log "the server died during the smokes"
	live_server_log_tail 60
	exit 1
fi
if ((${#failed[@]})); then
	live_server_log_tail 40
	log "FAILED: the ${failed[*]} smoke"
	exit 1
fi
log "both clients passed in $((SECONDS - started)) s"
