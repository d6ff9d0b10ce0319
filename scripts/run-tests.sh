#!/usr/bin/env bash
# The test run of `make test` and CI: the bulk of the suites in parallel, then each heavy suite on its own, so that
# real worker processes, 300 MB uploads and 100k-job batches do not starve the timing checks of the other suites on a
# 2-core machine. Any failure fails the run (every phase runs, so one report shows all failures).
set -uo pipefail
cd "$(dirname "$0")/.."

heavy=(PublishCrashTests PublishExpiredUploadURLTests StreamingUploadTests WorkerProcessTests BrokerBulkEnqueueTests
    CopyTests RedisCrashTests RedisMemoryFootprintTests FencedWorkerTests BrokerOrphanRecoveryTests ForwarderTests
    SchedulerProcessTests)
# Measured on the release build, which costs a build of its own: `make test-release` (CI runs it after make test).
release_only=(PublishMemoryTests)
pattern=$(IFS='|'; echo "${heavy[*]}|${release_only[*]}")
status=0

# The first test run after a cold build has stalled for ~5 s in its first seconds (seen on fresh clones here, never on a
# second run; the cause is not found yet), failing a few timing checks. So: flush the build's writes, and run the suites
# that failed once more, alone. A suite that fails twice fails the run; a retried suite is named loudly either way.
sync
echo "== tests: all suites but the heavy ones, in parallel"
log=$(mktemp)
if ! timeout 1200 swift test --skip-build --skip "$pattern" 2>&1 | tee "$log"; then
    failed=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -oE 'Suite [A-Za-z0-9_]+ failed' | awk '{print $2}' | sort -u | paste -sd'|' -)
    if grep -qE 'exited with unexpected signal|Fatal error' "$log"; then
        # A crash ends the run early: the suites that had not finished never reported. Run the whole set once more.
        echo "== tests: the parallel run CRASHED (see above); RUNNING IT AGAIN in full"
        timeout 1200 swift test --skip-build --skip "$pattern" || status=1
    elif [[ -z $failed ]]; then
        status=1
    else
        echo "== tests: RETRYING, alone, the suites that failed in the parallel run: $failed"
        timeout 600 swift test --skip-build --filter "$failed" || status=1
    fi
fi
rm -f "$log"
for suite in "${heavy[@]}"; do
    echo "== tests: $suite"
    timeout 900 swift test --skip-build --filter "$suite" || status=1
done
# The multi-host fleet test needs root (network namespaces). CI runs as root; elsewhere its absence is said out loud.
echo "== tests: multi-host fleet (scripts/fleet-test.sh)"
if [[ $(id -u) -eq 0 ]]; then
    timeout 600 scripts/fleet-test.sh || status=1
elif [[ -n ${CI:-} ]]; then
    echo "== tests: the fleet test needs root (ip netns) and CI is not root"; status=1
else
    echo "== tests: NOT RUN: the multi-host fleet test needs root (ip netns); run it with: sudo make fleet-test"
fi
[[ $status -eq 0 ]] && echo "== tests: all passed" || echo "== tests: FAILED (see above)"
exit $status
