#!/usr/bin/env bash
# Usage: scripts/portal-test.sh
#
# The example portal (examples/portal), tested in a browser: generates its types from the
# committed OpenAPI spec, compiles it (tsc --strict), starts a seeded live server whose CORS
# allows the portal's origin and the portal's static server (serve.mjs) on another loopback
# port, then renders the article page of the reference article and the front page in headless
# Chromium (examples/portal/test/render.mjs, puppeteer-core). The article page must make at most
# 2 requests to the API and show the reference page's text (tests/fixtures/reference-page.txt,
# a copy of the page 黑河新闻网 showed): navigation, slogans, breadcrumb, headline, source line,
# 引题, 主题, authors, body, the 作者/来源/编辑 line, the blocks in page order with 相关新闻 and its
# four titles, the footer lines; the front page one request, a non-empty block per navigation
# channel, 点击排行 and the configured home blocks. Any console error or failed request fails.
# Two passes, the media stored on the local disk and then in an S3-compatible bucket (moto, as
# the media tests use it): on each, the front page's top story shows its cover (a rendition from
# its srcset) and the 影音黑河 player plays and seeks its video (range requests).
# Full-page screenshots go to target/portal/{local,s3}/article.png and home.png.
#
# Chromium is Debian's (/usr/bin/chromium), installed with apt-get when missing (as root), with a
# CJK font for the screenshots; puppeteer-core never downloads a browser. The Node tools are
# pinned in examples/portal/package-lock.json and reinstalled (npm ci) only when it changes.
# After the installs the rest is bounded by PORTAL_TEST_TIMEOUT seconds (180).
#
# Environment:
#   NEWSDESK_BIN              server binary (default: ${CARGO_TARGET_DIR:-target}/debug/newsdesk; build it first)
#   PORTAL_SPEC               OpenAPI document (default: openapi/openapi.json)
#   PORTAL_TEST_TIMEOUT       seconds for everything after the installs (default 180)
#   PORTAL_UPDATE_SCREENSHOT  1: also copy article.png to examples/portal/screenshot.png (the README's)
#   PORTAL_STORAGE            the passes to run (default "local s3")
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BIN=${NEWSDESK_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/newsdesk}
[[ $BIN == /* ]] || BIN=$ROOT/$BIN
SPEC=${PORTAL_SPEC:-$ROOT/openapi/openapi.json}
[[ $SPEC == /* ]] || SPEC=$ROOT/$SPEC
PORTAL=$ROOT/examples/portal
OUT=${CARGO_TARGET_DIR:-$ROOT/target}/portal
[[ $OUT == /* ]] || OUT=$ROOT/$OUT
CHROMIUM=/usr/bin/chromium
LIMIT=${PORTAL_TEST_TIMEOUT:-180}

log() { printf '%s\n' "portal: $*" >&2; }

# ---- installs (not bounded: a first apt-get may take a while) ---------------------------------
if [[ -z ${PORTAL_TEST_BOUNDED:-} ]]; then
	started=$SECONDS
	[[ -f $SPEC ]] || { log "$SPEC not found: run 'make openapi' (or set PORTAL_SPEC)"; exit 1; }
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
		{ log "needs Node.js 20 or later with npm (e.g. apt-get install nodejs npm)"; exit 1; }

	# Chromium, and a CJK font so that the screenshots show Chinese.
	if [[ ! -x $CHROMIUM ]] || ! fc-list ':lang=zh' family 2>/dev/null | grep -q .; then
		if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
			[[ -x $CHROMIUM ]] ||
				{ log "needs Debian's chromium at $CHROMIUM: run 'sudo apt-get install chromium fonts-wqy-zenhei'"; exit 1; }
			log "no CJK font: screenshots will show boxes for Chinese (apt-get install fonts-wqy-zenhei)"
		else
			log "installing chromium and a CJK font (apt-get)"
			export DEBIAN_FRONTEND=noninteractive
			if ! apt-cache show chromium >/dev/null 2>&1; then
				timeout 300 apt-get -o DPkg::Lock::Timeout=240 update -qq >&2
			fi
			# Wait for dpkg's lock: the cluster lane may be installing haproxy.
			timeout 600 apt-get -o DPkg::Lock::Timeout=240 install -y -qq --no-install-recommends chromium fonts-wqy-zenhei >&2 ||
				{ log "apt-get install chromium fonts-wqy-zenhei failed"; exit 1; }
		fi
	fi

	# The pinned Node tools, reinstalled when the lock changes; puppeteer-core downloads nothing.
	stamp=$(sha256sum "$PORTAL/package-lock.json" | cut -d' ' -f1)
	if [[ $(cat "$PORTAL/node_modules/.newsdesk-stamp" 2>/dev/null) != "$stamp" ]]; then
		log "installing the portal's tools (npm ci in examples/portal)"
		(cd "$PORTAL" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2)
		printf '%s\n' "$stamp" >"$PORTAL/node_modules/.newsdesk-stamp"
	fi
	# The S3-compatible server of the second pass (moto, as the media tests use it).
	# shellcheck source=scripts/python-venv.sh
	source "$ROOT/scripts/python-venv.sh"
	python_tools "$ROOT/.venv-moto" "$ROOT/tests/s3/requirements.txt" || { log "installing moto failed"; exit 1; }
	log "installs checked in $((SECONDS - started)) s"

	# The rest, bounded: on expiry timeout signals the whole process group (this script's
	# server, serve.mjs, Chromium), and the EXIT trap below still drops the database.
	rc=0
	PORTAL_TEST_BOUNDED=1 timeout -k 15 "$LIMIT" "$ROOT/scripts/portal-test.sh" "$@" || rc=$?
	((rc != 124)) || log "timed out after $LIMIT s"
	exit "$rc"
fi

started=$SECONDS

# ---- generate the types, compile -------------------------------------------------------------
rm -rf "$PORTAL/generated" "$PORTAL/dist"
mkdir -p "$PORTAL/generated"
if ! out=$("$PORTAL/node_modules/.bin/openapi-typescript" "$SPEC" --output "$PORTAL/generated/schema.d.ts" 2>&1); then
	printf '%s\n' "$out" >&2
	log "openapi-typescript failed"
	exit 1
fi
if grep -qiE 'warn|⚠' <<<"$out"; then
	printf '%s\n' "$out" >&2
	log "openapi-typescript warned: fix openapi/openapi.json at its source (the utoipa annotations in src/)"
	exit 1
fi
(cd "$PORTAL" && node_modules/.bin/tsc -p tsconfig.json) || { log "the portal does not compile (tsc --strict)"; exit 1; }
log "types generated, portal compiled"

# ---- a seeded server that allows the portal's origin, and the portal ---------------------------
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
PORTAL_PORT=$(free_port)
PORTAL_URL=http://127.0.0.1:$PORTAL_PORT
SERVE_PID=""
SERVE_LOG=""

# shellcheck source=scripts/live-server.sh
source "$ROOT/scripts/live-server.sh"
LIVE_LOG_PREFIX=portal
stop_all() {
	if [[ -n $SERVE_PID ]]; then
		kill -TERM "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
	fi
	[[ -z $SERVE_LOG ]] || rm -f "$SERVE_LOG"
	live_server_stop
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

MOTO_PID=""
stop_moto() {
	[[ -z $MOTO_PID ]] || { kill -TERM "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true; }
	MOTO_PID=""
}
stop_pass() {
	if [[ -n $SERVE_PID ]]; then
		kill -TERM "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
		SERVE_PID=""
	fi
	live_server_stop
	stop_moto
}
trap 'stop_pass; stop_all' EXIT

# One pass: a seeded server storing its media on STORAGE (local or s3), the portal, Chromium.
portal_pass() {
	local storage=$1 out=$OUT/$1
	mkdir -p "$out"
	LIVE_ENV=(CORS_ALLOWED_ORIGINS="$PORTAL_URL")
	if [[ $storage == s3 ]]; then
		local moto_port
		moto_port=$(free_port)
		"$ROOT/.venv-moto/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >/dev/null 2>&1 &
		MOTO_PID=$!
		local deadline=$((SECONDS + 20))
		until curl -s -o /dev/null "http://127.0.0.1:$moto_port/"; do
			((SECONDS < deadline)) || { log "moto_server did not start"; return 1; }
			sleep 0.1
		done
		curl -s -f -X PUT -o /dev/null "http://127.0.0.1:$moto_port/portal-media" || { log "creating the bucket failed"; return 1; }
		LIVE_ENV+=(MEDIA_STORAGE=s3 MEDIA_S3_BUCKET=portal-media MEDIA_S3_ENDPOINT="http://127.0.0.1:$moto_port"
			MEDIA_S3_ACCESS_KEY_ID=portal MEDIA_S3_SECRET_ACCESS_KEY=portal)
	fi
	live_server_start "newsdesk_portal_$storage" --seed || return 1

	SERVE_LOG=$(mktemp)
	node "$PORTAL/serve.mjs" --api "$LIVE_BASE" --port "$PORTAL_PORT" >"$SERVE_LOG" 2>&1 &
	SERVE_PID=$!
	local deadline=$((SECONDS + 15))
	until [[ $(curl -s -o /dev/null -w '%{http_code}' "$PORTAL_URL/config.js" 2>/dev/null) == 200 ]]; do
		if ! kill -0 "$SERVE_PID" 2>/dev/null || ((SECONDS >= deadline)); then
			cat "$SERVE_LOG" >&2
			log "serve.mjs did not answer on $PORTAL_URL"
			return 1
		fi
		sleep 0.1
	done
	log "portal up at $PORTAL_URL (API $LIVE_BASE, media on $storage)"

	local copy=""
	[[ ${PORTAL_UPDATE_SCREENSHOT:-} != 1 || $storage != local ]] || copy=$PORTAL/screenshot.png
	if ! PORTAL_URL=$PORTAL_URL API_URL=$LIVE_BASE REFERENCE=$ROOT/tests/fixtures/reference-page.txt OUT_DIR=$out \
		SCREENSHOT_COPY=$copy CHROMIUM=$CHROMIUM node "$PORTAL/test/render.mjs"; then
		live_server_log_tail 30
		log "serve.mjs log:"
		tail -n 20 "$SERVE_LOG" >&2 || true
		log "FAILED with media on $storage (screenshots in $out)"
		return 1
	fi
	if ! live_server_alive; then
		live_server_log_tail 60
		log "the server died during the test"
		return 1
	fi
	stop_pass
	log "media on $storage: passed"
}

for storage in ${PORTAL_STORAGE:-local s3}; do
	portal_pass "$storage" || exit 1
done
log "passed in $((SECONDS - started)) s (screenshots in $OUT)"
