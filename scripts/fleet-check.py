#!/usr/bin/env python3
"""The verdict of scripts/fleet-test.sh, from the files it collected: posts in PostgreSQL, their job hashes in Redis,
the sandbox's publishes, the jobs w1 held when its link was cut, and w1's log. Prints every problem, then one line

    fleet: posts=N completed=N duplicated=0 lost=0 orphans=O held_at_cut=H fenced_acks=K w1_jobs_after_cut=0 ...

and exits 0 only when every check passes.
"""
import argparse
import collections
import datetime
import json
import re
import sys

PUBLISHED = {"PUBLISH_COMPLETE", "SEND_TO_USER_INBOX"}
# What w1 logs when it is fenced off: its handler stopped because the lease ran out or was taken over, or a write
# (ack, failure, checkpoint) refused because another worker holds the job.
FENCE = re.compile(
    r"lease ran out while renewals failed|lease lost while running|lease lost before the outcome was recorded"
    r"|job finished after its lease was taken over|leaseLost|lease was taken over")


def read_tsv(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def main():
    p = argparse.ArgumentParser()
    for name in ("posts", "jobs", "media", "sandbox", "held", "w1-log", "w1-id", "w2-id", "stats"):
        p.add_argument("--" + name, required=True)
    for name in ("monitor", "w1-ip", "checkpoints"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--cut-ms", type=int, required=True)
    p.add_argument("--restore-ms", type=int, required=True)
    p.add_argument("--expected", type=int, required=True)
    p.add_argument("--seconds", type=int, default=0)
    a = p.parse_args()
    problems = []

    posts = read_tsv(a.posts)  # id, status, caption, media_id, open_id, publish_id, completed events
    media_sha = dict(read_tsv(a.media))
    jobs = {row[0]: row[1:] for row in read_tsv(a.jobs)}  # id -> state, owner, finished_at, attempt, stalls
    held = [line.split()[0] for line in open(a.held) if line.strip()]
    publishes = json.load(open(a.sandbox))["posts"]
    log = open(a.w1_log, errors="replace").read().splitlines()

    if len(posts) != a.expected:
        problems.append(f"{len(posts)} posts in PostgreSQL, expected {a.expected}")
    by_caption = collections.defaultdict(list)
    for pub in publishes:
        by_caption[(pub.get("open_id"), pub.get("caption"))].append(pub)
    captions = collections.Counter(row[2] for row in posts)
    for caption, count in captions.items():
        if count > 1:
            problems.append(f"caption {caption!r} is not unique among the posts ({count}): the check cannot tell posts apart")

    completed = duplicated = lost = orphans = 0
    known = set()
    for post_id, status, caption, media_id, open_id, publish_id, events in posts:
        known.add((open_id, caption))
        pubs = by_caption.get((open_id, caption), [])
        done = [x for x in pubs if x.get("status") in PUBLISHED]
        orphans += len(pubs) - len(done)
        if status == "completed":
            completed += 1
        else:
            problems.append(f"post {post_id} ({caption!r}) is {status} in PostgreSQL, not completed")
        if not done:
            lost += 1
            problems.append(f"post {post_id} ({caption!r}): no publish in the sandbox ({len(pubs)} unfinished)")
        if len(done) > 1:
            duplicated += len(done) - 1
            problems.append(f"post {post_id} ({caption!r}) published {len(done)} times: "
                            + ", ".join(x.get("publish_id", "?") for x in done))
        for x in done:
            if x.get("sha256") != media_sha.get(media_id):
                problems.append(f"post {post_id}: sandbox publish {x.get('publish_id')} has SHA-256 {x.get('sha256')}, "
                                f"the media's is {media_sha.get(media_id)}")
        if len(done) == 1 and done[0].get("publish_id") != publish_id:
            problems.append(f"post {post_id}: PostgreSQL says publish {publish_id!r}, the sandbox published {done[0].get('publish_id')!r}")
        if events != "1":
            problems.append(f"post {post_id}: {events} post.completed events recorded (the job must end exactly once)")
        job = jobs.get(post_id)
        if not job or job[0] != "completed":
            problems.append(f"job {post_id}: state {job[0] if job else 'missing'} in Redis, not completed")
    for key, pubs in by_caption.items():
        if key not in known:
            problems.append(f"the sandbox holds {len(pubs)} publish(es) of {key} that match no post")

    # The jobs w1 held at the cut: finished by someone else, and w1 was fenced off each of them.
    w1_after = sorted(i for i, (state, owner, finished, *_rest) in jobs.items()
                      if owner == a.w1_id and finished and finished.isdigit() and int(finished) >= a.cut_ms)
    if w1_after:
        problems.append(f"{len(w1_after)} job(s) were completed by w1 after its link was cut: {' '.join(w1_after)}")
    fence_lines = [line for line in log if FENCE.search(line)]
    fenced_held = 0
    for job_id in held:
        state, owner = (jobs.get(job_id) or ["missing", ""])[:2]
        if owner == a.w1_id:
            problems.append(f"job {job_id}, held by w1 at the cut, ended with w1 as its owner ({state})")
        elif owner != a.w2_id:
            problems.append(f"job {job_id}, held by w1 at the cut, ended owned by {owner!r}, not w2")
        if any(job_id in line for line in fence_lines):
            fenced_held += 1
        else:
            problems.append(f"w1's log shows no fencing (lease run out / lost / late ack refused) for job {job_id} it held at the cut")
    if not held:
        problems.append("w1 held no job at the cut: the test proves nothing")
    # Fence lines are written when w1 settles the job (after its handler returned): how long after the cut and the
    # link's return. Second resolution (the log's timestamps).
    stop_times = []
    for line in fence_lines:
        m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4})", line)
        if m:
            stop_times.append(datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S%z").timestamp() * 1000)
    self_stopped = sum(1 for line in fence_lines if "lease ran out while renewals failed" in line)
    refused = len(fence_lines) - self_stopped

    # What w1 sent Redis about the jobs it held, once its link was back (Redis MONITOR, by w1's address): late writes,
    # each of which the end state above shows was refused (owner w2, one completion).
    late_writes = collections.Counter()
    monitor = re.compile(r'^(\d+)\.(\d+) \[\d+ ([0-9.]+):\d+\] "([A-Za-z]+)"')
    for line in open(a.monitor, errors="replace"):
        m = monitor.match(line)
        if not m or m.group(3) != a.w1_ip or int(m.group(1)) * 1000 + int(m.group(2)[:3]) < a.cut_ms:
            continue
        if any(job_id in line for job_id in held):
            late_writes[m.group(4).upper()] += 1
    for line in open(a.checkpoints):
        job_id, _, raw = line.strip().partition(" ")
        try:
            c = json.loads(raw) if raw else {}
            summary = " ".join(f"{k}={v}" for k, v in sorted(c.items()) if v not in (None, False, 0, "") and "url" not in k.lower())
        except ValueError:
            summary = raw[:80]
        print(f"fleet: w1 held {job_id} at the cut; checkpoint: {summary or 'none yet'}", file=sys.stderr)
    if stop_times:
        print(f"fleet: w1's handlers for those jobs ended {(min(stop_times) - a.cut_ms) / 1000:.0f}..{(max(stop_times) - a.cut_ms) / 1000:.0f} s "
              f"after the cut (lease 5 s), {(max(stop_times) - a.restore_ms) / 1000:+.0f} s from the link's return", file=sys.stderr)
    print(f"fleet: w1's commands on those jobs that reached Redis after the cut: "
          f"{dict(late_writes) or 'none'}", file=sys.stderr)

    stats = dict(line.split("\t", 1) for line in open(a.stats).read().splitlines() if "\t" in line)

    for problem in problems:
        print(f"fleet: PROBLEM: {problem}", file=sys.stderr)
    print(f"fleet: posts={len(posts)} completed={completed} duplicated={duplicated} lost={lost} orphans={orphans} "
          f"held_at_cut={len(held)} fenced_held={fenced_held} fenced_acks={len(fence_lines)} (self_stopped={self_stopped} refused={refused}) "
          f"late_writes={sum(late_writes.values())} w1_jobs_after_cut={len(w1_after)} "
          f"recovered={stats.get('recovered', '0')} seconds={a.seconds} {'OK' if not problems else 'FAILED'}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
