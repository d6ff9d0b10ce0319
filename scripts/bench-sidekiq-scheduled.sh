#!/usr/bin/env bash
# How late Sidekiq runs timed jobs: the counterpart of `reelay bench scheduler --jobs 10000 --spread 10s --json`.
#
# What it measures: JOBS jobs are scheduled with perform_at, their due times spread evenly from LEAD seconds after the
# start over SPREAD seconds. Each job, as soon as a Sidekiq thread runs it, records its lateness: the time it started
# running minus its due time. The script prints p50/p90/p99/max/min/mean lateness in milliseconds as one JSON line.
# Both times come from the local clock (Ruby's Time.now, all processes on this one host), which is also the clock
# Sidekiq's scheduler compares due times against.
#
# Sidekiq is Debian's ruby-sidekiq (6.4.x), installed with apt if missing, running with its default scheduler
# settings: nothing about polling is tuned. Out of the box each process checks the schedule at random intervals that
# average (number of Sidekiq processes × 5) seconds (±50% while there are fewer than 10 processes), so the cluster as a
# whole polls about every 5 seconds. A freshly started process only polls for the first time 10–15 s after it starts,
# so the script waits for every process's first poll before scheduling anything: that start-up pause would otherwise
# show up as lateness of the first jobs. To see when polls happen, the job file wraps the scheduler's poll method so
# that each poll is logged to Redis (one RPUSH after the poll; the polling itself is unchanged).
#
# Run:   scripts/bench-sidekiq-scheduled.sh
#        JOBS=10000 SPREAD=10 LEAD=3 CONCURRENCY=10 PROCESSES=2 scripts/bench-sidekiq-scheduled.sh
#
#   JOBS (10000)  SPREAD seconds (10)  LEAD seconds (3)  CONCURRENCY threads per process (10)  PROCESSES (1)
#   REDIS_HOST/REDIS_PORT (127.0.0.1:6390). Sidekiq's keys live in Redis database 2, which is emptied before and after.
#
# Exits 0 when every job ran, 1 when some had not run after LEAD + SPREAD + 120 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${JOBS:-10000}
spread=${SPREAD:-10}
lead=${LEAD:-3}
concurrency=${CONCURRENCY:-10}
processes=${PROCESSES:-1}
host=${REDIS_HOST:-127.0.0.1}
port=${REDIS_PORT:-6390}
[[ $jobs -ge 2 ]] || { echo "JOBS must be at least 2" >&2; exit 2; }

redis-cli -h "$host" -p "$port" ping >/dev/null 2>&1 || { echo "no Redis at $host:$port" >&2; exit 2; }

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

# Loaded by the Sidekiq processes (-r) and by the driver below.
cat > "$work/job.rb" <<'RUBY'
require 'sidekiq'
require 'sidekiq/scheduled'
require 'json'

# The timed job: its only argument is its due time (seconds since the epoch, local clock).
class LatenessJob
  include Sidekiq::Worker
  def perform(due)
    lateness_ms = (Time.now.to_f - due) * 1000.0
    Sidekiq.redis { |redis| redis.rpush('bench:lateness_ms', format('%.3f', lateness_ms)) }
  end
end

# In the Sidekiq processes only: log every scheduler poll (process id, start, end, and the poll interval average the
# process is using, which Sidekiq works out and stores in Sidekiq.options after its first poll).
if Sidekiq.server?
  module PollLog
    def enqueue_jobs(*args)
      started = Time.now.to_f
      result = super
      entry = { 'pid' => Process.pid, 'start' => started, 'end' => Time.now.to_f,
                'poll_interval_average' => Sidekiq.options[:poll_interval_average],
                'average_scheduled_poll_interval' => Sidekiq.options[:average_scheduled_poll_interval] }
      Sidekiq.redis { |redis| redis.rpush('bench:polls', JSON.generate(entry)) }
      result
    end
  end
  Sidekiq::Scheduled::Enq.prepend(PollLog)
end
RUBY

for n in $(seq 1 "$processes"); do
    sidekiq -r "$work/job.rb" -c "$concurrency" -q bench -e production >"$work/sidekiq-$n.log" 2>&1 &
    pids+=($!)
done

# Up = registered (heartbeat in the "processes" set) and past the scheduler's initial 10–15 s wait (first poll logged).
up=0
give_up=$((SECONDS + 60))
while [[ $SECONDS -lt $give_up ]]; do
    registered=$(redis-cli -h "$host" -p "$port" -n 2 SCARD processes)
    polled=$(redis-cli -h "$host" -p "$port" -n 2 LRANGE bench:polls 0 -1 | python3 -c 'import json,sys; print(len({json.loads(l)["pid"] for l in sys.stdin if l.strip()}))')
    if [[ $registered -ge $processes && $polled -ge $processes ]]; then up=1; break; fi
    sleep 0.2
done
if [[ $up -ne 1 ]]; then
    echo "Sidekiq processes did not come up within 60 s; logs:" >&2
    tail -n 20 "$work"/sidekiq-*.log >&2
    exit 2
fi

cat > "$work/drive.rb" <<'RUBY'
require 'sidekiq'
require 'json'
load ARGV[0]
jobs, spread, lead, processes, concurrency = Integer(ARGV[1]), Float(ARGV[2]), Float(ARGV[3]), Integer(ARGV[4]), Integer(ARGV[5])

start = Time.now.to_f
dues = Array.new(jobs) { |i| start + lead + i * spread / (jobs - 1) }
dues.each_slice(1000) do |slice|
  Sidekiq::Client.push_bulk('class' => LatenessJob, 'queue' => 'bench', 'args' => slice.map { |due| [due] }, 'at' => slice)
end
enqueue_s = Time.now.to_f - start

deadline = start + lead + spread + 120
ran = 0
loop do
  ran = Sidekiq.redis { |r| r.llen('bench:lateness_ms') }
  break if ran >= jobs || Time.now.to_f > deadline
  sleep 0.05
end
finished = Time.now.to_f

lateness = Sidekiq.redis { |r| r.lrange('bench:lateness_ms', 0, -1) }.map(&:to_f).sort
pick = ->(p) { lateness.empty? ? nil : lateness[[(p / 100.0 * lateness.size).ceil - 1, 0].max].round(1) }
polls = Sidekiq.redis { |r| r.lrange('bench:polls', 0, -1) }.map { |l| JSON.parse(l) }
averages = polls.map { |p| p['poll_interval_average'] }.compact.uniq
window = polls.select { |p| p['start'] >= start && p['start'] <= finished }.sort_by { |p| p['start'] }
gaps = window.each_cons(2).map { |a, b| b['start'] - a['start'] }
retries, dead = Sidekiq.redis { |r| [r.zcard('retry'), r.zcard('dead')] }

puts JSON.generate(
  'jobs' => jobs, 'ran' => ran, 'spread_s' => spread, 'lead_s' => lead,
  'processes' => processes, 'concurrency' => concurrency,
  'sidekiq_version' => Sidekiq::VERSION, 'clock' => 'local (Ruby Time.now, one host)',
  'poll_interval_s' => averages.size == 1 ? averages.first : averages,
  'average_scheduled_poll_interval_s' => Sidekiq.options[:average_scheduled_poll_interval],
  'polls_during_run' => {
    'count' => window.size,
    'mean_gap_s' => gaps.empty? ? nil : (gaps.sum / gaps.size).round(2),
    'max_gap_s' => gaps.empty? ? nil : gaps.max.round(2),
    'longest_poll_s' => window.empty? ? nil : window.map { |p| p['end'] - p['start'] }.max.round(2)
  },
  'enqueue_s' => enqueue_s.round(3), 'retries' => retries, 'dead' => dead,
  'lateness_ms' => {
    'p50' => pick.(50), 'p90' => pick.(90), 'p99' => pick.(99),
    'max' => lateness.last&.round(1), 'min' => lateness.first&.round(1),
    'mean' => lateness.empty? ? nil : (lateness.sum / lateness.size).round(1)
  }
)
exit(ran >= jobs ? 0 : 1)
RUBY

status=0
ruby "$work/drive.rb" "$work/job.rb" "$jobs" "$spread" "$lead" "$processes" "$concurrency" || status=$?
exit "$status"
