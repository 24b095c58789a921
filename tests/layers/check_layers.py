#!/usr/bin/env python3
"""Checks that api/ includes point down the layers, never up or sideways.

    core <- http <- auth <- store <- resources <- server

A file may include headers of its own layer and of the layers below it;
tools/ (the token tool, built without the library) may use core only. Every
C file must sit in one of these folders, and every quoted include must name
a header that exists in one of them, so a new folder or a header outside the
layers fails here instead of slipping past the rule.

Usage: check_layers.py [repository root]   (exit 1 and one line per offence)
"""
import os
import re
import sys

ORDER = ["core", "http", "auth", "store", "resources", "server"]
ALLOWED = {layer: set(ORDER[: i + 1]) for i, layer in enumerate(ORDER)}
ALLOWED["tools"] = {"core"}

# Generated at build time (cmake/embed_sql.py): the statements of every .sql
# file, read by the store layer and above.
GENERATED = {"sql_statements.h": "store"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    api = os.path.join(os.path.abspath(root), "api")
    problems = []
    header_layer = {}
    sources = []
    for dirpath, _, files in os.walk(api):
        rel = os.path.relpath(dirpath, api)
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join("api", rel, name) if rel != "." else os.path.join("api", name)
            if rel not in ALLOWED:
                problems.append(f"{path}: not in a layer folder ({', '.join(sorted(ALLOWED))})")
                continue
            sources.append((path, rel, os.path.join(dirpath, name)))
            if name.endswith(".h"):
                if name in header_layer:
                    problems.append(f"{path}: a header of this name is already in {header_layer[name]}/")
                header_layer[name] = rel
    for path, layer, full in sources:
        with open(full, encoding="utf-8") as f:
            text = f.read()
        for included in INCLUDE.findall(text):
            target = header_layer.get(os.path.basename(included)) or GENERATED.get(included)
            if target is None:
                problems.append(f'{path}: includes "{included}", which is in no layer folder')
            elif target not in ALLOWED[layer]:
                problems.append(f'{path}: {layer} includes "{included}" from {target} (a higher layer)')
    for p in problems:
        print(p)
    if not sources:
        print("no sources found under", api)
        return 1
    print(f"{len(sources)} files checked: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
