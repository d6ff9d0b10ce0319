#!/usr/bin/env python3
"""Checks that the metrics the Grafana dashboard queries exist in a real run, and that the metrics servers answer.

    check-metrics.py DASHBOARD_JSON METRICS_URL...

Scrapes every METRICS_URL (Prometheus text: the API's /metrics, and the worker's and scheduler's --metrics-port
servers), checks each is valid exposition text with a TYPE line per family, and that every metric family named in the
dashboard's queries (reelay_*, hb_*, http_server_*; histogram suffixes _bucket/_sum/_count stripped) is exported by
at least one of them. Exit 0 when all are found; 1 with the missing ones listed.
"""
import json
import re
import sys
import urllib.request


def families_in_dashboard(path):
    exprs = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "expr" and isinstance(value, str):
                    exprs.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.load(open(path)))
    names = set()
    for expr in exprs:
        for name in re.findall(r"\b((?:reelay|hb|http_server)_[a-z0-9_]+)\b", expr):
            names.add(re.sub(r"_(bucket|sum|count)$", "", name))
    return names


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as reply:
        if reply.status != 200:
            raise RuntimeError(f"{url} answered {reply.status}")
        kind = reply.headers.get("Content-Type", "")
        if not kind.startswith("text/plain"):
            raise RuntimeError(f"{url} answered Content-Type {kind!r}")
        text = reply.read().decode()
    families = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            families[name] = kind
        elif line and not line.startswith("#"):
            name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line)
            if not name:
                raise RuntimeError(f"{url}: not exposition text: {line[:100]}")
    return families


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    wanted = families_in_dashboard(sys.argv[1])
    exported = {}
    for url in sys.argv[2:]:
        families = scrape(url)
        print(f"check-metrics: {url}: {len(families)} families")
        for name in families:
            exported.setdefault(name, []).append(url)
    missing = sorted(name for name in wanted if name not in exported)
    for name in missing:
        print(f"PROBLEM: the dashboard queries {name}, which no process exports")
    print(f"check-metrics: {len(wanted) - len(missing)} of {len(wanted)} dashboard metric families exported")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
