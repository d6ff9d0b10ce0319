#!/usr/bin/env bash
# Compares the Redis client with redis-benchmark on one connection (-c 1), command by command.
#
#   REDIS_HOST / REDIS_PORT   the server (default 127.0.0.1:6390); it must allow SCRIPT LOAD and FLUSH-free use
#   OPERATIONS                operations per command and mode (default 100000)
#   REELAY_BIN                the release binary (default .build/release/reelay); build it with `swift build -c release`
#
# Prints the redis-benchmark figures as one JSON object ({"lpush": {"roundtrip_ops_per_s": …, "pipelined_16_ops_per_s": …,
# "pipelined_64_ops_per_s": …}, "lmove": {…}, "evalsha": {…}}), the client's figures (`reelay bench redis --json`) in the
# same shape, then a table: command × mode, swift ops/s, redis-benchmark ops/s, ratio.
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
declare -A rb
for pipeline in 1 16 64; do
    rb[lpush_$pipeline]="$(bench "$pipeline" LPUSH "$prefix:list" value)"
    refill
    rb[lmove_$pipeline]="$(bench "$pipeline" LMOVE "$prefix:source" "$prefix:destination" RIGHT LEFT)"
    rb[evalsha_$pipeline]="$(bench "$pipeline" EVALSHA "$sha" 1 "$prefix:counter")"
done

redis_json="{"
for command in lpush lmove evalsha; do
    redis_json+="\"$command\": {\"roundtrip_ops_per_s\": ${rb[${command}_1]}, \"pipelined_16_ops_per_s\": ${rb[${command}_16]}, "
    redis_json+="\"pipelined_64_ops_per_s\": ${rb[${command}_64]}}"
    [[ "$command" != evalsha ]] && redis_json+=", "
done
redis_json+="}"
echo "redis-benchmark: $redis_json"

if [[ ! -x "$bin" ]]; then
    echo "no release binary at $bin: build it with 'swift build -c release' or set REELAY_BIN" >&2
    exit 1
fi
swift_json="$("$bin" bench redis --json --redis-url "redis://$host:$port" --operations "$operations")"
echo "reelay:          $swift_json"

python3 - "$redis_json" "$swift_json" <<'PY'
import json, sys
redis, swift = json.loads(sys.argv[1]), json.loads(sys.argv[2])
modes = [("roundtrip", "roundtrip_ops_per_s"), ("pipelined 16", "pipelined_16_ops_per_s"), ("pipelined 64", "pipelined_64_ops_per_s")]
print(f"{'command':<8} {'mode':<13} {'swift ops/s':>12} {'redis-benchmark':>16} {'ratio':>6}")
for command in ("lpush", "lmove", "evalsha"):
    for label, key in modes:
        s, r = swift[command][key], redis[command][key]
        print(f"{command:<8} {label:<13} {s:>12.0f} {r:>16.0f} {s / r:>6.2f}")
    extra = swift[command].get("with_connection_roundtrip_ops_per_s")
    if extra is not None:
        r = redis[command]["roundtrip_ops_per_s"]
        print(f"{command:<8} {'withConnection':<13} {extra:>12.0f} {r:>16.0f} {extra / r:>6.2f}")
PY
