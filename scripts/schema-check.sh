#!/usr/bin/env bash
# Usage: scripts/schema-check.sh           fail when src/db/schema.rs does not match migrations/
#        scripts/schema-check.sh --write   regenerate src/db/schema.rs from migrations/ (make schema)
#
# Runs all migrations on a throwaway database (from scripts/ensure-postgres.sh), prints the
# schema with `diesel print-schema` (diesel.toml's [print_schema] settings) and compares it
# with src/db/schema.rs. The check also reverts every migration (down.sql) and applies them
# again, and fails when that round trip does not give the same schema.
# Installs diesel_cli (postgres only) with cargo when `diesel` is not on PATH.
set -euo pipefail
# shellcheck disable=SC2317 # cleanup() runs from a trap

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SCHEMA_FILE=src/db/schema.rs
DIESEL_CLI_VERSION='~2.3'

log() { printf '%s\n' "schema-check: $*" >&2; }

mode=check
case "${1:-}" in
"") ;;
--write) mode="write" ;;
*)
	echo "usage: $0 [--write]" >&2
	exit 2
	;;
esac

# shellcheck source=/dev/null
[[ -f $HOME/.cargo/env ]] && ! command -v cargo >/dev/null 2>&1 && source "$HOME/.cargo/env"

ensure_diesel() {
	command -v diesel >/dev/null 2>&1 && return 0
	if [[ -x ${CARGO_HOME:-$HOME/.cargo}/bin/diesel ]]; then
		export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
		return 0
	fi
	if ! dpkg -s libpq-dev >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
		if [[ $(id -u) == 0 ]]; then
			log "installing libpq-dev (needed to build diesel_cli)"
			apt-get update -qq >&2
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpq-dev >&2
		else
			log "diesel_cli needs libpq-dev: run 'sudo apt-get install libpq-dev'"
			exit 1
		fi
	fi
	log "installing diesel_cli $DIESEL_CLI_VERSION (postgres only) with cargo; this takes a few minutes"
	cargo install diesel_cli --version "$DIESEL_CLI_VERSION" --no-default-features --features postgres --locked >&2
	export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
}

if [[ ! -d migrations ]] || [[ -z $(ls -A migrations) ]]; then
	log "no migrations in migrations/"
	exit 1
fi
ensure_diesel

TMP=$(mktemp -d)
DB_URL=""
cleanup() {
	if [[ -n $DB_URL ]]; then
		# shellcheck source=scripts/pg-common.sh
		(PG_LOG_PREFIX=schema-check && source "$ROOT/scripts/pg-common.sh" && pg_drop_db "$DB_URL") ||
			log "could not drop the throwaway database"
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

DB_URL=$(scripts/ensure-postgres.sh "newsdesk_schemacheck_$$")

# Migrations run with no config file, so diesel does not rewrite print_schema.file itself.
diesel_migration() {
	diesel migration "$@" --migration-dir "$ROOT/migrations" --config-file "$TMP/none.toml" \
		--database-url "$DB_URL"
}
print_schema() {
	diesel print-schema --config-file "$ROOT/diesel.toml" --database-url "$DB_URL"
}

if ! diesel_migration run >"$TMP/migrate.log" 2>&1; then
	cat "$TMP/migrate.log" >&2
	log "running the migrations failed"
	exit 1
fi
print_schema >"$TMP/schema.rs"

if [[ $mode == write ]]; then
	mkdir -p "$(dirname "$SCHEMA_FILE")"
	if [[ -f $SCHEMA_FILE ]] && cmp -s "$TMP/schema.rs" "$SCHEMA_FILE"; then
		log "$SCHEMA_FILE is up to date"
	else
		cp "$TMP/schema.rs" "$SCHEMA_FILE"
		log "wrote $SCHEMA_FILE"
	fi
	exit 0
fi

status=0
if [[ ! -f $SCHEMA_FILE ]]; then
	log "$SCHEMA_FILE is missing: run 'make schema'"
	status=1
elif ! diff -u --label "$SCHEMA_FILE" --label "from migrations/" "$SCHEMA_FILE" "$TMP/schema.rs" >&2; then
	log "src/db/schema.rs is stale: run 'make schema'"
	status=1
fi

# Round trip: revert all migrations, apply them again, expect the same schema.
if ! diesel_migration redo --all >"$TMP/redo.log" 2>&1; then
	cat "$TMP/redo.log" >&2
	log "reverting and re-applying the migrations (down.sql, then up.sql) failed"
	status=1
else
	print_schema >"$TMP/schema-redo.rs"
	if ! diff -u --label "after migration run" --label "after migration redo --all" \
		"$TMP/schema.rs" "$TMP/schema-redo.rs" >&2; then
		log "down.sql does not undo up.sql: the schema differs after 'diesel migration redo --all'"
		status=1
	fi
fi

n=$(find migrations -mindepth 1 -maxdepth 1 -type d | wc -l)
if ((status == 0)); then
	echo "schema-check: $SCHEMA_FILE matches the $n migration(s); down.sql/up.sql round trip ok"
fi
exit "$status"
