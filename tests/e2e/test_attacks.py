"""The attack suite (issue 4, point 7). Each case asserts the exact status,
that the error is a clean problem document (no library name, SQL text, file
path or server version), and that nothing was written: the row counts (and
version sums) of service_users, referrals, workflow_transitions,
service_user_teams, idempotency_keys, teams, staff and revoked_tokens are
unchanged (audit rows may be added). Where a hostile string is valid input
it must be stored verbatim, and the writes are then exactly the expected
ones.

Cases (42):
  tokens (all 401 with WWW-Authenticate: Bearer error="invalid_token", on a
  write of a valid body and on a read of a real record):
     1 alg none                         2 HS256 signed with the public key
     3 expired                          4 nbf in the future
     5 wrong iss                        6 wrong aud
     7 flipped signature byte           8 unknown kid
     9-16 missing iss, aud, sub, exp, iat, jti, role, org (one case each)
    17 clinician token without team    18 9 KiB token
    19 revoked jti (used, cached, revoked, then refused)
    20 signed by another ES256 key under our kid
  authorisation:
    21 wrong role for the route (403)
    22 another team's id: read (404)   23 another team's id: list (absent)
    24 another team's id: NHS-number lookup (empty)
    25 another team's id: update (404; PATCH and a referral transition)
  bodies:
    26 body over 64 KiB (413 from nginx)
    27 body over 64 KiB, chunked, without Content-Length (413)
    28 JSON nested 100 deep (400)
    29 duplicate keys (400)             30 duplicate keys, one spelt with \\u escapes (400)
    31 SQL metacharacters in every string field of POST /v1/service-users (and PATCH)
    32 ... of POST /v1/referrals        33 ... of a referral transition
    34 SQL metacharacters in every query parameter of the lists (400)
    35 invalid UTF-8 in every string field of POST /v1/service-users (400)
    36 ... of POST /v1/referrals        37 ... of a referral transition
    38 invalid UTF-8 in a PATCH          39 \\u0000 escaped in every string field (400)
    40 a lone surrogate \\ud800 escaped (400)
    41 invalid UTF-8 in the query string and path (400/404)
  rate limit:
    42 a burst past the rate limit (429): tests/e2e/test_zz_rate_limit.py,
       run last on purpose (it empties the client's bucket); not repeated here.
"""

import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import uuid

import e2e
from e2e import (assert_problem, b64url, b64url_decode, get, mint, patch, post, psql,
                 referral_body, refer, service_user_body, token)

WWW_AUTH = 'Bearer error="invalid_token"'
DUTY = "00000000-0000-4000-8000-0000000000b1"
NURSE = "00000000-0000-4000-8000-0000000000b2"

SNAPSHOT_SQL = (
    "select concat_ws(',', (select count(*) from service_users), "
    "(select coalesce(sum(version), 0) from service_users), (select count(*) from referrals), "
    "(select coalesce(sum(version), 0) from referrals), "
    "(select count(*) from workflow_transitions), (select count(*) from service_user_teams), "
    "(select count(*) from idempotency_keys), (select count(*) from teams), "
    "(select count(*) from staff), (select count(*) from revoked_tokens))")
NAMES = ("service_users", "service_user_versions", "referrals", "referral_versions",
         "workflow_transitions", "service_user_teams", "idempotency_keys", "teams", "staff",
         "revoked_tokens")


def snapshot():
    return dict(zip(NAMES, map(int, psql(SNAPSHOT_SQL).split(","))))


def delta(before, after):
    return {k: after[k] - before[k] for k in NAMES if after[k] != before[k]}


def move(ref_id, to, tok=None, **fields):
    r = post("/v1/referrals/%s/transitions" % ref_id, dict(to=to, **fields),
             token=tok or token("clinician"))
    assert r.status == 201, r
    return r


def set_path(obj, path, value):
    """Sets obj[a][b]... (path "a/b", list indexes as digits)."""
    keys = path.split("/")
    for k in keys[:-1]:
        obj = obj[int(k)] if isinstance(obj, list) else obj[k]
    last = keys[-1]
    if isinstance(obj, list):
        obj[int(last)] = value
    else:
        obj[last] = value


def get_path(obj, path):
    for k in path.split("/"):
        obj = obj[int(k)] if isinstance(obj, list) else obj[k]
    return obj


def forge(header, claims, signature=b""):
    return "%s.%s.%s" % (b64url(json.dumps(header)), b64url(json.dumps(claims)),
                         b64url(signature) if signature else "")


def hs256(header, claims, secret):
    signing_input = "%s.%s" % (b64url(json.dumps(header)), b64url(json.dumps(claims)))
    sig = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


# Hostile strings: SQL metacharacters, quotes, backslashes, LIKE wildcards,
# placeholders, dollar quoting, comments. No NUL (case 38 covers \u0000).
SQL_PAYLOADS = (
    "'; DROP TABLE service_users; --",
    "Robert'); DELETE FROM referrals WHERE ''=''; --",
    "O'Brien \"the\" \\ back\\slash \\' \\\" \\\\",
    "100% _any_ %% \\% \\_ %' OR '1'='1",
    "$1 $2::text $$ dollar $$ $tag$ x $tag$ ?",
    "x'||(SELECT pg_sleep(3))||'; /* */ #",
)

# Malformed UTF-8 byte sequences.
BAD_UTF8 = (
    b"\xff",                 # never valid
    b"\xc3\x28",             # bad continuation
    b"\xc0\xaf",             # overlong "/"
    b"\xed\xa0\x80",         # an encoded UTF-16 surrogate
    b"\xf4\x90\x80\x80",     # beyond U+10FFFF
    b"\xe2\x82",             # truncated sequence
)

MARK = "@@E2E-INJECT@@"


def with_raw(body, path, raw):
    """The body as JSON bytes with the string at path replaced by raw bytes
    (inside the quotes)."""
    b = json.loads(json.dumps(body))
    set_path(b, path, MARK)
    data = json.dumps(b).encode("utf-8")
    assert data.count(MARK.encode()) == 1
    return data.replace(MARK.encode(), b"Ada" + raw + b"x")


# Every string field, by where it lives. free: stored verbatim;
# others are formats (dates, enums, ids, codes) that a hostile string breaks: 400.
SERVICE_USER_STRINGS = {
    "given_name": "free", "family_name": "free", "nhs_number": 400, "date_of_birth": 400,
    "gp_practice_code": 400, "postcode": 400, "perinatal_status/stage": 400,
    "perinatal_status/estimated_due_date": 400,
}
REFERRAL_STRINGS = dict(
    {"reason": "free", "referrer/name": "free", "referrer/organisation": "free",
     "referrer/contact": "free", "team_id": 400, "source": 400, "channel": 400,
     "received_at": 400, "priority": 400, "criteria/0": 400},
    **{"service_user/" + k: v for k, v in SERVICE_USER_STRINGS.items()})
TRANSITION_FORMATS = ("to", "duty_clinician_id", "meeting_date", "pathway",
                      "allocated_clinician_id", "risk_assessment/risk_level")
TRANSITION_FREE = ("notes", "signposted_to", "referred_to", "reason", "risk_assessment/summary",
                   "risk_assessment/actions", "onward_referral/agency", "onward_referral/reason")


def transition_for(field):
    """(steps before, the step's body) putting a hostile string in field.
    Every body here is valid."""
    risk = {"risk_level": "moderate", "summary": "No contact after three letters.",
            "actions": "GP and health visitor informed."}
    if field in ("to", "duty_clinician_id", "notes"):
        return [], {"to": "triaged", "duty_clinician_id": DUTY, "notes": "Triaged by duty."}
    if field == "meeting_date":
        return [], {"to": "mdt_review", "meeting_date": e2e.today()}
    if field in ("pathway", "allocated_clinician_id"):
        return ["mdt"], {"to": "accepted", "pathway": "perinatal",
                         "allocated_clinician_id": NURSE}
    if field == "signposted_to":
        return ["mdt"], {"to": "signposted", "signposted_to": "Talking therapies"}
    if field == "referred_to":
        return ["mdt"], {"to": "referred_on", "referred_to": "CMHT"}
    if field == "reason":
        return ["mdt"], {"to": "declined", "reason": "Criteria not met."}
    if field.startswith("risk_assessment") or field.startswith("onward_referral"):
        return [], {"to": "unable_to_engage", "risk_assessment": risk,
                    "onward_referral": {"agency": "GP", "reason": "Follow up."}}
    raise KeyError(field)


class Attack(unittest.TestCase):
    """Common checks."""

    def setUp(self):
        self.before = snapshot()

    def assert_unchanged(self, expected=None):
        after = snapshot()
        self.assertEqual(delta(self.before, after), expected or {},
                         "rows written by a refused request")

    def assert_401(self, r):
        assert_problem(r, 401)
        self.assertEqual(r.headers.get("www-authenticate"), WWW_AUTH, r)


# ---------------------------------------------------------------------------
# Tokens (cases 1-20)
# ---------------------------------------------------------------------------

class Tokens(Attack):
    @classmethod
    def setUpClass(cls):
        cls.woman = e2e.create_service_user().body

    def refused(self, tok=None, header=None):
        """The credential is refused for a write of a valid body and a read
        of a real record; nothing written."""
        headers = {"Authorization": header if header is not None else "Bearer " + tok}
        body = service_user_body()
        self.assert_401(post("/v1/service-users", body, headers=headers))
        self.assert_401(get("/v1/service-users/" + self.woman["id"], headers=headers))
        self.assert_401(post("/v1/referrals", referral_body(), headers=headers))
        self.assert_unchanged()
        self.assertEqual(e2e.db_count("select count(*) from service_users where nhs_number = %s"
                                      % e2e.sql_quote(body["nhs_number"])), 0)

    def parts(self, role="admin"):
        h, c, s = mint(role).split(".")
        return json.loads(b64url_decode(h)), json.loads(b64url_decode(c)), h, c, s

    def test_01_alg_none(self):
        header, claims, *_ = self.parts()
        self.refused(forge(dict(header, alg="none"), claims))
        self.refused(forge(dict(header, alg="none"), claims, b"sig"))
        self.refused(forge(dict(header, alg="None"), claims))

    def test_02_hs256_with_the_public_key(self):
        header, claims, *_ = self.parts()
        with open(e2e.PUBLIC_KEY, "rb") as f:
            pem = f.read()
        self.refused(hs256(dict(header, alg="HS256"), claims, pem))
        self.refused(hs256(dict(header, alg="HS256"), claims, pem.strip()))
        self.refused(hs256({"alg": "HS256", "typ": "JWT"}, claims, pem))

    def test_03_expired(self):
        self.refused(mint("admin", args=["--iat-offset", "-4000", "--exp-offset", "-3000"]))
        self.refused(mint("admin", args=["--exp-offset", "-120"]))

    def test_04_nbf_in_the_future(self):
        self.refused(mint("admin", args=["--nbf-offset", "600"]))

    def test_05_wrong_iss(self):
        self.refused(mint("admin", args=["--iss", "https://evil.example"]))

    def test_06_wrong_aud(self):
        self.refused(mint("admin", args=["--aud", "another-api"]))
        self.refused(mint("admin", args=["--claims", json.dumps({"aud": ["a", "b"]})]))

    def test_07_flipped_signature_byte(self):
        _, _, h, c, s = self.parts()
        for i in (0, 31, 63):
            sig = bytearray(b64url_decode(s))
            sig[i] ^= 0x01
            self.refused("%s.%s.%s" % (h, c, b64url(bytes(sig))))

    def test_08_unknown_kid(self):
        self.refused(mint("admin", args=["--kid", "no-such-kid"]))
        self.refused(mint("admin", args=["--kid", "../../keys/jwt-public.pem"]))

    def test_20_signed_with_another_key_under_our_kid(self):
        # A well-formed ES256 token with the right kid, iss and aud, signed
        # by a key that is not ours (an attacker's own key pair).
        with tempfile.TemporaryDirectory() as d:
            key = os.path.join(d, "attacker.pem")
            out = subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                                  "ec_paramgen_curve:P-256", "-out", key],
                                 capture_output=True, text=True, timeout=20)
            self.assertEqual(out.returncode, 0, "openssl genpkey: " + out.stderr)
            env = dict(os.environ, PERINATAL_TOKEN_KEY=key, PERINATAL_TOKEN_KID=e2e.KID)
            out = subprocess.run([e2e.TOKEN_BIN, "--role", "admin", "--org", e2e.DEMO_ORG,
                                  "--sub", "e2e-attacker"], env=env, capture_output=True,
                                 text=True, timeout=20)
            self.assertEqual(out.returncode, 0, out.stderr)
        tok = out.stdout.strip()
        self.assertEqual(json.loads(b64url_decode(tok.split(".")[0])).get("kid"), e2e.KID or None)
        self.refused(tok)

    def test_17_clinician_without_team(self):
        self.refused(mint("clinician", team=[]))
        self.refused(mint("clinician", team=[], args=["--claims", '{"team": []}']))

    def test_18_token_over_8_kib(self):
        pad = (9 * 1024 - 450) * 3 // 4
        tok = mint("admin", args=["--claims", json.dumps({"pad": "p" * pad})])
        self.assertGreater(len(tok), 8192)
        self.assertLess(len(tok), 9 * 1024 + 64)
        self.refused(tok)

    def test_19_revoked_jti(self):
        jti = "e2e-attack-" + uuid.uuid4().hex
        tok = mint("admin", args=["--jti", jti])
        for _ in range(2):  # verified, then from the cache
            self.assertEqual(get("/v1/teams?limit=1", token=tok).status, 200)
        r = post("/v1/revoked-tokens", {"jti": jti, "reason": "attack suite"},
                 token=token("admin"))
        self.assertEqual(r.status, 201, r)
        self.before = snapshot()
        self.refused(tok)


CLAIMS = ("iss", "aud", "sub", "exp", "iat", "jti", "role", "org")


def _missing_claim_case(claim):
    def test(self):
        self.refused(mint("admin", args=["--omit", claim]))
        self.refused(mint("clinician", args=["--omit", claim]))
    test.__doc__ = "A token without %r is refused." % claim
    return test


for _n, _claim in enumerate(CLAIMS, start=9):
    setattr(Tokens, "test_%02d_missing_%s" % (_n, _claim), _missing_claim_case(_claim))


# ---------------------------------------------------------------------------
# Authorisation (cases 21-25)
# ---------------------------------------------------------------------------

class Authorisation(Attack):
    @classmethod
    def setUpClass(cls):
        admin = token("admin")
        teams = []
        for label in ("A", "B"):
            r = post("/v1/teams", {"name": "E2E attack %s %s" % (label, uuid.uuid4().hex[:8]),
                                   "type": "perinatal_community"}, token=admin)
            assert r.status == 201, r
            teams.append(r.body["id"])
        cls.team_a, cls.team_b = teams
        cls.cli_a = mint("clinician", team=cls.team_a)
        cls.cli_b = mint("clinician", team=cls.team_b)
        cls.woman = e2e.create_service_user(cls.cli_a).body
        body = referral_body(cls.team_a, service_user_id=cls.woman["id"])
        del body["service_user"]
        r = post("/v1/referrals", body, token=cls.cli_a)
        assert r.status == 201, r
        cls.referral = r.body

    @classmethod
    def tearDownClass(cls):
        # Team A's records are as they were.
        r = get("/v1/service-users/" + cls.woman["id"], token=cls.cli_a)
        assert r.status == 200 and r.body["version"] == 1, r
        r = get("/v1/referrals/" + cls.referral["id"], token=cls.cli_a)
        assert r.status == 200 and r.body["status"] == "received", r

    def test_21_wrong_role_for_the_route(self):
        cases = [
            ("referrer", "POST", "/v1/service-users", service_user_body()),
            ("liaison", "POST", "/v1/referrals", referral_body()),
            ("commissioner", "GET", "/v1/service-users/" + self.woman["id"], None),
            ("referrer", "POST", "/v1/referrals/%s/transitions" % self.referral["id"],
             {"to": "withdrawn", "reason": "x"}),
            ("clinician", "POST", "/v1/teams", {"name": "E2E attack role", "type": "mbu"}),
            ("clinician", "POST", "/v1/revoked-tokens", {"jti": "e2e-attack-role"}),
            ("clinician", "GET", "/v1/audit?service_user=" + self.woman["id"], None),
            ("referrer", "PATCH", "/v1/service-users/" + self.woman["id"], {"given_name": "X"}),
        ]
        for role, method, path, body in cases:
            with self.subTest(role=role, route="%s %s" % (method, path)):
                r = e2e.request(method, path, token=token(role), body=body,
                                headers={"If-Match": "*"} if method == "PATCH" else None)
                assert_problem(r, 403)
        self.assert_unchanged()

    def test_22_other_team_read(self):
        for path in ("/v1/service-users/" + self.woman["id"],
                     "/v1/referrals/" + self.referral["id"],
                     "/v1/referrals/%s/transitions" % self.referral["id"]):
            with self.subTest(path):
                assert_problem(get(path, token=self.cli_b), 404)
        self.assert_unchanged()

    def test_23_other_team_list(self):
        for path in ("/v1/service-users?limit=200", "/v1/referrals?limit=200",
                     "/v1/referrals?limit=200&team=" + self.team_a,
                     "/v1/referrals?service_user=" + self.woman["id"],
                     "/v1/referrals?overdue=true&limit=200"):
            with self.subTest(path):
                r = get(path, token=self.cli_b)
                self.assertEqual(r.status, 200, r)
                ids = [i["id"] for i in r.body["items"]]
                self.assertNotIn(self.woman["id"], ids)
                self.assertNotIn(self.referral["id"], ids)
                self.assertNotIn(self.woman["id"], [i.get("service_user_id") for i in
                                                    r.body["items"]])
        self.assert_unchanged()

    def test_24_other_team_nhs_number_lookup(self):
        r = e2e.lookup(self.woman["nhs_number"], token=self.cli_b)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, {"items": [], "next_cursor": None})
        self.assert_unchanged()

    def test_25_other_team_update(self):
        sid, rid = self.woman["id"], self.referral["id"]
        for etag in ('"1"', "*"):
            with self.subTest(etag=etag):
                assert_problem(patch("/v1/service-users/" + sid, {"given_name": "Mallory"},
                                     token=self.cli_b, etag=etag), 404)
        assert_problem(post("/v1/referrals/%s/transitions" % rid,
                            {"to": "withdrawn", "reason": "Closed by another team."},
                            token=self.cli_b), 404)
        assert_problem(post("/v1/referrals/%s/transitions" % rid,
                            {"to": "withdrawn", "reason": "Closed by another team."},
                            token=self.cli_b, headers={"Idempotency-Key": uuid.uuid4().hex}),
                       404)
        # Nor by referring her, by id, to its own team.
        body = referral_body(self.team_b, service_user_id=sid)
        del body["service_user"]
        assert_problem(post("/v1/referrals", body, token=self.cli_b), 422, "/service_user_id")
        self.assert_unchanged()


# ---------------------------------------------------------------------------
# Bodies (cases 26-30)
# ---------------------------------------------------------------------------

class Bodies(Attack):
    def test_26_body_over_64_kib(self):
        body = service_user_body(family_name="x" * (70 * 1024))
        r = post("/v1/service-users", body, token=token("clinician"))
        assert_problem(r, 413)
        e2e.assert_no_server_version(r.headers)
        self.assert_unchanged()

    def test_27_body_over_64_kib_chunked(self):
        body = json.dumps(service_user_body(family_name="x" * (70 * 1024))).encode()
        conn = e2e.connection()
        try:
            conn.request("POST", "/v1/service-users",
                         body=iter([body[i:i + 8192] for i in range(0, len(body), 8192)]),
                         headers={"Authorization": "Bearer " + token("clinician"),
                                  "Content-Type": "application/json"},
                         encode_chunked=True)
            r = e2e.read_response(conn.getresponse())
        finally:
            conn.close()
        assert_problem(r, 413)
        self.assert_unchanged()

    def test_28_json_nested_100_deep(self):
        deep_obj = {}
        for _ in range(99):
            deep_obj = {"a": deep_obj}
        cases = {
            "object in a field": json.dumps(service_user_body(consent=deep_obj)).encode(),
            "array in a field": json.dumps(service_user_body()).replace(
                '"given_name": "Ada"', '"given_name": ' + "[" * 100 + "]" * 100).encode(),
            "whole body": b"[" * 100 + b"]" * 100,
        }
        for name, raw in cases.items():
            with self.subTest(name):
                assert_problem(post("/v1/service-users", raw, token=token("clinician")), 400)
                assert_problem(post("/v1/submitted-referrals", raw, token=token("referrer")), 400)
        self.assert_unchanged()

    def test_29_duplicate_keys(self):
        first, second = e2e.nhs_number(), e2e.nhs_number()
        body = json.dumps(service_user_body(nhs_number=first))
        raw = body.replace('"nhs_number": "%s"' % first,
                           '"nhs_number": "%s", "nhs_number": "%s"' % (first, second))
        self.assertEqual(raw.count('"nhs_number"'), 2)
        r = post("/v1/service-users", raw, token=token("clinician"))
        assert_problem(r, 400)
        nested = json.dumps(referral_body()).replace(
            '"priority": "routine"', '"priority": "routine", "priority": "emergency"')
        assert_problem(post("/v1/submitted-referrals", nested, token=token("referrer")), 400)
        inner = json.dumps(service_user_body()).replace(
            '"stage": "pregnant"', '"stage": "pregnant", "stage": "postnatal"')
        self.assertEqual(inner.count('"stage"'), 2)
        assert_problem(post("/v1/service-users", inner, token=token("clinician")), 400)
        self.assert_unchanged()
        for n in (first, second):
            self.assertEqual(e2e.db_count(
                "select count(*) from service_users where nhs_number = '%s'" % n), 0)

    def test_30_duplicate_keys_escaped(self):
        # "given\u005fname" is "given_name": the same key twice.
        raw = json.dumps(service_user_body()).replace(
            '"given_name": "Ada"', '"given_name": "Ada", "given\\u005fname": "Eve"')
        assert_problem(post("/v1/service-users", raw, token=token("clinician")), 400)
        self.assert_unchanged()
        # "given_name\u0000" is stored by json-c as "given_name": a key with
        # a NUL is refused, so neither the repeat nor an unknown field passes.
        for extra in ('"given_name\\u0000": "Eve"', '"nhs_number\\u0000junk": "1"'):
            raw = json.dumps(service_user_body()).replace(
                '"given_name": "Ada"', '"given_name": "Ada", ' + extra)
            body = assert_problem(post("/v1/service-users", raw, token=token("clinician")), 400)
            self.assertIn("NUL", json.dumps(body))
            self.assert_unchanged()


# ---------------------------------------------------------------------------
# SQL metacharacters (cases 31-34)
# ---------------------------------------------------------------------------

class SqlMetacharacters(Attack):
    def check_tables_intact(self):
        self.assertEqual(psql("select count(*) from pg_tables where schemaname = 'public' and "
                              "tablename in ('service_users', 'referrals', 'audit_events')"),
                         "3")

    def test_31_every_string_field_of_a_service_user(self):
        tok = token("clinician")
        for field, kind in SERVICE_USER_STRINGS.items():
            for payload in SQL_PAYLOADS:
                with self.subTest(field=field, payload=payload):
                    body = service_user_body()
                    set_path(body, field, payload)
                    before = snapshot()
                    started = time.monotonic()
                    r = post("/v1/service-users", body, token=tok)
                    self.assertLess(time.monotonic() - started, 3)
                    if kind == "free":
                        self.assertEqual(r.status, 201, r)
                        self.assertEqual(get_path(r.body, field), payload)
                        again = get("/v1/service-users/" + r.body["id"], token=tok)
                        self.assertEqual(get_path(again.body, field), payload)
                        self.assertEqual(psql("select %s from service_users where id = '%s'"
                                              % (field, r.body["id"])), payload)
                        self.assertEqual(delta(before, snapshot()),
                                         {"service_users": 1, "service_user_versions": 1,
                                          "service_user_teams": 1})
                    else:
                        assert_problem(r, kind, "/" + field)
                        self.assertEqual(delta(before, snapshot()), {})
        # And through a PATCH of the free-text fields.
        w = e2e.create_service_user(tok).body
        etag = '"1"'
        for payload in SQL_PAYLOADS:
            with self.subTest(field="PATCH given_name", payload=payload):
                r = patch("/v1/service-users/" + w["id"], {"given_name": payload}, token=tok,
                          etag=etag)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.body["given_name"], payload)
                etag = r.headers["etag"]
        self.check_tables_intact()

    def test_32_every_string_field_of_a_referral(self):
        tok = token("clinician")
        for field, kind in REFERRAL_STRINGS.items():
            for payload in SQL_PAYLOADS:
                with self.subTest(field=field, payload=payload):
                    body = referral_body()
                    set_path(body, field, payload)
                    before = snapshot()
                    r = post("/v1/referrals", body, token=tok)
                    if kind == "free":
                        self.assertEqual(r.status, 201, r)
                        if field.startswith("service_user/"):
                            w = get("/v1/service-users/" + r.body["service_user_id"], token=tok)
                            self.assertEqual(get_path(w.body, field.split("/", 1)[1]), payload)
                        else:
                            self.assertEqual(get_path(r.body, field), payload)
                            again = get("/v1/referrals/" + r.body["id"], token=tok)
                            self.assertEqual(get_path(again.body, field), payload)
                        self.assertEqual(delta(before, snapshot()),
                                         {"service_users": 1, "service_user_versions": 1,
                                          "referrals": 1, "referral_versions": 1,
                                          "workflow_transitions": 1, "service_user_teams": 1})
                    else:
                        assert_problem(r, kind, "/" + field)
                        self.assertEqual(delta(before, snapshot()), {})
        # service_user_id is a string field too (instead of service_user).
        for payload in SQL_PAYLOADS:
            with self.subTest(field="service_user_id", payload=payload):
                body = referral_body(service_user_id=payload)
                del body["service_user"]
                assert_problem(post("/v1/referrals", body, token=tok), 400, "/service_user_id")
        self.check_tables_intact()

    def test_33_every_string_field_of_a_transition(self):
        tok = token("clinician")
        # Formats: refused before anything is looked up; one referral will do.
        ref = refer(tok)
        for field in TRANSITION_FORMATS:
            for payload in SQL_PAYLOADS:
                with self.subTest(field=field, payload=payload):
                    _, body = transition_for(field)
                    set_path(body, field, payload)
                    before = snapshot()
                    r = post("/v1/referrals/%s/transitions" % ref["id"], body, token=tok)
                    assert_problem(r, 400, "/" + field)
                    self.assertEqual(delta(before, snapshot()), {})
        # Free text: stored verbatim; each on a referral brought to the step
        # before.
        for field in TRANSITION_FREE:
            for payload in SQL_PAYLOADS:
                with self.subTest(field=field, payload=payload):
                    steps, body = transition_for(field)
                    set_path(body, field, payload)
                    ref = refer(tok)
                    for step in steps:
                        if step == "mdt":
                            move(ref["id"], "triaged", duty_clinician_id=DUTY, notes="Duty.")
                            move(ref["id"], "mdt_review", meeting_date=e2e.today())
                        else:
                            move(ref["id"], "unable_to_engage", risk_assessment={
                                "risk_level": "low", "summary": "s", "actions": "a"})
                    before = snapshot()
                    r = post("/v1/referrals/%s/transitions" % ref["id"], body, token=tok)
                    self.assertEqual(r.status, 201, r)
                    self.assertEqual(delta(before, snapshot()),
                                     {"referral_versions": 1, "workflow_transitions": 1})
                    h = get("/v1/referrals/%s/transitions" % ref["id"], token=tok)
                    last = h.body["items"][-1]
                    stored = dict(last.get("details") or {}, notes=last.get("notes"))
                    self.assertEqual(get_path(stored, field), payload, last)
                    cur = get("/v1/referrals/" + ref["id"], token=tok).body
                    if field in ("signposted_to", "referred_to"):
                        self.assertEqual(cur["outcome"][field], payload)
                    elif field == "reason":
                        self.assertEqual(cur["outcome"]["reason"], payload)
                    elif "/" in field:
                        self.assertEqual(get_path(cur, field), payload)
        self.check_tables_intact()

    def test_34_every_query_parameter(self):
        tok = token("admin")
        params = {
            "/v1/service-users": ("nhs_number", "cursor", "limit"),
            "/v1/referrals": ("status", "priority", "team", "source", "received_from",
                              "received_to", "overdue", "service_user", "cursor", "limit"),
            "/v1/audit": ("service_user", "cursor", "limit"),
            "/v1/teams": ("type", "cursor", "limit"),
            "/v1/staff": ("team", "cursor", "limit"),
        }
        for path, names in params.items():
            for name in names:
                for payload in SQL_PAYLOADS:
                    with self.subTest(path=path, param=name, payload=payload):
                        q = urllib.parse.urlencode({name: payload})
                        if path == "/v1/audit" and name != "service_user":
                            q += "&service_user=" + str(uuid.uuid4())
                        r = get(path + "?" + q, token=tok)
                        assert_problem(r, 400)
        # An id in the path: 404 like any unknown id.
        for payload in SQL_PAYLOADS:
            with self.subTest(path="/v1/service-users/{id}", payload=payload):
                r = get("/v1/service-users/" + urllib.parse.quote(payload, safe=""), token=tok)
                self.assertIn(r.status, (400, 404), r)
                assert_problem(r, r.status)
        self.assert_unchanged()
        self.check_tables_intact()


# ---------------------------------------------------------------------------
# Invalid UTF-8 and escapes (cases 35-41)
# ---------------------------------------------------------------------------

class InvalidText(Attack):
    def send_each(self, path, body_factory, fields, tok, method="POST", headers=None):
        for field in fields:
            for raw in BAD_UTF8:
                with self.subTest(field=field, bytes=raw):
                    data = with_raw(body_factory(field), field, raw)
                    r = e2e.request(method, path, token=tok, body=data, headers=headers)
                    assert_problem(r, 400)
        self.assert_unchanged()

    def test_35_invalid_utf8_service_user(self):
        self.send_each("/v1/service-users", lambda f: service_user_body(),
                       list(SERVICE_USER_STRINGS), token("clinician"))

    def test_36_invalid_utf8_referral(self):
        self.send_each("/v1/referrals", lambda f: referral_body(),
                       list(REFERRAL_STRINGS), token("clinician"))

    def test_37_invalid_utf8_transition(self):
        ref = refer()
        self.before = snapshot()
        self.send_each("/v1/referrals/%s/transitions" % ref["id"],
                       lambda f: transition_for(f)[1],
                       TRANSITION_FORMATS + TRANSITION_FREE, token("clinician"))

    def test_38_invalid_utf8_patch(self):
        w = e2e.create_service_user().body
        self.before = snapshot()
        self.send_each("/v1/service-users/" + w["id"],
                       lambda f: {"given_name": "x", "family_name": "y", "postcode": "DT1 1AA"},
                       ["given_name", "family_name", "postcode"], token("clinician"),
                       method="PATCH", headers={"If-Match": '"1"'})

    def test_39_escaped_nul_in_every_string_field(self):
        tok = token("clinician")
        cases = [("/v1/service-users", service_user_body, f) for f in SERVICE_USER_STRINGS]
        cases += [("/v1/referrals", referral_body, f) for f in REFERRAL_STRINGS]
        for path, factory, field in cases:
            with self.subTest(path=path, field=field):
                body = factory()
                set_path(body, field, MARK)
                raw = json.dumps(body).replace(MARK, "Ada\\u0000x")
                r = post(path, raw, token=tok)
                assert_problem(r, 400)
        w = e2e.create_service_user(tok).body
        self.before = snapshot()
        raw = '{"given_name": "Ada\\u0000Eve"}'
        assert_problem(patch("/v1/service-users/" + w["id"], raw, token=tok, etag='"1"'), 400)
        ref = refer(tok)
        self.before = snapshot()
        raw = json.dumps({"to": "withdrawn", "reason": MARK}).replace(MARK, "gone\\u0000x")
        assert_problem(post("/v1/referrals/%s/transitions" % ref["id"], raw, token=tok), 400)
        raw = json.dumps({"jti": MARK}).replace(MARK, "e2e\\u0000x")
        assert_problem(post("/v1/revoked-tokens", raw, token=token("admin")), 400)
        self.assert_unchanged()

    def test_40_lone_surrogate_escaped(self):
        tok = token("clinician")
        for esc in ("\\ud800", "\\udfff", "\\ud800\\u0041", "\\ud83d"):
            with self.subTest(esc=esc):
                body = service_user_body()
                body["given_name"] = MARK
                raw = json.dumps(body).replace(MARK, "Ada" + esc)
                assert_problem(post("/v1/service-users", raw, token=tok), 400)
        self.assert_unchanged()
        # A well-formed pair is fine (a control, not an attack): U+1F600.
        body = service_user_body()
        body["given_name"] = MARK
        raw = json.dumps(body).replace(MARK, "Ada\\ud83d\\ude00")
        r = post("/v1/service-users", raw, token=tok)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["given_name"], "Ada\U0001F600")

    def test_41_invalid_utf8_in_query_and_path(self):
        tok = token("admin")
        for raw in ("%FF", "%C3%28", "%C0%AF", "%ED%A0%80"):
            with self.subTest(raw=raw):
                assert_problem(get("/v1/teams?type=94" + raw, token=tok), 400)
                assert_problem(get("/v1/referrals?status=" + raw, token=tok), 400)
                r = get("/v1/service-users/" + raw, token=tok)
                self.assertIn(r.status, (400, 404), r)
                assert_problem(r, r.status)
        self.assert_unchanged()


# Case 42, the rate limit: tests/e2e/test_zz_rate_limit.py (a burst past the
# per-client limit answers 429 as a problem document with Retry-After, never
# 503). It runs last because it empties this client's bucket.


if __name__ == "__main__":
    e2e.main()
