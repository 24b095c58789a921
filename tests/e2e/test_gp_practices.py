"""GP practices (issue 9, item 7): each organisation lists the GP practices it
covers ("registered with a GP in Dorset", seed 002); admins keep the list,
clinicians and admins read it, a code listed twice is 409. A referral for a
woman whose practice is missing, not listed or not active is flagged
gp_outside_area at receipt (received, not refused) and is on the duty list
while open."""

import datetime
import random
import unittest

import e2e
from e2e import (OTHER_ORG, assert_problem, get, mint, patch, post, referral_body,
                 service_user_body, token)

COLLECTION = "/v1/gp-practices"
DUTY = "00000000-0000-4000-8000-0000000000b1"
_used = set()


def new_code():
    """An ODS code no other test lists (the demo data lists J82001 and J82002)."""
    while True:
        code = "Y%05d" % random.SystemRandom().randrange(100000)
        if code not in _used:
            _used.add(code)
            return code


def add(code=None, tok=None, **over):
    body = {"ods_code": code or new_code(), "name": "E2E practice"}
    body.update(over)
    r = post(COLLECTION, body, token=tok or token("admin"))
    assert r.status == 201, r
    return r


def refer_with_practice(code, **over):
    """A referral for a new woman registered with `code` (None: not recorded);
    returns its body."""
    woman = service_user_body(gp_practice_code=code)
    if code is None:
        del woman["gp_practice_code"]
    r = post("/v1/referrals", referral_body(service_user=woman, **over), token=token("clinician"))
    assert r.status == 201, r
    return r.body


class Practices(unittest.TestCase):
    def test_admin_adds_and_everyone_reads(self):
        code = new_code()
        r = add(code, name="Bridport Medical Centre")
        self.assertEqual(r.headers["location"], COLLECTION + "/" + r.body["id"])
        self.assertEqual(r.headers["etag"], '"1"')
        self.assertEqual(r.body["ods_code"], code)
        self.assertEqual(r.body["name"], "Bridport Medical Centre")
        self.assertIs(r.body["active"], True)
        self.assertEqual(r.body["organisation_id"], e2e.DEMO_ORG)
        for role in ("admin", "clinician"):
            got = get(r.headers["location"], token=token(role))
            self.assertEqual(got.status, 200, got)
            self.assertEqual(got.body, r.body)
        listed = get(COLLECTION + "?limit=200", token=token("clinician"))
        self.assertEqual(listed.status, 200, listed)
        self.assertEqual(set(listed.body), {"items", "next_cursor"})

    def test_code_listed_twice_is_409(self):
        code = new_code()
        add(code)
        before = e2e.db_count("select count(*) from gp_practices where ods_code = '%s'" % code)
        assert_problem(post(COLLECTION, {"ods_code": code, "name": "Again"},
                            token=token("admin")), 409)
        self.assertEqual(e2e.db_count("select count(*) from gp_practices where ods_code = '%s'"
                                      % code), before)
        # A PATCH onto a listed code as well.
        other = add()
        r = patch(other.headers["location"], {"ods_code": code}, token=token("admin"),
                  etag='"1"')
        assert_problem(r, 409)

    def test_same_code_in_another_organisation(self):
        e2e.ensure_other_org()
        code = new_code()
        add(code)
        theirs = add(code, tok=mint("admin", org=OTHER_ORG))
        self.assertEqual(theirs.body["organisation_id"], OTHER_ORG)
        # Each sees only its own list.
        assert_problem(get(theirs.headers["location"], token=token("admin")), 404)

    def test_ods_code_format(self):
        for bad in ("J8200", "J820011", "j82001", "182001", "J8200A", "", 82001, None):
            with self.subTest(bad=bad):
                assert_problem(post(COLLECTION, {"ods_code": bad, "name": "Bad"},
                                    token=token("admin")), 400, "/ods_code")
        self.assertEqual(add("Z%05d" % random.SystemRandom().randrange(100000)).status, 201)

    def test_name_length(self):
        assert_problem(post(COLLECTION, {"ods_code": new_code(), "name": ""},
                            token=token("admin")), 400, "/name")
        assert_problem(post(COLLECTION, {"ods_code": new_code(), "name": "x" * 201},
                            token=token("admin")), 400, "/name")
        self.assertEqual(add(name="x" * 200).status, 201)
        assert_problem(post(COLLECTION, {"name": "No code"}, token=token("admin")), 400,
                       "/ods_code")

    def test_patch_active_with_if_match(self):
        r = add()
        url = r.headers["location"]
        assert_problem(patch(url, {"active": False}, token=token("admin")), 428)
        assert_problem(patch(url, {"active": False}, token=token("clinician"), etag='"1"'), 403)
        done = patch(url, {"active": False}, token=token("admin"), etag='"1"')
        self.assertEqual(done.status, 200, done)
        self.assertIs(done.body["active"], False)
        self.assertEqual(done.body["version"], 2)
        assert_problem(patch(url, {"active": None}, token=token("admin"), etag='"2"'), 400,
                       "/active")


class OutsideArea(unittest.TestCase):
    def test_covered_practice_is_not_flagged(self):
        code = new_code()
        add(code)
        self.assertIs(refer_with_practice(code)["flags"]["gp_outside_area"], False)
        # The demo organisation covers the practice of the tests' women.
        self.assertIs(e2e.refer()["flags"]["gp_outside_area"], False)

    def test_practice_not_listed_is_flagged_not_refused(self):
        ref = refer_with_practice(new_code())
        self.assertEqual(ref["status"], "received")
        self.assertIs(ref["flags"]["gp_outside_area"], True)

    def test_practice_missing_is_flagged(self):
        self.assertIs(refer_with_practice(None)["flags"]["gp_outside_area"], True)

    def test_inactive_practice_is_flagged(self):
        code = new_code()
        r = add(code)
        self.assertIs(refer_with_practice(code)["flags"]["gp_outside_area"], False)
        self.assertEqual(patch(r.headers["location"], {"active": False}, token=token("admin"),
                               etag='"1"').status, 200)
        self.assertIs(refer_with_practice(code)["flags"]["gp_outside_area"], True)

    def test_another_organisations_list_does_not_count(self):
        e2e.ensure_other_org()
        code = new_code()
        add(code, tok=mint("admin", org=OTHER_ORG))
        self.assertIs(refer_with_practice(code)["flags"]["gp_outside_area"], True)

    def test_computed_at_receipt_and_kept(self):
        code = new_code()
        ref = refer_with_practice(code)
        self.assertIs(ref["flags"]["gp_outside_area"], True)
        add(code)  # listed afterwards: the referral keeps its flag ...
        again = get("/v1/referrals/" + ref["id"], token=token("clinician"))
        self.assertIs(again.body["flags"]["gp_outside_area"], True)
        # ... and her next referral, by id, is not flagged.
        body = referral_body(service_user_id=ref["service_user_id"])
        del body["service_user"]
        later = post("/v1/referrals", body, token=token("clinician"))
        self.assertEqual(later.status, 201, later)
        self.assertIs(later.body["flags"]["gp_outside_area"], False)

    def test_on_the_duty_list_while_open(self):
        def triage(ref):
            r = post("/v1/referrals/%s/transitions" % ref["id"],
                     {"to": "triaged", "duty_clinician_id": DUTY, "notes": "n"},
                     token=token("clinician"))
            self.assertEqual(r.status, 201, r)

        outside = refer_with_practice(new_code())
        covered = e2e.refer()
        for ref in (outside, covered):
            triage(ref)
        r = get("/v1/referrals?worklist=duty&team=%s&limit=200" % e2e.DEMO_TEAM,
                token=token("admin"))
        self.assertEqual(r.status, 200, r)
        duty = [x["id"] for x in r.body["items"]]
        self.assertIn(outside["id"], duty)
        self.assertNotIn(covered["id"], duty)
        # Not a refusal: the duty clinician may accept it without the MDT.
        r = post("/v1/referrals/%s/transitions" % outside["id"],
                 {"to": "accepted", "pathway": "perinatal", "allocated_clinician_id": DUTY},
                 token=token("clinician"))
        self.assertEqual(r.status, 201, r)
        r = get("/v1/referrals?worklist=duty&team=%s&limit=200" % e2e.DEMO_TEAM,
                token=token("admin"))
        self.assertNotIn(outside["id"], [x["id"] for x in r.body["items"]])


if __name__ == "__main__":
    e2e.main()
