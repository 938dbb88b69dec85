# shellcheck shell=bash
# A throwaway newsdesk server for the scripts that test against a live one (fuzz.sh,
# clients-test.sh). Source it; it defines functions and variables, nothing runs.
#
#   live_server_start NAME [--seed]   a database NAME_<pid> (found or started by ensure-postgres.sh),
#                                     a free loopback port, a random JWT secret, rate limits off,
#                                     `migrate` (and `seed` with --seed), then `serve` until /livez
#                                     answers. Sets LIVE_BASE (http://127.0.0.1:PORT), LIVE_PID,
#                                     LIVE_DB_URL and LIVE_TMP (logs); exports the server's settings.
#   live_server_user EMAIL PASSWORD ROLE [DISPLAY_NAME]
#                                     `newsdesk users create`
#   live_server_token EMAIL PASSWORD  prints an access token from POST /api/v1/auth/login
#   live_server_alive                 0 while the server process runs
#   live_server_log_tail [N]          the server log's last N lines (40) on stderr
#   live_server_stop                  stops the server, drops the database, removes LIVE_TMP
#                                     (call it from an EXIT trap)
#
# The caller sets BIN (the server binary) and may define log(); LIVE_ENV (an array of NAME=VALUE)
# adds or overrides server settings. Needs curl and python3.

LIVE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LIVE_BASE=""
LIVE_PID=""
LIVE_DB_URL=""
LIVE_TMP=""

declare -F log >/dev/null || log() { printf '%s\n' "live-server: $*" >&2; }

live_server_alive() { [[ -n $LIVE_PID ]] && kill -0 "$LIVE_PID" 2>/dev/null; }

live_server_log_tail() {
	log "last lines of the server log:"
	tail -n "${1:-40}" "$LIVE_TMP/server.log" >&2 || true
}

# live_server_run LOGNAME CMD... -> runs CMD with its output in LIVE_TMP/LOGNAME.log, shown on failure.
live_server_run() {
	local name=$1 file
	shift
	file=$LIVE_TMP/${name// /-}.log
	if ! "$@" >"$file" 2>&1; then
		cat "$file" >&2
		log "'newsdesk $name' failed"
		return 1
	fi
}

live_server_start() {
	local name=$1 seed=${2:-} port secret
	[[ -x $BIN ]] || { log "$BIN not found or not executable: run 'cargo build' (or set NEWSDESK_BIN)"; return 1; }
	LIVE_TMP=$(mktemp -d)
	LIVE_DB_URL=$("$LIVE_ROOT/scripts/ensure-postgres.sh" "${name}_$$") || return 1
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
	LIVE_BASE=http://127.0.0.1:$port
	if command -v openssl >/dev/null 2>&1; then
		secret=$(openssl rand -hex 32)
	else
		secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	fi
	# Rate limits are off: test clients send far more than a reader would.
	# A media folder of its own (with its temporary files), for the demo media and uploads.
	export DATABASE_URL=$LIVE_DB_URL BIND_ADDR=127.0.0.1:$port JWT_SECRET=$secret RUST_LOG=warn \
		NEWSDESK_ENV=test RATE_LIMIT_PER_MINUTE=0 BEACON_RATE_LIMIT_PER_MINUTE=0 \
		MEDIA_DIR=$LIVE_TMP/media MEDIA_UPLOADS_PER_MINUTE=0
	if [[ -v LIVE_ENV ]] && ((${#LIVE_ENV[@]})); then export "${LIVE_ENV[@]}"; fi

	live_server_run migrate "$BIN" migrate || return 1
	if [[ $seed == --seed ]]; then
		# Demo content, so that reads by key meet real rows.
		NEWSDESK_ADMIN_PASSWORD=live-admin-password live_server_run seed "$BIN" seed || return 1
	fi

	"$BIN" serve >"$LIVE_TMP/server.log" 2>&1 &
	LIVE_PID=$!
	local deadline=$((SECONDS + 60))
	until [[ $(curl -s -o /dev/null -w '%{http_code}' "$LIVE_BASE/livez" 2>/dev/null) == 200 ]]; do
		if ! live_server_alive; then
			LIVE_PID=""
			log "the server exited before answering GET /livez"
			live_server_log_tail
			return 1
		fi
		if ((SECONDS >= deadline)); then
			log "GET $LIVE_BASE/livez did not answer 200 within 60 s"
			live_server_log_tail
			return 1
		fi
		sleep 0.2
	done
	log "server up at $LIVE_BASE"
}

live_server_user() {
	live_server_run "users create" "$BIN" users create --email "$1" --password "$2" --role "$3" \
		--display-name "${4:-${1%%@*}}"
}

live_server_token() {
	local body answer
	body=$(python3 -c 'import json, sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' "$1" "$2")
	answer=$(curl -sS -X POST "$LIVE_BASE/api/v1/auth/login" -H 'content-type: application/json' -d "$body") ||
		{ log "login request failed"; return 1; }
	python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' <<<"$answer" 2>/dev/null ||
		{ log "login did not return an access_token: $answer"; return 1; }
}

live_server_stop() {
	if live_server_alive; then
		kill -TERM "$LIVE_PID" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$LIVE_PID" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$LIVE_PID" 2>/dev/null || true
		wait "$LIVE_PID" 2>/dev/null || true
	fi
	LIVE_PID=""
	if [[ -n $LIVE_DB_URL ]]; then
		(PG_LOG_PREFIX=${LIVE_LOG_PREFIX:-live-server} && source "$LIVE_ROOT/scripts/pg-common.sh" &&
			pg_drop_db "$LIVE_DB_URL") || log "could not drop the throwaway database"
		LIVE_DB_URL=""
	fi
	[[ -z $LIVE_TMP ]] || rm -rf "$LIVE_TMP"
	LIVE_TMP=""
}
