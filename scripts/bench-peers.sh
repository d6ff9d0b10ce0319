#!/usr/bin/env bash
# Reelay's queue against Sidekiq 6.4 (Debian's ruby-sidekiq) on the same Redis, same job (one INCR), same shape:
# 2 worker processes × concurrency 10, N jobs bulk-enqueued while the workers run.
#
#   JOBS (100000)  WORKERS (2)  CONCURRENCY (10)  REDIS_HOST/REDIS_PORT (127.0.0.1:6390)  REELAY_BIN (.build/release/reelay)
#   PREFETCH (0)   the Reelay workers' --prefetch (Sidekiq has no such setting)
#
# Reelay's workers are `reelay bench worker` processes (started by `reelay bench queue`): the production `reelay worker`
# has no handler for the benchmark's job, which increments whatever Redis key its payload names.
#
# Sidekiq runs in Redis database 2 so its keys stay apart. Prints Sidekiq's figures, Reelay's (`reelay bench queue --json`),
# then a Markdown table. Sidekiq OSS uses its basic fetch (BRPOP): a job in flight lives only in the process's memory.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${JOBS:-100000}
workers=${WORKERS:-2}
concurrency=${CONCURRENCY:-10}
prefetch=${PREFETCH:-0}
host=${REDIS_HOST:-127.0.0.1}
port=${REDIS_PORT:-6390}
bin=${REELAY_BIN:-.build/release/reelay}
[[ -x $bin ]] || { echo "no release binary at $bin: swift build -c release" >&2; exit 1; }

if ! command -v sidekiq >/dev/null; then
    echo "installing ruby-sidekiq (Debian package)" >&2
    if [[ $(id -u) -eq 0 ]]; then apt-get install -y -qq ruby-sidekiq >/dev/null; else sudo apt-get install -y -qq ruby-sidekiq >/dev/null; fi
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    redis-cli -h "$host" -p "$port" -n 2 FLUSHDB >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

export REDIS_URL="redis://$host:$port/2"
redis-cli -h "$host" -p "$port" -n 2 FLUSHDB >/dev/null
cat > "$work/job.rb" <<'RUBY'
require 'sidekiq'
# The benchmark job: one INCR, like reelay.bench.increment.
class IncrJob
  include Sidekiq::Worker
  def perform(key)
    Sidekiq.redis { |redis| redis.incr(key) }
  end
end
RUBY
for _ in $(seq 1 "$workers"); do
    sidekiq -r "$work/job.rb" -c "$concurrency" -q bench -e production >"$work/sidekiq-$_.log" 2>&1 &
    pids+=($!)
done
for _ in $(seq 1 300); do
    [[ $(redis-cli -h "$host" -p "$port" -n 2 SCARD processes) -ge $workers ]] && break
    sleep 0.1
done
sleep 1
rss_kb=0
uss_kb=0
for pid in "${pids[@]}"; do
    rss_kb=$((rss_kb + $(ps -o rss= -p "$pid")))
    uss_kb=$((uss_kb + $(awk '/^Private_(Clean|Dirty):/ {sum += $2} END {print sum}' "/proc/$pid/smaps_rollup")))
done

cat > "$work/drive.rb" <<'RUBY'
require 'sidekiq'
require 'json'
load ARGV[0]
jobs = Integer(ARGV[1])
key = 'bench:sidekiq:counter'
cpu = lambda do
  info = Sidekiq.redis { |r| r.info('cpu') }
  info['used_cpu_sys'].to_f + info['used_cpu_user'].to_f
end
clock = -> { Process.clock_gettime(Process::CLOCK_MONOTONIC) }
cpu_before = cpu.call
first = nil
last = nil
watcher = Thread.new do
  loop do
    value = Sidekiq.redis { |r| r.get(key) }.to_i
    first ||= clock.call if value > 0
    if value >= jobs
      last = clock.call
      break
    end
    sleep 0.002
  end
end
start = clock.call
(jobs / 1000.0).ceil.times do |batch|
  count = [1000, jobs - batch * 1000].min
  Sidekiq::Client.push_bulk('class' => IncrJob, 'args' => Array.new(count) { [key] }, 'queue' => 'bench')
end
enqueue_seconds = clock.call - start
watcher.join
cpu_after = cpu.call
puts JSON.generate(
  'enqueue_per_s' => (jobs / enqueue_seconds).round,
  'process_per_s' => (jobs / (last - first)).round,
  'redis_cpu_us_per_job' => ((cpu_after - cpu_before) * 1e6 / jobs).round(1)
)
RUBY
sidekiq_json=$(ruby "$work/drive.rb" "$work/job.rb" "$jobs")
sidekiq_json=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); w=int(sys.argv[4]); d['worker_rss_mb']=round(int(sys.argv[2])/1024/w,1); d['worker_uss_mb']=round(int(sys.argv[3])/1024/w,1); print(json.dumps(d, sort_keys=True))" "$sidekiq_json" "$rss_kb" "$uss_kb" "$workers")
echo "sidekiq: $sidekiq_json"
for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done

reelay_json=$("$bin" bench queue --jobs "$jobs" --workers "$workers" --concurrency "$concurrency" --prefetch "$prefetch" --json \
    --redis-url "redis://$host:$port/0")
echo "reelay:  $reelay_json"

python3 - "$sidekiq_json" "$reelay_json" <<'PY'
import json, sys
sidekiq, reelay = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print()
print("| figure | reelay | sidekiq 6.4 | reelay / sidekiq |")
print("|---|---:|---:|---:|")
for key in ("enqueue_per_s", "process_per_s", "worker_rss_mb", "worker_uss_mb", "redis_cpu_us_per_job"):
    r, s = reelay[key], sidekiq[key]
    print(f"| {key} | {r:,} | {s:,} | {r / s:.2f} |")
print(f"| pickup latency p50 / p99 (ms, paced) | {reelay['latency_ms']['p50']} / {reelay['latency_ms']['p99']} | – | |")
PY
