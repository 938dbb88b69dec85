#!/usr/bin/env bash
# Usage: scripts/ensure-postgres.sh [DBNAME]      (DBNAME defaults to "newsdesk")
#
# Finds or starts a PostgreSQL server, makes sure database DBNAME exists on it, and prints
# one line on stdout: the connection URL for DBNAME. Everything else goes to stderr.
#
# Order:
#   a. DATABASE_URL (environment, else the DATABASE_URL= line of .env in the repo root),
#      if a server answers there: its server and credentials, database DBNAME;
#   b. a server on 127.0.0.1:5432 (users root, then postgres);
#   c. the project-local cluster in .data/pg on port 54329, made with initdb and started with
#      pg_ctl from the system's PostgreSQL binaries (as the postgres user when run as root);
#   d. as root with apt-get: install Debian's postgresql package, then b/c;
#   e. otherwise: say what to install, exit 1.
#
# Environment:
#   NEWSDESK_PG_FORCE_LOCAL=1  skip a and b (always use the project-local cluster)
#   NEWSDESK_PG_DATA_DIR       data directory of the local cluster (default: .data/pg)
#   NEWSDESK_PG_LOCAL_PORT     port of the local cluster (default: 54329)
set -euo pipefail

PG_LOG_PREFIX=ensure-postgres
# shellcheck source=scripts/pg-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg-common.sh"

DBNAME=${1:-newsdesk}
if ! pg_valid_dbname "$DBNAME"; then
	pg_log "invalid database name '$DBNAME' (letters, digits and _ only, not starting with a digit)"
	exit 2
fi

mask() { sed -E 's#(://[^:@/]*):[^@/]*@#\1:***@#' <<<"$1"; }

# Ensures DBNAME through ADMIN_URL, then prints the URL for DBNAME built from BASE_URL.
finish() {
	local admin=$1 base=$2
	pg_create_db "$admin" "$DBNAME" || exit 1
	url_with_db "$base" "$DBNAME"
	exit 0
}

# ---- a. DATABASE_URL ------------------------------------------------------------------------
try_database_url() {
	local url="${DATABASE_URL:-}" origin="environment" admin
	if [[ -z $url && -f $PG_REPO_ROOT/.env ]]; then
		url=$(sed -nE 's/^[[:space:]]*(export[[:space:]]+)?DATABASE_URL[[:space:]]*=[[:space:]]*//p' \
			"$PG_REPO_ROOT/.env" | tail -n 1 | tr -d '\r')
		url=${url%\"}; url=${url#\"}; url=${url%\'}; url=${url#\'}
		origin=".env"
	fi
	[[ -n $url ]] || return 0
	if [[ ! $url =~ ^postgres(ql)?:// ]]; then
		pg_log "ignoring DATABASE_URL from $origin: not a postgres:// URL"
		return 0
	fi
	if ! pg_psql_bin >/dev/null; then
		pg_log "psql not found; cannot check DATABASE_URL from $origin"
		return 0
	fi
	admin=$(url_with_db "$url" postgres)
	if pg_answers "$admin"; then
		:
	elif pg_answers "$url"; then
		admin=$url
	else
		pg_log "DATABASE_URL from $origin ($(mask "$url")) does not answer; looking further"
		return 0
	fi
	if ! pg_db_exists "$admin" "$DBNAME" && ! pg_can_create "$admin"; then
		pg_log "the server of DATABASE_URL from $origin answers, but database $DBNAME does not exist and its user may not create databases"
		exit 1
	fi
	pg_log "using the server of DATABASE_URL from $origin"
	finish "$admin" "$url"
}

# ---- b. 127.0.0.1:5432 ----------------------------------------------------------------------
try_default_port() {
	pg_psql_bin >/dev/null || return 0
	local user admin users=(root postgres)
	[[ -n ${USER:-} && $USER != root && $USER != postgres ]] && users+=("$USER")
	for user in "${users[@]}"; do
		admin="postgres://$user@127.0.0.1:5432/postgres"
		pg_answers "$admin" || continue
		if pg_db_exists "$admin" "$DBNAME" || pg_can_create "$admin"; then
			pg_log "using the server on 127.0.0.1:5432 as user $user"
			finish "$admin" "$admin"
		fi
	done
}

# ---- c. project-local cluster ---------------------------------------------------------------
try_local_cluster() {
	local bindir major port admin
	if [[ -f $PG_DATA_DIR/PG_VERSION ]]; then
		major=$(cat "$PG_DATA_DIR/PG_VERSION")
		# Fast path: already running.
		if [[ -f $PG_DATA_DIR/postmaster.pid ]]; then
			port=$(sed -n 4p "$PG_DATA_DIR/postmaster.pid")
			admin="postgres://postgres@127.0.0.1:$port/postgres"
			if [[ $port =~ ^[0-9]+$ ]] && pg_answers "$admin"; then
				finish "$admin" "$admin"
			fi
		fi
		if ! bindir=$(pg_find_bindir "$major"); then
			pg_log "the cluster in $PG_DATA_DIR was made by PostgreSQL $major, whose server binaries are not installed:" \
				"install postgresql-$major, or remove the cluster with 'make clean-data'"
			exit 1
		fi
	else
		bindir=$(pg_find_bindir) || { pg_log "no PostgreSQL server binaries found"; exit 1; }
	fi
	PG_BINDIR=$bindir

	pg_ensure_system_user
	mkdir -p "$(dirname "$PG_DATA_DIR")"
	pg_make_traversable "$(dirname "$PG_DATA_DIR")"

	# One caller at a time sets the cluster up.
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$PG_DATA_DIR.lock"
		flock -w 120 9 || { pg_log "timed out waiting for $PG_DATA_DIR.lock"; exit 1; }
	fi

	if [[ ! -f $PG_DATA_DIR/PG_VERSION ]]; then
		if [[ -d $PG_DATA_DIR && -n $(ls -A "$PG_DATA_DIR") ]]; then
			pg_log "$PG_DATA_DIR exists, is not empty and holds no cluster; remove it ('make clean-data') and retry"
			exit 1
		fi
		mkdir -p "$PG_DATA_DIR"
		chmod 700 "$PG_DATA_DIR"
		pg_is_root && chown postgres:postgres "$PG_DATA_DIR"
		local locale_args=(--locale=C.UTF-8) out
		if command -v locale >/dev/null 2>&1 && ! locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
			locale_args=(--no-locale)
		fi
		pg_log "creating a local PostgreSQL $("$bindir/postgres" --version | grep -oE '[0-9]+(\.[0-9]+)?' | head -n1) cluster in $PG_DATA_DIR"
		if ! out=$(as_pg "$bindir/initdb" -D "$PG_DATA_DIR" --auth=trust -U postgres --encoding=UTF8 "${locale_args[@]}" 2>&1); then
			if [[ ${locale_args[0]} != --no-locale ]]; then
				pg_log "initdb with C.UTF-8 failed; retrying with --no-locale"
				find "$PG_DATA_DIR" -mindepth 1 -delete 2>/dev/null || true
				out=$(as_pg "$bindir/initdb" -D "$PG_DATA_DIR" --auth=trust -U postgres --encoding=UTF8 --no-locale 2>&1) ||
					{ printf '%s\n' "$out" >&2; pg_log "initdb failed"; exit 1; }
			else
				printf '%s\n' "$out" >&2
				pg_log "initdb failed"
				exit 1
			fi
		fi
	fi

	if ! port=$(pg_local_running); then
		port=$PG_LOCAL_PORT
		# Unix socket next to the data; a path too long for a socket (or odd characters) gets none.
		local sockdir=$PG_DATA_DIR
		if ((${#sockdir} > 90)) || [[ ! $sockdir =~ ^[A-Za-z0-9/._-]+$ ]]; then
			sockdir=""
		fi
		touch "$PG_LOG_FILE"
		pg_is_root && chown postgres:postgres "$PG_LOG_FILE"
		pg_log "starting the local cluster on 127.0.0.1:$port (log: $PG_LOG_FILE)"
		if ! as_pg "$bindir/pg_ctl" -D "$PG_DATA_DIR" -l "$PG_LOG_FILE" -w -t 60 \
			-o "-p $port -h 127.0.0.1 -k '$sockdir'" start >/dev/null; then
			pg_log "pg_ctl start failed; last lines of $PG_LOG_FILE:"
			tail -n 20 "$PG_LOG_FILE" >&2 || true
			exit 1
		fi
	fi
	admin="postgres://postgres@127.0.0.1:$port/postgres"
	local i
	for ((i = 0; i < 50; i++)); do
		pg_answers "$admin" && finish "$admin" "$admin"
		sleep 0.2
	done
	pg_log "the local cluster runs but does not answer at 127.0.0.1:$port"
	exit 1
}

# ---- d. install -----------------------------------------------------------------------------
install_postgresql() {
	pg_log "no PostgreSQL server binaries found; installing Debian's postgresql package"
	apt-get update -qq >&2 || apt-get update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
}

if [[ ${NEWSDESK_PG_FORCE_LOCAL:-0} != 1 ]]; then
	try_database_url
	try_default_port
fi
if [[ ! -f $PG_DATA_DIR/PG_VERSION ]] && ! pg_find_bindir >/dev/null; then
	if pg_is_root && command -v apt-get >/dev/null 2>&1; then
		install_postgresql
		# The package may have started its own cluster on 5432.
		[[ ${NEWSDESK_PG_FORCE_LOCAL:-0} == 1 ]] || try_default_port
	fi
	if ! pg_find_bindir >/dev/null; then
		pg_log "newsdesk needs PostgreSQL: run 'sudo apt-get install postgresql' (or your system's PostgreSQL server package), or set DATABASE_URL to a running server"
		exit 1
	fi
fi
try_local_cluster # exits
