"""Requests under her (a nested collection: /v1/service-users/{id}/...,
/v1/care-plans/{id}/interventions, /v1/joint-working-agreements/{id}/...)
are audited naming her, refusals included, and a list under a parent the
caller may not see is 404, as the parent's own read is (api.md: out of
scope is exactly as if it did not exist)."""

import unittest

import e2e
from e2e import DEMO_TEAMS, assert_problem, create_service_user, get, main, mint, post, token

NO_SUCH_ID = "00000000-0000-4000-8000-00000000dead"


def outcomes_naming(woman_id, resource):
    r = get("/v1/audit?service_user=%s&limit=200" % woman_id, token=token("admin"))
    assert r.status == 200, r
    return sorted(x["outcome"] for x in r.body["items"] if x["resource"] == resource)


class NestedAudit(unittest.TestCase):
    def setUp(self):
        self.mine = mint("clinician", team=DEMO_TEAMS[0])
        self.other = mint("clinician", team=DEMO_TEAMS[1])
        self.woman = create_service_user(tok=self.mine).body

    def test_refusals_under_her_name_her(self):
        base = "/v1/service-users/%s" % self.woman["id"]
        assert_problem(get(base + "/infants?limit=0", token=self.mine), 400)
        assert_problem(post(base + "/partners", {"name": "X", "relationship": "partner"},
                            token=token("commissioner")), 403)
        self.assertEqual(outcomes_naming(self.woman["id"], "infant"), ["invalid"])
        self.assertEqual(outcomes_naming(self.woman["id"], "partner"), ["forbidden"])

    def test_an_empty_list_under_her_names_her(self):
        # "No infants, no consents": the answer is about her, and her trail
        # shows who asked (api.md: every read of a woman's record).
        base = "/v1/service-users/%s" % self.woman["id"]
        for path, resource in (("/infants", "infant"), ("/consents", "consent"),
                               ("/partners", "partner"), ("/measures", "measure")):
            with self.subTest(path=path):
                r = get(base + path, token=self.mine)
                self.assertEqual((r.status, r.body["items"]), (200, []), r)
                self.assertEqual(outcomes_naming(self.woman["id"], resource), ["ok"])

    def test_a_registration_refused_for_her_number_names_her(self):
        # Another team registering her NHS number learns it is recorded
        # (409, documented); her audit trail shows who tried.
        body = e2e.service_user_body(nhs_number=self.woman["nhs_number"])
        assert_problem(post("/v1/service-users", body, token=self.other), 409)
        self.assertEqual(outcomes_naming(self.woman["id"], "service_user").count("conflict"), 1)

    def test_a_change_refused_for_another_womans_number_names_her_too(self):
        # Her number given to a woman of this team's: 409 (documented), and
        # the woman who has it sees the probe in her trail.
        theirs = create_service_user(tok=self.other).body
        r = e2e.patch("/v1/service-users/" + self.woman["id"],
                      {"nhs_number": theirs["nhs_number"]}, token=self.mine, etag='"1"')
        assert_problem(r, 409)
        self.assertEqual(outcomes_naming(theirs["id"], "service_user").count("conflict"), 1)
        self.assertEqual(outcomes_naming(self.woman["id"], "service_user").count("conflict"), 1)

    def test_another_organisation_asking_leaves_her_out_of_its_trail(self):
        # Another organisation's token gets 404 under her, as for an id that
        # does not exist, and its own audit trail does not name her.
        e2e.ensure_other_org()
        other = token("admin", org=e2e.OTHER_ORG)
        for path in ("/infants", "/consents", "/partners"):
            with self.subTest(path=path):
                url = "/v1/service-users/%s%s" % (self.woman["id"], path)
                assert_problem(get(url, token=other), 404)
        self.assertEqual(e2e.db_count(
            "select count(*) from audit_events where organisation_id = '%s' and "
            "'%s' = any (service_user_ids)" % (e2e.OTHER_ORG, self.woman["id"])), 0)

    def test_lists_under_a_parent_out_of_scope_are_404(self):
        base = "/v1/service-users/%s" % self.woman["id"]
        for path in ("/measures", "/liaison-updates"):
            with self.subTest(path=path):
                self.assertEqual(get(base + path, token=self.mine).status, 200)
                out = get(base + path, token=self.other)
                none = get("/v1/service-users/%s%s" % (NO_SUCH_ID, path), token=self.mine)
                self.assertEqual((out.status, none.status), (404, 404), (out, none))
        self.assertIn("not_found", outcomes_naming(self.woman["id"], "measure"))
        for path in ("/v1/care-plans/%s/interventions",
                     "/v1/joint-working-agreements/%s/teams",
                     "/v1/joint-working-agreements/%s/shares",
                     "/v1/joint-working-agreements/%s/differences"):
            with self.subTest(path=path):
                assert_problem(get(path % NO_SUCH_ID, token=self.mine), 404)


if __name__ == "__main__":
    main()
