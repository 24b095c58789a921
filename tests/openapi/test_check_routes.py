#!/usr/bin/env python3
"""The route/contract check can fail: each way the document can drift from
the application's request bodies (a field, required, a type, nullability,
an enum value, a create's links) is made in a copy of the bundled document, and the check
must name it. Usage: test_check_routes.py PERINATAL_CONTRACT PERINATAL_API"""

import copy
import os
import subprocess
import sys
import tempfile
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, "..", "..", "openapi", "openapi.yaml")
CONTRACT, API = sys.argv[1], sys.argv[2]


def check(doc):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump(doc, f)
    try:
        out = subprocess.run([sys.executable, os.path.join(HERE, "check_routes.py"),
                              "--contract", CONTRACT, API, f.name],
                             capture_output=True, text=True, timeout=60, check=False)
    finally:
        os.unlink(f.name)
    return out.returncode, out.stdout + out.stderr


class CheckRoutes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(SPEC, encoding="utf-8") as f:
            cls.doc = yaml.safe_load(f)

    def test_the_document_as_it_is_agrees(self):
        rc, out = check(self.doc)
        self.assertEqual(rc, 0, out)
        self.assertIn("request bodies agree", out)

    def test_each_kind_of_drift_is_found(self):
        # One copy with every drift (the check reads the whole document,
        # which takes seconds), and each must be named.
        doc = copy.deepcopy(self.doc)
        s = doc["components"]["schemas"]
        s["TeamType"]["enum"].remove("camhs")
        s["TeamCreate"]["required"].remove("name")
        s["TeamCreate"]["properties"]["colour"] = {"type": "string"}
        s["GpPracticeCreate"]["properties"]["active"] = {"type": ["string", "null"]}
        created = doc["paths"]["/v1/contacts"]["post"]["responses"]["201"]
        if "$ref" in created:
            created = doc["components"]["responses"][created["$ref"].rsplit("/", 1)[1]]
        del created["links"]
        rc, out = check(doc)
        self.assertEqual(rc, 1, out)
        for expected in ("POST /v1/teams: type values differ",
                         "POST /v1/teams: name is required in the app, optional",
                         "documents body field colour, which the app refuses",
                         "POST /v1/gp-practices: active is boolean in the app, string",
                         "active is not nullable in the app, nullable in the document",
                         "POST /v1/contacts: its 201 has no link to the new record's read"):
            self.assertIn(expected, out)

if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
