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
the application can answer there; and runs `perinatal-contract fields`
(each record route's body fields: type, required, nullable, enum values)
and compares them with the operation's application/json request schema:
the same fields, the same required ones, types, nullability and enums;
and each record create's 201 must carry `links` to the new record's
operations, filling exactly their path parameters.
Exits 0 when they agree, 1 with a list
of the differences when they do not, 2 when either side cannot be read.
"""

import os
import re
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


def app_fields(binary):
    """{(METHOD, path): {field: (type, required, nullable, values)}} from
    `binary fields`; nested fields are named parent.child."""
    try:
        out = subprocess.run(
            [binary, "fields"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        fail(f"cannot run {binary} fields: {e}")
    if out.returncode != 0:
        fail(f"{binary} fields exited {out.returncode}: {out.stderr.strip()}")
    table = {}
    for n, line in enumerate(out.stdout.splitlines(), 1):
        parts = line.split()
        if len(parts) != 7:
            fail(f"fields line {n} is not 'METHOD PATH FIELD TYPE REQUIRED NULLABLE VALUES': "
                 f"{line!r}")
        method, path, name, kind, required, nullable, values = parts
        table.setdefault((method.upper(), path), {})[name] = (
            kind, required == "required", nullable == "nullable",
            None if values == "-" else frozenset(values.split(",")))
    return table


def resolve(doc, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        node = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema if isinstance(schema, dict) else {}


def flatten(doc, schema):
    """(properties, required) of an object schema, through allOf (merged)
    and oneOf/anyOf (each alternative's properties; its required ones are
    conditional, so not required)."""
    schema = resolve(doc, schema)
    props = {k: v for k, v in (schema.get("properties") or {}).items()
             if not resolve(doc, v).get("readOnly")}
    required = set(schema.get("required") or [])
    for sub in schema.get("allOf") or []:
        p, r = flatten(doc, sub)
        props.update(p)
        required |= r
    for key in ("oneOf", "anyOf"):
        alternatives = [flatten(doc, sub) for sub in schema.get(key) or []]
        for p, _ in alternatives:
            for k, v in p.items():
                props.setdefault(k, v)
        # A discriminated union (`to` in a workflow step): the property is
        # required in every alternative, and its values are the union of
        # each alternative's const.
        tag = (schema.get("discriminator") or {}).get("propertyName")
        if tag and alternatives and all(tag in r for _, r in alternatives):
            values = []
            for p, _ in alternatives:
                one = resolve(doc, p.get(tag))
                values += [one["const"]] if "const" in one else one.get("enum") or []
            props[tag] = {"type": "string", "enum": values, "x-discriminator": True}
            required.add(tag)
    return props, required & set(props)


def describe(doc, schema):
    """(kind, nullable, enum values or None) of a property schema, in the
    words `perinatal-contract fields` uses."""
    schema = resolve(doc, schema)
    nullable = bool(schema.get("nullable"))
    for key in ("oneOf", "anyOf"):
        alternatives = [resolve(doc, a) for a in schema.get(key) or []]
        if alternatives and "type" not in schema and "properties" not in schema:
            rest = [a for a in alternatives if a.get("type") != "null"]
            if len(rest) == 1:
                kind, inner_null, values = describe(doc, rest[0])
                return kind, inner_null or len(rest) < len(alternatives), values
    types = schema.get("type")
    if isinstance(types, list):
        nullable = nullable or "null" in types
        types = [t for t in types if t != "null"]
        types = types[0] if len(types) == 1 else None
    values = schema.get("enum")
    if values is not None:
        nullable = nullable or None in values
        values = frozenset(v for v in values if v is not None)
    fmt = schema.get("format")
    if types == "array":
        items = resolve(doc, schema.get("items"))
        inner = items.get("enum")
        if inner is not None:
            return "enum-array", nullable, frozenset(inner)
        if items.get("format") == "uuid":
            return "uuid-array", nullable, None
        return "array", nullable, None
    if types == "string" or (types is None and values is not None):
        if values is not None:
            return "enum", nullable, values
        if fmt in ("uuid", "date", "date-time"):
            return fmt, nullable, None
        return "string", nullable, None
    if types is None and ("properties" in schema or "allOf" in schema):
        types = "object"
    return types or "unknown", nullable, None


def non_null(doc, schema):
    """The object of an `oneOf: [object, null]` (a nullable object)."""
    schema = resolve(doc, schema)
    for key in ("oneOf", "anyOf"):
        rest = [a for a in schema.get(key) or [] if resolve(doc, a).get("type") != "null"]
        if len(rest) == 1 and len(schema.get(key)) == 2:
            return rest[0]
    return schema


def request_schema(doc, op):
    body = resolve(doc, op.get("requestBody"))
    content = body.get("content") or {}
    chosen = content.get("application/json") or content.get("application/merge-patch+json") or {}
    return chosen.get("schema")


def compare_fields(doc, key, fields, schema, problems, prefix=""):
    where = f"{key[0]} {key[1]}"
    here = {k[len(prefix):]: v for k, v in fields.items()
            if k.startswith(prefix) and "." not in k[len(prefix):]}
    props, required = flatten(doc, schema)
    # Fields named by pattern (item numbers): each app field the pattern
    # matches takes that schema.
    for pattern, sub in (resolve(doc, schema).get("patternProperties") or {}).items():
        for name in here.keys() - props.keys():
            if re.search(pattern, name):
                props[name] = sub
    for name in sorted(here.keys() - props.keys()):
        problems.append(f"{where}: the body may carry {prefix}{name}, not documented")
    for name in sorted(props.keys() - here.keys()):
        problems.append(f"{where}: documents body field {prefix}{name}, which the app refuses")
    for name in sorted(here.keys() & props.keys()):
        kind, app_required, app_nullable, app_values = here[name]
        doc_kind, doc_nullable, doc_values = describe(doc, props[name])
        full = prefix + name
        if kind != doc_kind:
            problems.append(f"{where}: {full} is {kind} in the app, {doc_kind} in the document")
        # A merge patch may send part of a nested object, whose schema may
        # still state what the object needs once merged: nested required
        # fields of a PATCH are not compared.
        if (key[0] != "PATCH" or not prefix) and app_required != (name in required):
            problems.append(f"{where}: {full} is "
                            f"{'required' if app_required else 'optional'} in the app, "
                            f"{'required' if name in required else 'optional'} in the document")
        if app_nullable != doc_nullable:
            problems.append(f"{where}: {full} is "
                            f"{'nullable' if app_nullable else 'not nullable'} in the app, "
                            f"{'nullable' if doc_nullable else 'not nullable'} in the document")
        # A discriminator lists the steps a client can take; the app takes
        # any status there and refuses a step its workflow lacks (409).
        if props[name].get("x-discriminator") and doc_values is not None \
                and doc_values <= (app_values or frozenset()):
            pass
        elif app_values != doc_values and kind in ("enum", "enum-array"):
            problems.append(f"{where}: {full} values differ: app {sorted(app_values or [])}, "
                            f"document {sorted(doc_values or [])}")
        if kind == "object":
            compare_fields(doc, key, fields, non_null(doc, props[name]), problems, full + ".")


def check_fields(contract, spec_path, problems):
    with open(spec_path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    table = app_fields(contract)
    for key in sorted(table, key=lambda k: (k[1], k[0])):
        op = ((doc.get("paths") or {}).get(key[1]) or {}).get(key[0].lower())
        if not isinstance(op, dict):
            continue  # reported as an undocumented route
        schema = request_schema(doc, op)
        if schema is None:
            problems.append(f"{key[0]} {key[1]}: no JSON request schema")
            continue
        compare_fields(doc, key, table[key], schema, problems)
    return len(table)


def check_links(spec_path, creates, problems):
    """Every record create's 201 names, in `links`, the operations that
    take the new id (at least its read), each an operationId of the
    document whose path parameters the link fills exactly."""
    with open(spec_path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    by_id = {}
    for path, item in (doc.get("paths") or {}).items():
        for method in HTTP_METHODS:
            op = (item or {}).get(method)
            if isinstance(op, dict) and op.get("operationId"):
                by_id[op["operationId"]] = (method.upper(), path)
    for method, path in sorted(creates):
        op = ((doc.get("paths") or {}).get(path) or {}).get(method.lower()) or {}
        created = resolve(doc, (op.get("responses") or {}).get("201"))
        links = created.get("links") or {}
        where = f"{method} {path}"
        if not any(by_id.get(resolve(doc, l).get("operationId"), ("",))[0] == "GET"
                   for l in links.values()):
            problems.append(f"{where}: its 201 has no link to the new record's read")
        for name, link in links.items():
            link = resolve(doc, link)
            target = by_id.get(link.get("operationId"))
            if not target:
                problems.append(f"{where}: link {name} names no operation of the document")
                continue
            wanted = set()
            for part in target[1].split("/"):
                if part.startswith("{"):
                    wanted.add(part[1:-1])
            given = set(link.get("parameters") or {})
            if given != wanted:
                problems.append(f"{where}: link {name} fills {sorted(given)}, "
                                f"{target[0]} {target[1]} takes {sorted(wanted)}")


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
        bodies = check_fields(contract, spec, problems)
        # A record create's route is a POST whose fields the contract prints
        # and which answers 201 with a record (not a lookup or a step).
        creates = {k for k in app_fields(contract)
                   if k[0] == "POST" and 201 in table.get(k, ())
                   and not k[1].endswith(("/transitions", "/entered-in-error"))}
        check_links(spec, creates, problems)
        checked = f", statuses agree, {bodies} request bodies agree"

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
