#!/usr/bin/env python3
"""Embeds the named SQL statements of api/**/*.sql into C.

Each .sql file holds blocks that start with a line
    -- name: <statement_name> [repeatable] [plan_per_call]
followed by comment lines (kept out of the C string) and the statement.
For every block this writes `const stmt_def sql_<name>` into OUT.c and its
declaration into OUT.h, so C refers to a statement by symbol and a
misspelt name fails the build. Usage: embed_sql.py OUT.c OUT.h FILE.sql...
"""
import re
import sys

FLAGS = {"repeatable": "STMT_REPEATABLE", "plan_per_call": "STMT_PLAN_PER_CALL"}
NAME = re.compile(r"^--\s*name:\s*([a-z][a-z0-9_]*)((?:\s+[a-z_]+)*)\s*$")


def parse(path):
    blocks, cur = [], None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = NAME.match(line)
            if m:
                flags = m.group(2).split()
                for fl in flags:
                    if fl not in FLAGS:
                        sys.exit(f"{path}:{lineno}: unknown flag '{fl}'")
                cur = {"name": m.group(1), "flags": flags, "lines": [], "where": f"{path}:{lineno}"}
                blocks.append(cur)
            elif cur is None:
                if line.strip() and not line.lstrip().startswith("--"):
                    sys.exit(f"{path}:{lineno}: SQL before the first '-- name:' line")
            elif line.lstrip().startswith("--") or not line.strip():
                continue
            else:
                cur["lines"].append(line)
    for b in blocks:
        if not b["lines"]:
            sys.exit(f"{b['where']}: statement {b['name']} is empty")
    return blocks


def c_string(text):
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + out.replace("\n", '\\n"\n    "') + '"'


def main():
    out_c, out_h, files = sys.argv[1], sys.argv[2], sorted(sys.argv[3:])
    blocks, seen = [], {}
    for path in files:
        for b in parse(path):
            if b["name"] in seen:
                sys.exit(f"{b['where']}: statement {b['name']} already defined at {seen[b['name']]}")
            seen[b["name"]] = b["where"]
            blocks.append(b)
    h = ["/* Generated from the .sql files of api/ by cmake/embed_sql.py: do not edit. */",
         "#ifndef PERINATAL_SQL_STATEMENTS_H", "#define PERINATAL_SQL_STATEMENTS_H", "",
         '#include "db.h"', ""]
    c = ["/* Generated from the .sql files of api/ by cmake/embed_sql.py: do not edit. */",
         '#include "sql_statements.h"', ""]
    for b in blocks:
        flags = " | ".join(FLAGS[f] for f in b["flags"]) or "0"
        sql = "\n".join(b["lines"]).strip().rstrip(";")
        h.append(f"extern const stmt_def sql_{b['name']};")
        c.append(f"const stmt_def sql_{b['name']} = {{\"{b['name']}\",\n    {c_string(sql)},\n    {flags}}};\n")
    h += ["", "/* Every statement above, NULL-terminated: prepared on each connection. */",
          "extern const stmt_def *const sql_statements[];", "", "#endif", ""]
    c.append("const stmt_def *const sql_statements[] = {")
    c += [f"    &sql_{b['name']}," for b in blocks]
    c += ["    NULL,", "};", ""]
    for path, lines in ((out_c, c), (out_h, h)):
        text = "\n".join(lines)
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    continue
        except FileNotFoundError:
            pass
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
