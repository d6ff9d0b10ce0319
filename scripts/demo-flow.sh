#!/usr/bin/env bash
# `make run`'s walk through the product, over HTTP, as a user would do it: an admin API key, three sandbox creators
# connected through the OAuth routes, a sample video uploaded with POST /media, a campaign created and started, the
# worker publishing, and the final state read back through the API. Needs what scripts/demo.sh started.
#
# The admin key is kept in .data/admin-key (mode 600, git-ignored) and reused while it works. Ports:
# REELAY_DEV_API_PORT (8080), REELAY_DEV_SANDBOX_PORT (9400).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data"
dir="$data/demo"
bin=${REELAY_BIN:-$root/.build/debug/reelay}
api="http://127.0.0.1:${REELAY_DEV_API_PORT:-8080}"
sandbox="http://127.0.0.1:${REELAY_DEV_SANDBOX_PORT:-9400}"
body="$dir/last-response.json"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'demo-flow: %s\n' "$*" >&2; exit 1; }

# call EXPECTED_STATUS METHOD URL [curl arguments…]: the response body lands in $body; any other status stops the run.
call() {
    local expected=$1 method=$2 url=$3; shift 3
    local status
    status=$(curl -s -o "$body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer ${key:-}" "$@" "$url") || die "$method $url: no answer"
    [[ "$status" == "$expected" ]] || { cat "$body" >&2; echo >&2; die "$method $url answered $status (expected $expected)"; }
}

# field EXPR: a value of the last response (a Python expression over `d`, the decoded JSON).
field() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$body" "$1"; }

set -a; source "$data/env"; source "$data/secrets.env"; set +a

say "An admin API key"
key=$(cat "$data/admin-key" 2>/dev/null || true)
if [[ -z "$key" ]] || [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "$api/api/v1/api-keys") != 200 ]]; then
    key=$("$bin" apikey create --name "make run admin" --role admin | tail -n 1)
    (umask 077; printf '%s\n' "$key" > "$data/admin-key")
    echo "created a new admin key (kept in .data/admin-key)"
else
    echo "reusing the admin key in .data/admin-key"
fi

account_ids=()
say "Three sandbox creators, connected through POST /api/v1/accounts/connect and the OAuth callback"
for nickname in "Ada Lovelace" "Grace Hopper" "Katherine Johnson"; do
    curl -fs "$sandbox/_sandbox/creators" > "$body" || die "the sandbox does not answer at $sandbox"
    open_id=$(field "next((c['open_id'] for c in d['creators'] if c['nickname'] == '$nickname'), '')")
    if [[ -z "$open_id" ]]; then
        curl -fs -X POST -H 'Content-Type: application/json' -d "{\"nickname\": \"$nickname\"}" "$sandbox/_sandbox/creators" > "$body"
        open_id=$(field "d['open_id']")
    fi
    call 201 POST "$api/api/v1/accounts/connect" -H 'Content-Type: application/json' -d '{"labels": ["demo"]}'
    authorize=$(field "d['authorize_url']")
    # The creator approves in the sandbox's consent page (sandbox_open_id picks who); TikTok sends the browser back.
    callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$authorize&sandbox_open_id=$open_id")
    [[ "$callback" == "$api/oauth/tiktok/callback?"* ]] || die "the sandbox did not redirect to the callback (got '$callback')"
    call 200 GET "$callback"
    printf '  %-18s account %s  status %s\n' "$nickname" "$(field "d['id']")" "$(field "d['status']")"
    account_ids+=("$(field "d['id']")")
done

say "A sample video, uploaded with POST /api/v1/media"
video="$dir/sample.mp4"
if [[ ! -s "$video" ]]; then
    if command -v ffmpeg >/dev/null; then
        ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=1080x1920:rate=30:duration=8 -c:v libx264 -pix_fmt yuv420p \
            -movflags +faststart "$video"
        echo "generated $video with ffmpeg (H.264, 1080x1920, 8 s)"
    else
        python3 "$root/scripts/sample-video.py" "$video" 8
        echo "generated $video without ffmpeg (container headers only; install ffmpeg for a playable sample)"
    fi
fi
call 201 POST "$api/api/v1/media" -F "file=@$video;type=video/mp4"
media_id=$(field "d['id']")
echo "  media $media_id  $(field "d['size_bytes']") bytes  sha256 $(field "d['sha256']")"

say "A campaign to every demo account, started now"
call 201 POST "$api/api/v1/campaigns" -H 'Content-Type: application/json' -d @- <<JSON
{"name": "Launch day $(date -u +%H:%M:%S)", "mode": "direct_post", "media_ids": ["$media_id"],
 "caption_template": "Launch day with {account.nickname} #reelay ({index}, {date})",
 "post_settings": {"privacy_level": "SELF_ONLY", "disable_duet": true},
 "account_selection": {"labels": ["demo"]}, "strategy": "round_robin", "schedule": {"type": "now"}}
JSON
campaign_id=$(field "d['id']")
call 202 POST "$api/api/v1/campaigns/$campaign_id/start"
echo "  campaign $campaign_id  status $(field "d['status']")"

say "The worker publishes; progress from GET /api/v1/campaigns/$campaign_id/progress"
for _ in $(seq 1 240); do
    call 200 GET "$api/api/v1/campaigns/$campaign_id/progress"
    line=$(field "' '.join(f'{k}={v}' for k, v in d['by_status'].items() if v) or 'waiting'")
    printf '\r  %-70s' "$line"
    [[ $(field "d['by_status']['completed'] + d['by_status']['failed'] + d['by_status']['cancelled'] == d['total']") == True ]] && break
    sleep 0.5
done
echo
call 200 GET "$api/api/v1/campaigns/$campaign_id/progress"
[[ $(field "d['by_status']['completed'] == d['total']") == True ]] || die "not every post completed: $(cat "$body")"

say "The final state, read back through the API"
if [[ $(curl -s -o "$body" -w '%{http_code}' -H "Authorization: Bearer $key" "$api/api/v1/posts?campaign_id=$campaign_id") == 200 ]]; then
    python3 - "$body" <<'PY'
import json, sys
for post in json.load(open(sys.argv[1]))["items"]:
    print(f"  post {post['id']}  {post['status']:<10} account {post['account_id']}  {post.get('caption', '')[:48]}")
PY
fi
call 200 GET "$api/api/v1/campaigns/$campaign_id"
echo "  campaign '$(field "d['name']")' is $(field "d['status']")"
echo "  the sandbox holds $(curl -fs "$sandbox/_sandbox/posts" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["posts"]))') published posts in all"

say "Two campaigns the scheduler fires: one at a time 90 s ahead (Grace), one on a weekly slot (Katherine)"
# Past the API's one-minute horizon, so both wait in PostgreSQL as `scheduled` until the leading scheduler loads them.
# One creator each, so a run uses at most two of a creator's 15 daily posts (make run can be repeated about seven times a day).
at=$(date -u -d '+90 seconds' +%Y-%m-%dT%H:%M:%S)
call 201 POST "$api/api/v1/campaigns" -H 'Content-Type: application/json' -d @- <<JSON
{"name": "Timed $(date -u +%H:%M:%S)", "mode": "direct_post", "media_ids": ["$media_id"],
 "caption_template": "Timed post for {account.nickname} at {time} UTC #reelay",
 "post_settings": {"privacy_level": "SELF_ONLY"}, "account_selection": {"account_ids": ["${account_ids[1]}"]},
 "schedule": {"type": "at", "at": "$at", "timezone": "UTC"}, "over_budget": "spread"}
JSON
timed_id=$(field "d['id']")
call 202 POST "$api/api/v1/campaigns/$timed_id/start"
echo "  campaign $timed_id  status $(field "d['status']"), due $at UTC"
# The weekly slot: today's weekday at the first whole minute more than a minute ahead (slots are HH:MM).
slot_epoch=$(( ( $(date -u +%s) + 61 + 59 ) / 60 * 60 ))
slot_day=$(date -u -d "@$slot_epoch" +%a | tr 'A-Z' 'a-z')
slot_time=$(date -u -d "@$slot_epoch" +%H:%M)
call 201 POST "$api/api/v1/campaigns" -H 'Content-Type: application/json' -d @- <<JSON
{"name": "Weekly $(date -u +%H:%M:%S)", "mode": "direct_post", "media_ids": ["$media_id"],
 "caption_template": "Every $slot_day at $slot_time UTC with {account.nickname} #reelay",
 "post_settings": {"privacy_level": "SELF_ONLY"}, "account_selection": {"account_ids": ["${account_ids[2]}"]}, "strategy": "least_used",
 "schedule": {"type": "slots", "slots": [{"weekday": "$slot_day", "time": "$slot_time"}], "timezone": "UTC",
              "start_date": "$(date -u -d "@$slot_epoch" +%Y-%m-%d)"}, "over_budget": "spread"}
JSON
weekly_id=$(field "d['id']")
call 202 POST "$api/api/v1/campaigns/$weekly_id/start"
echo "  campaign $weekly_id  status $(field "d['status']"), weekly slot $slot_day $slot_time UTC"
echo "  the leading scheduler loads them into Redis two minutes ahead and fires them on time; both complete within two"
echo "  minutes with nothing else to do. Watch:"
echo "    redis-cli -p ${REELAY_DEV_REDIS_PORT:-6390} GET reelay:scheduler:leader"
echo "    curl -H 'Authorization: Bearer <admin key>' $api/api/v1/campaigns/$timed_id/progress"
echo "    curl -H 'Authorization: Bearer <admin key>' $api/api/v1/campaigns/$weekly_id/progress"

cat <<EOF

Reelay is running.
  Dashboard  $api/   (sign in with the admin key below)
  Metrics    $api/metrics   (Prometheus text)
  API        $api/api/v1
  API docs   $api/docs   (OpenAPI: $api/openapi.json)
  Admin key  $key
  Try        curl -H "Authorization: Bearer $key" $api/api/v1/campaigns
EOF
