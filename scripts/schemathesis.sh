#!/usr/bin/env bash
# Property-based API testing with schemathesis (PyPI) against a `reelay api` of its own: a fresh PostgreSQL schema, a
# queue of its own, the per-key rate limit off, an admin key and the sandbox as TikTok. Every operation of
# /openapi.json is called with generated valid and invalid input; the run fails on any 5xx, any answer that breaks the
# document (status, body schema, content type), and any schema-violating request that is accepted.
#
#   scripts/schemathesis.sh                 bounded run (CI): ST_MAX_EXAMPLES=25 per operation, ST_MAX_TIME=600 s
#   ST_MAX_EXAMPLES=500 ST_MAX_TIME=3600 scripts/schemathesis.sh     a long run
#
# Needs the servers of scripts/services.sh (make test or make run starts them) and a built reelay; installs
# schemathesis (pinned) into .data/venv. Ports: REELAY_FUZZ_API_PORT (8090), REELAY_FUZZ_SANDBOX_PORT (9490).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data"
bin=${REELAY_BIN:-$root/.build/debug/reelay}
port=${REELAY_FUZZ_API_PORT:-8090}
sandbox_port=${REELAY_FUZZ_SANDBOX_PORT:-9490}
examples=${ST_MAX_EXAMPLES:-25}
max_time=${ST_MAX_TIME:-600}
version=4.32.5
work="$data/schemathesis"
schema="fuzz_$(date +%s)_$$"

log() { printf 'schemathesis: %s\n' "$*" >&2; }

if [[ ! -x "$data/venv/bin/st" ]] || [[ $("$data/venv/bin/st" --version 2>/dev/null) != *"$version"* ]]; then
    log "installing schemathesis $version into .data/venv"
    python3 -m venv "$data/venv" || { log "python3 -m venv failed: install python3-venv"; exit 1; }
    "$data/venv/bin/pip" install -q "schemathesis==$version"
fi

set -a; source "$data/env"; set +a
mkdir -p "$work"
psql -q "$REELAY_DATABASE_URL" -c "CREATE SCHEMA $schema" >/dev/null
database_url="$REELAY_DATABASE_URL?options=-csearch_path%3D$schema"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    psql -q "$REELAY_DATABASE_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
}
trap cleanup EXIT

export REELAY_DATABASE_URL="$database_url" REELAY_API_PORT="$port" REELAY_PUBLIC_URL="http://127.0.0.1:$port" \
    REELAY_API_RATE_LIMIT=0 REELAY_API_QUEUE="fuzz-$$" REELAY_MEDIA_ROOT="$work/media" REELAY_MEDIA_MAX_BYTES=10485760 \
    REELAY_ENCRYPTION_KEY="k1:$(head -c 32 /dev/urandom | base64 -w0)" REELAY_TIKTOK_API_URL="http://127.0.0.1:$sandbox_port" \
    REELAY_TIKTOK_AUTH_URL="http://127.0.0.1:$sandbox_port" REELAY_TIKTOK_CLIENT_KEY=sandbox-client-key \
    REELAY_TIKTOK_CLIENT_SECRET=sandbox-client-secret REELAY_LOG_LEVEL=warning
mkdir -p "$REELAY_MEDIA_ROOT"
"$bin" migrate >/dev/null
key=$("$bin" apikey create --name schemathesis --role admin | tail -n 1)
"$bin" sandbox --port "$sandbox_port" >"$work/sandbox.log" 2>&1 &
pids+=($!)
"$bin" api >"$work/api.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

log "fuzzing http://127.0.0.1:$port/openapi.json: $examples examples per operation, at most $max_time s"
status=0
"$data/venv/bin/st" --config-file "$root/config/schemathesis.toml" run "http://127.0.0.1:$port/openapi.json" -H "Authorization: Bearer $key" \
    --max-examples "$examples" --max-time "$max_time" --seed "${ST_SEED:-20261201}" --request-timeout 20 \
    --report junit --report-dir "$work" --warnings off || status=$?
if grep -q '"status": *5\|status=5[0-9][0-9]' "$work/api.log"; then
    log "the API logged 5xx answers (see .data/schemathesis/api.log)"
fi
exit "$status"
