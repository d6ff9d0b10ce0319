#!/usr/bin/env bash
# Regenerates the API module's OpenAPI output from Sources/API/OpenAPI/openapi.yaml (the source of truth):
#   - Sources/API/Generated/*.swift   types and server routes (swift-openapi-generator, settings in
#                                     Sources/API/openapi-generator-config.yaml)
#   - Sources/API/OpenAPI/openapi.json the same document as JSON, served at GET /openapi.json
# The output is committed, so a normal build needs neither the generator nor Python.
#
# Usage: scripts/generate-openapi.sh           write the output
#        scripts/generate-openapi.sh --check   regenerate into a temporary folder and fail if it differs from the tree
#
# The generator is built once from the local package mirror into .build-openapi-generator/ (git-ignored by `.build*/`),
# outside .build so it never takes SwiftPM's lock on the project's build. Override with REELAY_OPENAPI_GENERATOR_DIR.
set -euo pipefail

GENERATOR_VERSION="1.14.3"
GENERATOR_REPO="${REELAY_OPENAPI_GENERATOR_REPO:-/opt/swift-packages/apple/swift-openapi-generator.git}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${REELAY_OPENAPI_GENERATOR_DIR:-$root/.build-openapi-generator}"
spec="$root/Sources/API/OpenAPI/openapi.yaml"
config="$root/Sources/API/openapi-generator-config.yaml"
generated="$root/Sources/API/Generated"
json="$root/Sources/API/OpenAPI/openapi.json"

mode="write"
case "${1:-}" in
    "") ;;
    --check) mode="check" ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# 1. The generator binary, built once per version.
src="$work/src-$GENERATOR_VERSION"
scratch="$work/scratch-$GENERATOR_VERSION"
binary="$scratch/debug/swift-openapi-generator"
if [[ ! -x "$binary" ]]; then
    mkdir -p "$work"
    if [[ ! -d "$src" ]]; then
        echo "generate-openapi: cloning swift-openapi-generator $GENERATOR_VERSION" >&2
        git clone --quiet -c advice.detachedHead=false --branch "$GENERATOR_VERSION" "$GENERATOR_REPO" "$src"
    fi
    echo "generate-openapi: building swift-openapi-generator (a few minutes, once)" >&2
    (cd "$src" && swift build --product swift-openapi-generator --scratch-path "$scratch" >"$work/build.log" 2>&1) || {
        tail -40 "$work/build.log" >&2
        exit 1
    }
fi

# 2. PyYAML for the YAML → JSON conversion.
if ! python3 -c "import yaml" 2>/dev/null; then
    echo "generate-openapi: installing PyYAML for this user" >&2
    python3 -m pip install --quiet --user pyyaml
fi

# Writes the Swift sources and openapi.json into $1 (Generated/ and openapi.json inside it).
generate_into() {
    local out="$1"
    mkdir -p "$out/Generated"
    "$binary" generate --config "$config" --output-directory "$out/Generated" "$spec" >"$out/generator.log" 2>&1 || {
        cat "$out/generator.log" >&2
        exit 1
    }
    # The generator warns about what it skips; a skipped schema would silently drop a field, so fail on any warning.
    if grep -E "^(warning|error):" "$out/generator.log" >&2; then
        echo "generate-openapi: the generator reported problems (above); fix openapi.yaml" >&2
        exit 1
    fi
    rm "$out/generator.log"
    python3 - "$spec" "$out/openapi.json" <<'PY'
import json, sys, yaml
with open(sys.argv[1], encoding="utf-8") as f:
    document = yaml.safe_load(f)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(document, f, indent=2, ensure_ascii=False)
    f.write("\n")
PY
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
generate_into "$tmp"

if [[ "$mode" == "check" ]]; then
    status=0
    diff -ru "$generated" "$tmp/Generated" || status=1
    diff -u "$json" "$tmp/openapi.json" || status=1
    if [[ $status -ne 0 ]]; then
        echo "generate-openapi: the committed output is stale; run scripts/generate-openapi.sh" >&2
        exit 1
    fi
    echo "generate-openapi: the committed output matches openapi.yaml"
    exit 0
fi

mkdir -p "$generated"
rm -f "$generated"/*.swift
cp "$tmp/Generated"/*.swift "$generated/"
cp "$tmp/openapi.json" "$json"
echo "generate-openapi: wrote $(ls "$generated" | wc -l | tr -d ' ') files to Sources/API/Generated and Sources/API/OpenAPI/openapi.json"
