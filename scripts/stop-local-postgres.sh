#!/usr/bin/env bash
# Usage: scripts/stop-local-postgres.sh
# Stops the project-local PostgreSQL cluster (.data/pg, or NEWSDESK_PG_DATA_DIR) if it runs.
set -euo pipefail

PG_LOG_PREFIX=stop-local-postgres
# shellcheck source=scripts/pg-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg-common.sh"

if [[ ! -f $PG_DATA_DIR/PG_VERSION ]]; then
	pg_log "no local cluster in $PG_DATA_DIR"
	exit 0
fi
if ! port=$(pg_local_running); then
	pg_log "the local cluster in $PG_DATA_DIR is not running"
	exit 0
fi
bindir=$(pg_find_bindir "$(cat "$PG_DATA_DIR/PG_VERSION")") || bindir=$(pg_find_bindir)
as_pg "$bindir/pg_ctl" -D "$PG_DATA_DIR" -m fast -w -t 60 stop >/dev/null
pg_log "stopped the local cluster in $PG_DATA_DIR (port $port)"
