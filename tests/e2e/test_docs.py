"""The docs page: the bundled contract rendered by the pinned Redocly at
start-up (tools/openapi-docs.sh) and served by nginx at /docs/. It names
every operation, and loads nothing from another host (no CDN, fonts or
scripts), which its Content-Security-Policy also forbids."""

import os
import re
import unittest

import yaml

import e2e
from e2e import assert_problem, request

SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "openapi",
                    "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operation_ids():
    with open(SPEC, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    return sorted(op["operationId"] for item in doc["paths"].values()
                  for m, op in item.items() if m in METHODS)


class Docs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.page = request("GET", "/docs/", timeout=60)

    def test_served_as_html(self):
        status, headers, _ = self.page
        self.assertEqual(status, 200, self.page[:2])
        self.assertTrue(headers["content-type"].startswith("text/html"), headers)
        self.assertIn("max-age=", headers.get("strict-transport-security", ""))
        self.assertEqual(headers.get("x-content-type-options"), "nosniff")
        self.assertIn("<title>Perinatal mental health record API", self.page.raw.decode())

    def test_every_operation_is_on_the_page(self):
        text = self.page.raw.decode("utf-8")
        ids = operation_ids()
        self.assertGreater(len(ids), 30)
        missing = [i for i in ids if i not in text]
        self.assertEqual(missing, [], "operations missing from /docs/")

    def test_nothing_from_another_host(self):
        text = self.page.raw.decode("utf-8")
        # No external script, stylesheet, font or image in the markup...
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", text):
            self.assertNotRegex(tag, r"(?i)(src|href)\s*=\s*[\"']?(https?:)?//", tag)
        self.assertNotRegex(text, r"@import\s+url\(\s*[\"']?https?://")
        # ...no CDN, font or telemetry host named anywhere in the page...
        hosts = set(re.findall(
            r"https?://([a-z0-9.-]*(?:cdn|fonts\.googleapis|fonts\.gstatic|unpkg|jsdelivr|otel)"
            r"[a-z0-9.-]*)", text))
        self.assertEqual(hosts, set())
        # ...and the policy lets it load from this origin only.
        csp = self.page.headers.get("content-security-policy", "")
        self.assertIn("default-src 'none'", csp)
        for directive in re.split(r"\s*;\s*", csp):
            self.assertNotRegex(directive, r"https?:|\*", directive)

    def test_the_bare_path_redirects(self):
        r = request("GET", "/docs")
        self.assertEqual(r.status, 301, r[:2])
        self.assertTrue(r.headers["location"].endswith("/docs/"), r.headers)

    def test_other_methods_are_405_with_allow(self):
        for method in ("POST", "DELETE", "TRACE"):
            with self.subTest(method=method):
                r = request(method, "/docs/")
                assert_problem(r, 405)
                self.assertEqual(r.headers.get("allow"), "GET, HEAD")

    def test_a_missing_file_is_a_problem(self):
        assert_problem(request("GET", "/docs/no-such-file.js"), 404)


if __name__ == "__main__":
    e2e.main()
