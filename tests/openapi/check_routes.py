#!/usr/bin/env python3
"""Checks that openapi/openapi.yaml describes exactly the routes the app serves.

Usage: check_routes.py [--contract PATH_TO_PERINATAL_CONTRACT] PATH_TO_PERINATAL_API
                       [PATH_TO_OPENAPI_YAML]

Runs `perinatal-api routes` (lines such as `GET /v1/teams clinician,admin` or
`GET /healthz public`) and compares it with the operations of the OpenAPI
document: every route must be documented, every documented operation must be
a route, and each operation's `x-roles` must equal the route's roles
(`public` routes have `x-roles: []`). With --contract, also runs
`perinatal-contract statuses` (lines such as `GET /v1/teams 200,400,401`):
each operation's documented response statuses must be exactly the statuses
the application can answer there. Exits 0 when they agree, 1 with a list
of the differences when they do not, 2 when either side cannot be read.
"""

import os
import subprocess
import sys

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DEFAULT_SPEC = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "openapi", "openapi.yaml"
)


def fail(message):
    print(f"check_routes: {message}", file=sys.stderr)
    sys.exit(2)


def app_routes(binary):
    """{(METHOD, path): frozenset(roles)} from `binary routes`."""
    try:
        out = subprocess.run(
            [binary, "routes"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        fail(f"cannot run {binary} routes: {e}")
    if out.returncode != 0:
        fail(f"{binary} routes exited {out.returncode}: {out.stderr.strip()}")
    routes = {}
    for n, line in enumerate(out.stdout.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3:
            fail(f"routes line {n} is not 'METHOD PATH ROLES': {line!r}")
        method, path, roles = parts
        key = (method.upper(), path)
        if key in routes:
            fail(f"route listed twice: {method} {path}")
        routes[key] = frozenset() if roles == "public" else frozenset(roles.split(","))
    if not routes:
        fail(f"{binary} routes printed no route")
    return routes


def app_statuses(binary):
    """{(METHOD, path): frozenset(statuses)} from `binary statuses`."""
    try:
        out = subprocess.run(
            [binary, "statuses"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        fail(f"cannot run {binary} statuses: {e}")
    if out.returncode != 0:
        fail(f"{binary} statuses exited {out.returncode}: {out.stderr.strip()}")
    table = {}
    for n, line in enumerate(out.stdout.splitlines(), 1):
        parts = line.split()
        if len(parts) != 3 or not all(s.isdigit() for s in parts[2].split(",")):
            fail(f"statuses line {n} is not 'METHOD PATH STATUS,...': {line!r}")
        table[(parts[0].upper(), parts[1])] = frozenset(int(s) for s in parts[2].split(","))
    if not table:
        fail(f"{binary} statuses printed nothing")
    return table


def doc_statuses(spec_path):
    """{(METHOD, path): frozenset(statuses)} documented per operation."""
    with open(spec_path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    found = {}
    for path, item in ((doc or {}).get("paths") or {}).items():
        for method in HTTP_METHODS:
            op = (item or {}).get(method)
            if isinstance(op, dict):
                found[(method.upper(), path)] = frozenset(
                    int(code) for code in (op.get("responses") or {}) if str(code).isdigit())
    return found


def doc_operations(spec_path):
    """{(METHOD, path): roles or None} from the OpenAPI document."""
    try:
        with open(spec_path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        fail(f"cannot read {spec_path}: {e}")
    paths = (doc or {}).get("paths") or {}
    if not isinstance(paths, dict):
        fail(f"{spec_path}: 'paths' is not a mapping")
    ops = {}
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            roles = op.get("x-roles") if isinstance(op, dict) else None
            if isinstance(roles, list) and all(isinstance(r, str) for r in roles):
                ops[(method.upper(), path)] = frozenset(roles)
            else:
                ops[(method.upper(), path)] = None  # missing or malformed x-roles
    return ops


def show(roles):
    return "public (x-roles: [])" if not roles else "[" + ", ".join(sorted(roles)) + "]"


def main(argv):
    contract = None
    if len(argv) > 2 and argv[1] == "--contract":
        contract = argv[2]
        argv = argv[:1] + argv[3:]
    if len(argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    binary = argv[1]
    spec = argv[2] if len(argv) == 3 else DEFAULT_SPEC
    routes = app_routes(binary)
    ops = doc_operations(spec)

    problems = []
    for key in sorted(routes.keys() - ops.keys(), key=lambda k: (k[1], k[0])):
        problems.append(f"missing from the document: {key[0]} {key[1]} (roles {show(routes[key])})")
    for key in sorted(ops.keys() - routes.keys(), key=lambda k: (k[1], k[0])):
        problems.append(f"documented but not served by the app: {key[0]} {key[1]}")
    for key in sorted(routes.keys() & ops.keys(), key=lambda k: (k[1], k[0])):
        if ops[key] is None:
            problems.append(f"{key[0]} {key[1]}: x-roles missing or not a list of role names "
                            f"(the app has {show(routes[key])})")
        elif ops[key] != routes[key]:
            problems.append(f"{key[0]} {key[1]}: x-roles {show(ops[key])} but the app has "
                            f"{show(routes[key])}")

    checked = ""
    if contract:
        table = app_statuses(contract)
        documented = doc_statuses(spec)
        for key in sorted(routes.keys() - table.keys(), key=lambda k: (k[1], k[0])):
            problems.append(f"{key[0]} {key[1]}: no statuses in `perinatal-contract statuses`")
        for key in sorted(table.keys() & documented.keys(), key=lambda k: (k[1], k[0])):
            extra = sorted(documented[key] - table[key])
            missing = sorted(table[key] - documented[key])
            if extra:
                problems.append(f"{key[0]} {key[1]}: documents {extra}, which the app never "
                                f"answers there")
            if missing:
                problems.append(f"{key[0]} {key[1]}: the app may answer {missing}, not "
                                f"documented")
        checked = ", statuses agree"

    if problems:
        print(f"check_routes: {os.path.normpath(spec)} does not match the route table:",
              file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"check_routes: {len(routes)} routes documented, roles agree{checked}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
