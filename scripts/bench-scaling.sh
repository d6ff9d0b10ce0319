#!/usr/bin/env bash
# The queue benchmark with 1, 2, 4 and 8 worker processes (10 slots each) against one Redis: jobs per second, Redis CPU
# per job, and how busy Redis's one core was at each step, to show where Redis itself becomes the limit.
#
#   JOBS (100000)  STEPS ("1 2 4 8")  CONCURRENCY (10)  REDIS_HOST/REDIS_PORT (127.0.0.1:6390)  REELAY_BIN (.build/release/reelay)
#
# Redis's busy share is jobs/s × Redis CPU µs per job (user + system, from `INFO cpu` before and after the bulk run):
# 100% means the Redis process used one full core. Prints one JSON line per step, then a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${JOBS:-100000}
steps=${STEPS:-"1 2 4 8"}
concurrency=${CONCURRENCY:-10}
host=${REDIS_HOST:-127.0.0.1}
port=${REDIS_PORT:-6390}
bin=${REELAY_BIN:-.build/release/reelay}
[[ -x $bin ]] || { echo "no release binary at $bin: swift build -c release" >&2; exit 1; }

lines=()
for workers in $steps; do
    line=$("$bin" bench queue --jobs "$jobs" --workers "$workers" --concurrency "$concurrency" --paced-jobs 100 --json \
        --redis-url "redis://$host:$port/0")
    line=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(json.dumps({k: d.get(k) for k in ("workers", "concurrency", "process_per_s", "enqueue_per_s", "redis_cpu_us_per_job")}))' "$line")
    echo "$line"
    lines+=("$line")
done
python3 - "$(nproc)" "${lines[@]}" <<'PY'
import json, sys
cores = sys.argv[1]
rows = [json.loads(x) for x in sys.argv[2:]]
print()
print(f"| worker processes × slots | jobs/s | Redis CPU µs/job | Redis busy (share of one core) | machine cores |")
print(f"|---|---:|---:|---:|---:|")
for r in rows:
    busy = r["process_per_s"] * r["redis_cpu_us_per_job"] / 1e6
    print(f"| {r['workers']} × {r['concurrency']} | {r['process_per_s']:,.0f} | {r['redis_cpu_us_per_job']:.1f} | {busy:.0%} | {cores} |")
PY
