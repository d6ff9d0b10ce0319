#!/usr/bin/env python3
"""Checks that each target imports exactly what Package.swift declares for it.

Reads `swift package dump-package` JSON on stdin. For every target (Sources/* and Tests/*), every module its Swift files
import must be one of its declared dependencies (or the toolchain's), and every declared dependency must be imported by
at least one of its files. Prints one line per violation; exits 1 if there is any.
"""
import json
import os
import re
import sys

# Modules that come with the toolchain, never declared in Package.swift.
TOOLCHAIN = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "FoundationInternationalization", "Glibc", "Musl",
    "Darwin", "Android", "WinSDK", "Synchronization", "Dispatch", "_Concurrency", "_StringProcessing", "RegexBuilder",
    "Observation", "Testing", "XCTest", "Swift",
}

# A product whose modules differ from its name: product name -> the modules it provides. Every product this package
# uses today provides exactly the module of its own name (checked against the packages' manifests).
PRODUCT_MODULES: dict[str, list[str]] = {}

IMPORT = re.compile(
    r"^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+"
    r"(?:(?:class|struct|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z_0-9]*)"
)


def declared_modules(target):
    """The module names a target's dependencies make importable."""
    modules = set()
    for dependency in target["dependencies"]:
        kind, value = next(iter(dependency.items()))
        name = value[0]
        if kind == "product":
            modules.update(PRODUCT_MODULES.get(name, [name]))
        else:  # byName or target: a target of this package (its module has its name) or a product named like it
            modules.add(name)
    return modules


def imports(path):
    """module -> the first file:line that imports it, for every Swift file under `path`."""
    found = {}
    for root, _, files in os.walk(path):
        for file in sorted(files):
            if not file.endswith(".swift"):
                continue
            full = os.path.join(root, file)
            with open(full, encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    match = IMPORT.match(line)
                    if match:
                        found.setdefault(match.group(1), f"{full}:{number}")
    return found


def main():
    package = json.load(sys.stdin)
    problems = []
    for target in package["targets"]:
        if target["type"] in ("system", "binary", "plugin", "macro"):
            continue
        path = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", target["name"])
        if not os.path.isdir(path):
            problems.append(f"{target['name']}: no folder {path}")
            continue
        declared = declared_modules(target)
        used = imports(path)
        for module, where in sorted(used.items()):
            if module not in declared and module not in TOOLCHAIN and module != target["name"]:
                problems.append(f"{where}: {target['name']} imports {module}, which Package.swift does not declare for it")
        for module in sorted(declared - set(used)):
            problems.append(f"Package.swift: {target['name']} declares {module} but no file of it imports it")
    for problem in problems:
        print("check-imports: " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
