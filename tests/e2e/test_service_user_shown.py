"""What a woman's record shows beyond its own columns (her consents in
force, the infants of this delivery, her ethnic category's national code)
is kept on her row by triggers (db/031_service_user_shown.sql), so that
service_user_json is one expression PostgreSQL inlines into the read
(issue 10, item 1: the database's CPU per audited read). These tests show
that each kept value follows every change that moves it, that her version
(her ETag) moves with it, and that the read plan has no function call or
subquery left in it."""

import unittest
import uuid

import e2e
from e2e import get, give_consent, patch, post, psql, today, token

TEAM_A = e2e.DEMO_TEAMS[0]


def cli():
    return token("clinician", team=TEAM_A)


def her(w):
    r = get("/v1/service-users/" + w["id"], token=cli())
    assert r.status == 200, r
    return r.body, r.headers.get("etag")


def postnatal(delivered=-20):
    return e2e.create_service_user(cli(), perinatal_status={
        "stage": "postnatal", "delivery_date": today(delivered)}).body


def add_infant(w, born):
    r = post("/v1/service-users/%s/infants" % w["id"], {"date_of_birth": born}, token=cli())
    assert r.status == 201, r
    return r.body


# Every woman's kept values against the rules computed afresh: run last in
# each test, so that whatever the test did is covered.
DRIFT = """SELECT count(*) FROM service_users s
WHERE s.shown_consent::text IS DISTINCT FROM service_user_consent_shown(s.id)::text
   OR s.shown_infant_count IS DISTINCT FROM
      service_user_infant_count(s.id, s.perinatal_stage, s.delivery_date)
   OR s.shown_ethnic_category_code IS DISTINCT FROM
      national_code('ethnic_category', s.ethnic_category)"""


class Shown(unittest.TestCase):
    def tearDown(self):
        self.assertEqual(psql(DRIFT), "0", "a kept value differs from its rule")

    def test_infants_registered_and_voided_move_the_count_and_the_etag(self):
        w = postnatal()
        body, etag0 = her(w)
        self.assertIsNone(body["perinatal_status"]["infant_count"])
        a = add_infant(w, today(-20))
        body, etag1 = her(w)
        self.assertEqual(body["perinatal_status"]["infant_count"], 1)
        self.assertNotEqual(etag1, etag0)
        # A child of an earlier delivery is not counted and changes nothing.
        add_infant(w, today(-900))
        body, etag2 = her(w)
        self.assertEqual(body["perinatal_status"]["infant_count"], 1)
        self.assertEqual(etag2, etag1)
        r = post("/v1/service-users/%s/infants/%s/entered-in-error" % (w["id"], a["id"]),
                 {"reason": "Wrong mother"}, token=cli())
        self.assertEqual(r.status, 200, r)
        body, etag3 = her(w)
        self.assertIsNone(body["perinatal_status"]["infant_count"])
        self.assertNotEqual(etag3, etag2)

    def test_her_stage_and_delivery_date_move_the_count(self):
        w = e2e.create_service_user(cli(), perinatal_status={
            "stage": "pregnant", "estimated_due_date": today(30)}).body
        # An older child, registered while she is pregnant: never counted
        # while she is, and counted once she has delivered the day after it.
        add_infant(w, today(-2))
        body, etag = her(w)
        self.assertIsNone(body["perinatal_status"]["infant_count"])
        r = patch("/v1/service-users/" + w["id"],
                  {"perinatal_status": {"stage": "postnatal", "delivery_date": today(-1),
                                        "estimated_due_date": None}},
                  token=cli(), etag=etag)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["perinatal_status"]["infant_count"], 1)
        etag = r.headers.get("etag")
        # Delivered today after all: the child born two days ago is older.
        r = patch("/v1/service-users/" + w["id"],
                  {"perinatal_status": {"delivery_date": today(0)}}, token=cli(), etag=etag)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.body["perinatal_status"]["infant_count"])

    def test_a_consent_recorded_shows_at_once(self):
        w = postnatal()
        body, etag0 = her(w)
        self.assertFalse(body["consent"]["share_with_gp"])
        give_consent(w["id"], "share_with_gp", cli(), on=today(-3))
        body, etag1 = her(w)
        self.assertTrue(body["consent"]["share_with_gp"])
        self.assertFalse(body["consent"]["share_with_maternity"])
        self.assertNotEqual(etag1, etag0)
        # An older decision recorded later does not override a newer one.
        r = post("/v1/service-users/%s/consents" % w["id"],
                 {"scope": "share_with_gp", "decision": "withdrawn", "on": today(-10)},
                 token=cli())
        self.assertEqual(r.status, 201, r)
        self.assertTrue(her(w)[0]["consent"]["share_with_gp"])
        r = post("/v1/service-users/%s/consents" % w["id"],
                 {"scope": "share_with_gp", "decision": "withdrawn", "on": today(0)},
                 token=cli())
        self.assertEqual(r.status, 201, r)
        self.assertFalse(her(w)[0]["consent"]["share_with_gp"])

    def test_her_ethnic_category_code_follows_a_correction(self):
        w = e2e.create_service_user(cli(), ethnic_category="white_british").body
        self.assertEqual(w["ethnic_category_code"], "A")
        body, etag = her(w)
        r = patch("/v1/service-users/" + w["id"], {"ethnic_category": "not_stated"},
                  token=cli(), etag=etag)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["ethnic_category_code"], "Z")

    def test_the_read_is_one_expression(self):
        """The read statement, as the application prepares it, with the
        function inlined: no call of it and no subquery in the plan."""
        w = postnatal()
        plan = psql("EXPLAIN (VERBOSE, COSTS OFF) SELECT service_user_json(t)::text "
                    "FROM service_users t WHERE t.id = '%s'" % w["id"])
        self.assertNotIn("service_user_json", plan)
        self.assertNotIn("SubPlan", plan)
        self.assertIn("json_build_object", plan)

    def test_an_unknown_woman_is_unaffected(self):
        # The triggers touch only the mother named: an infant of another
        # woman changes nobody else's version.
        a, b = postnatal(), postnatal()
        _, etag_b = her(b)
        add_infant(a, today(-20))
        self.assertEqual(her(b)[1], etag_b)
        self.assertIsNotNone(uuid.UUID(a["id"]))


if __name__ == "__main__":
    e2e.main()
