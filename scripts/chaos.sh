#!/usr/bin/env bash
# Chaos run: publish CHAOS_POSTS posts (default 5,000) over 50 sandbox creators through the whole system while it is
# being broken, then prove that nothing was lost or posted twice.
#
#   scripts/chaos.sh                       # 5,000 posts: at least ~17 min (TikTok allows 6 inits per minute per account)
#   CHAOS_POSTS=300 scripts/chaos.sh       # the CI size, a few minutes
#   REELAY_BIN=/path/to/reelay scripts/chaos.sh
#
# It starts everything of its own on loopback, under a temporary folder it removes at the end: redis-server (AOF
# `everysec`, `noeviction`), a PostgreSQL cluster (run as the `postgres` user when root), `reelay sandbox` with faults on
# (5% 503s and added latency on creator_info, video_init, upload and status; every CHAOS_DROP_EVERY seconds, while more
# than a tenth of the posts are unfinished, one video_init and one upload answer dropped after the sandbox acted),
# `reelay api`, two `reelay scheduler`s and 4 `reelay worker`s (lease 10 s, maintenance left to the scheduler). It
# imports the creators as accounts, uploads distinct videos and starts campaigns through the API, and while posts are
# unfinished it:
#   - kill -9s a random worker every CHAOS_KILL_EVERY seconds (5) and starts a new one in its place;
#   - once each, spaced over the expected run time: SIGSTOPs the busiest worker for its lease + 5 s and SIGCONTs it,
#     kill -9s Redis and restarts it on the same AOF, restarts PostgreSQL (stop -m immediate, start), kill -9s the API
#     and restarts it, kill -9s the leading scheduler and restarts it.
# At the end every post must be terminal in PostgreSQL, the sandbox must hold exactly one publish per completed post
# (matched by caption, which carries the post's index) on the right creator with the media's SHA-256, and none for
# the others. The last line is `lost=L duplicated=D completed=N failed=M`; the exit status is 0 only when nothing is
# lost, duplicated, mismatched, the chaos schedule ran in full, no process died on its own, and the logs hold no secret
# and carry the request, job, post and account ids (scripts/check-log-secrets.py).
#
# Settings (environment): CHAOS_POSTS (5000), CHAOS_ACCOUNTS (50), CHAOS_WORKERS (4), CHAOS_WORKER_CONCURRENCY (4),
# CHAOS_LEASE (10, seconds), CHAOS_KILL_EVERY (5 s), CHAOS_DROP_EVERY (4 s), CHAOS_LATENCY_MS (75),
# CHAOS_ERROR_RATE (0.05), CHAOS_VIDEO_BYTES (300000), CHAOS_TIMEOUT (seconds to wait for every post; default three
# times the expected time + 10 min), ports CHAOS_REDIS_PORT (6396), CHAOS_PG_PORT (5496), CHAOS_API_PORT (8096),
# CHAOS_SANDBOX_PORT (9496), CHAOS_LOG_DIR (.data/chaos/<UTC time>; kept), CHAOS_KEEP=1 keeps the data folder too.
# Needs redis-server, redis-cli, PostgreSQL 15+ server binaries, psql, curl, python3 (`make deps` installs them).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${REELAY_BIN:-$root/.build/release/reelay}
check="$root/scripts/chaos-check.py"
posts=${CHAOS_POSTS:-5000}
accounts=${CHAOS_ACCOUNTS:-50}
workers=${CHAOS_WORKERS:-4}
concurrency=${CHAOS_WORKER_CONCURRENCY:-4}
lease=${CHAOS_LEASE:-10}
kill_every=${CHAOS_KILL_EVERY:-5}
drop_every=${CHAOS_DROP_EVERY:-4}
latency_ms=${CHAOS_LATENCY_MS:-75}
error_rate=${CHAOS_ERROR_RATE:-0.05}
video_bytes=${CHAOS_VIDEO_BYTES:-300000}
redis_port=${CHAOS_REDIS_PORT:-6396}
pg_port=${CHAOS_PG_PORT:-5496}
api_port=${CHAOS_API_PORT:-8096}
sandbox_port=${CHAOS_SANDBOX_PORT:-9496}
logs=${CHAOS_LOG_DIR:-$root/.data/chaos/$(date -u +%Y%m%dT%H%M%SZ)}
api="http://127.0.0.1:$api_port"
sandbox="http://127.0.0.1:$sandbox_port"

declare -A pid=()          # process name → pid of what this script started (sandbox, api, scheduler1/2, worker1..N)
declare -A restarts=()     # process name → times restarted by the chaos
work=""                    # the temporary folder (Redis data, PostgreSQL cluster, media)
stopped=""                 # the worker SIGSTOPped right now
unexpected=0               # processes that died without being killed by the chaos
cleaned=0
started_at=$(date +%s)

# --- Output -------------------------------------------------------------------------------------------------------

stamp() { date -u +%H:%M:%S; }
log() { printf '%s chaos: %s\n' "$(stamp)" "$*" | tee -a "$logs/events.log" >&2; }
die() { log "FATAL: $*"; exit 1; }

# --- Processes ----------------------------------------------------------------------------------------------------

alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null && [[ $(ps -o stat= -p "$1" 2>/dev/null) != Z* ]]; }

# launch NAME COMMAND…: runs COMMAND in the background, output appended to $logs/NAME.log, pid in pid[NAME].
launch() {
    local name=$1; shift
    printf '=== %s started: %s\n' "$(date -u +%FT%TZ)" "$*" >> "$logs/$name.log"
    nohup "$@" >> "$logs/$name.log" 2>&1 &
    pid[$name]=$!
    disown "${pid[$name]}"
}

start_sandbox() { launch sandbox "$bin" sandbox --port "$sandbox_port" --processing-time 500ms; }
start_api() { launch api "$bin" api; }
start_scheduler() { launch "scheduler$1" "$bin" scheduler; }
start_worker() {
    launch "worker$1" "$bin" worker --queues publish --concurrency "$concurrency" --lease "${lease}s" --maintenance false \
        --media-cache-dir "$work/cache$1"
}

wait_http() { # wait_http URL SECONDS
    local deadline=$(( $(date +%s) + $2 ))
    until curl -fs -o /dev/null "$1"; do (( $(date +%s) < deadline )) || return 1; sleep 0.2; done
}

# kill9 NAME: SIGKILL a process of ours and wait until it is gone.
kill9() {
    local p=${pid[$1]}
    kill -KILL "$p" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$p" || break; sleep 0.1; done
    printf '=== %s killed with SIGKILL by the chaos (pid %s)\n' "$(date -u +%FT%TZ)" "$p" >> "$logs/$1.log"
    restarts[$1]=$(( ${restarts[$1]:-0} + 1 ))
}

# --- Redis and PostgreSQL -----------------------------------------------------------------------------------------

redis() { redis-cli -h 127.0.0.1 -p "$redis_port" "$@"; }

start_redis() {
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --daemonize yes --pidfile "$work/redis/redis.pid" \
        --logfile "$logs/redis.log" --appendonly yes --appendfsync everysec --save "" --maxmemory-policy noeviction \
        --protected-mode yes
    for _ in $(seq 1 300); do [[ $(redis ping 2>/dev/null) == PONG ]] && return; sleep 0.1; done
    die "redis did not start; see $logs/redis.log"
}

pg_bin() {
    local b; b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -x "$b/initdb" ]] || b=$(pg_config --bindir 2>/dev/null || true)
    [[ -x "$b/initdb" ]] || die "PostgreSQL server binaries not found (apt-get install postgresql, or make deps)"
    echo "$b"
}

# Runs a PostgreSQL server binary as `postgres` when we are root (PostgreSQL refuses to run as root).
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then (cd / && setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"); else "$@"; fi
}

pg_ctl_start() {
    as_pg "$pg/pg_ctl" start -D "$work/pg/data" -w -t 60 -l "$work/pg/server.log" \
        -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$work/pg/data' -c max_connections=200" >/dev/null
}

start_postgres() {
    mkdir -p "$work/pg/data"
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$work/pg/password")
    [[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$work/pg"
    chmod 700 "$work/pg/data"
    as_pg "$pg/initdb" -D "$work/pg/data" -U reelay --pwfile="$work/pg/password" --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 --no-instructions >/dev/null
    pg_ctl_start
    as_pg "$pg/createdb" -h "$work/pg/data" -p "$pg_port" -U reelay reelay
}

sql() { psql "$REELAY_DATABASE_URL" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }

# --- Cleanup ------------------------------------------------------------------------------------------------------

cleanup() {
    (( cleaned )) && return
    cleaned=1
    set +e
    [[ -n "$stopped" ]] && kill -CONT "${pid[$stopped]}" 2>/dev/null
    for name in "${!pid[@]}"; do kill -TERM "${pid[$name]}" 2>/dev/null; done
    sleep 1
    for name in "${!pid[@]}"; do kill -KILL "${pid[$name]}" 2>/dev/null; done
    if [[ -n "$work" ]]; then
        [[ -f "$work/redis/redis.pid" ]] && kill -KILL "$(cat "$work/redis/redis.pid")" 2>/dev/null
        if [[ -f "$work/pg/data/postmaster.pid" ]]; then as_pg "$pg/pg_ctl" stop -D "$work/pg/data" -m immediate -w >/dev/null 2>&1; fi
        cp "$work/pg/server.log" "$logs/postgres.log" 2>/dev/null
        if [[ "${CHAOS_KEEP:-0}" == 1 ]]; then printf 'chaos: data kept in %s\n' "$work" >&2; else rm -rf "$work"; fi
    fi
    set -e
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Setup --------------------------------------------------------------------------------------------------------

preflight() {
    [[ -x "$bin" ]] || die "no reelay binary at $bin (make release, or set REELAY_BIN)"
    for tool in redis-server redis-cli psql curl python3 ps; do command -v "$tool" >/dev/null || die "$tool is not installed (make deps)"; done
    if [[ $(id -u) -eq 0 ]]; then command -v setpriv >/dev/null && id postgres >/dev/null 2>&1 || die "as root, PostgreSQL runs as 'postgres' through setpriv"; fi
    (( posts >= 1 && accounts >= 1 && workers >= 2 )) || die "CHAOS_POSTS and CHAOS_ACCOUNTS must be ≥ 1, CHAOS_WORKERS ≥ 2"
    (( posts / accounts + 1 <= 1000 )) || die "at most 1000 posts per account (the accounts' daily cap): raise CHAOS_ACCOUNTS"
    for port in "$redis_port" "$pg_port" "$api_port" "$sandbox_port"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is taken: set CHAOS_*_PORT"; fi
    done
}

setup_servers() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/reelay-chaos.XXXXXX")
    chmod 755 "$work"   # the postgres user must reach its cluster inside
    mkdir -p "$work/redis" "$work/media" "$work/videos"
    pg=$(pg_bin)
    start_redis
    start_postgres
    log "redis on 127.0.0.1:$redis_port (AOF everysec, noeviction), postgresql on 127.0.0.1:$pg_port, data in $work"

    export REELAY_REDIS_URL="redis://127.0.0.1:$redis_port/0"
    export REELAY_DATABASE_URL="postgres://reelay:$(cat "$work/pg/password")@127.0.0.1:$pg_port/reelay"
    export REELAY_ENCRYPTION_KEY="k1:$(head -c 32 /dev/urandom | base64 -w0)"
    export REELAY_MEDIA_ROOT="$work/media" REELAY_MEDIA_CACHE_DIR="$work/cache" REELAY_TIKTOK_API_URL="$sandbox" \
        REELAY_TIKTOK_AUTH_URL="$sandbox" REELAY_TIKTOK_CLIENT_KEY=sandbox-client-key REELAY_TIKTOK_CLIENT_SECRET=sandbox-client-secret \
        REELAY_API_PORT="$api_port" REELAY_PUBLIC_URL="$api" REELAY_LOG_LEVEL="${REELAY_LOG_LEVEL:-info}"
    "$bin" migrate >> "$logs/setup.log" 2>&1 || die "reelay migrate failed; see $logs/setup.log"
    key=$("$bin" apikey create --name chaos --role admin 2>>"$logs/setup.log" | tail -n 1)
    [[ -n "$key" ]] || die "reelay apikey create failed; see $logs/setup.log"
}

start_system() {
    start_sandbox
    wait_http "$sandbox/_sandbox/creators" 20 || die "the sandbox did not start; see $logs/sandbox.log"
    start_api
    wait_http "$api/healthz" 30 || die "the API did not start; see $logs/api.log"
    start_scheduler 1
    start_scheduler 2
    for n in $(seq 1 "$workers"); do start_worker "$n"; done
    sleep 1
    for name in "${!pid[@]}"; do alive "${pid[$name]}" || die "$name exited at start; see $logs/$name.log"; done
    log "sandbox, api, 2 schedulers and $workers workers (concurrency $concurrency, lease ${lease}s) running"
}

# call EXPECTED METHOD PATH [curl arguments…]: an API call; the body lands in $work/response.json.
call() {
    local expected=$1 method=$2 path=$3; shift 3
    local status
    status=$(curl -s -o "$work/response.json" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $key" "$@" "$api$path") || status=000
    [[ "$status" == "$expected" ]] || die "$method $path answered $status (expected $expected): $(head -c 2000 "$work/response.json")"
}
field() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$work/response.json" "$1"; }

setup_data() {
    rounds=$(( posts / accounts ))     # media sent to every account (campaign 1)
    rest=$(( posts % accounts ))       # one more media to the first $rest accounts (campaign 2)
    local media=$(( rounds + (rest > 0 ? 1 : 0) ))

    python3 "$check" creators "$sandbox" "$accounts" "$rest" "$work/accounts.json"
    call 200 POST /api/v1/accounts/import -H 'Content-Type: application/json' --data-binary "@$work/accounts.json"
    [[ $(field "d['imported']") == "$accounts" ]] || die "account import: $(cat "$work/response.json")"
    log "$accounts sandbox creators imported as accounts (daily cap 1000; sandbox cap 10000)"

    python3 "$check" videos "$work/videos" "$media" "$video_bytes"
    : > "$work/media.txt"
    for file in "$work"/videos/clip-*.mp4; do
        call 201 POST /api/v1/media -F "file=@$file;type=video/mp4"
        local sha; sha=$(field "d['sha256']")
        [[ "$sha" == "$(sha256sum "$file" | cut -d' ' -f1)" ]] || die "media $file: the API's SHA-256 $sha is not the file's"
        printf '%s %s\n' "$(field "d['id']")" "$sha" >> "$work/media.txt"
    done
    cp "$work/media.txt" "$logs/media.txt"
    log "$media distinct videos uploaded ($video_bytes-byte media data each)"

    # Faults before the first post: 5% 503 and latency on every posting endpoint.
    for endpoint in creator_info video_init upload status; do
        curl -fs -o /dev/null -X POST "$sandbox/_sandbox/faults" \
            -d "{\"endpoint\": \"$endpoint\", \"error_rate\": $error_rate, \"error_status\": 503, \"latency_ms\": $latency_ms}"
    done
    log "sandbox faults on: error_rate $error_rate (503) and ${latency_ms} ms on creator_info, video_init, upload, status"

    local tag; tag=$(date -u +%H%M%S)
    campaigns=()
    if (( rounds > 0 )); then create_campaign "chaos-$tag-all" chaos 1 "$rounds"; fi
    if (( rest > 0 )); then create_campaign "chaos-$tag-rest" chaos-rest "$media" "$media"; fi
    local total; total=$(sql "SELECT count(*) FROM posts")
    [[ "$total" == "$posts" ]] || die "the campaigns made $total posts, not $posts"
    log "campaigns ${campaigns[*]} started: $posts posts ($rounds per account$( ((rest)) && echo ", +1 for $rest accounts"))"
}

create_campaign() { # NAME LABEL FIRST_MEDIA LAST_MEDIA
    python3 "$check" campaign "$1" "$2" "$work/media.txt" "$3" "$4" > "$work/campaign.json"
    call 201 POST /api/v1/campaigns -H 'Content-Type: application/json' --data-binary "@$work/campaign.json"
    local id; id=$(field "d['id']")
    call 202 POST "/api/v1/campaigns/$id/start"
    campaigns+=("$id")
}

# --- Chaos --------------------------------------------------------------------------------------------------------

# progress: sets $terminal, $completed and $by_status from PostgreSQL; returns 1 when PostgreSQL does not answer.
progress() {
    local row
    row=$(sql "SELECT count(*) FILTER (WHERE status IN ('completed', 'failed', 'cancelled', 'missed')),
                      count(*) FILTER (WHERE status = 'completed'),
                      (SELECT string_agg(status || '=' || n, ' ' ORDER BY status)
                       FROM (SELECT status, count(*) AS n FROM posts GROUP BY status) s)
               FROM posts" 2>/dev/null) || return 1
    IFS='|' read -r terminal completed by_status <<< "$row"
}

worker_names() { local n; for n in $(seq 1 "$workers"); do echo "worker$n"; done; }

kill_random_worker() {
    local candidates=() name
    for name in $(worker_names); do [[ "$name" != "$stopped" ]] && candidates+=("$name"); done
    name=${candidates[RANDOM % ${#candidates[@]}]}
    local old=${pid[$name]}
    kill9 "$name"
    start_worker "${name#worker}"
    log "kill -9 $name (pid $old); restarted as pid ${pid[$name]}"
}

# The worker holding the most jobs (from the registry hashes in Redis): "NAME IN_FLIGHT", or nothing.
busiest_worker() {
    local best="" most=-1 id wpid inflight name
    for id in $(redis ZRANGE reelay:workers 0 -1 2>/dev/null); do
        read -r wpid inflight <<< "$(redis HMGET "reelay:worker:$id" pid in_flight 2>/dev/null | tr '\n' ' ')"
        for name in $(worker_names); do
            if [[ "${pid[$name]}" == "$wpid" ]] && (( ${inflight:-0} > most )); then best=$name; most=${inflight:-0}; fi
        done
    done
    [[ -n "$best" ]] && echo "$best $most"
}

# SIGSTOPs the busiest worker; waits (returns 1, tried again next second) up to 30 s for one that holds a job.
event_sigstop() {
    local found name inflight
    found=$(busiest_worker || true)
    read -r name inflight <<< "$found"
    sigstop_tries=$(( ${sigstop_tries:-0} + 1 ))
    if [[ -z "$name" ]] || { (( ${inflight:-0} == 0 )) && (( sigstop_tries < 30 )); }; then return 1; fi
    stopped=$name
    kill -STOP "${pid[$stopped]}"
    cont_at=$(( $(date +%s) + lease + 5 ))
    log "SIGSTOP $stopped (pid ${pid[$stopped]}, $inflight jobs in flight) for $(( lease + 5 )) s, longer than its ${lease} s lease"
}

event_sigcont() {
    kill -CONT "${pid[$stopped]}"
    log "SIGCONT $stopped (pid ${pid[$stopped]}): it wakes up after its leases ran out and must not publish"
    stopped=""
}

event_redis() {
    local rpid; rpid=$(cat "$work/redis/redis.pid")
    kill -KILL "$rpid"
    for _ in $(seq 1 50); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
    log "kill -9 redis (pid $rpid); restarting it on the same AOF in 2 s"
    sleep 2
    rm -f "$work/redis/redis.pid"
    start_redis
    log "redis restarted (pid $(cat "$work/redis/redis.pid")), $(redis DBSIZE) keys after the AOF replay"
}

event_postgres() {
    log "PostgreSQL: pg_ctl stop -m immediate; starting it again in 2 s"
    as_pg "$pg/pg_ctl" stop -D "$work/pg/data" -m immediate -w >/dev/null
    sleep 2
    pg_ctl_start
    log "PostgreSQL restarted (pid $(head -1 "$work/pg/data/postmaster.pid"))"
}

event_api() {
    local old=${pid[api]}
    kill9 api
    start_api
    wait_http "$api/healthz" 30 || log "the restarted API does not answer /healthz yet"
    log "kill -9 api (pid $old); restarted as pid ${pid[api]}"
}

event_leader() {
    local leader name="" n
    leader=$(redis GET reelay:scheduler:leader 2>/dev/null || true)
    for n in 1 2; do [[ "$leader" == *":${pid[scheduler$n]}:"* ]] && name=scheduler$n; done
    if [[ -z "$name" ]]; then log "no scheduler of ours leads right now (leader '$leader'); trying again next second"; return 1; fi
    local old=${pid[$name]}
    kill9 "$name"
    start_scheduler "${name#scheduler}"
    log "kill -9 the scheduler leader $name (pid $old, $leader); restarted as pid ${pid[$name]}"
}

# Restarts a process of ours that died without being killed (and counts it: that is a finding).
watch_processes() {
    local name
    for name in "${!pid[@]}"; do
        alive "${pid[$name]}" && continue
        unexpected=$(( unexpected + 1 ))
        log "UNEXPECTED: $name (pid ${pid[$name]}) exited on its own; see $logs/$name.log; restarting it"
        case $name in
            sandbox) die "the sandbox died: its state is lost, the run cannot be checked" ;;
            api) start_api ;;
            scheduler*) start_scheduler "${name#scheduler}" ;;
            worker*) start_worker "${name#worker}" ;;
        esac
    done
}

run_chaos() {
    local per_account=$(( (posts + accounts - 1) / accounts ))
    # TikTok allows 6 inits per account in any minute: the first 6 posts of each account go at once, then 6 a minute.
    local expected=$(( (per_account - 1) / 6 * 60 + 20 ))
    local spacing=$(( expected / 7 )); (( spacing < 3 )) && spacing=3; (( spacing > 150 )) && spacing=150
    local timeout=${CHAOS_TIMEOUT:-$(( expected * 3 + 600 ))}
    local events=(sigstop redis postgres api leader) next=0
    local start now last_kill last_drop last_report leader_seen="" leader
    start=$(date +%s); last_kill=$start; last_drop=$start; last_report=0
    log "expected ≥ ${expected} s of publishing; one-off events every ${spacing} s; a worker killed every ${kill_every} s; timeout ${timeout} s"
    terminal=0; completed=0; by_status=""
    while :; do
        now=$(date +%s)
        watch_processes
        if progress; then
            if (( now - last_report >= 10 )); then log "progress: $terminal/$posts terminal ($by_status)"; last_report=$now; fi
            if (( terminal >= posts )) && [[ -z "$stopped" ]]; then break; fi
        fi
        (( now - start > timeout )) && { log "TIMEOUT: posts still unfinished after ${timeout} s"; break; }
        leader=$(redis GET reelay:scheduler:leader 2>/dev/null || true)
        if [[ -n "$leader" && "$leader" != "$leader_seen" ]]; then log "scheduler leader: $leader (fence $(redis GET reelay:scheduler:fence 2>/dev/null))"; leader_seen=$leader; fi

        if [[ -n "$stopped" ]] && (( now >= cont_at )); then event_sigcont; fi
        if (( next < ${#events[@]} )) && (( now - start >= (next + 1) * spacing )); then
            if "event_${events[next]}"; then next=$(( next + 1 )); fi
        fi
        if (( now - last_kill >= kill_every )); then kill_random_worker; last_kill=$(date +%s); fi
        # Dropped answers cost the job an attempt: only while there is traffic, so the last few posts are not starved.
        if (( now - last_drop >= drop_every && (posts - terminal) * 10 > posts )); then
            for endpoint in video_init upload; do
                curl -fs -o /dev/null -X POST "$sandbox/_sandbox/faults" -d "{\"endpoint\": \"$endpoint\", \"drop_responses\": 1}" || true
            done
            drops=$(( ${drops:-0} + 1 )); last_drop=$now
        fi
        sleep 1
    done
    missing_events=("${events[@]:next}")
    log "chaos over after $(( $(date +%s) - start )) s: $(( ${drops:-0} )) rounds of dropped video_init+upload answers; restarts: $(for n in "${!restarts[@]}"; do printf '%s=%s ' "$n" "${restarts[$n]}"; done)"
    (( ${#missing_events[@]} == 0 )) || log "PROBLEM: the posts finished before these events ran: ${missing_events[*]} (raise CHAOS_POSTS)"
}

# --- Verdict ------------------------------------------------------------------------------------------------------

verify() {
    sleep 3   # the sandbox's processing time (500 ms) and moderation (1 s): let every publish settle
    sql "COPY (SELECT p.id, p.status, p.caption, encode(m.sha256, 'hex') AS media_sha256, a.open_id, p.publish_id, p.attempts,
                      coalesce(p.error_code, '') AS error_code
               FROM posts p JOIN media m ON m.id = p.media_id JOIN accounts a ON a.id = p.account_id ORDER BY p.caption)
         TO STDOUT WITH CSV HEADER" > "$logs/posts.csv"
    curl -fs "$sandbox/_sandbox/posts" > "$logs/sandbox-posts.json"
    # The API's media records must agree with PostgreSQL's (the SHA-256 the check compares against).
    local id sha
    while read -r id sha; do
        [[ $(sql "SELECT encode(sha256, 'hex') FROM media WHERE id = '$id'") == "$sha" ]] || { log "PROBLEM: media $id SHA-256 differs between the API and PostgreSQL"; return 1; }
    done < "$work/media.txt"
    python3 "$check" verify "$logs/posts.csv" "$logs/sandbox-posts.json" "$posts" > "$logs/verdict.txt"
}

# Every log of the run (and the files beside them) must be free of the run's secrets: the API key, the encryption key,
# the TikTok client secret, the database password and every account token; and the processes' JSON lines must carry
# request, job, post and account ids.
check_logs() {
    printf '%s\n' "$key" "${REELAY_ENCRYPTION_KEY#k1:}" "$REELAY_TIKTOK_CLIENT_SECRET" "$(cat "$work/pg/password")" > "$work/secrets.txt"
    python3 "$root/scripts/check-log-secrets.py" --secrets "$work/secrets.txt" --accounts "$work/accounts.json" --require-ids "$logs" \
        > "$logs/log-secrets.txt" 2>&1
    local status=$?
    while read -r line; do log "$line"; done < "$logs/log-secrets.txt"
    return "$status"
}

main() {
    mkdir -p "$logs"
    preflight
    log "$posts posts over $accounts creators, $workers workers; logs in $logs"
    setup_servers
    start_system
    setup_data
    run_chaos
    local status=0
    verify || status=1
    check_logs || status=1
    (( unexpected == 0 )) || { log "PROBLEM: $unexpected process(es) died on their own (see UNEXPECTED above)"; status=1; }
    (( ${#missing_events[@]} == 0 )) || status=1
    cleanup
    [[ -s "$logs/verdict.txt" ]] || { log "no verdict: the final check could not run; logs in $logs"; exit 1; }
    sed '$d' "$logs/verdict.txt" >&2
    log "wall time $(( $(date +%s) - started_at )) s; logs in $logs"
    tail -n 1 "$logs/verdict.txt"
    exit "$status"
}

main "$@"
