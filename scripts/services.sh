#!/usr/bin/env bash
# Local servers for `make run` and `make test`: a private Redis and PostgreSQL on loopback, data under .data/ (git-ignored).
#
#   scripts/services.sh deps    install missing Debian packages (apt-get; needs root or sudo)
#   scripts/services.sh start   start both servers unless already running (safe to run twice); writes .data/env
#   scripts/services.sh stop    stop what `start` started, by pid
#   scripts/services.sh status  say what runs where
#
# Ports: REELAY_DEV_REDIS_PORT (6390) and REELAY_DEV_PG_PORT (5490), chosen away from the system defaults so a system
# Redis or PostgreSQL on the same machine is left alone.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data"
redis_port=${REELAY_DEV_REDIS_PORT:-6390}
pg_port=${REELAY_DEV_PG_PORT:-5490}
redis_dir="$data/redis"
pg_dir="$data/postgres"
pg_data="$pg_dir/data"
packages=(pkg-config libhiredis-dev libpq-dev redis-server redis-tools postgresql postgresql-client util-linux iproute2 curl python3 python3-venv)

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $*"; fi
}

deps() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    command -v swift >/dev/null || die "swift is not on PATH: install the Swift 6.3 toolchain (https://www.swift.org/install/linux/)"
}

pg_bin() {
    local bin
    bin=$(pg_config --bindir 2>/dev/null || true)
    [[ -x "$bin/initdb" ]] || bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -x "$bin/initdb" ]] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
    echo "$bin"
}

# Runs a PostgreSQL server binary as the postgres user when we are root (PostgreSQL refuses to run as root).
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then (cd / && setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"); else "$@"; fi
}

redis_answers() { redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; }
pg_answers() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$pg_port" 2>/dev/null; }
# "Running" means ours: started from this checkout (its pid file names a live process) and answering.
redis_running() { [[ -f "$redis_dir/redis.pid" ]] && kill -0 "$(cat "$redis_dir/redis.pid")" 2>/dev/null && redis_answers; }
pg_running() {
    local pidfile; pidfile="$(readlink -f "$pg_dir" 2>/dev/null || echo "$pg_dir")/data/postmaster.pid"
    [[ -f "$pidfile" ]] && kill -0 "$(head -1 "$pidfile")" 2>/dev/null && pg_answers
}

start_redis() {
    mkdir -p "$redis_dir"
    if redis_running; then log "redis already running on 127.0.0.1:$redis_port"; return; fi
    redis_answers && die "port $redis_port is taken by a Redis this checkout did not start: stop it or set REELAY_DEV_REDIS_PORT"
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$redis_dir" --daemonize yes \
        --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" \
        --appendonly yes --appendfsync everysec --maxmemory-policy noeviction --save "" --protected-mode yes
    for _ in $(seq 1 100); do redis_answers && break; sleep 0.1; done
    redis_running || die "redis did not start; see $redis_dir/redis.log"
    log "redis on 127.0.0.1:$redis_port (pid $(cat "$redis_dir/redis.pid"))"
}

# PostgreSQL runs as `postgres` when we are root; if that user cannot reach .data/ (a clone under /root, say), the cluster
# lives in a folder of its own under /var/lib/postgresql and .data/postgres links to it.
place_pg_dir() {
    [[ -e "$pg_dir" ]] && return
    mkdir -p "$data"
    if [[ $(id -u) -eq 0 ]]; then
        chmod o+x "$root" "$data" 2>/dev/null || true
        mkdir -p "$pg_dir" && chown postgres:postgres "$pg_dir"
        if ! setpriv --reuid=postgres --regid=postgres --init-groups -- test -w "$pg_dir" 2>/dev/null; then
            rmdir "$pg_dir"
            local home; home=/var/lib/postgresql/reelay-$(printf '%s' "$root" | sha256sum | cut -c1-12)
            mkdir -p "$home" && chown postgres:postgres "$home"
            ln -s "$home" "$pg_dir"
            log "postgres cannot reach $data; its cluster lives in $home (linked from .data/postgres)"
        fi
    else
        mkdir -p "$pg_dir"
    fi
}

start_postgres() {
    local bin; bin=$(pg_bin)
    place_pg_dir
    pg_dir=$(readlink -f "$pg_dir"); pg_data="$pg_dir/data"
    if [[ ! -s "$pg_dir/password" ]]; then
        # A random local password, created once, never committed (.data/ is git-ignored).
        (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$pg_dir/password")
    fi
    if [[ ! -f "$pg_data/PG_VERSION" ]]; then
        mkdir -p "$pg_data"
        if [[ $(id -u) -eq 0 ]]; then
            chown postgres:postgres "$pg_data"
            cp "$pg_dir/password" "$pg_dir/password.initdb" && chown postgres "$pg_dir/password.initdb"
        else
            cp "$pg_dir/password" "$pg_dir/password.initdb"
        fi
        chmod 700 "$pg_data"
        as_pg "$bin/initdb" -D "$pg_data" -U reelay --pwfile="$pg_dir/password.initdb" --auth-local=trust \
            --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-instructions >/dev/null
        rm -f "$pg_dir/password.initdb"
        log "initialised a PostgreSQL cluster in $pg_data"
    fi
    if pg_running; then log "postgresql already running on 127.0.0.1:$pg_port"; else
        pg_answers && die "port $pg_port is taken by a PostgreSQL this checkout did not start: stop it or set REELAY_DEV_PG_PORT"
        as_pg "$bin/pg_ctl" start -D "$pg_data" -w -t 60 -l "$pg_data/server.log" \
            -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$pg_data' -c max_connections=300" >/dev/null
        log "postgresql on 127.0.0.1:$pg_port (pid $(head -1 "$pg_data/postmaster.pid"))"
    fi
    for db in reelay reelay_test; do
        if ! as_pg psql -h "$pg_data" -p "$pg_port" -U reelay -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
            as_pg "$bin/createdb" -h "$pg_data" -p "$pg_port" -U reelay "$db"
        fi
    done
}

write_env() {
    local password; password=$(cat "$(readlink -f "$pg_dir")/password")
    cat > "$data/env" <<ENV
# Written by scripts/services.sh start: where the local servers listen. Sourced by the Makefile.
REELAY_REDIS_URL=redis://127.0.0.1:$redis_port/0
REELAY_DATABASE_URL=postgres://reelay:$password@127.0.0.1:$pg_port/reelay
REELAY_TEST_REDIS_URL=redis://127.0.0.1:$redis_port/1
REELAY_TEST_DATABASE_URL=postgres://reelay:$password@127.0.0.1:$pg_port/reelay_test
ENV
    chmod 600 "$data/env"
}

stop() {
    [[ -e "$pg_dir" ]] && pg_dir=$(readlink -f "$pg_dir") && pg_data="$pg_dir/data"
    if [[ -f "$redis_dir/redis.pid" ]]; then
        local pid; pid=$(cat "$redis_dir/redis.pid")
        if kill -0 "$pid" 2>/dev/null; then
            redis-cli -h 127.0.0.1 -p "$redis_port" shutdown >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            log "redis stopped (pid $pid)"
        fi
        rm -f "$redis_dir/redis.pid"
    fi
    if [[ -f "$pg_data/postmaster.pid" ]]; then
        as_pg "$(pg_bin)/pg_ctl" stop -D "$pg_data" -m fast -w >/dev/null 2>&1 && log "postgresql stopped" || true
    fi
}

status() {
    if redis_running; then echo "redis:      running on 127.0.0.1:$redis_port"; else echo "redis:      stopped"; fi
    if pg_running; then echo "postgresql: running on 127.0.0.1:$pg_port"; else echo "postgresql: stopped"; fi
}

case "${1:-}" in
    deps) deps ;;
    start) start_redis; start_postgres; write_env ;;
    stop) stop ;;
    status) status ;;
    *) die "usage: $0 deps|start|stop|status" ;;
esac
