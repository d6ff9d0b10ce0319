#!/usr/bin/env python3
"""Checks the logs of a whole Reelay run: no secret appears in them, and the processes' JSON lines carry the ids.

    check-log-secrets.py --secrets FILE [--accounts FILE] [--require-ids] LOG_DIR_OR_FILE...

--secrets FILE   one secret per line (API keys, the encryption key's base64, the TikTok client secret); lines shorter
                 than 8 characters are refused (too short to search for without false alarms)
--accounts FILE  a POST /api/v1/accounts/import body: every access_token and refresh_token in it is a secret too
--require-ids    every line of api*.log, scheduler*.log and worker*.log that starts with '{' must be a JSON object with
                 ts, level, logger and msg; and across them at least one line must carry request.id (the API), and one
                 job.id together with post.id and account.id (a worker's publish)

Every file under the given folders is searched, whatever its name or format (text, JSON, CSV). A secret is also looked
for in its JSON-escaped form. Exit status 0 when clean; 1 with one line per problem otherwise.
"""
import argparse
import json
import os
import sys


def files_under(paths):
    for path in paths:
        if os.path.isdir(path):
            for folder, _, names in os.walk(path):
                for name in sorted(names):
                    yield os.path.join(folder, name)
        elif os.path.exists(path):
            yield path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--secrets", required=True)
    parser.add_argument("--accounts")
    parser.add_argument("--require-ids", action="store_true")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()

    secrets = {}
    for line in open(args.secrets):
        value = line.strip()
        if not value:
            continue
        if len(value) < 8:
            print(f"secret too short to search for: {len(value)} characters", file=sys.stderr)
            return 2
        secrets[value] = "a configured secret"
    if args.accounts:
        for index, row in enumerate(json.load(open(args.accounts))["rows"]):
            for field in ("access_token", "refresh_token"):
                if row.get(field):
                    secrets[row[field]] = f"rows[{index}].{field}"
    needles = {}
    for secret, name in secrets.items():
        needles[secret.encode()] = name
        needles[json.dumps(secret)[1:-1].encode()] = name

    problems = []
    searched = 0
    seen = {"request.id": 0, "publish": 0, "json": 0}
    for path in files_under(args.paths):
        searched += 1
        data = open(path, "rb").read()
        for needle, name in needles.items():
            if needle in data:
                problems.append(f"{path}: contains {name}")
        base = os.path.basename(path)
        if args.require_ids and base.endswith(".log") and base.split(".")[0].rstrip("0123456789-") in ("api", "scheduler", "worker"):
            for number, raw in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
                if not raw.startswith("{"):
                    continue
                try:
                    line = json.loads(raw)
                except ValueError:
                    problems.append(f"{path}:{number}: not JSON: {raw[:120]}")
                    continue
                if not all(key in line for key in ("ts", "level", "logger", "msg")):
                    problems.append(f"{path}:{number}: lacks ts, level, logger or msg")
                seen["json"] += 1
                if "request.id" in line:
                    seen["request.id"] += 1
                if all(key in line for key in ("job.id", "post.id", "account.id")):
                    seen["publish"] += 1
    if args.require_ids:
        if seen["json"] == 0:
            problems.append("no JSON log line found in api, scheduler or worker logs")
        if seen["request.id"] == 0:
            problems.append("no API log line carries request.id")
        if seen["publish"] == 0:
            problems.append("no worker log line carries job.id, post.id and account.id")
    for problem in problems:
        print("PROBLEM: " + problem)
    print(f"log secrets: {searched} files searched for {len(secrets)} secrets; "
          f"{seen['json']} JSON lines, {seen['request.id']} with request.id, {seen['publish']} with job/post/account ids; "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
