"""Partners and significant others, her consents as dated records, MH6
partner support offers, contacts naming partners, and discharge plans
(issue 13, points 4, 5 and 7), end to end. Each rule on both sides of its
boundary: a consent in force from the day it is given until the day it is
withdrawn; an offer needs it on its own day; a senior clinician's attended
contact on day 7 after admission counts and on day 8 does not; a discharge
plan tells her GP, health visitor or maternity only under her consent."""

import datetime
import unittest
import uuid

import e2e
from e2e import assert_problem, get, patch, post, psql, today, token

TEAM_A, TEAM_B = e2e.DEMO_TEAMS[0], e2e.DEMO_TEAMS[1]
DUTY = "00000000-0000-4000-8000-0000000000b1"
NURSE = "00000000-0000-4000-8000-0000000000b2"
NO_SUCH_ID = "00000000-0000-4000-8000-00000000dead"


def cli_a():
    return token("clinician", team=TEAM_A)


def cli_b():
    return token("clinician", team=TEAM_B)


def woman():
    """A woman registered by a clinician of team A (in team A's scope only)."""
    return e2e.create_service_user(tok=cli_a()).body


def partners_url(w):
    return "/v1/service-users/%s/partners" % w["id"]


def partner(w, tok=None, **over):
    body = dict({"name": "Sam " + uuid.uuid4().hex[:6], "relationship": "partner",
                 "contact": {"telephone": "07700 900123"}}, **over)
    r = post(partners_url(w), body, token=tok or cli_a())
    assert r.status == 201, r
    return r.body


def partner_url(p):
    return "/v1/service-users/%s/partners/%s" % (p["service_user_id"], p["id"])


def consent(p, decision, on, tok=None):
    return post(partner_url(p) + "/consents", {"decision": decision, "on": on},
                token=tok or cli_a())


def offer(p, offered_on, item="ward_reviews_and_meetings", kind="informational", tok=None,
          **over):
    body = dict({"support_type": kind, "mh6_item": item, "offered_on": offered_on}, **over)
    return post(partner_url(p) + "/offers", body, token=tok or cli_a())


def her_consent(w, scope, decision, on, tok=None):
    return post("/v1/service-users/%s/consents" % w["id"],
                {"scope": scope, "decision": decision, "on": on}, token=tok or cli_a())


def count(sql):
    return e2e.db_count(sql)


def audit_rows(resource, resource_id, action, outcome="ok"):
    return count("select count(*) from audit_events where resource = '%s' and resource_id = '%s'"
                 " and action = '%s' and outcome = '%s'" % (resource, resource_id, action,
                                                            outcome))


class Partners(unittest.TestCase):
    def test_record_read_list_and_change(self):
        w = woman()
        r = post(partners_url(w), {"name": "Sam Jones", "relationship": "partner",
                                   "contact": {"telephone": "07700 900123",
                                               "email": "sam@example.org"}}, token=cli_a())
        self.assertEqual(r.status, 201, r)
        p = r.body
        self.assertEqual(r.headers["location"], partners_url(w) + "/" + p["id"])
        self.assertEqual(r.headers["etag"], '"1"')
        self.assertEqual(p["service_user_id"], w["id"])
        self.assertEqual(p["relationship"], "partner")
        self.assertEqual(p["contact"], {"telephone": "07700 900123", "email": "sam@example.org",
                                        "address": None})
        self.assertIsNone(p["needs_assessment"])
        self.assertFalse(p["consent_in_force"])
        self.assertIsNone(p["consent"])
        self.assertEqual(get(partner_url(p), token=token("admin")).body, p)
        items = get(partners_url(w), token=cli_a()).body["items"]
        self.assertEqual([x["id"] for x in items], [p["id"]])
        # The needs assessment, by a member of staff of the organisation.
        done = patch(partner_url(p), {"needs_assessment": {
            "on": today(-1), "staff_id": DUTY, "outcome": "Wants couple sessions."}},
            token=cli_a(), etag='"1"')
        self.assertEqual(done.status, 200, done)
        self.assertEqual(done.body["needs_assessment"],
                         {"on": today(-1), "staff_id": DUTY, "outcome": "Wants couple sessions."})
        self.assertEqual(done.body["contact"]["telephone"], "07700 900123")

    def test_needs_assessment_rules(self):
        p = partner(woman())
        ok = {"on": today(0), "staff_id": DUTY, "outcome": "Assessed."}
        assert_problem(patch(partner_url(p), {"needs_assessment": dict(ok, on=today(2))},
                             token=cli_a(), etag='"1"'), 422, "/needs_assessment/on")
        assert_problem(patch(partner_url(p), {"needs_assessment": dict(ok, staff_id=NO_SUCH_ID)},
                             token=cli_a(), etag='"1"'), 422, "/needs_assessment/staff_id")
        assert_problem(patch(partner_url(p), {"needs_assessment": {"on": today(0)}},
                             token=cli_a(), etag='"1"'), 422, "/needs_assessment/staff_id")
        self.assertEqual(patch(partner_url(p), {"needs_assessment": ok}, token=cli_a(),
                               etag='"1"').status, 200)

    def test_bad_input_writes_nothing(self):
        w = woman()
        for body, pointer in [
            ({"name": "Sam", "relationship": "lodger"}, "/relationship"),
            ({"relationship": "partner"}, "/name"),
            ({"name": "Sam", "relationship": "partner", "consent_in_force": True},
             "/consent_in_force"),
            ({"name": "Sam", "relationship": "partner", "contact": {"fax": "1"}},
             "/contact/fax"),
        ]:
            with self.subTest(pointer):
                assert_problem(post(partners_url(w), body, token=cli_a()), 400, pointer)
        self.assertEqual(count("select count(*) from partners where service_user_id = '%s'"
                               % w["id"]), 0)

    def test_scope_roles_and_audit(self):
        w = woman()
        p = partner(w)
        # Another team's clinician: she is not in its scope.
        assert_problem(post(partners_url(w), {"name": "X", "relationship": "friend"},
                            token=cli_b()), 404)
        # Her lists, out of scope: 404 as her record is (audited, naming her).
        before = count("select count(*) from audit_events where resource = 'partner' and action"
                       " = 'list' and outcome = 'not_found' and service_user_ids = ARRAY['%s'"
                       "::uuid]" % w["id"])
        assert_problem(get(partners_url(w), token=cli_b()), 404)
        assert_problem(get(partner_url(p) + "/consents", token=cli_b()), 404)
        assert_problem(get(partner_url(p) + "/offers", token=cli_b()), 404)
        assert_problem(get("/v1/service-users/%s/consents" % w["id"], token=cli_b()), 404)
        assert_problem(get("/v1/service-users/%s/partners" % NO_SUCH_ID, token=cli_a()), 404)
        self.assertEqual(count("select count(*) from audit_events where resource = 'partner' and "
                               "action = 'list' and outcome = 'not_found' and service_user_ids "
                               "= ARRAY['%s'::uuid]" % w["id"]), before + 1)
        assert_problem(get(partner_url(p), token=cli_b()), 404)
        assert_problem(patch(partner_url(p), {"name": "Y"}, token=cli_b(), etag='"1"'), 404)
        # Under another woman's path: not found either.
        other = woman()
        assert_problem(get("/v1/service-users/%s/partners/%s" % (other["id"], p["id"]),
                           token=cli_a()), 404)
        assert_problem(get("/v1/service-users/%s/partners/%s/offers" % (other["id"], p["id"]),
                           token=cli_a()), 404)
        # Roles: admins read, only clinicians record; referrers nothing.
        assert_problem(post(partners_url(w), {"name": "X", "relationship": "friend"},
                            token=token("admin")), 403)
        assert_problem(get(partner_url(p), token=token("referrer")), 403)
        # Every access is audited, naming her.
        self.assertEqual(audit_rows("partner", p["id"], "create"), 1)
        get(partner_url(p), token=cli_a())
        self.assertGreaterEqual(audit_rows("partner", p["id"], "read"), 1)
        self.assertGreaterEqual(audit_rows("partner", p["id"], "read", "not_found"), 1)
        self.assertEqual(count("select count(*) from audit_events where resource = 'partner' "
                               "and resource_id = '%s' and not service_user_ids @> ARRAY['%s'"
                               "::uuid]" % (p["id"], w["id"])), 0)


class PartnerConsent(unittest.TestCase):
    def test_given_then_withdrawn_shows_on_the_partner(self):
        p = partner(woman())
        r = consent(p, "given", today(-10))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["scope"], "partner_involvement")
        self.assertEqual(r.body["partner_id"], p["id"])
        self.assertEqual(r.body["on"], today(-10))
        self.assertTrue(r.body["recorded_by"])
        now = get(partner_url(p), token=cli_a())
        self.assertTrue(now.body["consent_in_force"])
        self.assertEqual(now.headers["etag"], '"2"')  # what it shows changed
        self.assertEqual(consent(p, "withdrawn", today(-1)).status, 201)
        now = get(partner_url(p), token=cli_a()).body
        self.assertFalse(now["consent_in_force"])
        self.assertEqual(now["consent"]["decision"], "withdrawn")
        hist = get(partner_url(p) + "/consents", token=cli_a()).body["items"]
        self.assertEqual([c["decision"] for c in hist], ["given", "withdrawn"])
        one = get(partner_url(p) + "/consents/" + hist[0]["id"], token=token("admin"))
        self.assertEqual(one.status, 200, one)

    def test_rules(self):
        p = partner(woman())
        assert_problem(consent(p, "given", today(2)), 422, "/on")
        assert_problem(consent(p, "maybe", today(0)), 400, "/decision")
        assert_problem(post(partner_url(p) + "/consents", {"decision": "given", "on": today(0),
                                                           "scope": "share_with_gp"},
                            token=cli_a()), 400, "/scope")
        self.assertEqual(count("select count(*) from consents where partner_id = '%s'"
                               % p["id"]), 0)
        # Scope: another team, another woman's path.
        assert_problem(consent(p, "given", today(0), tok=cli_b()), 404)
        assert_problem(post("/v1/service-users/%s/partners/%s/consents" % (woman()["id"], p["id"]),
                            {"decision": "given", "on": today(0)}, token=cli_a()), 404)
        assert_problem(consent(p, "given", today(0), tok=token("admin")), 403)
        self.assertEqual(consent(p, "given", today(0)).status, 201)


class Offers(unittest.TestCase):
    def test_an_offer_needs_consent_in_force_on_its_day(self):
        p = partner(woman())
        body = assert_problem(offer(p, today(-5)), 409)
        self.assertIn("consent", body["detail"])
        self.assertEqual(count("select count(*) from partner_offers where partner_id = '%s'"
                               % p["id"]), 0)
        self.assertEqual(consent(p, "given", today(-5)).status, 201)
        assert_problem(offer(p, today(-6)), 409)  # the day before it was given
        r = offer(p, today(-5))  # the day it was given
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["mh6_group"], "I")
        self.assertEqual(r.body["partner_id"], p["id"])
        self.assertIsNone(r.body["accepted_on"])
        # Withdrawn: no new offer from that day; the days before still hold.
        self.assertEqual(consent(p, "withdrawn", today(-2)).status, 201)
        self.assertFalse(get(partner_url(p), token=cli_a()).body["consent_in_force"])
        assert_problem(offer(p, today(-2)), 409)
        assert_problem(offer(p, today(0)), 409)
        self.assertEqual(offer(p, today(-3)).status, 201)
        # Given again: offers again.
        self.assertEqual(consent(p, "given", today(-1)).status, 201)
        self.assertEqual(offer(p, today(0)).status, 201)

    def test_each_item_carries_its_group(self):
        p = partner(woman())
        consent(p, "given", today(-1))
        groups = {
            "seen_by_senior_clinician_within_week": "I", "ward_reviews_and_meetings": "I",
            "further_discussions_welcome": "I", "joint_activities": "I",
            "written_and_electronic_information": "I", "partner_support_sessions": "II",
            "family_sessions": "II", "couple_sessions": "II",
            "parent_infant_activities": "III", "practical_parenting_support": "III",
            "recovery_narratives": "IV", "meeting_recovered_patients": "IV"}
        for item, group in groups.items():
            with self.subTest(item):
                r = offer(p, today(0), item=item, kind="emotional")
                self.assertEqual(r.status, 201, r)
                self.assertEqual(r.body["mh6_group"], group)
        listed = get(partner_url(p) + "/offers?mh6_item=couple_sessions", token=cli_a())
        self.assertEqual([o["mh6_item"] for o in listed.body["items"]], ["couple_sessions"])
        assert_problem(offer(p, today(0), item="yoga"), 400, "/mh6_item")
        assert_problem(offer(p, today(0), kind="financial"), 400, "/support_type")
        assert_problem(offer(p, today(0), mh6_group="I"), 400, "/mh6_group")

    def test_dates_and_acceptance(self):
        p = partner(woman())
        consent(p, "given", today(-10))
        assert_problem(offer(p, today(1)), 422, "/offered_on")
        assert_problem(offer(p, today(-3), accepted_on=today(-4)), 422, "/accepted_on")
        assert_problem(offer(p, today(-3), accepted_on=today(1)), 422, "/accepted_on")
        self.assertEqual(offer(p, today(-3), accepted_on=today(-3)).status, 201)
        o = offer(p, today(-3)).body
        url = partner_url(p) + "/offers/" + o["id"]
        assert_problem(patch(url, {"accepted_on": today(-4)}, token=cli_a(), etag='"1"'), 422,
                       "/accepted_on")
        done = patch(url, {"accepted_on": today(-1)}, token=cli_a(), etag='"1"')
        self.assertEqual(done.status, 200, done)
        self.assertEqual(done.body["accepted_on"], today(-1))
        # Moved to a day without consent: 409, unchanged.
        assert_problem(patch(url, {"offered_on": today(-11)}, token=cli_a(), etag='"2"'), 409)
        self.assertEqual(get(url, token=cli_a()).body["offered_on"], today(-3))

    def test_scope(self):
        p = partner(woman())
        consent(p, "given", today(-1))
        assert_problem(offer(p, today(0), tok=cli_b()), 404)
        assert_problem(offer(p, today(0), tok=token("admin")), 403)
        o = offer(p, today(0)).body
        url = partner_url(p) + "/offers/" + o["id"]
        assert_problem(get(url, token=cli_b()), 404)
        self.assertEqual(get(url, token=token("admin")).status, 200)
        self.assertEqual(audit_rows("partner_offer", o["id"], "create"), 1)


class HerConsents(unittest.TestCase):
    def test_dated_records_make_her_consent(self):
        w = woman()
        self.assertEqual(w["consent"], {"partner_involvement": False, "share_with_gp": False,
                                        "share_with_health_visiting": False,
                                        "share_with_maternity": False})
        r = her_consent(w, "share_with_maternity", "given", today(-3))
        self.assertEqual(r.status, 201, r)
        self.assertIsNone(r.body["partner_id"])
        now = get("/v1/service-users/" + w["id"], token=cli_a())
        self.assertTrue(now.body["consent"]["share_with_maternity"])
        self.assertFalse(now.body["consent"]["share_with_gp"])
        self.assertEqual(now.headers["etag"], '"2"')
        # Withdrawn on a later day: no longer in force.
        self.assertEqual(her_consent(w, "share_with_maternity", "withdrawn", today(-1)).status,
                         201)
        self.assertFalse(get("/v1/service-users/" + w["id"], token=cli_a())
                         .body["consent"]["share_with_maternity"])
        # Two decisions of one day: the one recorded last holds.
        her_consent(w, "share_with_gp", "withdrawn", today(0))
        her_consent(w, "share_with_gp", "given", today(0))
        self.assertTrue(get("/v1/service-users/" + w["id"], token=cli_a())
                        .body["consent"]["share_with_gp"])
        listed = get("/v1/service-users/%s/consents?scope=share_with_maternity" % w["id"],
                     token=token("admin")).body["items"]
        self.assertEqual([(c["decision"], c["on"]) for c in listed],
                         [("given", today(-3)), ("withdrawn", today(-1))])

    def test_consent_in_force_for_liaison(self):
        """consent_in_force(service_user_id, scope): the function liaison
        updates call; 'health_visiting' reads as share_with_health_visiting."""
        w = woman()

        def in_force(scope, on=None):
            args = "'%s'::uuid, '%s'" % (w["id"], scope)
            if on:
                args += ", '%s'::date" % on
            return psql("select consent_in_force(%s)" % args) == "t"

        self.assertFalse(in_force("health_visiting"))
        her_consent(w, "share_with_health_visiting", "given", today(-4))
        self.assertTrue(in_force("health_visiting"))
        self.assertTrue(in_force("share_with_health_visiting"))
        self.assertFalse(in_force("gp"))
        self.assertFalse(in_force("health_visiting", today(-5)))  # the day before
        self.assertTrue(in_force("health_visiting", today(-4)))  # the day given
        her_consent(w, "share_with_health_visiting", "withdrawn", today(-2))
        self.assertTrue(in_force("health_visiting", today(-3)))
        self.assertFalse(in_force("health_visiting", today(-2)))
        self.assertFalse(in_force("health_visiting"))

    def test_rules_and_the_old_flags(self):
        w = woman()
        assert_problem(her_consent(w, "share_with_gp", "given", today(2)), 422, "/on")
        assert_problem(her_consent(w, "share_with_police", "given", today(0)), 400, "/scope")
        assert_problem(post("/v1/service-users/%s/consents" % w["id"],
                            {"scope": "share_with_gp", "decision": "given"}, token=cli_a()),
                       400, "/on")
        assert_problem(her_consent(w, "share_with_gp", "given", today(0), tok=cli_b()), 404)
        assert_problem(her_consent(w, "share_with_gp", "given", today(0), tok=token("admin")),
                       403)
        self.assertEqual(count("select count(*) from consents where service_user_id = '%s'"
                               % w["id"]), 0)
        # The flags of her record are read-only now: PATCH them is 400.
        assert_problem(patch("/v1/service-users/" + w["id"], {"consent": {"share_with_gp": True}},
                             token=cli_a(), etag='"1"'), 400, "/consent")
        self.assertFalse(get("/v1/service-users/" + w["id"], token=cli_a())
                         .body["consent"]["share_with_gp"])


class ContactsNamePartners(unittest.TestCase):
    def contact(self, w, **over):
        body = dict({"service_user_id": w["id"], "team_id": TEAM_A, "staff_id": DUTY,
                     "at": today(-1) + "T10:00:00Z", "service": "perinatal_team",
                     "mode": "face_to_face",
                     "present": {"woman": True, "partner": True, "infant": False},
                     "attendance": "attended"}, **over)
        return post("/v1/contacts", body, token=cli_a())

    def test_her_partners_only(self):
        w, other = woman(), woman()
        p, q = partner(w), partner(other)
        r = self.contact(w, partner_ids=[p["id"]])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["partner_ids"], [p["id"]])
        self.assertEqual(self.contact(w).body["partner_ids"], [])
        before = count("select count(*) from contacts where service_user_id = '%s'" % w["id"])
        assert_problem(self.contact(w, partner_ids=[q["id"]]), 422, "/partner_ids")
        assert_problem(self.contact(w, partner_ids=[NO_SUCH_ID]), 422, "/partner_ids")
        assert_problem(self.contact(w, partner_ids=["nope"]), 400, "/partner_ids/0")
        assert_problem(self.contact(w, partner_ids=[p["id"], p["id"]]), 400, "/partner_ids/1")
        self.assertEqual(count("select count(*) from contacts where service_user_id = '%s'"
                               % w["id"]), before)
        # A PATCH is held to the same rule.
        c = r.body
        assert_problem(patch("/v1/contacts/" + c["id"], {"partner_ids": [q["id"]]},
                             token=cli_a(), etag='"1"'), 422, "/partner_ids")
        self.assertEqual(patch("/v1/contacts/" + c["id"], {"partner_ids": []}, token=cli_a(),
                               etag='"1"').status, 200)


class SeenWithinAWeek(unittest.TestCase):
    """mh6_partner_seen_within_week(partner_id, admitted_on): the MBU
    admission is another record (it passes the date); here the dates are
    chosen."""

    @classmethod
    def setUpClass(cls):
        admin = token("admin")

        def staff(seniority):
            r = post("/v1/staff", {"name": "E2E %s %s" % (seniority, uuid.uuid4().hex[:6]),
                                   "profession": "psychiatrist", "team_id": TEAM_A,
                                   "seniority": seniority}, token=admin)
            assert r.status == 201, r
            return r.body["id"]

        cls.consultant = staff("consultant")
        cls.senior = staff("senior_practitioner")
        cls.practitioner = staff("practitioner")
        cls.admitted = datetime.date.fromisoformat(today(-20))

    def seen(self, day, staff_id, attendance="attended"):
        """A new partner seen on admission day + day (noon, London) by
        staff_id; returns the partner's id."""
        w = woman()
        p = partner(w)
        at = (self.admitted + datetime.timedelta(days=day)).isoformat() + "T12:00:00+00:00"
        present = {"woman": True, "partner": True, "infant": False} \
            if attendance == "attended" else {"woman": False, "partner": False, "infant": False}
        r = post("/v1/contacts", {
            "service_user_id": w["id"], "team_id": TEAM_A, "staff_id": staff_id, "at": at,
            "service": "perinatal_team", "mode": "face_to_face", "present": present,
            "attendance": attendance, "partner_ids": [p["id"]]}, token=cli_a())
        assert r.status == 201, r
        return p["id"]

    def met(self, partner_id, admitted=None):
        return psql("select mh6_partner_seen_within_week('%s', '%s')" % (
            partner_id, (admitted or self.admitted).isoformat())) == "t"

    def test_day_7_counts_and_day_8_does_not(self):
        self.assertTrue(self.met(self.seen(7, self.consultant)))
        self.assertFalse(self.met(self.seen(8, self.consultant)))
        self.assertTrue(self.met(self.seen(0, self.senior)))
        self.assertFalse(self.met(self.seen(-1, self.consultant)))  # before admission

    def test_senior_grades_only(self):
        self.assertTrue(self.met(self.seen(3, self.senior)))
        self.assertTrue(self.met(self.seen(3, self.consultant)))
        self.assertFalse(self.met(self.seen(3, self.practitioner)))

    def test_attended_only(self):
        self.assertFalse(self.met(self.seen(3, self.consultant, attendance="did_not_attend")))

    def test_another_admission_date(self):
        p = self.seen(7, self.consultant)
        self.assertFalse(self.met(p, self.admitted + datetime.timedelta(days=8)))
        self.assertTrue(self.met(p, self.admitted + datetime.timedelta(days=7)))
        self.assertFalse(self.met(NO_SUCH_ID))


def accepted_referral(tok=None):
    tok = tok or cli_a()
    ref = e2e.refer(tok, team_id=TEAM_A)
    for to, fields in (("triaged", {"duty_clinician_id": DUTY, "notes": "Duty."}),
                       ("accepted", {"pathway": "perinatal", "allocated_clinician_id": NURSE})):
        r = post("/v1/referrals/%s/transitions" % ref["id"], dict(to=to, **fields), token=tok)
        assert r.status == 201, r
    return ref


def plan_url(ref):
    return "/v1/referrals/%s/discharge-plan" % ref["id"]


PLAN = {"follow_up": "GP to review medication in six weeks.",
        "relapse_signs": "Poor sleep for three nights; call the crisis line."}


class DischargePlans(unittest.TestCase):
    def test_record_read_change(self):
        ref = accepted_referral()
        self.assertEqual(get(plan_url(ref), token=cli_a()).status, 404)
        r = post(plan_url(ref), dict(PLAN, referred_to="Steps2Wellbeing"), token=cli_a())
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers["location"], plan_url(ref))
        d = r.body
        self.assertEqual(d["id"], ref["id"])
        self.assertEqual(d["referral_id"], ref["id"])
        self.assertEqual(d["service_user_id"], ref["service_user_id"])
        self.assertIsNone(d["care_plan_id"])
        self.assertEqual(d["inform"], {"gp": False, "health_visitor": False, "maternity": False})
        self.assertEqual(d["referred_to"], "Steps2Wellbeing")
        self.assertFalse(d["migrated"])
        got = get(plan_url(ref), token=token("admin"))
        self.assertEqual((got.status, got.body), (200, d))
        # The referral shows it (its version moved with it).
        shown = get("/v1/referrals/" + ref["id"], token=cli_a()).body
        self.assertEqual(shown["discharge_plan"], d)
        # One per referral.
        assert_problem(post(plan_url(ref), PLAN, token=cli_a()), 409)
        done = patch(plan_url(ref), {"follow_up": "Health visitor to follow up."}, token=cli_a(),
                     etag='"1"')
        self.assertEqual(done.status, 200, done)
        self.assertEqual(done.body["follow_up"], "Health visitor to follow up.")
        assert_problem(patch(plan_url(ref), {"relapse_signs": None}, token=cli_a(), etag='"2"'),
                       400, "/relapse_signs")

    def test_required_fields_and_state(self):
        ref = accepted_referral()
        assert_problem(post(plan_url(ref), {"follow_up": "x"}, token=cli_a()), 400,
                       "/relapse_signs")
        assert_problem(post(plan_url(ref), dict(PLAN, summary="x"), token=cli_a()), 400,
                       "/summary")
        # A referral not in care (just received): 409.
        fresh = e2e.refer(cli_a(), team_id=TEAM_A)
        body = assert_problem(post(plan_url(fresh), PLAN, token=cli_a()), 409)
        self.assertIn("accepted", body["detail"])
        assert_problem(post("/v1/referrals/%s/discharge-plan" % NO_SUCH_ID, PLAN,
                            token=cli_a()), 404)
        self.assertEqual(count("select count(*) from discharge_plans where id in ('%s', '%s')"
                               % (ref["id"], fresh["id"])), 0)

    def test_who_is_told_needs_her_sharing_consent(self):
        ref = accepted_referral()
        w = {"id": ref["service_user_id"]}
        for who, scope in (("gp", "share_with_gp"),
                           ("health_visitor", "share_with_health_visiting"),
                           ("maternity", "share_with_maternity")):
            with self.subTest(who):
                body = assert_problem(post(plan_url(ref), dict(PLAN, inform={who: True}),
                                           token=cli_a()), 409)
                self.assertIn(scope, body["detail"])
        self.assertEqual(count("select count(*) from discharge_plans where id = '%s'"
                               % ref["id"]), 0)
        self.assertEqual(her_consent(w, "share_with_gp", "given", today(-1)).status, 201)
        r = post(plan_url(ref), dict(PLAN, inform={"gp": True}), token=cli_a())
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["inform"], {"gp": True, "health_visitor": False,
                                            "maternity": False})
        body = assert_problem(patch(plan_url(ref), {"inform": {"maternity": True}},
                                    token=cli_a(), etag='"1"'), 409)
        self.assertIn("share_with_maternity", body["detail"])
        # Withdrawn: the plan may no longer tell her GP.
        her_consent(w, "share_with_gp", "withdrawn", today(0))
        body = assert_problem(patch(plan_url(ref), {"follow_up": "x"}, token=cli_a(),
                                    etag='"1"'), 409)
        self.assertIn("share_with_gp", body["detail"])
        self.assertEqual(patch(plan_url(ref), {"inform": {"gp": False}}, token=cli_a(),
                               etag='"1"').status, 200)

    def test_a_discharge_tells_only_those_her_consent_still_allows(self):
        # The plan was written while she consented to her GP being told;
        # she withdrew it before the discharge.
        ref = accepted_referral()
        w = {"id": ref["service_user_id"]}
        r = post("/v1/contacts", {
            "service_user_id": w["id"], "referral_id": ref["id"], "team_id": TEAM_A,
            "at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "service": "perinatal_team", "mode": "telephone",
            "present": {"woman": True, "partner": False, "infant": False},
            "attendance": "attended"}, token=cli_a())
        self.assertEqual(r.status, 201, r)
        self.assertEqual(her_consent(w, "share_with_gp", "given", today(-2)).status, 201)
        self.assertEqual(post(plan_url(ref), dict(PLAN, inform={"gp": True}),
                              token=cli_a()).status, 201)
        her_consent(w, "share_with_gp", "withdrawn", today(0))
        move = "/v1/referrals/%s/transitions" % ref["id"]
        body = assert_problem(post(move, {"to": "discharged"}, token=cli_a()), 409)
        self.assertIn("share_with_gp", body["detail"])
        self.assertEqual(get("/v1/referrals/" + ref["id"], token=cli_a()).body["status"],
                         "accepted")
        # The database holds it whatever writes the referral.
        with self.assertRaisesRegex(RuntimeError, "telling without consent"):
            e2e.db_exec("update referrals set status = 'discharged' where id = '%s'"
                        % ref["id"])
        self.assertEqual(patch(plan_url(ref), {"inform": {"gp": False}}, token=cli_a(),
                               etag='"1"').status, 200)
        self.assertEqual(post(move, {"to": "discharged"}, token=cli_a()).status, 201)

    def test_scope_and_roles(self):
        ref = accepted_referral()
        assert_problem(post(plan_url(ref), PLAN, token=cli_b()), 404)
        assert_problem(post(plan_url(ref), PLAN, token=token("admin")), 403)
        assert_problem(post(plan_url(ref), PLAN, token=token("referrer")), 403)
        self.assertEqual(post(plan_url(ref), PLAN, token=cli_a()).status, 201)
        assert_problem(get(plan_url(ref), token=cli_b()), 404)
        assert_problem(get(plan_url(ref), token=token("referrer")), 403)
        self.assertEqual(audit_rows("discharge_plan", ref["id"], "create"), 1)
        self.assertGreaterEqual(audit_rows("discharge_plan", ref["id"], "read", "not_found"), 1)

    def test_unable_to_engage_is_discharged_with_a_plan(self):
        ref = e2e.refer(cli_a(), team_id=TEAM_A)
        r = post("/v1/referrals/%s/transitions" % ref["id"], {
            "to": "unable_to_engage", "risk_assessment": {
                "risk_level": "low", "summary": "No answer.", "actions": "Letter to GP."}},
            token=cli_a())
        self.assertEqual(r.status, 201, r)
        move = {"to": "discharged"}
        body = assert_problem(post("/v1/referrals/%s/transitions" % ref["id"], move,
                                   token=cli_a()), 409)
        self.assertIn("discharge-plan", body["detail"])
        self.assertEqual(post(plan_url(ref), PLAN, token=cli_a()).status, 201)
        r = post("/v1/referrals/%s/transitions" % ref["id"], move, token=cli_a())
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["discharge_plan"]["follow_up"], PLAN["follow_up"])


if __name__ == "__main__":
    e2e.main()
