"""Infants and mother-and-baby-unit admissions (issue 12, items 4-6), end to
end. An infant is a record of its own under its mother (date of birth, NHS
number when known, modulus 11), replacing the count her record now derives;
a contact may name one of her infants. An MBU admission has its unit (ours
or an external regional MBU, bed type 204), dates, with baby or in
pregnancy (and when the baby joined), the infant, and the lead
professional of a community team allocated on admission; its status is a
workflow; the discharge makes a referral from MBU discharge to the lead
professional's team in the same transaction, and "seen on discharge" is
tracked until a contact answers it. Each rule on both sides of its
boundary."""

import datetime
import unittest
import uuid

import e2e
from e2e import assert_problem, get, patch, post, psql, today, token

ADMISSIONS = "/v1/mbu-admissions"
NO_SUCH_ID = "00000000-0000-4000-8000-00000000dead"
TEAM_A, TEAM_MMHS, TEAM_MBU, TEAM_CMHT = e2e.DEMO_TEAMS
LEAD = "00000000-0000-4000-8000-0000000000b1"        # community team (A)
LEAD_2 = "00000000-0000-4000-8000-0000000000b2"      # community team (A)
MMHS_STAFF = "00000000-0000-4000-8000-0000000000b3"  # maternal mental health service
MBU_STAFF = "00000000-0000-4000-8000-0000000000b5"   # the unit itself
CMHT_STAFF = "00000000-0000-4000-8000-0000000000b7"  # community mental health team


def cli(team=TEAM_A):
    return token("clinician", team=team)


def woman(tok=None, delivered=-20, dob="1992-03-14"):
    """A postnatal woman registered by tok's team; returns her record."""
    st = {"stage": "postnatal", "delivery_date": today(delivered)}
    return e2e.create_service_user(tok or cli(), perinatal_status=st,
                                   date_of_birth=dob).body


def infants_url(w):
    return "/v1/service-users/%s/infants" % (w if isinstance(w, str) else w["id"])


def add_infant(w, tok=None, **over):
    b = {"date_of_birth": today(-20)}
    b.update(over)
    return post(infants_url(w), b, token=tok or cli())


def infant(w, tok=None, **over):
    r = add_infant(w, tok, **over)
    assert r.status == 201, r
    return r.body


def admission_body(w, inf=None, **over):
    b = {"service_user_id": w["id"], "unit_team_id": TEAM_MBU, "admitted_on": today(-10),
         "admitted_with": "baby", "infant_id": inf["id"] if inf else None,
         "lead_professional_id": LEAD}
    b.update(over)
    return {k: v for k, v in b.items() if v is not Ellipsis}


def admit(b, tok=None, **kw):
    return post(ADMISSIONS, b, token=tok or cli(), **kw)


def admitted(b, tok=None):
    r = admit(b, tok)
    assert r.status == 201, r
    return r.body


def with_baby(tok=None):
    """A woman admitted to our unit with her baby; (woman, infant, admission)."""
    w = woman(tok)
    inf = infant(w, tok)
    return w, inf, admitted(admission_body(w, inf), tok)


def discharge(adm, on=None, tok=None, **extra):
    b = {"to": "discharged"}
    if on is not Ellipsis:
        b["discharged_on"] = on or today(-1)
    b.update(extra)
    return post("%s/%s/transitions" % (ADMISSIONS, adm["id"]), b, token=tok or cli())


def count(sql):
    return e2e.db_count(sql)


def referrals_of(w):
    return count("select count(*) from referrals where service_user_id = '%s'" % w["id"])


def audit_rows(resource, rid, action, outcome="ok"):
    return count("select count(*) from audit_events where resource = '%s' and resource_id = '%s' "
                 "and action = '%s' and outcome = '%s'" % (resource, rid, action, outcome))


def is_open(w):
    return psql("select mbu_admission_open('%s')" % w["id"]) == "t"


class Infants(unittest.TestCase):
    def test_create_read_list_and_audit(self):
        w = woman()
        nhs = e2e.nhs_number()
        r = add_infant(w, date_of_birth=today(-20), nhs_number=nhs)
        self.assertEqual(r.status, 201, r)
        i = r.body
        self.assertEqual(r.headers["location"], infants_url(w) + "/" + i["id"])
        self.assertEqual((i["service_user_id"], i["date_of_birth"], i["nhs_number"],
                          i["migrated"]), (w["id"], today(-20), nhs, False))
        self.assertEqual(audit_rows("infant", i["id"], "create"), 1)
        g = get(r.headers["location"], token=cli())
        self.assertEqual((g.status, g.body), (200, i))
        lst = get(infants_url(w), token=token("admin"))
        self.assertEqual([x["id"] for x in lst.body["items"]], [i["id"]])
        # NHS number optional (not yet known), added later.
        j = infant(w)
        self.assertIsNone(j["nhs_number"])
        p = patch(infants_url(w) + "/" + j["id"], {"nhs_number": e2e.nhs_number()},
                  token=cli(), etag='"1"')
        self.assertEqual(p.status, 200, p)

    def test_nhs_number_modulus_11(self):
        w = woman()
        bad = e2e.invalid_nhs_number()
        assert_problem(add_infant(w, nhs_number=bad), 400, "/nhs_number")
        self.assertEqual(count("select count(*) from infants where service_user_id = '%s'"
                               % w["id"]), 0)
        self.assertEqual(add_infant(w, nhs_number=e2e.nhs_number()).status, 201)

    def test_nhs_number_is_one_infant(self):
        nhs = e2e.nhs_number()
        infant(woman(), nhs_number=nhs)
        assert_problem(add_infant(woman(), nhs_number=nhs), 409)

    def test_date_of_birth_not_future_nor_before_mother(self):
        w = woman(dob="1992-03-14")
        assert_problem(add_infant(w, date_of_birth=today(2)), 422, "/date_of_birth")
        self.assertEqual(add_infant(w, date_of_birth=today(-1)).status, 201)
        assert_problem(add_infant(w, date_of_birth="1992-03-14"), 422, "/date_of_birth")
        self.assertEqual(add_infant(w, date_of_birth="1992-03-15").status, 201)

    def test_infant_count_is_derived_and_read_only(self):
        w = woman(delivered=-20)
        self.assertIsNone(w["perinatal_status"]["infant_count"])
        a = infant(w, date_of_birth=today(-20))
        infant(w, date_of_birth=today(-20))
        # An older child is not of this delivery.
        infant(w, date_of_birth=today(-800))
        url = "/v1/service-users/" + w["id"]
        self.assertEqual(get(url, token=cli()).body["perinatal_status"]["infant_count"], 2)
        void = post(infants_url(w) + "/" + a["id"] + "/entered-in-error",
                    {"reason": "Recorded twice"}, token=cli())
        self.assertEqual(void.status, 200, void)
        self.assertEqual(get(url, token=cli()).body["perinatal_status"]["infant_count"], 1)
        assert_problem(e2e.post("/v1/service-users", e2e.service_user_body(
            perinatal_status={"stage": "postnatal", "delivery_date": today(-3),
                              "infant_count": 1}), token=cli()),
            400, "/perinatal_status/infant_count")
        assert_problem(patch(url, {"perinatal_status": {"infant_count": 3}}, token=cli(),
                             etag='"1"'), 400, "/perinatal_status/infant_count")

    def test_scope(self):
        w = woman()
        i = infant(w)
        item = infants_url(w) + "/" + i["id"]
        other = cli(TEAM_CMHT)
        assert_problem(get(item, token=other), 404)
        assert_problem(get(infants_url(w), token=other), 404)
        assert_problem(add_infant(w, other), 404)
        e2e.ensure_other_org()
        assert_problem(get(item, token=token("admin", org=e2e.OTHER_ORG)), 404)
        assert_problem(get(infants_url(w), token=token("admin", org=e2e.OTHER_ORG)), 404)
        assert_problem(get(infants_url(w), token=token("referrer")), 403)
        # Her organisation's trail names her for the other team's refusal;
        # another organisation's refusal is in its own trail, without her
        # (as for every list under her: test_nested_audit.py).
        self.assertEqual(count("select count(*) from audit_events where resource = 'infant' "
                               "and action = 'list' and outcome = 'not_found' and "
                               "'%s' = any(service_user_ids)" % w["id"]), 1)
        # Her team's clinicians and admins do see them.
        self.assertEqual(get(infants_url(w), token=cli()).status, 200)
        self.assertEqual(get(item, token=token("admin")).status, 200)


class ContactsNameTheInfant(unittest.TestCase):
    def test_infant_must_be_hers(self):
        w = woman()
        mine = infant(w)
        theirs = infant(woman())
        b = {"service_user_id": w["id"], "at": e2e.today(-1) + "T10:00:00Z",
             "service": "perinatal_team", "mode": "home_visit", "attendance": "attended",
             "present": {"woman": True, "infant": True}}
        r = post("/v1/contacts", dict(b, infant_id=theirs["id"]), token=cli())
        assert_problem(r, 422, "/infant_id")
        self.assertEqual(count("select count(*) from contacts where service_user_id = '%s'"
                               % w["id"]), 0)
        r = post("/v1/contacts", dict(b, infant_id=mine["id"]), token=cli())
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["infant_id"], mine["id"])


class Admission(unittest.TestCase):
    def test_admitted_with_baby(self):
        w, inf, a = with_baby()
        self.assertEqual(a["status"], "admitted")
        self.assertEqual((a["bed_type"], a["bed_type_code"]), ("mother_and_baby", "204"))
        self.assertEqual((a["admitted_on"], a["with_baby"], a["with_baby_since"]),
                         (today(-10), True, today(-10)))
        self.assertEqual(a["partner_contact_due_by"], today(-3))
        self.assertEqual((a["lead_professional_id"], a["lead_team_id"]), (LEAD, TEAM_A))
        self.assertEqual(a["infant_id"], inf["id"])
        self.assertIsNone(a["seen_after_discharge_at"])
        self.assertEqual(audit_rows("mbu_admission", a["id"], "create"), 1)
        self.assertTrue(is_open(w))
        h = get("%s/%s/transitions" % (ADMISSIONS, a["id"]), token=cli())
        self.assertEqual([(x["from"], x["to"]) for x in h.body["items"]], [(None, "admitted")])

    def test_admitted_in_pregnancy_then_the_baby_joins(self):
        w = e2e.create_service_user(cli()).body   # pregnant
        a = admitted(admission_body(w, admitted_with="pregnancy", admitted_on=today(-30)))
        self.assertEqual((a["with_baby"], a["with_baby_since"], a["infant_id"]),
                         (False, None, None))
        inf = infant(w, date_of_birth=today(-5))
        url = ADMISSIONS + "/" + a["id"]
        # The baby joined: with baby from then, naming the infant.
        assert_problem(patch(url, {"baby_joined_on": today(-4)}, token=cli(), etag='"1"'),
                       422, "/infant_id")
        assert_problem(patch(url, {"baby_joined_on": today(-31), "infant_id": inf["id"]},
                             token=cli(), etag='"1"'), 422, "/baby_joined_on")
        assert_problem(patch(url, {"baby_joined_on": today(2), "infant_id": inf["id"]},
                             token=cli(), etag='"1"'), 422, "/baby_joined_on")
        p = patch(url, {"baby_joined_on": today(-4), "infant_id": inf["id"]}, token=cli(),
                  etag='"1"')
        self.assertEqual(p.status, 200, p)
        self.assertEqual((p.body["with_baby"], p.body["with_baby_since"],
                          p.body["admitted_with"]), (True, today(-4), "pregnancy"))
        self.assertEqual(p.body["partner_contact_due_by"], today(-23))

    def test_the_baby_is_with_her_from_its_birth_at_the_earliest(self):
        w = woman()
        inf = infant(w, date_of_birth=today(-12))
        assert_problem(admit(admission_body(w, inf, admitted_on=today(-13))), 422,
                       "/admitted_on")
        self.assertEqual(count("select count(*) from mbu_admissions where service_user_id = '%s'"
                               % w["id"]), 0)
        a = admitted(admission_body(w, inf, admitted_on=today(-12)))
        assert_problem(patch(ADMISSIONS + "/" + a["id"], {"admitted_on": today(-13)},
                             token=cli(), etag='"1"'), 422, "/admitted_on")
        # In pregnancy, the baby joins on its birthday at the earliest.
        p = e2e.create_service_user(cli()).body   # pregnant
        b = admitted(admission_body(p, admitted_with="pregnancy", admitted_on=today(-30)))
        born = infant(p, date_of_birth=today(-5))
        url = ADMISSIONS + "/" + b["id"]
        assert_problem(patch(url, {"baby_joined_on": today(-6), "infant_id": born["id"]},
                             token=cli(), etag='"1"'), 422, "/baby_joined_on")
        r = patch(url, {"baby_joined_on": today(-5), "infant_id": born["id"]}, token=cli(),
                  etag='"1"')
        self.assertEqual(r.status, 200, r)

    def test_in_pregnancy_only_before_her_delivery(self):
        # MH11 leaves out women admitted in pregnancy: one recorded so after
        # the delivery her record shows is refused.
        w = woman(delivered=-20)
        assert_problem(admit(admission_body(w, admitted_with="pregnancy",
                                            admitted_on=today(-19))), 422, "/admitted_with")
        a = admitted(admission_body(w, admitted_with="pregnancy", admitted_on=today(-20)))
        self.assertEqual(a["admitted_with"], "pregnancy")

    def test_her_stays_do_not_overlap(self):
        w, inf, a = with_baby()   # admitted today - 10
        self.assertEqual(discharge(a, on=today(-5)).status, 201)
        for on in (today(-10), today(-6), today(-11)):
            with self.subTest(admitted_on=on):
                assert_problem(admit(admission_body(w, inf, admitted_on=on)), 409)
        self.assertEqual(count("select count(*) from mbu_admissions where service_user_id = '%s'"
                               % w["id"]), 1)
        # Readmitted on the day of the discharge: not an overlap.
        b = admitted(admission_body(w, inf, admitted_on=today(-5)))
        self.assertEqual(discharge(b, on=today(-2)).status, 201)
        # A stay moved onto another is refused too.
        assert_problem(patch(ADMISSIONS + "/" + b["id"], {"admitted_on": today(-7)},
                             token=cli(), etag='"%d"' % get(ADMISSIONS + "/" + b["id"],
                                                              token=cli()).body["version"]),
                       409)
        # One entered in error is no longer a stay.
        w, inf, a = with_baby()
        self.assertEqual(discharge(a, on=today(-5)).status, 201)
        r = post("%s/%s/entered-in-error" % (ADMISSIONS, a["id"]), {"reason": "Wrong dates"},
                 token=cli())
        self.assertEqual(r.status, 200, r)
        self.assertEqual(admit(admission_body(w, inf, admitted_on=today(-9))).status, 201)

    def test_with_baby_needs_her_infant(self):
        w = woman()
        assert_problem(admit(admission_body(w)), 422, "/infant_id")
        other_babies = infant(woman())
        assert_problem(admit(admission_body(w, other_babies)), 422, "/infant_id")
        assert_problem(admit(admission_body(w, infant(w), admitted_with="pregnancy")),
                       422, "/infant_id")
        self.assertEqual(count("select count(*) from mbu_admissions where service_user_id = '%s'"
                               % w["id"]), 0)

    def test_lead_professional_of_a_community_team_required(self):
        w = woman()
        inf = infant(w)
        assert_problem(admit(admission_body(w, inf, lead_professional_id=...)), 400,
                       "/lead_professional_id")
        for staff in (MMHS_STAFF, MBU_STAFF, CMHT_STAFF, NO_SUCH_ID):
            assert_problem(admit(admission_body(w, inf, lead_professional_id=staff)), 422,
                           "/lead_professional_id")
        inactive = str(uuid.uuid4())
        psql("insert into staff (id, organisation_id, team_id, name, profession, active, "
             "created_by) values ('%s', '%s', '%s', 'Gone', 'nurse', false, 'e2e')"
             % (inactive, e2e.DEMO_ORG, TEAM_A))
        assert_problem(admit(admission_body(w, inf, lead_professional_id=inactive)), 422,
                       "/lead_professional_id")
        self.assertEqual(count("select count(*) from mbu_admissions where service_user_id = '%s'"
                               % w["id"]), 0)
        self.assertEqual(admit(admission_body(w, inf, lead_professional_id=LEAD_2)).status, 201)

    def test_the_unit_ours_or_external(self):
        w = woman()
        inf = infant(w)
        assert_problem(admit(admission_body(w, inf, unit_team_id=TEAM_A)), 422, "/unit_team_id")
        assert_problem(admit(admission_body(w, inf, unit_team_id=None)), 422, "/unit_team_id")
        assert_problem(admit(admission_body(w, inf, external_unit_name="Regional MBU")), 422,
                       "/unit_team_id")
        assert_problem(admit(admission_body(w, inf, bed_type="acute")), 400, "/bed_type")
        a = admitted(admission_body(w, inf, unit_team_id=None,
                                    external_unit_name="Coombe Wood Mother and Baby Unit"))
        self.assertEqual((a["unit_team_id"], a["external_unit_name"], a["bed_type_code"]),
                         (None, "Coombe Wood Mother and Baby Unit", "204"))

    def test_admission_date_not_in_the_future(self):
        w = woman()
        inf = infant(w)
        assert_problem(admit(admission_body(w, inf, admitted_on=today(2))), 422, "/admitted_on")
        self.assertEqual(admit(admission_body(w, inf, admitted_on=today(-1))).status, 201)

    def test_one_open_admission_at_a_time(self):
        w, inf, a = with_baby()
        assert_problem(admit(admission_body(w, inf)), 409)
        self.assertEqual(discharge(a).status, 201)
        self.assertFalse(is_open(w))
        self.assertEqual(admit(admission_body(w, inf, admitted_on=today(-1))).status, 201)
        self.assertTrue(is_open(w))

    def test_entered_in_error_is_not_open(self):
        w, inf, a = with_baby()
        r = post("%s/%s/entered-in-error" % (ADMISSIONS, a["id"]), {"reason": "Wrong woman"},
                 token=cli())
        self.assertEqual(r.status, 200, r)
        self.assertFalse(is_open(w))

    def test_status_follows_the_workflow_in_the_database_too(self):
        w, inf, a = with_baby()
        self.assertEqual(discharge(a).status, 201)
        # Whoever writes the row: discharged does not go back to admitted.
        with self.assertRaises(RuntimeError) as e:
            psql("update mbu_admissions set status = 'admitted', discharged_on = null "
                 "where id = '%s'" % a["id"])
        self.assertIn("cannot go from discharged to admitted", str(e.exception))
        self.assertEqual(count("select count(*) from workflow_steps "
                               "where workflow = 'mbu_admission'"), 1)


class Discharge(unittest.TestCase):
    def test_discharge_date_boundaries(self):
        w = woman()
        inf = infant(w)
        a = admitted(admission_body(w, inf, admitted_on=today(-10)))
        before = referrals_of(w)
        assert_problem(discharge(a, on=...), 422, "/discharged_on")
        assert_problem(discharge(a, on=today(-11)), 422, "/discharged_on")
        assert_problem(discharge(a, on=today(2)), 422, "/discharged_on")
        self.assertEqual(referrals_of(w), before)   # nothing made by a refusal
        self.assertEqual(get(ADMISSIONS + "/" + a["id"], token=cli()).body["status"], "admitted")
        # The discharge is a step, never a patch.
        assert_problem(patch(ADMISSIONS + "/" + a["id"], {"discharged_on": today(-1)},
                             token=cli(), etag='"1"'), 400, "/discharged_on")
        r = discharge(a, on=today(-10))
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.body["status"], r.body["discharged_on"]), ("discharged", today(-10)))
        assert_problem(discharge(a), 409)

    def test_discharge_makes_the_referral_in_the_pathway(self):
        w, inf, a = with_baby()
        before = referrals_of(w)
        d = discharge(a).body
        self.assertEqual(referrals_of(w), before + 1)
        ref = get("/v1/referrals/" + d["discharge_referral_id"], token=cli()).body
        self.assertEqual((ref["source"], ref["team_id"], ref["priority"], ref["status"],
                          ref["source_code"], ref["criteria"]),
                         ("mbu_discharge", TEAM_A, "routine", "received", "P1",
                          ["mbu_discharge"]))
        self.assertFalse(ref["flags"]["discuss_individually"])
        received = datetime.datetime.fromisoformat(ref["received_at"])
        due = datetime.datetime.fromisoformat(ref["due_at"])
        self.assertTrue(datetime.timedelta(days=27) < due - received
                        < datetime.timedelta(days=29))
        # Its pathway's rules: always seen, never signposted.
        url = "/v1/referrals/%s/transitions" % ref["id"]
        t = post(url, {"to": "triaged", "duty_clinician_id": LEAD, "notes": "MBU discharge"},
                 token=cli())
        self.assertEqual(t.status, 201, t)
        assert_problem(post(url, {"to": "signposted", "signposted_to": "GP"}, token=cli()), 409)

    def test_an_external_unit_is_another_trust(self):
        w = woman()
        inf = infant(w)
        a = admitted(admission_body(w, inf, unit_team_id=None,
                                    external_unit_name="Regional MBU elsewhere"))
        d = discharge(a).body
        ref = get("/v1/referrals/" + d["discharge_referral_id"], token=cli()).body
        self.assertEqual(ref["source_code"], "I1")
        self.assertEqual(ref["referrer"]["name"], "Regional MBU elsewhere")

    def test_seen_on_discharge_until_a_contact_answers(self):
        w, inf, a = with_baby()
        awaiting = ADMISSIONS + "?awaiting_contact=true&service_user=" + w["id"]
        # Not yet discharged: not awaiting.
        self.assertEqual(get(awaiting, token=cli()).body["items"], [])
        d = discharge(a).body
        ids = [x["id"] for x in get(awaiting, token=cli()).body["items"]]
        self.assertEqual(ids, [a["id"]])
        contact = {"service_user_id": w["id"], "referral_id": d["discharge_referral_id"],
                   "at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                   "service": "perinatal_team", "mode": "home_visit"}
        # A contact that did not take place does not answer it.
        r = post("/v1/contacts", dict(contact, attendance="did_not_attend"), token=cli())
        self.assertEqual(r.status, 201, r)
        self.assertEqual(len(get(awaiting, token=cli()).body["items"]), 1)
        self.assertIsNone(get(ADMISSIONS + "/" + a["id"], token=cli())
                          .body["seen_after_discharge_at"])
        r = post("/v1/contacts", dict(contact, attendance="attended", present={"woman": True}),
                 token=cli())
        self.assertEqual(r.status, 201, r)
        seen = get(ADMISSIONS + "/" + a["id"], token=cli()).body["seen_after_discharge_at"]
        self.assertEqual(datetime.datetime.fromisoformat(seen),
                         datetime.datetime.fromisoformat(r.body["at"]))
        self.assertEqual(get(awaiting, token=cli()).body["items"], [])
        assert_problem(get(ADMISSIONS + "?awaiting_contact=maybe", token=cli()), 400,
                       "awaiting_contact")


class Scope(unittest.TestCase):
    def test_the_lead_professional_stays_once_she_is_discharged(self):
        w, inf, a = with_baby()
        url = ADMISSIONS + "/" + a["id"]
        r = patch(url, {"lead_professional_id": LEAD_2}, token=cli(), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(discharge(r.body).status, 201)
        now = get(url, token=cli()).body
        assert_problem(patch(url, {"lead_professional_id": LEAD}, token=cli(),
                             etag='"%d"' % now["version"]), 409)
        self.assertEqual(get(url, token=cli()).body, now)

    def test_her_teams_and_the_lead_professionals(self):
        # Registered by the MMHS; the lead professional is of team A.
        w = woman(cli(TEAM_MMHS))
        inf = infant(w, cli(TEAM_MMHS))
        a = admitted(admission_body(w, inf), cli(TEAM_MMHS))
        url = ADMISSIONS + "/" + a["id"]
        for team in (TEAM_MMHS, TEAM_A, TEAM_MBU):
            self.assertEqual(get(url, token=cli(team)).status, 200, team)
        mine = assert_problem(get(url, token=cli(TEAM_CMHT)), 404)
        ctrl = assert_problem(get(ADMISSIONS + "/" + NO_SUCH_ID, token=cli(TEAM_CMHT)), 404)
        self.assertEqual(mine["detail"], ctrl["detail"])
        self.assertEqual(audit_rows("mbu_admission", a["id"], "read", "not_found"), 1)
        self.assertNotIn(a["id"], [x["id"] for x in get(ADMISSIONS + "?limit=200",
                                                        token=cli(TEAM_CMHT)).body["items"]])
        assert_problem(discharge(a, tok=cli(TEAM_CMHT)), 404)
        e2e.ensure_other_org()
        assert_problem(get(url, token=token("admin", org=e2e.OTHER_ORG)), 404)
        assert_problem(get(url, token=token("referrer")), 403)
        assert_problem(admit(admission_body(w, inf), token("referrer")), 403)
        # Another team cannot admit her.
        w2 = woman()
        assert_problem(admit(admission_body(w2, infant(w2)), cli(TEAM_CMHT)), 422,
                       "/service_user_id")


if __name__ == "__main__":
    e2e.main()
