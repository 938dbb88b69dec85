#!/usr/bin/env bash
# Usage: scripts/cluster-test.sh            (make cluster-test; a lane of make test)
#        CLUSTER_BENCH=1 scripts/cluster-test.sh   (make cluster-bench: release binary)
#
# newsdesk on PostgreSQL streaming replication on one machine: a primary and a streaming replica
# made with the system's PostgreSQL binaries (initdb, pg_basebackup -R) under .data/cluster, two
# newsdesk instances reading from the replica, HAProxy in front (Debian's package, installed with
# apt-get when run as root and missing). What it proves: scripts/cluster/cluster.py.
#
# Environment: NEWSDESK_BIN (default target/debug/newsdesk), CLUSTER_DIR, CLUSTER_KEEP=1.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/pg-common.sh
source scripts/pg-common.sh
PG_LOG_PREFIX=cluster-test

BIN=${NEWSDESK_BIN:-${CARGO_TARGET_DIR:-target}/debug/newsdesk}
[[ -x $BIN ]] || { echo "cluster-test: $BIN not found: run 'cargo build' (or set NEWSDESK_BIN)" >&2; exit 1; }
BIN=$(readlink -f "$BIN")

if ! bindir=$(pg_find_bindir) || [[ ! -x $bindir/pg_basebackup ]]; then
	if pg_is_root && command -v apt-get >/dev/null 2>&1; then
		pg_log "installing Debian's postgresql package (initdb, pg_basebackup)"
		apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || true
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql >&2
		bindir=$(pg_find_bindir)
	else
		pg_log "needs PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup): sudo apt-get install postgresql"
		exit 1
	fi
fi
if ! command -v haproxy >/dev/null 2>&1 && pg_is_root && command -v apt-get >/dev/null 2>&1; then
	pg_log "installing Debian's haproxy package (the load balancer in front of the instances)"
	# Other lanes may be installing too (the portal's chromium): wait for dpkg's lock.
	{ timeout 300 apt-get -o DPkg::Lock::Timeout=240 update -qq &&
		DEBIAN_FRONTEND=noninteractive timeout 300 apt-get -o DPkg::Lock::Timeout=240 install -y -qq haproxy; } >&2 ||
		pg_log "haproxy could not be installed; the test runs without a load balancer"
fi

export CLUSTER_DIR=${CLUSTER_DIR:-$PWD/.data/cluster}
mkdir -p "$(dirname "$CLUSTER_DIR")"
pg_ensure_system_user
pg_make_traversable "$(dirname "$CLUSTER_DIR")"

export NEWSDESK_BIN=$BIN PG_BINDIR=$bindir HAPROXY=$(command -v haproxy || true)
exec python3 scripts/cluster/cluster.py
