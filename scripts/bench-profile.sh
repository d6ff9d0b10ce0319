#!/usr/bin/env bash
# Profiles one worker process of `reelay bench queue` with Linux perf (Debian's `linux-perf`): where its CPU goes and
# how often it switches threads, while the bulk run is under way.
#
#   JOBS (200000)  WORKERS (2)  CONCURRENCY (10)  REDIS_HOST/REDIS_PORT (127.0.0.1:6390)  REELAY_BIN (.build/release/reelay)
#   SECONDS_PROFILED (4)  TOP (25)
#
# Prints `perf stat` (task clock, context switches, CPU migrations) of the worker over the window, then the TOP symbols
# by self time (`perf report --no-children`), then the share of time in kernel futex and epoll/socket code. Needs root or
# kernel.perf_event_paranoid <= 1.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${JOBS:-200000}
workers=${WORKERS:-2}
concurrency=${CONCURRENCY:-10}
host=${REDIS_HOST:-127.0.0.1}
port=${REDIS_PORT:-6390}
bin=${REELAY_BIN:-.build/release/reelay}
window=${SECONDS_PROFILED:-4}
top=${TOP:-25}
[[ -x $bin ]] || { echo "no release binary at $bin: swift build -c release" >&2; exit 1; }
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 1; }

work=$(mktemp -d)
bench_pid=""
cleanup() {
    if [[ -n $bench_pid ]]; then
        # Its workers first: a benchmark stopped by a signal does not stop them itself.
        pkill -TERM -P "$bench_pid" 2>/dev/null || true
        kill -TERM "$bench_pid" 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$bin" bench queue --jobs "$jobs" --workers "$workers" --concurrency "$concurrency" --redis-url "redis://$host:$port/0" \
    --paced-jobs 1 --json >"$work/bench.json" 2>"$work/bench.log" &
bench_pid=$!
worker=""
for _ in $(seq 1 200); do
    worker=$(pgrep -P "$bench_pid" -f "bench worker" | head -n 1 || true)
    [[ -n $worker ]] && break
    sleep 0.05
done
[[ -n $worker ]] || { echo "no worker process appeared" >&2; cat "$work/bench.log" >&2; exit 1; }
# Let the bulk run get going before sampling.
sleep 1
echo "== perf stat of worker $worker over ${window} s (concurrency $concurrency, $workers workers)"
perf stat -e task-clock,context-switches,cpu-migrations -p "$worker" -- sleep "$window" 2>&1 | grep -E 'task-clock|context-switches|cpu-migrations|seconds time'
perf record -q -F 499 -g -p "$worker" -o "$work/perf.data" -- sleep "$window" >/dev/null 2>&1
echo "== top $top symbols by self time"
perf report -i "$work/perf.data" --no-children --stdio --sort dso,sym 2>/dev/null | grep -E '^ +[0-9]' | head -n "$top"
echo "== kernel time by kind (self %)"
perf report -i "$work/perf.data" --no-children --stdio --sort sym 2>/dev/null | grep -E '^ +[0-9]' | awk '
    { pct = $1; sub(/%/, "", pct); name = $NF }
    name ~ /futex/ { futex += pct }
    name ~ /epoll|ep_poll|sock|tcp|skb|unix_stream/ { net += pct }
    name ~ /schedule|switch_to|finish_task_switch|pick_next/ { sched += pct }
    END { printf "futex %.1f%%  epoll/socket %.1f%%  scheduler %.1f%%\n", futex, net, sched }'
wait "$bench_pid" || true
bench_pid=""
echo "== the bulk run's figures"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print({k: d[k] for k in ("process_per_s", "redis_cpu_us_per_job") if k in d})' "$work/bench.json" 2>/dev/null || cat "$work/bench.log"
