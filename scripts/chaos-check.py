#!/usr/bin/env python3
"""JSON work for scripts/chaos.sh (standard library only).

    chaos-check.py creators SANDBOX_URL COUNT REMAINDER OUT.json
        makes COUNT sandbox creators (daily_post_cap 10000) with tokens and writes the body of
        POST /api/v1/accounts/import: labels ["chaos"], and also "chaos-rest" on the first REMAINDER rows
    chaos-check.py videos DIR COUNT BYTES
        writes COUNT distinct small MP4s (scripts/sample-video.py's boxes, a distinct duration each) as DIR/clip-NNNN.mp4
    chaos-check.py campaign NAME LABEL MEDIA_IDS_FILE [FIRST LAST]
        prints the body of POST /api/v1/campaigns: media ids FIRST..LAST (1-based lines of the file) to every account
        labelled LABEL, now, over_budget reject, caption "chaos {campaign.name} #{index}" (unique per post)
    chaos-check.py verify POSTS.csv SANDBOX_POSTS.json EXPECTED
        compares PostgreSQL's posts with the sandbox's publishes; prints the findings and, last,
        `lost=L duplicated=D completed=N failed=M`; exits 1 when anything is lost, duplicated, mismatched or unfinished
"""
import csv
import datetime
import importlib.util
import json
import os
import sys
import urllib.request
from collections import Counter, defaultdict

TERMINAL = {"completed", "failed", "cancelled", "missed"}
PUBLISHED = {"PUBLISH_COMPLETE", "SEND_TO_USER_INBOX"}


def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def creators(sandbox, count, remainder, out):
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = lambda seconds: (now + datetime.timedelta(seconds=int(seconds))).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = []
    for n in range(1, count + 1):
        creator = call("POST", f"{sandbox}/_sandbox/creators", {"nickname": f"chaos-{n:03d}", "daily_post_cap": 10000})
        grant = call("POST", f"{sandbox}/_sandbox/tokens", {"open_id": creator["open_id"], "scope": "user.info.basic,video.publish,video.upload"})
        rows.append({
            "open_id": creator["open_id"], "access_token": grant["access_token"],
            "access_token_expires_at": stamp(grant["expires_in"]), "refresh_token": grant["refresh_token"],
            "refresh_token_expires_at": stamp(grant["refresh_expires_in"]), "scopes": grant["scope"].split(","),
            "nickname": f"chaos-{n:03d}", "labels": ["chaos"] + (["chaos-rest"] if n <= remainder else []),
            "timezone": "UTC", "daily_cap": 1000,
        })
    with open(out, "w") as f:
        json.dump({"rows": rows}, f)


def videos(folder, count, size):
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("sample_video", os.path.join(here, "sample-video.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.makedirs(folder, exist_ok=True)
    for n in range(1, count + 1):
        with open(os.path.join(folder, f"clip-{n:04d}.mp4"), "wb") as f:
            f.write(module.sample(5 + n / 100, media_bytes=size))


def campaign(name, label, ids_file, first=None, last=None):
    ids = [line.split()[0] for line in open(ids_file) if line.strip()]
    if first is not None:
        ids = ids[int(first) - 1:int(last)]
    print(json.dumps({
        "name": name, "mode": "direct_post", "media_ids": ids, "caption_template": "chaos {campaign.name} #{index}",
        "post_settings": {"privacy_level": "SELF_ONLY"}, "account_selection": {"labels": [label]},
        "strategy": "round_robin", "schedule": {"type": "now"}, "over_budget": "reject",
    }))


def verify(posts_csv, sandbox_json, expected):
    posts = list(csv.DictReader(open(posts_csv)))
    publishes = json.load(open(sandbox_json))["posts"]
    problems = []
    by_caption = defaultdict(list)
    for p in publishes:
        by_caption[p.get("caption") or ""].append(p)
    captions = Counter(p["caption"] for p in posts)
    for caption, n in captions.items():
        if n > 1:
            problems.append(f"{n} posts share the caption {caption!r}: the check cannot tell them apart")

    status = Counter(p["status"] for p in posts)
    unfinished = [p for p in posts if p["status"] not in TERMINAL]
    never_created = max(0, expected - len(posts))
    lost_unpublished, duplicated, published_for_unfinished, sha_mismatch, wrong_account, publish_id_mismatch = [], 0, [], [], [], []
    known = set(captions)
    for p in posts:
        mine = by_caption.get(p["caption"], [])
        done = [x for x in mine if x["status"] in PUBLISHED]
        # A publish whose bytes all arrived but is still processing will publish too: count it as published.
        pending = [x for x in mine if x["status"] not in PUBLISHED | {"FAILED"} and x.get("video_size") and x["bytes_received"] == x["video_size"]]
        published = done + pending
        for x in published:
            if x.get("sha256") != p["media_sha256"]:
                sha_mismatch.append((p["id"], x["publish_id"], x.get("sha256"), p["media_sha256"]))
            if x["open_id"] != p["open_id"]:
                wrong_account.append((p["id"], x["publish_id"], x["open_id"], p["open_id"]))
        if p["status"] == "completed":
            if not published:
                lost_unpublished.append(p["id"])
            duplicated += max(0, len(published) - 1)
            if published and p["publish_id"] and p["publish_id"] not in {x["publish_id"] for x in published}:
                publish_id_mismatch.append((p["id"], p["publish_id"], [x["publish_id"] for x in published]))
        elif published:
            # Published on TikTok although Reelay did not record it completed: one publish more than it accounts for.
            duplicated += len(published)
            published_for_unfinished.append((p["id"], p["status"], [x["publish_id"] for x in published]))
    strangers = [x for x in publishes if (x.get("caption") or "") not in known and x["status"] in PUBLISHED]
    duplicated += len(strangers)

    lost = len(unfinished) + len(lost_unpublished) + never_created
    completed = status.get("completed", 0)
    failed = sum(n for s, n in status.items() if s in TERMINAL and s != "completed")
    sandbox_status = Counter(p["status"] for p in publishes)
    print(f"posts in PostgreSQL: {len(posts)} of {expected}; by status: {dict(sorted(status.items()))}")
    print(f"sandbox publishes: {len(publishes)}; by status: {dict(sorted(sandbox_status.items()))} "
          f"(unpublished inits are orphans of lost answers or failed attempts)")
    errors = Counter(p["error_code"] for p in posts if p["status"] != "completed")
    if errors:
        print(f"not completed, by error code: {dict(errors)}")
    retried = sum(1 for p in posts if int(p["attempts"] or 0) > 1)
    print(f"posts that took more than one attempt: {retried}")
    for title, items in [
        ("never created", [never_created] if never_created else []),
        ("not terminal", [(p["id"], p["status"]) for p in unfinished]),
        ("completed without a sandbox publish", lost_unpublished),
        ("published although not completed", published_for_unfinished),
        ("publishes matching no post", [(x["publish_id"], x.get("caption")) for x in strangers]),
        ("SHA-256 mismatches", sha_mismatch),
        ("published to the wrong creator", wrong_account),
        ("completed post whose publish_id is not its published one", publish_id_mismatch),
        ("other problems", problems),
    ]:
        if items:
            print(f"PROBLEM {title}: {len(items)}")
            for item in items[:20]:
                print(f"  {item}")
    for caption, items in by_caption.items():
        n = sum(1 for x in items if x["status"] in PUBLISHED)
        if n > 1:
            print(f"  duplicate: {caption!r} published {n} times: {[(x['publish_id'], x['created_at']) for x in items]}")
    bad = lost or duplicated or sha_mismatch or wrong_account or publish_id_mismatch or problems
    print(f"lost={lost} duplicated={duplicated} completed={completed} failed={failed}")
    return 1 if bad else 0


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    command, args = argv[1], argv[2:]
    if command == "creators":
        creators(args[0], int(args[1]), int(args[2]), args[3])
    elif command == "videos":
        videos(args[0], int(args[1]), int(args[2]))
    elif command == "campaign":
        campaign(*args)
    elif command == "verify":
        return verify(args[0], args[1], int(args[2]))
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
