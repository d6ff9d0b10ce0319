#!/usr/bin/env bash
# Multi-host fleet test: Redis, PostgreSQL, the sandbox TikTok, the API (with its result recorder) and the scheduler
# run in one network namespace ("core"), a worker in each of two others ("w1", "w2"), joined by veth pairs to a bridge
# in the core namespace. Traffic goes only to 10.231.0.0/24 addresses this script assigns to those veths (and to
# loopback inside the namespaces); the root namespace's interfaces and routes are never touched.
#
# The run: a campaign of 24 posts (6 sandbox creators imported through the API × 4 uploaded videos) starts; while w1 is
# running jobs (checked in Redis: active jobs whose owner is w1's worker id, started), w1's link is cut. Its leases
# expire, the scheduler's lease recovery puts the jobs back, w2 finishes every post. Then the link returns: whatever
# w1 still tries to write for those jobs must be refused (fenced), and the end state must be exactly one published
# post per planned post, with the video's SHA-256, every post `completed` in PostgreSQL, every job completed once.
#
#   scripts/fleet-test.sh            (as root; needs ip, redis-server, redis-cli, PostgreSQL server binaries, psql,
#                                     curl, python3, runuser)
#
# REELAY_BIN picks the executable (default .build/debug/reelay). KEEP_LOGS=1 keeps the logs of a passing run.
# Exit 0 only when every check passes; the logs' folder is printed on failure. Everything it created (processes,
# namespaces with their veths and bridge, the temporary folder unless kept) is removed on exit, failure included.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
REELAY_BIN=${REELAY_BIN:-$root/.build/debug/reelay}
posts_per_account=4          # media count: every account posts every video once (TikTok: 6 inits/min per account)
account_count=6
lease=5s                     # the workers' lease; the scheduler recovers expired leases every 5 s
upload_latency_ms=2500       # sandbox latency on the upload endpoint, so that workers hold jobs mid-upload

start_time=$SECONDS
say() { printf 'fleet: %s\n' "$*" >&2; }
die() { printf 'fleet: FAILED: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root: it creates network namespaces and veth pairs with 'ip netns' (CI runs it as root)"
command -v ip >/dev/null || die "'ip' (iproute2) is missing: apt-get install iproute2"
for tool in redis-server redis-cli psql curl python3 runuser; do
    command -v "$tool" >/dev/null || die "'$tool' is missing (scripts/services.sh deps installs the servers' packages)"
done
[[ -x "$REELAY_BIN" ]] || die "no reelay executable at $REELAY_BIN (build it, or set REELAY_BIN)"
pg_bin=$(pg_config --bindir 2>/dev/null || true)
[[ -x "$pg_bin/initdb" ]] || pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$pg_bin/initdb" ]] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
id postgres >/dev/null 2>&1 || die "no 'postgres' user to run PostgreSQL as (apt-get install postgresql)"

tag=reelay-fleet-$$
ns_core=$tag-core ns_w1=$tag-w1 ns_w2=$tag-w2
namespaces=("$ns_core" "$ns_w1" "$ns_w2")
core_ip=10.231.0.1 w1_ip=10.231.0.11 w2_ip=10.231.0.12
work=$(mktemp -d /tmp/reelay-fleet.XXXXXX)
chmod 755 "$work"            # PostgreSQL runs as `postgres` and must reach its data folder below
logs=$work/logs
mkdir -p "$logs"
created_ns=()

# Stops every process in our namespaces (all of them were started by this script), PostgreSQL first and cleanly, then
# deletes the namespaces, which removes their veths and the bridge.
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [[ -f "$work/pg/data/postmaster.pid" ]]; then
        ip netns exec "$ns_core" runuser -u postgres -- "$pg_bin/pg_ctl" stop -D "$work/pg/data" -m immediate -w >/dev/null 2>&1
    fi
    local ns pids pid
    for signal in TERM KILL; do
        for ns in "${created_ns[@]}"; do
            pids=$(ip netns pids "$ns" 2>/dev/null)
            for pid in $pids; do kill -"$signal" "$pid" 2>/dev/null; done
        done
        for _ in $(seq 1 50); do
            pids=""
            for ns in "${created_ns[@]}"; do pids+=$(ip netns pids "$ns" 2>/dev/null); done
            [[ -z "$pids" ]] && break
            sleep 0.1
        done
    done
    for ns in "${created_ns[@]}"; do ip netns del "$ns" 2>/dev/null || say "could not delete namespace $ns"; done
    if [[ $rc -ne 0 ]]; then
        say "FAILED after $((SECONDS - start_time)) s; logs kept in $logs"
        [[ -r "$work/pg/postgres.log" ]] && cp "$work/pg/postgres.log" "$logs/" 2>/dev/null
    for f in "$logs"/*.log; do
            [[ -s "$f" ]] || continue
            printf -- '----- last lines of %s\n' "$f" >&2
            tail -n 15 "$f" >&2
        done
    elif [[ ${KEEP_LOGS:-0} == 1 ]]; then
        say "logs kept in $logs"
    else
        rm -rf "$work"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
core() { in_ns "$ns_core" "$@"; }
rcli() { core redis-cli -h 127.0.0.1 -p 6379 "$@"; }

# --- network: a bridge in core, one veth pair per worker host, created straight inside the namespaces ---------------
say "namespaces $ns_core, $ns_w1, $ns_w2 (work folder $work)"
for ns in "${namespaces[@]}"; do
    ip netns add "$ns"
    created_ns+=("$ns")
    ip -n "$ns" link set lo up
done
ip -n "$ns_core" link add br0 type bridge
ip -n "$ns_core" addr add "$core_ip/24" dev br0
ip -n "$ns_core" link set br0 up
for w in w1 w2; do
    ns_var=ns_$w ip_var=${w}_ip
    ip link add "to-$w" netns "$ns_core" type veth peer name eth0 netns "${!ns_var}"
    ip -n "$ns_core" link set "to-$w" master br0
    ip -n "$ns_core" link set "to-$w" up
    ip -n "${!ns_var}" addr add "${!ip_var}/24" dev eth0
    ip -n "${!ns_var}" link set eth0 up
done

# --- servers in core ------------------------------------------------------------------------------------------------
mkdir -p "$work/redis"
core redis-server --port 6379 --bind "$core_ip 127.0.0.1" --protected-mode no --dir "$work/redis" --appendonly yes \
    --appendfsync everysec --save "" --maxmemory-policy noeviction --logfile "$logs/redis.log" &
for _ in $(seq 1 100); do rcli ping >/dev/null 2>&1 && break; sleep 0.1; done
rcli ping >/dev/null 2>&1 || die "redis did not start"

pg_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
mkdir -p "$work/pg/data"
printf '%s\n' "$pg_password" > "$work/pg/password"
chown -R postgres:postgres "$work/pg"
chmod 700 "$work/pg" "$work/pg/data"
core runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg/data" -U reelay --pwfile="$work/pg/password" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-instructions >"$logs/initdb.log" 2>&1 || die "initdb failed"
echo "host all all 10.231.0.0/24 scram-sha-256" >> "$work/pg/data/pg_hba.conf"
core runuser -u postgres -- "$pg_bin/pg_ctl" start -D "$work/pg/data" -w -t 60 -l "$work/pg/postgres.log" \
    -o "-p 5432 -c listen_addresses=$core_ip -c unix_socket_directories='$work/pg/data' -c max_connections=100" >/dev/null \
    || die "postgresql did not start"
core runuser -u postgres -- "$pg_bin/createdb" -h "$work/pg/data" -p 5432 -U reelay reelay

export REELAY_REDIS_URL="redis://$core_ip:6379/0"
export REELAY_DATABASE_URL="postgres://reelay:$pg_password@$core_ip:5432/reelay"
export REELAY_ENCRYPTION_KEY="k1:$(head -c 32 /dev/urandom | base64 -w0)"
export REELAY_TIKTOK_API_URL="http://$core_ip:9400" REELAY_TIKTOK_AUTH_URL="http://$core_ip:9400"
export REELAY_TIKTOK_CLIENT_KEY=sandbox-client-key REELAY_TIKTOK_CLIENT_SECRET=sandbox-client-secret
export REELAY_PUBLIC_URL="http://$core_ip:8080"
api="http://$core_ip:8080"
sandbox="http://$core_ip:9400"

core "$REELAY_BIN" migrate >"$logs/migrate.log" 2>&1 || die "reelay migrate failed"
key=$(core "$REELAY_BIN" apikey create --name fleet-test --role admin 2>>"$logs/migrate.log" | tail -n 1)
[[ -n "$key" ]] || die "reelay apikey create printed no key"

mkdir -p "$work/core/media" "$work/w1/media" "$work/w1/cache" "$work/w2/media" "$work/w2/cache"
core "$REELAY_BIN" sandbox --host "$core_ip" --port 9400 --processing-time 1 --upload-idle-timeout 5s >"$logs/sandbox.log" 2>&1 &
for _ in $(seq 1 150); do core curl -fs "$sandbox/_sandbox/creators" >/dev/null 2>&1 && break; sleep 0.1; done
core curl -fs "$sandbox/_sandbox/creators" >/dev/null || die "the sandbox did not start"
core "$REELAY_BIN" api --api-host "$core_ip" --api-port 8080 --media-root "$work/core/media" >"$logs/api.log" 2>&1 &
for _ in $(seq 1 150); do core curl -fs "$api/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
core curl -fs "$api/healthz" >/dev/null || die "the API did not start"
core "$REELAY_BIN" scheduler >"$logs/scheduler.log" 2>&1 &

# Workers: maintenance off, so recovering expired leases is the scheduler's job; each host an empty media root of its
# own (the videos come through the API's signed URLs).
start_worker() {
    local w=$1 ns_var=ns_$1
    REELAY_LOG_LEVEL=${FLEET_WORKER_LOG_LEVEL:-info} ip netns exec "${!ns_var}" "$REELAY_BIN" worker --queues publish --concurrency 4 --lease "$lease" --maintenance false \
        --media-root "$work/$w/media" --media-cache-dir "$work/$w/cache" >"$logs/worker-$w.log" 2>&1 &
}
start_worker w1; w1_pid=$!
start_worker w2; w2_pid=$!
for _ in $(seq 1 100); do
    [[ $(rcli ZCARD reelay:workers) -ge 2 ]] && break
    sleep 0.1
done
worker_id() {  # the id the worker with pid $1 registered under (host:pid:random)
    local id
    for id in $(rcli ZRANGE reelay:workers 0 -1); do
        [[ $(rcli HGET "reelay:worker:$id" pid) == "$1" ]] && { echo "$id"; return 0; }
    done
    return 0
}
w1_id=$(worker_id "$w1_pid"); w2_id=$(worker_id "$w2_pid")
[[ -n "$w1_id" && -n "$w2_id" ]] || die "the workers did not register in reelay:workers"
for _ in $(seq 1 100); do [[ -n $(rcli GET reelay:scheduler:leader) ]] && break; sleep 0.1; done
[[ -n $(rcli GET reelay:scheduler:leader) ]] || die "no scheduler leads"
say "servers up after $((SECONDS - start_time)) s: w1=$w1_id w2=$w2_id"

# --- the product, through the API ------------------------------------------------------------------------------------
body=$work/last-response.json
call() {  # EXPECTED METHOD URL [curl args…]
    local expected=$1 method=$2 url=$3 status; shift 3
    status=$(core curl -s -o "$body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $key" "$@" "$url") || die "$method $url: no answer"
    [[ "$status" == "$expected" ]] || { cat "$body" >&2; echo >&2; die "$method $url answered $status (expected $expected)"; }
}
field() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$body" "$1"; }

rows=$work/import.json
echo '[]' > "$rows"
for i in $(seq 1 "$account_count"); do
    core curl -fs -X POST -H 'Content-Type: application/json' \
        -d "{\"nickname\": \"Fleet $i\", \"username\": \"fleet$i\", \"daily_post_cap\": 100}" "$sandbox/_sandbox/creators" > "$body"
    open_id=$(field "d['open_id']")
    core curl -fs -X POST -H 'Content-Type: application/json' -d "{\"open_id\": \"$open_id\"}" "$sandbox/_sandbox/tokens" > "$body"
    python3 - "$body" "$rows" "$i" <<'PY'
import datetime, json, sys
token, rows, i = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
now = datetime.datetime.now(datetime.timezone.utc)
at = lambda seconds: (now + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
rows.append({"open_id": token["open_id"], "access_token": token["access_token"], "access_token_expires_at": at(token["expires_in"]),
             "refresh_token": token["refresh_token"], "refresh_token_expires_at": at(token["refresh_expires_in"]),
             "scopes": token["scope"].split(","), "nickname": f"Fleet {i}", "username": f"fleet{i}", "labels": ["fleet"],
             "timezone": "UTC", "daily_cap": 100})
json.dump(rows, open(sys.argv[2], "w"))
PY
done
python3 -c 'import json,sys; print(json.dumps({"rows": json.load(open(sys.argv[1]))}))' "$rows" > "$work/import-body.json"
call 200 POST "$api/api/v1/accounts/import" -H 'Content-Type: application/json' --data-binary "@$work/import-body.json"
[[ $(field "d['imported']") == "$account_count" ]] || die "account import: $(cat "$body")"

media_ids=()
declare -A media_sha
for i in $(seq 1 "$posts_per_account"); do
    # scripts/sample-video.py's container with a 512 KB payload (its default 2 MB only slows the debug API's upload);
    # different lengths, so different bytes and SHA-256s.
    python3 - "$root/scripts/sample-video.py" "$work/video-$i.mp4" "$((4 + i))" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("sample_video", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
open(sys.argv[2], "wb").write(module.sample(float(sys.argv[3]), media_bytes=512_000))
PY
    call 201 POST "$api/api/v1/media" -F "file=@$work/video-$i.mp4;type=video/mp4"
    media_ids+=("$(field "d['id']")")
    media_sha[$(field "d['id']")]=$(field "d['sha256']")
    [[ $(field "d['sha256']") == $(sha256sum "$work/video-$i.mp4" | cut -d' ' -f1) ]] || die "media SHA-256 differs from the file's"
done
media_json=$(printf '"%s",' "${media_ids[@]}"); media_json="[${media_json%,}]"

# Upload latency in the sandbox: each upload takes seconds, so the workers hold started jobs mid-upload at the cut.
core curl -fs -X POST -H 'Content-Type: application/json' -d "{\"endpoint\": \"upload\", \"latency_ms\": $upload_latency_ms}" \
    "$sandbox/_sandbox/faults" >/dev/null

call 201 POST "$api/api/v1/campaigns" -H 'Content-Type: application/json' -d @- <<JSON
{"name": "fleet $$", "mode": "direct_post", "media_ids": $media_json,
 "caption_template": "fleet post #{index} for {account.nickname}",
 "post_settings": {"privacy_level": "SELF_ONLY"}, "account_selection": {"labels": ["fleet"]}, "strategy": "round_robin",
 "schedule": {"type": "now"}, "over_budget": "reject"}
JSON
campaign_id=$(field "d['id']")
call 202 POST "$api/api/v1/campaigns/$campaign_id/start"
expected=$((account_count * posts_per_account))
say "campaign $campaign_id started: $expected posts ($((SECONDS - start_time)) s)"

# --- cut w1's link while it runs jobs ----------------------------------------------------------------------------------
# Jobs in the lease set whose owner is the given worker and whose run began (started=1): "id token" lines.
held_lua="local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local f = redis.call('HMGET', ARGV[2] .. id, 'owner', 'started', 'token', 'state')
  if f[1] == ARGV[1] and f[2] == '1' and f[4] == 'active' then
    local cp = redis.call('HGET', ARGV[2] .. id, 'checkpoint') or ''
    local mid = (string.find(cp, '\"publish_id\"', 1, true) and string.find(cp, '\"upload_complete\":false', 1, true)) and 'mid-publish' or 'early'
    out[#out + 1] = id .. ' ' .. (f[3] or '') .. ' ' .. mid
  end
end
return out"
held_by() { rcli EVAL "$held_lua" 1 'reelay:{publish}:lease' "$1" 'reelay:{publish}:job:'; }

# Every command Redis runs from now on, with the client's address: what w1 sends after its link returns is in there.
ip netns exec "$ns_core" redis-cli -h 127.0.0.1 -p 6379 MONITOR > "$work/monitor.txt" 2>/dev/null &
monitor_pid=$!

# Cut when w1 runs at least two jobs, one of them mid-publish (a publish_id in its checkpoint, upload not finished),
# so w2 must take over a publish w1 began; after 15 s any two running jobs will do.
held=""
for i in $(seq 1 600); do   # up to 60 s
    held=$(held_by "$w1_id")
    if [[ $(grep -c . <<<"$held") -ge 2 ]] && { grep -q mid-publish <<<"$held" || [[ $i -gt 150 ]]; }; then break; fi
    sleep 0.1
done
[[ -n "$held" ]] || die "w1 never held a running job: the cut would prove nothing"
ip -n "$ns_core" link set to-w1 down
cut_ms=$(rcli TIME | python3 -c 'import sys; s, us = sys.stdin.read().split(); print(int(s) * 1000 + int(us) // 1000)')
# What w1 holds right after the cut (a job may have finished in the instant before it) is what the test is about.
held=$(held_by "$w1_id")
held_count=$(grep -c . <<<"$held" || true)
[[ $held_count -ge 1 ]] || die "w1 held no running job once its link was down (it finished in the instant before the cut): timing"
printf '%s\n' "$held" > "$work/held-at-cut.txt"
: > "$work/checkpoints-at-cut.txt"
for id in $(cut -d' ' -f1 <<<"$held"); do   # where each held job was: its checkpoint (the publish steps done)
    printf '%s %s\n' "$id" "$(rcli HGET "reelay:{publish}:job:$id" checkpoint | tr -d '\n')" >> "$work/checkpoints-at-cut.txt"
done
say "link of w1 cut at $((SECONDS - start_time)) s while it ran $held_count job(s), $(grep -c mid-publish <<<"$held" || true) mid-publish: $(cut -d' ' -f1 <<<"$held" | paste -sd' ')"
# w1 must not reach anything now.
if in_ns "$ns_w1" timeout 3 bash -c "exec 3<>/dev/tcp/$core_ip/6379" 2>/dev/null; then die "w1 still reaches Redis after the cut"; fi

# --- w2 finishes the work while w1 is cut off ------------------------------------------------------------------------
pg() { core psql "$REELAY_DATABASE_URL" -X -At -v ON_ERROR_STOP=1 -c "$1"; }
done_count=0
for _ in $(seq 1 240); do   # up to 120 s
    done_count=$(pg "SELECT count(*) FROM posts WHERE campaign_id = '$campaign_id' AND status = 'completed'")
    [[ $done_count -eq $expected ]] && break
    sleep 0.5
done
[[ $done_count -eq $expected ]] || die "only $done_count of $expected posts completed while w1 was cut off: $(pg "SELECT status, count(*) FROM posts GROUP BY 1" | paste -sd' ')"
say "w2 finished all $expected posts while w1 was cut off ($((SECONDS - start_time)) s)"

# --- the link returns ------------------------------------------------------------------------------------------------
ip -n "$ns_core" link set to-w1 up
restore_ms=$(rcli TIME | python3 -c 'import sys; s, us = sys.stdin.read().split(); print(int(s) * 1000 + int(us) // 1000)')
back=0
for _ in $(seq 1 300); do   # w1 heartbeats again (reelay:workers score after the restore): it is alive and connected
    score=$(rcli ZSCORE reelay:workers "$w1_id")
    if [[ -n "$score" ]] && python3 -c "import sys; sys.exit(0 if float('$score') > $restore_ms else 1)"; then back=1; break; fi
    sleep 0.1
done
kill -0 "$w1_pid" 2>/dev/null || die "w1's worker process died"
[[ $back -eq 1 ]] || die "w1 did not report to Redis within 30 s after its link returned"
sleep 6   # time for any late write of w1 (renewals, acks, checkpoints sent during the cut) to reach Redis and be refused
say "w1 reconnected; checking ($((SECONDS - start_time)) s)"
kill "$monitor_pid" 2>/dev/null || true

# --- checks -----------------------------------------------------------------------------------------------------------
core curl -fs "$sandbox/_sandbox/posts" > "$work/sandbox-posts.json"
pg "SELECT p.id, p.status, p.caption, p.media_id, a.open_id, coalesce(p.publish_id, ''),
           (SELECT count(*) FROM post_events e WHERE e.post_id = p.id AND e.event = 'completed')
    FROM posts p JOIN accounts a ON a.id = p.account_id WHERE p.campaign_id = '$campaign_id' ORDER BY p.created_at" \
    | tr '|' '\t' > "$work/posts.tsv"
: > "$work/jobs.tsv"
while IFS=$'\t' read -r id _; do
    printf '%s\t%s\n' "$id" "$(rcli HMGET "reelay:{publish}:job:$id" state owner finished_at attempt stalls | paste -sd$'\t')" >> "$work/jobs.tsv"
done < "$work/posts.tsv"
for id in "${media_ids[@]}"; do printf '%s\t%s\n' "$id" "${media_sha[$id]}"; done > "$work/media.tsv"
rcli HGETALL 'reelay:{publish}:stats' | paste - - > "$work/stats.txt"

python3 "$root/scripts/fleet-check.py" --posts "$work/posts.tsv" --jobs "$work/jobs.tsv" --media "$work/media.tsv" \
    --sandbox "$work/sandbox-posts.json" --held "$work/held-at-cut.txt" --w1-log "$logs/worker-w1.log" \
    --w1-id "$w1_id" --w2-id "$w2_id" --cut-ms "$cut_ms" --restore-ms "$restore_ms" --expected "$expected" \
    --stats "$work/stats.txt" --monitor "$work/monitor.txt" --w1-ip "$w1_ip" --checkpoints "$work/checkpoints-at-cut.txt" \
    --seconds "$((SECONDS - start_time))"
