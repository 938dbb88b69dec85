#!/usr/bin/env bash
# Usage: scripts/generators-check.sh
#
# Generator check: generates mobile clients from the committed OpenAPI document with
# openapi-generator (`kotlin` with kotlinx_serialization and generateOneOfAnyOfWrappers=true,
# the setting the README gives Kotlin apps, and `swift6`), fails on any generator error, then runs clients/generators/inspect_models.py over
# the generated code. The inspector fails when the article, list, problem and webhook models
# have untyped properties (kotlin.Any, JsonElement, AnyCodable, JSONValue, ...), when a oneOf is
# merged into one class instead of a sealed class (Kotlin) / an enum with associated values
# (Swift), or when the fields and query parameters it lists are not enums. Exit code 0 only
# when every generation and every check passed. Generator output is shown only on failure.
#
# Tools are pinned and project-local: .venv-generators (pip from clients/generators/
# requirements.txt: openapi-generator-cli, which ships the openapi-generator jar), reinstalled
# when the pins change. Needs Java 17 or later (`java` on PATH). Nothing is fetched at run time.
#
# Environment:
#   SPEC_FILE       OpenAPI document (default: openapi/openapi.json)
#   GENERATORS      which generations, space-separated (default: "kotlin-kx-wrappers swift6");
#                   also known: kotlin-kx and kotlin-moshi (their default settings cannot type
#                   a oneOf, the webhook payload: they fail its check)
#   GENERATORS_OUT  keep the generated code in this directory (default: a temporary directory,
#                   removed on exit); e.g. clients/generators/generated, which git ignores
#   GENERATOR_TIMEOUT  seconds allowed for one generation (default: 120; each takes ~3-5 s)
#   JAVA_OPTS       one option for the JVM (default: -XX:TieredStopAtLevel=1, a faster start)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SPEC=${SPEC_FILE:-$ROOT/openapi/openapi.json}
[[ $SPEC == /* ]] || SPEC=$ROOT/$SPEC
GEN_DIR=$ROOT/clients/generators
VENV=$ROOT/.venv-generators
GENERATORS=${GENERATORS:-kotlin-kx-wrappers swift6}
TIMEOUT=${GENERATOR_TIMEOUT:-120}
export JAVA_OPTS=${JAVA_OPTS:--XX:TieredStopAtLevel=1}

log() { printf '%s\n' "generators: $*" >&2; }
started=$SECONDS

[[ -f $SPEC ]] || { log "$SPEC not found: run 'make openapi' (or set SPEC_FILE)"; exit 1; }
command -v java >/dev/null 2>&1 || { log "needs Java 17 or later (e.g. apt-get install openjdk-17-jre-headless)"; exit 1; }
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
((${java_major%%.*} >= 17)) || { log "needs Java 17 or later, found $java_major"; exit 1; }

# ---- tools -----------------------------------------------------------------------------------
# shellcheck source=scripts/python-venv.sh
source "$ROOT/scripts/python-venv.sh"
python_tools "$VENV" "$GEN_DIR/requirements.txt"

# ---- generate --------------------------------------------------------------------------------
if [[ -n ${GENERATORS_OUT:-} ]]; then
	OUT=$GENERATORS_OUT
	[[ $OUT == /* ]] || OUT=$ROOT/$OUT
	rm -rf "$OUT"
	mkdir -p "$OUT"
else
	OUT=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-generators.XXXXXX")
	trap 'rm -rf "$OUT"' EXIT
fi

# One snapshot of the document for every generation and the inspector (it may be rewritten
# meanwhile by `cargo run -- openapi`).
cp "$SPEC" "$OUT/openapi.json"
SNAPSHOT=$OUT/openapi.json

# Models, APIs and the supporting files (the serializers); no docs, no tests.
GLOBAL=models,apis,supportingFiles,modelDocs=false,apiDocs=false,modelTests=false,apiTests=false
# generation NAME -> the generator arguments and the inspector's language, for each name.
generation() {
	case $1 in
	kotlin-kx) echo kotlin -g kotlin --additional-properties=serializationLibrary=kotlinx_serialization ;;
	kotlin-kx-wrappers) echo kotlin -g kotlin \
		--additional-properties=serializationLibrary=kotlinx_serialization,generateOneOfAnyOfWrappers=true ;;
	kotlin-moshi) echo kotlin -g kotlin ;;
	swift6) echo swift -g swift6 ;;
	*) return 1 ;;
	esac
}

targets=()
for name in $GENERATORS; do
	spec=$(generation "$name") || { log "unknown generation '$name' in GENERATORS"; exit 1; }
	read -r lang args <<<"$spec"
	gen_started=$SECONDS
	# shellcheck disable=SC2086 # $args is a word list
	if ! out=$(timeout "$TIMEOUT" "$VENV/bin/openapi-generator-cli" generate $args \
		-i "$SNAPSHOT" -o "$OUT/$name" --global-property "$GLOBAL" 2>&1); then
		printf '%s\n' "$out" >&2
		log "$name: openapi-generator failed (or took over $TIMEOUT s)"
		exit 1
	fi
	# It exits 0 after some errors: fail on any ERROR line too. Warnings other than the standing
	# "OpenAPI 3.1 support is still in beta" are shown, and allowed.
	if grep -qE '\] ERROR |^Exception|Exception in thread' <<<"$out"; then
		printf '%s\n' "$out" >&2
		log "$name: openapi-generator reported errors"
		exit 1
	fi
	if warnings=$(grep '\] WARN ' <<<"$out" | grep -v 'OpenAPI 3.1 support is still in beta'); then
		printf '%s\n' "$warnings" >&2
	fi
	log "$name: generated in $((SECONDS - gen_started)) s"
	targets+=("$name:$lang:$OUT/$name")
done

# ---- inspect ---------------------------------------------------------------------------------
if ! "$VENV/bin/python" "$GEN_DIR/inspect_models.py" "$SNAPSHOT" "${targets[@]}"; then
	log "FAILED: fix the shapes at their source (the utoipa annotations in src/), regenerate openapi/openapi.json"
	[[ -n ${GENERATORS_OUT:-} ]] && log "the generated code is in $OUT"
	exit 1
fi
log "all generated clients passed in $((SECONDS - started)) s"
