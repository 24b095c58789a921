"""Where the contract is exact for tools (issue 11): TRACE is a 405 with
Allow on every path, valid JSON that is not an object is "must be a JSON
object", and every RFC 3339 date or timestamp is read (400 only for what is
not one), its range being a rule (422)."""

import json
import os
import re
import unittest
import uuid

import yaml

import e2e
from e2e import assert_problem, post, request, service_user_body, token

SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "openapi",
                    "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def documented_paths():
    with open(SPEC, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    for path, item in doc["paths"].items():
        yield path, {m.upper() for m in item if m in METHODS}


class Trace(unittest.TestCase):
    def test_trace_is_405_with_allow_on_every_path(self):
        for path, methods in documented_paths():
            concrete = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
            with self.subTest(path=path):
                r = request("TRACE", concrete)
                body = assert_problem(r, 405)
                self.assertEqual(body["title"], "Method Not Allowed")
                allow = {m.strip() for m in r.headers.get("allow", "").split(",") if m.strip()}
                self.assertEqual(allow, methods, r)

    def test_trace_on_an_unknown_path_is_404(self):
        assert_problem(request("TRACE", "/v1/no-such-thing"), 404)


class NotAnObject(unittest.TestCase):
    def test_valid_json_that_is_not_an_object(self):
        for raw in (b"0", b"null", b"[]", b'"x"', b" true ", b"[{}]"):
            with self.subTest(raw=raw):
                r = request("POST", "/v1/service-users", token=token("clinician"), body=raw)
                body = assert_problem(r, 400, "")
                self.assertEqual([e["detail"] for e in body["errors"]],
                                 ["the body must be a JSON object"])

    def test_invalid_json_is_still_invalid_json(self):
        for raw in (b"0x", b"nul", b"{", b"[1,]"):
            with self.subTest(raw=raw):
                r = request("POST", "/v1/service-users", token=token("clinician"), body=raw)
                body = assert_problem(r, 400, "")
                self.assertIn("not valid JSON", body["errors"][0]["detail"])


class QueryStrings(unittest.TestCase):
    """UTF-8 in and out (api.md): a query string that does not decode to
    UTF-8 is 400 (its name would be echoed in the problem's pointer), and a
    parameter given twice is 400 naming it (which value was meant is not
    the server's to guess)."""

    def test_not_utf8_is_400_and_the_answer_is_utf8(self):
        for query in ("%FF=1", "limit=%C0%AF", "%ED%A0%80=1"):
            with self.subTest(query=query):
                r = request("GET", "/v1/teams?" + query, token=token("admin"))
                assert_problem(r, 400)
                r.raw.decode("utf-8")  # strict
        self.assertEqual(request("GET", "/v1/teams?limit=%35", token=token("admin")).status, 200)

    def test_a_parameter_given_twice_is_400(self):
        for query in ("limit=10&limit=500", "limit=10&limit=10",
                      "overdue=true&team=%s&team=%s" % (e2e.DEMO_TEAMS[0], e2e.DEMO_TEAMS[1])):
            with self.subTest(query=query):
                r = request("GET", "/v1/referrals?" + query, token=token("clinician"))
                pointer = "limit" if query.startswith("limit") else "team"
                assert_problem(r, 400, pointer)


class Dates(unittest.TestCase):
    def woman(self, dob, status=422, pointer="/date_of_birth"):
        r = post("/v1/service-users", service_user_body(date_of_birth=dob),
                 token=token("clinician"))
        if status == 201:
            self.assertEqual(r.status, 201, r)
            return r.body
        return assert_problem(r, status, pointer)

    def test_a_valid_date_out_of_range_is_a_rule(self):
        for dob in ("1899-12-31", "0001-01-01", "9999-12-31"):
            with self.subTest(dob=dob):
                body = self.woman(dob)
                self.assertEqual(body["type"], "urn:perinatal:problem:rule-violated")
        self.assertEqual(self.woman("1900-01-01", 201)["date_of_birth"], "1900-01-01")

    def test_what_is_not_a_date_is_malformed(self):
        for dob in ("0000-01-01", "1990-02-30", "1990-1-01", "19900101", "1990-01-01T00:00:00Z"):
            with self.subTest(dob=dob):
                self.woman(dob, 400)

    def referral(self, received_at, status):
        r = post("/v1/referrals", e2e.referral_body(received_at=received_at),
                 token=token("clinician"))
        if status == 201:
            self.assertEqual(r.status, 201, r)
            return r.body
        return assert_problem(r, status, "/received_at")

    def test_timestamps_out_of_range_are_one_rule_one_status(self):
        for at in ("2199-01-01T00:00:00Z", "2201-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
                   "1899-12-31T23:59:59Z", "2025-06-30T10:00:00+15:00"):
            with self.subTest(at=at):
                self.assertEqual(self.referral(at, 422)["type"],
                                 "urn:perinatal:problem:rule-violated")

    def test_more_than_six_fractional_digits_round_as_stored(self):
        cases = {
            "2025-06-30T10:00:00.1234564Z": "2025-06-30T10:00:00.123456+00:00",
            "2025-06-30T10:00:00.12345650000001Z": "2025-06-30T10:00:00.123457+00:00",
            "2025-06-30T23:59:59.9999999+01:00": "2025-06-30T23:00:00+00:00",
            "2025-06-30t10:00:00.5z": "2025-06-30T10:00:00.5+00:00",
        }
        for sent, stored in cases.items():
            with self.subTest(sent=sent):
                self.assertEqual(self.referral(sent, 201)["received_at"], stored)

    def test_what_is_not_a_timestamp_is_malformed(self):
        for at in ("2025-06-30T10:00:00", "2025-06-30 10:00:00Z", "2025-06-30T10:00:00.Z",
                   "2025-06-30T24:00:00Z", "0000-06-30T10:00:00Z"):
            with self.subTest(at=at):
                self.referral(at, 400)


if __name__ == "__main__":
    e2e.main()
