#!/usr/bin/env bash
# Compares the Redis client with redis-benchmark on one connection (-c 1), command by command.
#
#   REDIS_HOST / REDIS_PORT   the server (default 127.0.0.1:6390); it must allow SCRIPT LOAD and FLUSH-free use
#   OPERATIONS                operations per command and mode (default 100000)
#   REELAY_BIN                the release binary (default .build/release/reelay); build it with `swift build -c release`
#
#   ROUNDS                    rounds, alternating the two tools (default 3); the figures are the medians per cell
#
# Prints one JSON object {"rounds", "redis_benchmark": {"lpush": {"roundtrip_ops_per_s": …, "pipelined_16_ops_per_s": …,
# "pipelined_64_ops_per_s": …}, "lmove": {…}, "evalsha": {…}}, "reelay": {same shape, plus the
# same three from a task on the client's event loop: "on_loop_roundtrip_ops_per_s", …}}, then a Markdown table: command ×
# mode, both rates and their ratio. Both of Reelay's paths use the client's event-loop connection; the second runs the
# caller itself on that loop, as a worker's slots do.
set -euo pipefail

host="${REDIS_HOST:-127.0.0.1}"
port="${REDIS_PORT:-6390}"
operations="${OPERATIONS:-100000}"
bin="${REELAY_BIN:-.build/release/reelay}"
prefix="reelay:bench:sh:$$"
script="return redis.call('INCR', KEYS[1])"

cli() { redis-cli -h "$host" -p "$port" "$@"; }
cleanup() { cli DEL "$prefix:list" "$prefix:source" "$prefix:destination" "$prefix:counter" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# ops/s of one redis-benchmark run: `bench PIPELINE COMMAND…`
bench() {
    local pipeline="$1"
    shift
    redis-benchmark -h "$host" -p "$port" -c 1 -n "$operations" -P "$pipeline" -q "$@" \
        | tr '\r' '\n' | grep -oE '[0-9.]+ requests per second' | tail -1 | cut -d' ' -f1
}

# Refills the LMOVE source list so every LMOVE of a run finds an item.
refill() {
    cli DEL "$prefix:source" "$prefix:destination" >/dev/null
    redis-benchmark -h "$host" -p "$port" -c 1 -n "$operations" -P 64 -q LPUSH "$prefix:source" item >/dev/null
}

sha="$(cli SCRIPT LOAD "$script")"

# One redis-benchmark round: the nine cells as one JSON object.
redis_round() {
    declare -A rb
    for pipeline in 1 16 64; do
        rb[lpush_$pipeline]="$(bench "$pipeline" LPUSH "$prefix:list" value)"
        refill
        rb[lmove_$pipeline]="$(bench "$pipeline" LMOVE "$prefix:source" "$prefix:destination" RIGHT LEFT)"
        rb[evalsha_$pipeline]="$(bench "$pipeline" EVALSHA "$sha" 1 "$prefix:counter")"
    done
    local json="{"
    for command in lpush lmove evalsha; do
        json+="\"$command\": {\"roundtrip_ops_per_s\": ${rb[${command}_1]}, \"pipelined_16_ops_per_s\": ${rb[${command}_16]}, "
        json+="\"pipelined_64_ops_per_s\": ${rb[${command}_64]}}"
        [[ "$command" != evalsha ]] && json+=", "
    done
    echo "$json}"
}

if [[ ! -x "$bin" ]]; then
    echo "no release binary at $bin: build it with 'swift build -c release' or set REELAY_BIN" >&2
    exit 1
fi

# Rounds alternate between the two tools so that a noisy moment on the machine hits both; the table shows medians.
rounds="${ROUNDS:-3}"
redis_rounds=()
swift_rounds=()
for round in $(seq 1 "$rounds"); do
    redis_rounds+=("$(redis_round)")
    swift_rounds+=("$("$bin" bench redis --json --redis-url "redis://$host:$port" --operations "$operations")")
    echo "round $round of $rounds done" >&2
done

python3 - "$rounds" "${redis_rounds[@]}" "${swift_rounds[@]}" <<'PY'
import json, statistics, sys
rounds = int(sys.argv[1])
redis_runs = [json.loads(x) for x in sys.argv[2:2 + rounds]]
swift_runs = [json.loads(x) for x in sys.argv[2 + rounds:2 + 2 * rounds]]
def median(runs):
    return {c: {k: statistics.median(r[c][k] for r in runs) for k in runs[0][c]} for c in runs[0]}
redis, swift = median(redis_runs), median(swift_runs)
print(json.dumps({"rounds": rounds, "redis_benchmark": redis, "reelay": swift}, sort_keys=True))
modes = [("round trip", "roundtrip_ops_per_s", "roundtrip_ops_per_s"),
         ("pipelined 16", "pipelined_16_ops_per_s", "pipelined_16_ops_per_s"),
         ("pipelined 64", "pipelined_64_ops_per_s", "pipelined_64_ops_per_s"),
         ("round trip, task on the client's loop", "on_loop_roundtrip_ops_per_s", "roundtrip_ops_per_s"),
         ("pipelined 16, task on the client's loop", "on_loop_pipelined_16_ops_per_s", "pipelined_16_ops_per_s"),
         ("pipelined 64, task on the client's loop", "on_loop_pipelined_64_ops_per_s", "pipelined_64_ops_per_s")]
print()
print(f"| command | mode | reelay ops/s | redis-benchmark ops/s | ratio |")
print(f"|---|---|---:|---:|---:|")
for command in ("lpush", "lmove", "evalsha"):
    for label, swift_key, redis_key in modes:
        s, r = swift[command][swift_key], redis[command][redis_key]
        print(f"| {command} | {label} | {s:,.0f} | {r:,.0f} | {s / r:.2f} |")
PY
