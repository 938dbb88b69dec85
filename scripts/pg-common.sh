# shellcheck shell=bash
# Helpers shared by ensure-postgres.sh, stop-local-postgres.sh and the scripts that need a
# throwaway database. Source it; it defines functions and a few variables, nothing runs.
#
# Environment:
#   NEWSDESK_PG_DATA_DIR    data directory of the project-local cluster (default: <repo>/.data/pg)
#   NEWSDESK_PG_LOCAL_PORT  port of the project-local cluster (default: 54329)

# shellcheck disable=SC2034 # the variables are for the scripts that source this file
PG_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_LOCAL_PORT="${NEWSDESK_PG_LOCAL_PORT:-54329}"
PG_DATA_DIR="${NEWSDESK_PG_DATA_DIR:-$PG_REPO_ROOT/.data/pg}"
# Absolute path without requiring the directory to exist yet.
case "$PG_DATA_DIR" in
/*) ;;
*) PG_DATA_DIR="$PWD/$PG_DATA_DIR" ;;
esac
PG_DATA_DIR="${PG_DATA_DIR%/}"
PG_LOG_FILE="$PG_DATA_DIR.log"

pg_log() { printf '%s\n' "${PG_LOG_PREFIX:-postgres}: $*" >&2; }

# url_with_db URL DB -> URL with its database (path) replaced by DB; query string kept.
url_with_db() {
	local url=$1 db=$2 query="" scheme rest authority
	if [[ $url == *\?* ]]; then
		query="?${url#*\?}"
		url=${url%%\?*}
	fi
	scheme=${url%%://*}
	rest=${url#*://}
	authority=${rest%%/*}
	printf '%s://%s/%s%s\n' "$scheme" "$authority" "$db" "$query"
}

# url_db URL -> database name of URL (may be empty).
url_db() {
	local url=${1%%\?*} rest
	rest=${url#*://}
	[[ $rest == */* ]] || return 0
	printf '%s\n' "${rest#*/}"
}

pg_psql_bin() {
	if command -v psql >/dev/null 2>&1; then
		command -v psql
	elif [[ -n ${PG_BINDIR:-} && -x $PG_BINDIR/psql ]]; then
		printf '%s\n' "$PG_BINDIR/psql"
	else
		local d
		for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
			[[ -x $d/psql ]] && { printf '%s\n' "$d/psql"; return 0; }
		done
		return 1
	fi
}

# pg_q URL SQL -> runs SQL, prints unaligned tuples-only output.
pg_q() {
	local psql
	psql=$(pg_psql_bin) || return 127
	PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-3}" "$psql" "$1" -X -A -t -q -v ON_ERROR_STOP=1 -c "$2"
}

# pg_answers URL -> 0 when a server accepts `select 1` there.
pg_answers() {
	[[ $(pg_q "$1" 'select 1' 2>/dev/null) == 1 ]]
}

pg_valid_dbname() { [[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]]; }

# pg_db_exists ADMIN_URL DB
pg_db_exists() {
	[[ $(pg_q "$1" "select 1 from pg_database where datname = '$2'") == 1 ]]
}

# pg_can_create ADMIN_URL -> 0 when the connected role may create databases.
pg_can_create() {
	[[ $(pg_q "$1" 'select rolsuper or rolcreatedb from pg_roles where rolname = current_user') == t ]]
}

# pg_create_db ADMIN_URL DB -> creates DB unless it exists (tolerates a concurrent creator).
pg_create_db() {
	local admin=$1 db=$2 err
	pg_db_exists "$admin" "$db" && return 0
	if ! err=$(pg_q "$admin" "CREATE DATABASE \"$db\"" 2>&1); then
		pg_db_exists "$admin" "$db" && return 0
		pg_log "could not create database $db: $err"
		return 1
	fi
	pg_log "created database $db"
}

# pg_drop_db URL -> drops the database that URL names, connecting to the maintenance db.
pg_drop_db() {
	local url=$1 db admin
	db=$(url_db "$url")
	pg_valid_dbname "$db" || { pg_log "refusing to drop database '${db}'"; return 1; }
	case "$db" in postgres | template0 | template1) pg_log "refusing to drop $db"; return 1 ;; esac
	admin=$(url_with_db "$url" postgres)
	pg_q "$admin" "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" 2>/dev/null ||
		pg_q "$admin" "DROP DATABASE IF EXISTS \"$db\""
}

# ---- project-local cluster ----------------------------------------------------------------

# pg_find_bindir [MAJOR] -> directory holding initdb, pg_ctl and postgres (newest, or MAJOR).
pg_find_bindir() {
	local want=${1:-} d candidates=()
	if [[ -n $want ]]; then
		candidates+=("/usr/lib/postgresql/$want/bin" "/usr/pgsql-$want/bin")
	fi
	if command -v pg_config >/dev/null 2>&1; then
		candidates+=("$(pg_config --bindir 2>/dev/null || true)")
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin /usr/pgsql-*/bin 2>/dev/null | sort -V -r); do
		candidates+=("$d")
	done
	if command -v initdb >/dev/null 2>&1; then
		candidates+=("$(dirname "$(readlink -f "$(command -v initdb)")")")
	fi
	for d in "${candidates[@]}"; do
		[[ -n $d && -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]] || continue
		if [[ -n $want ]]; then
			[[ $("$d/postgres" --version 2>/dev/null) =~ ([0-9]+)\. ]] || continue
			[[ ${BASH_REMATCH[1]} == "$want" ]] || continue
		fi
		printf '%s\n' "$d"
		return 0
	done
	return 1
}

pg_is_root() { [[ $(id -u) == 0 ]]; }

# as_pg CMD... -> runs CMD as the cluster owner (the postgres system user when we are root).
as_pg() {
	if pg_is_root; then
		# From /, so that a cwd the postgres user cannot enter draws no warnings.
		if command -v runuser >/dev/null 2>&1; then
			(cd / && runuser -u postgres -- "$@")
		else
			local q
			printf -v q '%q ' "$@"
			(cd / && su postgres -s /bin/sh -c "$q")
		fi
	else
		"$@"
	fi
}

# pg_ensure_system_user -> when root, makes sure the postgres system user exists.
pg_ensure_system_user() {
	pg_is_root || return 0
	id -u postgres >/dev/null 2>&1 && return 0
	pg_log "creating system user 'postgres' to own the local cluster"
	useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
		--shell /bin/sh postgres
}

# pg_make_traversable DIR -> when root, lets the postgres user reach DIR (chmod o+x on the
# ancestors that block it, and nothing else).
pg_make_traversable() {
	pg_is_root || return 0
	local target=$1 path="" part
	local IFS=/
	for part in $target; do
		[[ -z $part ]] && continue
		path="$path/$part"
		[[ -d $path ]] || break
		if ! as_pg test -x "$path" 2>/dev/null; then
			pg_log "warning: user postgres cannot traverse $path; running chmod o+x $path"
			chmod o+x "$path"
		fi
	done
}

# pg_local_running -> 0 when the cluster in PG_DATA_DIR runs; prints its port.
pg_local_running() {
	[[ -f $PG_DATA_DIR/postmaster.pid ]] || return 1
	local bindir
	bindir=$(pg_find_bindir "$(cat "$PG_DATA_DIR/PG_VERSION" 2>/dev/null)") || bindir=$(pg_find_bindir) || return 1
	as_pg "$bindir/pg_ctl" -D "$PG_DATA_DIR" status >/dev/null 2>&1 || return 1
	sed -n 4p "$PG_DATA_DIR/postmaster.pid"
}
