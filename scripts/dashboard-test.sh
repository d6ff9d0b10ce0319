#!/usr/bin/env bash
# Browser test of the operator dashboard (Sources/API/Dashboard): a private Reelay stack on loopback, seeded so every
# page has something to show, then scripts/dashboard-test.py drives headless Chromium through every page with Selenium.
#
#   scripts/dashboard-test.sh                    # the whole run, about a minute and a half; exit 0 only when all checks pass
#   DASHBOARD_HOLD=1 scripts/dashboard-test.sh   # start and seed the stack, print the URL and key, wait for Ctrl-C
#
# It starts, under a temporary folder it removes at the end (DASHBOARD_KEEP=1 keeps it): redis-server, a PostgreSQL
# cluster (run as the `postgres` user when root), `reelay sandbox` (the local TikTok), `reelay api`, `reelay scheduler`
# and one `reelay worker`. Seeding (dashboard-test.py seed, through the API and the sandbox's test routes): six sandbox
# creators imported as accounts (one disabled, one whose refresh token runs out in two days), three videos, a campaign
# published now whose posts complete but for one creator whose video_init the sandbox refuses with `invalid_params` (a
# permanent error, so those jobs land in the queue's dead set at once), a campaign timed for tomorrow, a draft and one
# standalone post. Then the sandbox's faults are cleared, so a dead job retried from the page completes.
#
# Settings (environment):
#   REELAY_BIN             the reelay executable (default .build/debug/reelay); its *.resources bundles must sit beside it
#   DASHBOARD_SCREENSHOTS  where the PNG of every page goes (default .data/dashboard-screenshots)
#   DASHBOARD_URL          where the browser opens the dashboard (default the API itself, http://127.0.0.1:<api port>/);
#                          point it at a proxy that serves the Dashboard folder while the API does not serve it yet
#   DASHBOARD_REDIS_PORT (6397), DASHBOARD_PG_PORT (5497), DASHBOARD_API_PORT (8097), DASHBOARD_SANDBOX_PORT (9497),
#   DASHBOARD_SCHEDULER_METRICS_PORT (9498), DASHBOARD_WORKER_METRICS_PORT (9499): the --metrics-port servers, scraped
#   at the end by scripts/check-metrics.py for every metric deploy/grafana/reelay-dashboard.json queries
#   DASHBOARD_VENV         the Python virtualenv holding Selenium (default .data/dashboard-venv; made when missing)
#   DASHBOARD_LOG_DIR      the processes' logs (default .data/dashboard-test; emptied at the start of each run)
#   DASHBOARD_HEADFUL=1    show the browser window (needs a display)
# Installs what is missing (apt-get: redis-server, postgresql, curl, python3-venv, chromium, chromium-driver; pip:
# selenium into the virtualenv). Runs as root in CI.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${REELAY_BIN:-$root/.build/debug/reelay}
shots=${DASHBOARD_SCREENSHOTS:-$root/.data/dashboard-screenshots}
redis_port=${DASHBOARD_REDIS_PORT:-6397}
pg_port=${DASHBOARD_PG_PORT:-5497}
api_port=${DASHBOARD_API_PORT:-8097}
sandbox_port=${DASHBOARD_SANDBOX_PORT:-9497}
scheduler_metrics_port=${DASHBOARD_SCHEDULER_METRICS_PORT:-9498}
worker_metrics_port=${DASHBOARD_WORKER_METRICS_PORT:-9499}
venv=${DASHBOARD_VENV:-$root/.data/dashboard-venv}
logs=${DASHBOARD_LOG_DIR:-$root/.data/dashboard-test}
api="http://127.0.0.1:$api_port"
sandbox="http://127.0.0.1:$sandbox_port"
dashboard_url=${DASHBOARD_URL:-$api/}
test_py="$root/scripts/dashboard-test.py"

declare -A pid=()   # name → pid of each reelay process this script started
work=""             # the temporary folder: Redis data, PostgreSQL cluster, media
pg=""               # PostgreSQL's bin folder
cleaned=0
started_at=$(date +%s)

log() { printf '%s dashboard-test: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# --- What the run needs -------------------------------------------------------------------------------------------

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $*"; fi
}

find_pg_bin() {
    local b; b=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)
    [[ -x "$b/initdb" ]] || b=$(pg_config --bindir 2>/dev/null || true)
    [[ -x "$b/initdb" ]] && echo "$b"
}

chromedriver_path() { command -v chromedriver || { [[ -x /usr/lib/chromium/chromedriver ]] && echo /usr/lib/chromium/chromedriver; }; }
chromium_path() { command -v chromium || command -v chromium-browser || command -v google-chrome || true; }

install_deps() {
    local missing=()
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server redis-tools)
    command -v psql >/dev/null || missing+=(postgresql-client)
    find_pg_bin >/dev/null || missing+=(postgresql)
    command -v curl >/dev/null || missing+=(curl)
    command -v setpriv >/dev/null || missing+=(util-linux)
    command -v python3 >/dev/null || missing+=(python3)
    python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
    [[ -n "$(chromium_path)" ]] || missing+=(chromium)
    [[ -n "$(chromedriver_path)" ]] || missing+=(chromium-driver)
    if ((${#missing[@]})); then
        log "installing ${missing[*]} (apt-get)"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    if ! "$venv/bin/python" -c 'import selenium' 2>/dev/null; then
        log "installing selenium into $venv (pip)"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check 'selenium>=4.11,<5'
    fi
    pg=$(find_pg_bin) || die "PostgreSQL server binaries not found after installing postgresql"
}

preflight() {
    [[ -x "$bin" ]] || die "no reelay executable at $bin (swift build --product reelay, or set REELAY_BIN)"
    compgen -G "$(dirname "$bin")/*.resources" >/dev/null || die "no *.resources bundles beside $bin (copy them with the binary)"
    if [[ $(id -u) -eq 0 ]]; then id postgres >/dev/null 2>&1 || die "as root, PostgreSQL runs as the 'postgres' user, which does not exist"; fi
    local port
    for port in "$redis_port" "$pg_port" "$api_port" "$sandbox_port"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port on 127.0.0.1 is taken: stop what listens there or set DASHBOARD_*_PORT"; fi
    done
}

# --- Servers ------------------------------------------------------------------------------------------------------

alive() { kill -0 "$1" 2>/dev/null && [[ $(ps -o stat= -p "$1" 2>/dev/null) != Z* ]]; }

launch() { # launch NAME COMMAND…: in the background, output in $logs/NAME.log
    local name=$1; shift
    "$@" >> "$logs/$name.log" 2>&1 &
    pid[$name]=$!
}

wait_http() { # wait_http URL SECONDS
    local deadline=$(( $(date +%s) + $2 ))
    until curl -fs -o /dev/null "$1"; do (( $(date +%s) < deadline )) || return 1; sleep 0.2; done
}

# Runs a PostgreSQL server program as `postgres` when root (PostgreSQL refuses to run as root).
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then (cd / && setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"); else "$@"; fi
}

start_redis() {
    mkdir -p "$work/redis"
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --daemonize yes --pidfile "$work/redis/redis.pid" \
        --logfile "$logs/redis.log" --appendonly no --save "" --maxmemory-policy noeviction --protected-mode yes
    for _ in $(seq 1 100); do [[ $(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null) == PONG ]] && return; sleep 0.1; done
    die "redis did not start; see $logs/redis.log"
}

start_postgres() {
    mkdir -p "$work/pg/data"
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$work/pg/password")
    [[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$work/pg"
    chmod 700 "$work/pg/data"
    as_pg "$pg/initdb" -D "$work/pg/data" -U reelay --pwfile="$work/pg/password" --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 --no-instructions > "$logs/initdb.log" 2>&1 || die "initdb failed; see $logs/initdb.log"
    as_pg "$pg/pg_ctl" start -D "$work/pg/data" -w -t 60 -l "$work/pg/server.log" \
        -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$work/pg/data' -c fsync=off" >/dev/null \
        || die "PostgreSQL did not start; see $work/pg/server.log"
    as_pg "$pg/createdb" -h "$work/pg/data" -p "$pg_port" -U reelay reelay
}

cleanup() {
    (( cleaned )) && return
    cleaned=1
    set +e
    local name
    for name in "${!pid[@]}"; do kill -TERM "${pid[$name]}" 2>/dev/null; done
    for _ in $(seq 1 50); do
        local left=0
        for name in "${!pid[@]}"; do alive "${pid[$name]}" && left=1; done
        (( left )) || break
        sleep 0.1
    done
    for name in "${!pid[@]}"; do kill -KILL "${pid[$name]}" 2>/dev/null; done
    wait 2>/dev/null
    if [[ -n "$work" ]]; then
        [[ -f "$work/redis/redis.pid" ]] && kill -KILL "$(cat "$work/redis/redis.pid")" 2>/dev/null
        [[ -f "$work/pg/data/postmaster.pid" ]] && as_pg "$pg/pg_ctl" stop -D "$work/pg/data" -m immediate -w >/dev/null 2>&1
        cp "$work/pg/server.log" "$logs/postgres.log" 2>/dev/null
        if [[ "${DASHBOARD_KEEP:-0}" == 1 ]]; then log "data kept in $work"; else rm -rf "$work"; fi
    fi
    set -e
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_stack() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/reelay-dashboard.XXXXXX")
    chmod 755 "$work"   # the postgres user must reach its cluster inside
    mkdir -p "$work/media" "$work/cache"
    start_redis
    start_postgres
    export REELAY_REDIS_URL="redis://127.0.0.1:$redis_port/0"
    local password secret
    password=$(cat "$work/pg/password")
    secret=$(head -c 32 /dev/urandom | base64 -w0)
    export REELAY_DATABASE_URL="postgres://reelay:$password@127.0.0.1:$pg_port/reelay"
    export REELAY_ENCRYPTION_KEY="k1:$secret"
    export REELAY_MEDIA_ROOT="$work/media" REELAY_MEDIA_CACHE_DIR="$work/cache" REELAY_TIKTOK_API_URL="$sandbox" \
        REELAY_TIKTOK_AUTH_URL="$sandbox" REELAY_TIKTOK_CLIENT_KEY=sandbox-client-key REELAY_TIKTOK_CLIENT_SECRET=sandbox-client-secret \
        REELAY_API_PORT="$api_port" REELAY_PUBLIC_URL="$api" REELAY_LOG_LEVEL="${REELAY_LOG_LEVEL:-info}"
    log "redis on 127.0.0.1:$redis_port, postgresql on 127.0.0.1:$pg_port (data in $work)"

    "$bin" migrate >> "$logs/setup.log" 2>&1 || die "reelay migrate failed; see $logs/setup.log"
    key=$("$bin" apikey create --name dashboard-test --role admin 2>>"$logs/setup.log" | tail -n 1)
    [[ -n "$key" ]] || die "reelay apikey create failed; see $logs/setup.log"

    launch sandbox "$bin" sandbox --port "$sandbox_port" --processing-time 300ms
    wait_http "$sandbox/_sandbox/creators" 30 || die "the sandbox did not start; see $logs/sandbox.log"
    launch api "$bin" api
    wait_http "$api/healthz" 30 || die "the API did not start; see $logs/api.log"
    launch scheduler "$bin" scheduler --metrics-port "$scheduler_metrics_port"
    launch worker "$bin" worker --queues publish --concurrency 4 --maintenance false --metrics-port "$worker_metrics_port"
    sleep 1
    local name
    for name in "${!pid[@]}"; do alive "${pid[$name]}" || die "$name exited at start; see $logs/$name.log"; done
    log "sandbox :$sandbox_port, api :$api_port, scheduler and worker running (logs in $logs)"
}

main() {
    rm -rf "$logs"
    mkdir -p "$logs"
    install_deps
    preflight
    start_stack
    export DASHBOARD_API="$api" DASHBOARD_SANDBOX="$sandbox" DASHBOARD_KEY="$key" DASHBOARD_URL="$dashboard_url"
    export DASHBOARD_SCREENSHOTS="$shots" DASHBOARD_SEED_FILE="$work/seed.json" DASHBOARD_MEDIA_DIR="$work/videos"
    export CHROMEDRIVER="${CHROMEDRIVER:-$(chromedriver_path)}" CHROME_BIN="${CHROME_BIN:-$(chromium_path)}"
    "$venv/bin/python" "$test_py" seed || die "seeding failed (see above; logs in $logs)"
    if [[ "${DASHBOARD_HOLD:-0}" == 1 ]]; then
        log "stack up and seeded: dashboard $dashboard_url  api $api  sandbox $sandbox"
        log "admin key: $key"
        log "Ctrl-C (or SIGTERM to pid $$) stops everything"
        while :; do sleep 1; done
    fi
    local status=0
    "$venv/bin/python" "$test_py" run || status=$?
    # Every metric the Grafana dashboard (deploy/grafana) queries must exist in this run's processes.
    python3 "$root/scripts/check-metrics.py" "$root/deploy/grafana/reelay-dashboard.json" "$api/metrics" \
        "http://127.0.0.1:$scheduler_metrics_port/metrics" "http://127.0.0.1:$worker_metrics_port/metrics" || status=1
    for port in "$scheduler_metrics_port" "$worker_metrics_port"; do
        curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" || { log "the metrics server on :$port does not answer /healthz"; status=1; }
    done
    local name
    for name in "${!pid[@]}"; do alive "${pid[$name]}" || { log "$name died during the run; see $logs/$name.log"; status=1; }; done
    if (( status == 0 )); then
        log "PASSED in $(( $(date +%s) - started_at )) s; screenshots in $shots"
    else
        log "FAILED (exit $status) after $(( $(date +%s) - started_at )) s; screenshots in $shots, logs in $logs"
    fi
    return "$status"
}

main "$@"
