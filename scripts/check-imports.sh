#!/usr/bin/env bash
# Enforces the dependency direction of style.md: each Sources/<Module> may import only the modules listed for it here
# (plus the toolchain's own: Foundation, Glibc, Synchronization, Dispatch…). Then scripts/check-dependencies.py checks
# that every target, tests included, imports exactly what Package.swift declares for it. Prints every violation; exits
# 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."

toolchain="Foundation FoundationEssentials Glibc Musl Darwin Synchronization Dispatch _Concurrency"
declare -A allowed=(
    [Pooling]="Logging"
    [Redis]="CHiredis Pooling Crypto Logging Metrics ServiceLifecycle NIOPosix NIOCore"
    [Postgres]="CLibPQ Pooling Logging Metrics ServiceLifecycle NIOPosix NIOCore"
    [JobQueue]="Redis Logging Metrics CoreMetrics ServiceLifecycle"
    [Domain]="JobQueue Postgres Logging Metrics Crypto"
    [TikTok]="JobQueue Redis AsyncHTTPClient Crypto Logging Metrics NIOCore NIOHTTP1 NIOFoundationCompat ServiceLifecycle Tracing"
    [Recorder]="Domain JobQueue Redis Postgres Logging Metrics ServiceLifecycle"
    [Publishing]="Domain JobQueue Redis Postgres TikTok Crypto Logging"
    [API]="Domain JobQueue Redis Postgres TikTok Publishing Hummingbird HummingbirdCore HTTPTypes OpenAPIRuntime OpenAPIHummingbird Logging Metrics ServiceLifecycle NIOCore Crypto SwiftCSV"
    [Worker]="JobQueue TikTok Logging Metrics ServiceLifecycle"
    [Scheduler]="Domain JobQueue Redis Postgres TikTok Publishing Logging Metrics CoreMetrics ServiceLifecycle"
    [TikTokSandbox]="Hummingbird HummingbirdCore HTTPTypes AsyncHTTPClient Logging ServiceLifecycle NIOCore NIOHTTP1 NIOFoundationCompat Crypto"
    [Reelay]="*"
)

status=0
for dir in Sources/*/; do
    module=$(basename "$dir")
    compgen -G "$dir**/*.swift" >/dev/null || compgen -G "$dir*.swift" >/dev/null || continue
    if [[ -z ${allowed[$module]+set} ]]; then
        echo "check-imports: $module has no entry in scripts/check-imports.sh: add one with what it may import"
        status=1
        continue
    fi
    [[ ${allowed[$module]} == "*" ]] && continue
    while IFS=: read -r file line text; do
        imported=$(sed -E 's/^[[:space:]]*(@[A-Za-z_]+([(][^)]*[)])?[[:space:]]+)*((public|package|internal|fileprivate|private)[[:space:]]+)?import[[:space:]]+((class|struct|enum|protocol|func|var|let|typealias)[[:space:]]+)?([A-Za-z_0-9]+).*/\7/' <<<"$text")
        case " $toolchain ${allowed[$module]} " in
            *" $imported "*) ;;
            *) echo "check-imports: $file:$line: $module may not import $imported"; status=1 ;;
        esac
    done < <(grep -rnE '^[[:space:]]*(@[A-Za-z_]+([(][^)]*[)])?[[:space:]]+)*((public|package|internal|fileprivate|private)[[:space:]]+)?import[[:space:]]' --include='*.swift' "$dir" | sed -E 's/^([^:]+):([0-9]+):/\1:\2:/')
done

# Declared dependencies: every target (Sources/* and Tests/*) imports only what Package.swift declares for it, and
# imports everything it declares. A private scratch path keeps dump-package off the build folder's lock.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
swift package --scratch-path "$scratch" dump-package | python3 scripts/check-dependencies.py || status=1
exit $status
