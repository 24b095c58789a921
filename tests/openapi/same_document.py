#!/usr/bin/env python3
"""Checks that two OpenAPI documents are the same as data.

Usage: same_document.py OLD.yaml NEW.yaml

Loads both with PyYAML and compares them as data: mapping order and YAML
formatting do not matter, everything else does (every path, operation,
component and value, and the order of lists). Prints a summary of what each
document has (paths, operations, components per kind) and every difference
as a JSON pointer. Exits 0 when they are the same, 1 when they differ, 2
when either cannot be read.

Use it when restructuring openapi/src/ without meaning to change the API:
    git show main:openapi/openapi.yaml > /tmp/old.yaml
    tools/openapi-bundle.sh && tests/openapi/same_document.py /tmp/old.yaml openapi/openapi.yaml
"""

import sys

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        print(f"same_document: cannot read {path}: {e}", file=sys.stderr)
        sys.exit(2)
    if not isinstance(doc, dict):
        print(f"same_document: {path} is not a mapping", file=sys.stderr)
        sys.exit(2)
    return doc


def pointer(parts):
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def differences(a, b, at=()):
    """Yields (pointer, description) for every place where a and b differ."""
    if type(a) is not type(b):
        yield pointer(at), f"{type(a).__name__} {a!r:.60} != {type(b).__name__} {b!r:.60}"
    elif isinstance(a, dict):
        for k in a:
            if k not in b:
                yield pointer(at + (k,)), "only in the first document"
            else:
                yield from differences(a[k], b[k], at + (k,))
        for k in b:
            if k not in a:
                yield pointer(at + (k,)), "only in the second document"
    elif isinstance(a, list):
        if len(a) != len(b):
            yield pointer(at), f"{len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, at + (i,))
    elif a != b:
        yield pointer(at), f"{a!r:.60} != {b!r:.60}"


def summary(doc):
    paths = doc.get("paths") or {}
    ops = sorted(
        (m.upper(), p, (item[m] or {}).get("operationId"))
        for p, item in paths.items()
        if isinstance(item, dict)
        for m in HTTP_METHODS
        if m in item
    )
    comps = {k: sorted(v) for k, v in (doc.get("components") or {}).items()}
    return sorted(paths), ops, comps


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    old, new = load(sys.argv[1]), load(sys.argv[2])
    paths, ops, comps = summary(old)
    print(f"first document: {len(paths)} paths, {len(ops)} operations, components: "
          + ", ".join(f"{k} {len(v)}" for k, v in comps.items()))
    same = summary(old) == summary(new)
    print("paths, operations (method, path, operationId) and component names: "
          + ("identical" if same else "DIFFERENT"))
    diffs = list(differences(old, new))
    for where, what in diffs:
        print(f"  {where}: {what}")
    print("whole document as data: " + ("identical" if not diffs else f"{len(diffs)} differences"))
    sys.exit(0 if same and not diffs else 1)


if __name__ == "__main__":
    main()
