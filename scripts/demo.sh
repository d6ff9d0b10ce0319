#!/usr/bin/env bash
# The rest of the local system for `make run`: `reelay sandbox` (the local TikTok), `reelay api` (with its result
# recorder), `reelay scheduler` (timed posts, outbox, token refresh, queue maintenance) and one `reelay worker`, in the
# background with pid files and logs under .data/demo/, pointed at the servers of scripts/services.sh.
#
#   scripts/demo.sh start   start them unless already running (safe to run twice)
#   scripts/demo.sh stop    stop them by pid (SIGTERM: the worker finishes or puts back its jobs)
#
# The dev encryption key for stored tokens is generated once into .data/secrets.env (mode 600, git-ignored); it is
# never printed. Ports: REELAY_DEV_SANDBOX_PORT (9400), REELAY_DEV_API_PORT (8080).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data"
dir="$data/demo"
bin=${REELAY_BIN:-$root/.build/debug/reelay}
sandbox_port=${REELAY_DEV_SANDBOX_PORT:-9400}
api_port=${REELAY_DEV_API_PORT:-8080}

log() { printf 'demo: %s\n' "$*" >&2; }
running() { [[ -f "$dir/$1.pid" ]] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

secrets() {
    if [[ ! -s "$data/secrets.env" ]]; then
        local key; key=$(head -c 32 /dev/urandom | base64 -w0)
        umask 077
        printf '# Written once by scripts/demo.sh: the dev key for stored tokens. Never commit it.\nREELAY_ENCRYPTION_KEY=k1:%s\n' "$key" > "$data/secrets.env"
        log "generated a dev encryption key in .data/secrets.env"
    fi
}

start() {
    mkdir -p "$dir" "$data/media"
    secrets
    set -a; source "$data/env"; source "$data/secrets.env"; set +a
    export REELAY_MEDIA_ROOT="$data/media" REELAY_MEDIA_CACHE_DIR="$data/media-cache" REELAY_TIKTOK_API_URL="http://127.0.0.1:$sandbox_port" \
        REELAY_TIKTOK_AUTH_URL="http://127.0.0.1:$sandbox_port" REELAY_TIKTOK_CLIENT_KEY=sandbox-client-key \
        REELAY_TIKTOK_CLIENT_SECRET=sandbox-client-secret REELAY_API_PORT="$api_port" REELAY_PUBLIC_URL="http://127.0.0.1:$api_port"
    if ! running sandbox; then
        nohup "$bin" sandbox --port "$sandbox_port" --state "$dir/sandbox-state.json" --processing-time 1 >"$dir/sandbox.log" 2>&1 &
        echo $! > "$dir/sandbox.pid"
        for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$sandbox_port/_sandbox/creators" >/dev/null 2>&1 && break; sleep 0.1; done
        log "sandbox listening on http://127.0.0.1:$sandbox_port (log .data/demo/sandbox.log)"
    fi
    if ! running api; then
        nohup "$bin" api >"$dir/api.log" 2>&1 &
        echo $! > "$dir/api.pid"
        for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$api_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
        running api || { cat "$dir/api.log" >&2; log "the API did not start (is port $api_port free? set REELAY_DEV_API_PORT)"; exit 1; }
        log "API listening on http://127.0.0.1:$api_port (log .data/demo/api.log)"
    fi
    if ! running scheduler; then
        nohup "$bin" scheduler >"$dir/scheduler.log" 2>&1 &
        echo $! > "$dir/scheduler.pid"
        sleep 0.5
        running scheduler || { cat "$dir/scheduler.log" >&2; log "the scheduler did not start"; exit 1; }
        log "scheduler running (log .data/demo/scheduler.log; redis-cli GET reelay:scheduler:leader)"
    fi
    if ! running worker; then
        nohup "$bin" worker --queues publish --concurrency 4 --maintenance false >"$dir/worker.log" 2>&1 &
        echo $! > "$dir/worker.pid"
        sleep 0.5
        running worker || { cat "$dir/worker.log" >&2; log "the worker did not start"; exit 1; }
        log "worker running on queue publish (log .data/demo/worker.log)"
    fi
}

stop() {
    for name in worker scheduler api sandbox; do
        if running "$name"; then
            local pid; pid=$(cat "$dir/$name.pid")
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            log "$name stopped (pid $pid)"
        fi
        rm -f "$dir/$name.pid"
    done
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) log "usage: $0 start|stop"; exit 1 ;;
esac
