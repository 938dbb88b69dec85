#!/usr/bin/env bash
# Usage: scripts/spec-lint.sh
#
# OpenAPI lint: checks the committed OpenAPI document with Redocly CLI (the `recommended`
# ruleset, clients/lint/redocly.yaml) and Spectral (`spectral:oas`, clients/lint/.spectral.yaml).
# Both always run; the exit code is 0 only when neither reported an error. Warnings are
# printed and allowed: fix them at their source (the utoipa annotations in src/), then
# regenerate the document with `cargo run -- openapi`.
#
# Tools are pinned and project-local: clients/lint/node_modules, installed with `npm ci` from
# clients/lint/package-lock.json when that file changed (a stamp in node_modules says which
# lock file it was made from). At run time neither tool reaches the network: Redocly's
# telemetry and update check are switched off, and the document has no remote $refs.
#
# Environment:
#   SPEC_FILE   OpenAPI document (default: openapi/openapi.json), relative to the repo root or absolute
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SPEC=${SPEC_FILE:-$ROOT/openapi/openapi.json}
[[ $SPEC == /* ]] || SPEC=$ROOT/$SPEC
LINT=$ROOT/clients/lint

log() { printf '%s\n' "spec-lint: $*" >&2; }
started=$SECONDS

[[ -f $SPEC ]] || { log "$SPEC not found: run 'make openapi' (or set SPEC_FILE)"; exit 1; }
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	log "needs Node.js 20.19 or later with npm (e.g. apt-get install nodejs npm)"
	exit 1
fi

# stamp FILE -> the checksum that says which pins an installation was made from.
stamp() { sha256sum "$1" | cut -d' ' -f1; }

# ---- tools -----------------------------------------------------------------------------------
if [[ $(cat "$LINT/node_modules/.newsdesk-stamp" 2>/dev/null) != "$(stamp "$LINT/package-lock.json")" ]]; then
	log "installing the lint tools (npm ci in clients/lint)"
	(cd "$LINT" && npm ci --no-audit --no-fund --loglevel=error >&2)
	stamp "$LINT/package-lock.json" >"$LINT/node_modules/.newsdesk-stamp"
fi

# No network at run time: no telemetry, no update notices, no usage reports.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NO_UPDATE_NOTIFIER=1 DO_NOT_TRACK=1 NODE_NO_WARNINGS=1

# ---- lint ------------------------------------------------------------------------------------
# Bounded: each tool gets at most 120 s (both take a few seconds on this document).
failed=()
log "Redocly CLI (recommended) on ${SPEC#"$ROOT"/}"
# Redocly 2.x prints a boxed "Node.js 20 support is ending" notice on every run under Node 20:
# it is dropped from its stderr (the problems themselves go to stdout).
if ! timeout 120 "$LINT/node_modules/.bin/redocly" lint "$SPEC" \
	--config "$LINT/redocly.yaml" --format=codeframe --max-problems=1000 \
	2> >(grep -v '^ *[╔║╚]' >&2) >&2; then
	failed+=(Redocly)
fi
log "Spectral (spectral:oas) on ${SPEC#"$ROOT"/}"
if ! timeout 120 "$LINT/node_modules/.bin/spectral" lint "$SPEC" \
	--ruleset "$LINT/.spectral.yaml" --fail-severity=error --format=stylish >&2; then
	failed+=(Spectral)
fi

if ((${#failed[@]})); then
	printf -v who '%s and ' "${failed[@]}"
	log "FAILED: ${who% and } reported errors (see above) in $((SECONDS - started)) s"
	exit 1
fi
log "no errors from Redocly or Spectral (warnings, if any, are listed above) in $((SECONDS - started)) s"
