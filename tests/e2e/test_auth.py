"""Authentication (401) and roles (403): every refused token gets the same
answer, and nothing a refused request carried is written."""

import hashlib
import hmac
import json
import unittest

import e2e
from e2e import assert_problem, b64url, b64url_decode, get, mint, post, token

WWW_AUTH = 'Bearer error="invalid_token"'
CLAIMS = ("iss", "aud", "sub", "exp", "iat", "jti", "role", "org")


def forge(header, claims, signature=b""):
    return "%s.%s.%s" % (b64url(json.dumps(header)), b64url(json.dumps(claims)),
                         b64url(signature) if signature else "")


def hs256(header, claims, secret):
    signing_input = "%s.%s" % (b64url(json.dumps(header)), b64url(json.dumps(claims)))
    sig = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


def bad_tokens():
    """name -> Authorization header value (a refused credential each)."""
    good = mint("admin")
    h, c, s = good.split(".")
    sig = bytearray(b64url_decode(s))
    sig[10] ^= 0x01
    flipped = "%s.%s.%s" % (h, c, b64url(bytes(sig)))
    header = json.loads(b64url_decode(h))
    claims = json.loads(b64url_decode(c))
    with open(e2e.PUBLIC_KEY, "rb") as f:
        pem = f.read()
    hs_header = dict(header, alg="HS256")
    out = {
        "no token": None,
        "basic auth": "Basic " + b64url(b"admin:admin"),
        "bearer empty": "Bearer ",
        "bearer garbage": "Bearer not.a.token",
        "alg none": "Bearer " + forge(dict(header, alg="none"), claims),
        "alg none with signature": "Bearer " + forge(dict(header, alg="none"), claims, b"x"),
        "HS256 with the public key as secret": "Bearer " + hs256(hs_header, claims, pem),
        "HS256 with the stripped public key": "Bearer " + hs256(hs_header, claims, pem.strip()),
        "HS256 without kid": "Bearer " + hs256({"alg": "HS256", "typ": "JWT"}, claims, pem),
        "ES256 header, claims changed": "Bearer %s.%s.%s" % (
            h, b64url(json.dumps(dict(claims, role="admin", org=e2e.OTHER_ORG))), s),
        "flipped signature byte": "Bearer " + flipped,
        "signature cut": "Bearer %s.%s.%s" % (h, c, s[:-4]),
        "expired": "Bearer " + mint("admin", args=["--iat-offset", "-4000",
                                                   "--exp-offset", "-3000"]),
        "expired beyond skew": "Bearer " + mint("admin", args=["--exp-offset", "-120"]),
        "nbf in the future": "Bearer " + mint("admin", args=["--nbf-offset", "600"]),
        "iat in the future": "Bearer " + mint("admin", args=["--iat-offset", "600",
                                                             "--exp-offset", "1200"]),
        "lifetime over the cap": "Bearer " + mint("admin", ttl=8 * 86400),
        "wrong iss": "Bearer " + mint("admin", args=["--iss", "someone-else"]),
        "wrong aud": "Bearer " + mint("admin", args=["--aud", "another-api"]),
        "aud array without ours": "Bearer " + mint(
            "admin", args=["--claims", json.dumps({"aud": ["x", "y"]})]),
        "unknown kid": "Bearer " + mint("admin", args=["--kid", "no-such-kid"]),
        "unknown role": "Bearer " + mint("superuser"),
        "org not a uuid": "Bearer " + mint("admin", org="org-1"),
        "exp as a string": "Bearer " + mint(
            "admin", args=["--claims", json.dumps({"exp": str(claims["exp"])})]),
        "clinician without team": "Bearer " + mint("clinician", team=[]),
        "clinician team not a uuid": "Bearer " + mint("clinician", team="team-1"),
        # ~9 KiB in all (the pad is base64url-encoded: 4 characters per 3).
        "9 KiB token": "Bearer " + mint(
            "admin", args=["--claims", json.dumps({"pad": "p" * ((9 * 1024 - 450) * 3 // 4)})]),
    }
    assert 8192 < len(out["9 KiB token"]) - 7 < 9 * 1024 + 64, len(out["9 KiB token"])
    for claim in CLAIMS:
        out["missing " + claim] = "Bearer " + mint("admin", args=["--omit", claim])
    out["missing role (clinician)"] = "Bearer " + mint("clinician", args=["--omit", "role"])
    return out


class Unauthenticated(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tokens = bad_tokens()
        cls.nhs = {}

    def check_401(self, name, r):
        body = assert_problem(r, 401)
        self.assertEqual(r.headers.get("www-authenticate"), WWW_AUTH, name)
        return body

    def test_each_refused_on_get(self):
        details = set()
        for name, auth in self.tokens.items():
            with self.subTest(name):
                headers = {"Authorization": auth} if auth is not None else {}
                r = get("/v1/service-users", headers=headers)
                body = self.check_401(name, r)
                details.add((body["type"], body["title"], body.get("detail")))
        # No hint of which check failed: one answer for all.
        self.assertEqual(len(details), 1, details)

    def test_each_refused_on_post_and_nothing_written(self):
        sent = []
        for name, auth in self.tokens.items():
            with self.subTest(name):
                headers = {"Authorization": auth} if auth is not None else {}
                body = e2e.service_user_body()
                sent.append(body["nhs_number"])
                self.check_401(name, post("/v1/service-users", body, headers=headers))
                self.check_401(name, post("/v1/teams", {"name": "E2E " + body["nhs_number"],
                                                        "type": "mbu"}, headers=headers))
        nums = ",".join(e2e.sql_quote(n) for n in sent)
        self.assertEqual(e2e.db_count(
            "select count(*) from service_users where nhs_number in (%s)" % nums), 0)
        names = ",".join(e2e.sql_quote("E2E " + n) for n in sent)
        self.assertEqual(e2e.db_count("select count(*) from teams where name in (%s)" % names), 0)

    def test_refused_before_validation(self):
        # A bad token with a bad body is 401, not 400: nothing is revealed.
        r = post("/v1/service-users", b"{not json", headers={"Authorization": "Bearer x.y.z"})
        self.check_401("garbage + bad body", r)

    def test_token_in_query_string_not_accepted(self):
        r = get("/v1/teams?access_token=" + token("admin"))
        self.assertIn(r.status, (400, 401), r)


class Accepted(unittest.TestCase):
    """Control cases: the checks above fail for the reason named, not for
    some other defect of the minted tokens."""

    def test_valid_tokens(self):
        for role in ("admin", "clinician"):
            r = get("/v1/service-users?limit=1", token=mint(role))
            self.assertEqual(r.status, 200, r)

    def test_aud_array_containing_ours(self):
        t = mint("admin", args=["--claims", json.dumps({"aud": ["x", e2e.AUDIENCE]})])
        self.assertEqual(get("/v1/teams?limit=1", token=t).status, 200)

    def test_small_clock_skew_allowed(self):
        t = mint("admin", args=["--nbf-offset", "30", "--iat-offset", "30"])
        self.assertEqual(get("/v1/teams?limit=1", token=t).status, 200)

    def test_clinician_with_several_teams(self):
        t = mint("clinician", team=e2e.DEMO_TEAMS)
        self.assertEqual(get("/v1/teams?limit=1", token=t).status, 200)

    def test_bearer_scheme_case_insensitive(self):
        r = get("/v1/teams?limit=1", headers={"Authorization": "bearer " + token("admin")})
        self.assertEqual(r.status, 200, r)

    def test_8k_token_accepted_size_is_the_limit(self):
        base = mint("admin", args=["--claims", json.dumps({"pad": ""})])
        pad = (8192 - len(base) - 16) * 3 // 4
        t = mint("admin", args=["--claims", json.dumps({"pad": "p" * pad})])
        self.assertLessEqual(len(t), 8192)
        self.assertGreater(len(t), 7900)
        self.assertEqual(get("/v1/teams?limit=1", token=t).status, 200)


class Forbidden(unittest.TestCase):
    def check_403(self, r):
        assert_problem(r, 403)
        self.assertNotIn("www-authenticate", r.headers)

    def test_roles_without_service_user_access(self):
        sent = []
        for role in ("liaison", "commissioner", "referrer"):
            with self.subTest(role):
                t = mint(role)
                self.check_403(get("/v1/service-users", token=t))
                self.check_403(get("/v1/service-users/" + e2e.DEMO_TEAM, token=t))
                body = e2e.service_user_body()
                sent.append(body["nhs_number"])
                self.check_403(post("/v1/service-users", body, token=t))
                self.check_403(e2e.patch("/v1/service-users/" + e2e.DEMO_TEAM,
                                         {"given_name": "X"}, token=t, etag='"1"'))
                self.check_403(get("/v1/teams", token=t))
                self.check_403(get("/v1/staff", token=t))
        nums = ",".join(e2e.sql_quote(n) for n in sent)
        self.assertEqual(e2e.db_count(
            "select count(*) from service_users where nhs_number in (%s)" % nums), 0)

    def test_clinician_cannot_manage_organisation_data(self):
        t = token("clinician")
        name = "E2E forbidden " + e2e.nhs_number()
        self.check_403(post("/v1/teams", {"name": name, "type": "mbu"}, token=t))
        self.check_403(e2e.patch("/v1/teams/" + e2e.DEMO_TEAM, {"name": name}, token=t,
                                 etag='"1"'))
        self.check_403(post("/v1/staff", {"name": name, "profession": "nurse",
                                          "team_id": e2e.DEMO_TEAM}, token=t))
        self.check_403(e2e.patch("/v1/staff/00000000-0000-4000-8000-0000000000b1",
                                 {"name": name}, token=t, etag='"1"'))
        self.assertEqual(e2e.db_count(
            "select count(*) from teams where name = %s" % e2e.sql_quote(name)), 0)
        self.assertEqual(e2e.db_count(
            "select count(*) from staff where name = %s" % e2e.sql_quote(name)), 0)

    def test_403_comes_after_401(self):
        # A role that may not call it, with an expired token: 401 first.
        t = mint("liaison", args=["--exp-offset", "-3000", "--iat-offset", "-4000"])
        r = get("/v1/service-users", token=t)
        assert_problem(r, 401)


if __name__ == "__main__":
    e2e.main()
