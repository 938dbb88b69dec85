#!/usr/bin/env bash
# Usage: scripts/edge-test.sh            (make edge-test; a lane of make test)
#
# newsdesk behind a real Varnish: Debian's varnish and varnish-modules (xkey) are installed with
# apt-get when run as root and missing; Varnish runs on loopback with deploy/varnish/newsdesk.vcl.
# What it proves: scripts/edge/edge.py.
#
# Environment: NEWSDESK_BIN (default target/debug/newsdesk).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
log() { printf '%s\n' "edge-test: $*" >&2; }

BIN=${NEWSDESK_BIN:-${CARGO_TARGET_DIR:-target}/debug/newsdesk}
[[ -x $BIN ]] || { log "$BIN not found: run 'cargo build' (or set NEWSDESK_BIN)"; exit 1; }

vmod_xkey() { compgen -G "/usr/lib/*/varnish/vmods/libvmod_xkey.so" >/dev/null; }
if ! command -v varnishd >/dev/null 2>&1 && [[ -x /usr/sbin/varnishd ]]; then
	PATH=$PATH:/usr/sbin
fi
if ! command -v varnishd >/dev/null 2>&1 || ! vmod_xkey; then
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		log "installing Debian's varnish and varnish-modules (xkey)"
		# Other lanes may be installing too: wait for dpkg's lock. Services are not started.
		export DEBIAN_FRONTEND=noninteractive
		if ! apt-cache show varnish-modules >/dev/null 2>&1; then
			timeout 300 apt-get -o DPkg::Lock::Timeout=240 update -qq >&2
		fi
		timeout 600 apt-get -o DPkg::Lock::Timeout=240 install -y -qq varnish varnish-modules >&2
		PATH=$PATH:/usr/sbin
	else
		log "needs Varnish with varnish-modules: sudo apt-get install varnish varnish-modules"
		exit 1
	fi
fi

export NEWSDESK_BIN=$(readlink -f "$BIN") VARNISHD=$(command -v varnishd)
exec python3 scripts/edge/edge.py
