"""Links between resources built in parallel (issues 12, 13, 14), end to end,
each rule on both sides: a care plan for a woman in an open mother-and-baby-
unit admission with the unit or the lead professional's team (not another
team) or under an active joint-working agreement her team leads
(not after discharge, not another team's lead, not a draft); the agreement's
psychological-therapy deadline read from her care plan's intervention (day
28 in time, day 29 a breach); an agreement's and a measure's care plan one of
hers (422 otherwise); a liaison update naming one of her infants (out: 422
for another's; in: linked by the infant's NHS number when attached)."""

import unittest

import e2e
import test_care_plans as cp
import test_joint_working as jw
import test_liaison_updates as lu
import test_mbu as mbu
import test_partners as pt
import test_measures as ms
from e2e import assert_problem, get, patch, post

TEAM_A, TEAM_D = e2e.DEMO_TEAMS[0], e2e.DEMO_TEAMS[3]
PLANS = "/v1/care-plans"


def plan_for(woman_id, **over):
    return post(PLANS, cp.plan_body(woman_id, **over), token=cp.cli_a())


def plans_of(woman_id):
    return e2e.db_count("select count(*) from care_plans where service_user_id = '%s'"
                        % woman_id)


class InCareThroughTheUnit(unittest.TestCase):
    def test_an_open_admission_without_a_referral_is_in_care(self):
        w, _, adm = mbu.with_baby()
        self.assertEqual(e2e.db_count("select count(*) from referrals where "
                                      "service_user_id = '%s'" % w["id"]), 0)
        self.assertEqual(adm["lead_team_id"], TEAM_A)
        r = plan_for(w["id"])
        self.assertEqual(r.status, 201, r)

    def test_the_unit_and_the_lead_team_not_another_team(self):
        # Registered by the maternal mental health service (team B), admitted
        # to our unit with team A's lead professional.
        tok_b = mbu.cli(mbu.TEAM_MMHS)
        w = mbu.woman(tok_b)
        adm = mbu.admitted(mbu.admission_body(w, mbu.infant(w, tok_b)), tok_b)
        self.assertEqual(adm["lead_team_id"], TEAM_A)
        b = cp.plan_body(w["id"], team_id=mbu.TEAM_MMHS, care_coordinator_id=mbu.MMHS_STAFF)
        body = assert_problem(post(PLANS, b, token=tok_b), 409)
        self.assertIn("no referral", body["detail"])
        self.assertEqual(plans_of(w["id"]), 0)
        self.assertEqual(plan_for(w["id"]).status, 201)
        # The unit itself writes her plan during the stay.
        tok_unit = mbu.cli(mbu.TEAM_MBU)
        b = cp.plan_body(w["id"], team_id=mbu.TEAM_MBU, care_coordinator_id=mbu.MBU_STAFF)
        r = post(PLANS, b, token=tok_unit)
        self.assertEqual(r.status, 201, r)

    def test_after_discharge_she_is_not(self):
        w, _, adm = mbu.with_baby()
        r = mbu.discharge(adm, e2e.today(-1))
        self.assertEqual(r.status, 201, r)
        body = assert_problem(plan_for(w["id"]), 409)
        # The discharge referral to the team is not yet accepted.
        self.assertIn("received", body["detail"])
        self.assertIn("mother-and-baby-unit", body["detail"])
        self.assertEqual(plans_of(w["id"]), 0)


class InCareThroughJointWorking(unittest.TestCase):
    def test_an_agreement_the_team_leads_is_in_care(self):
        su = jw.woman()
        # Referred (received, not accepted) and no agreement yet: 409.
        assert_problem(plan_for(su), 409)
        jw.agreed(su, lead_service={"team_id": TEAM_A})
        r = plan_for(su)
        self.assertEqual(r.status, 201, r)

    def test_a_shared_agreement_the_team_leads_is_in_care(self):
        su = jw.woman()
        a = jw.agreed(su, lead_service={"team_id": TEAM_A})
        e2e.db_exec("update joint_working_agreements set status = 'shared' where id = '%s'"
                    % a["id"])
        self.assertEqual(plan_for(su).status, 201)

    def test_led_by_another_team_is_not(self):
        su = jw.woman()
        jw.agreed(su, lead_service={"team_id": TEAM_D})
        body = assert_problem(plan_for(su), 409)
        self.assertIn("joint-working", body["detail"])
        self.assertEqual(plans_of(su), 0)

    def test_a_draft_is_not(self):
        su = jw.woman()
        a = jw.created(jw.full(su, lead_service={"team_id": TEAM_A}))
        self.assertEqual(a["status"], "draft")
        assert_problem(plan_for(su), 409)
        self.assertEqual(plans_of(su), 0)

    def test_an_ended_agreement_is_not(self):
        su = jw.woman()
        a = jw.agreed(su, lead_service={"team_id": TEAM_A})
        e2e.db_exec("update joint_working_agreements set status = 'ended', ended_at = now() "
                    "where id = '%s'" % a["id"])
        assert_problem(plan_for(su), 409)


class TherapyDeadlineFromThePlan(unittest.TestCase):
    """jw_psychological_therapy reads her care plan's psychological therapy
    (its assessment date and started step) before the agreement's domain."""

    def agreement_with_plan(self, domain_pt=None):
        su = jw.woman()
        domains = jw.none_domains(**({"psychological_therapy": domain_pt} if domain_pt else {}))
        a = jw.agreed(su, lead_service={"team_id": TEAM_A}, domains=domains)
        plan = plan_for(su)
        self.assertEqual(plan.status, 201, plan)
        return a, plan.body

    def therapy(self, plan, assessed, started=None):
        url = "%s/%s/interventions" % (PLANS, plan["id"])
        r = post(url, {"code": "cbt", "offered_on": assessed, "assessment_date": assessed,
                       "staff_id": cp.NURSE, "team_id": TEAM_A}, token=cp.cli_a())
        self.assertEqual(r.status, 201, r)
        iv = r.body
        step = {"staff_id": cp.NURSE, "team_id": TEAM_A}
        r = post(url + "/" + iv["id"] + "/transitions", dict(step, to="accepted", on=assessed),
                 token=cp.cli_a())
        self.assertEqual(r.status, 201, r)
        if started:
            r = post(url + "/" + iv["id"] + "/transitions",
                     dict(step, to="started", on=started), token=cp.cli_a())
            self.assertEqual(r.status, 201, r)
        return iv

    def deadline(self, a):
        return jw.read(a)["deadlines"]["psychological_therapy"]

    def test_started_on_day_28_is_in_time(self):
        a, plan = self.agreement_with_plan()
        self.assertIsNone(self.deadline(a))
        assessed = cp.london(-40)
        self.therapy(plan, assessed, cp.day(assessed, 28))
        d = self.deadline(a)
        self.assertEqual((d["assessed_on"], d["due_on"], d["started_on"]),
                         (assessed, cp.day(assessed, 28), cp.day(assessed, 28)))
        self.assertFalse(d["breached"])
        self.assertFalse(d["overdue"])

    def test_started_on_day_29_is_a_breach(self):
        a, plan = self.agreement_with_plan()
        assessed = cp.london(-40)
        self.therapy(plan, assessed, cp.day(assessed, 29))
        d = self.deadline(a)
        self.assertEqual(d["started_on"], cp.day(assessed, 29))
        self.assertTrue(d["breached"])
        self.assertFalse(d["overdue"])
        self.assertFalse(jw.read(a)["overdue"])

    def test_not_started_day_28_waits_day_29_is_overdue(self):
        a, plan = self.agreement_with_plan()
        self.therapy(plan, cp.london(-28))
        d = self.deadline(a)
        self.assertFalse(d["overdue"])
        self.assertFalse(d["breached"])
        b, plan_b = self.agreement_with_plan()
        self.therapy(plan_b, cp.london(-29))
        d = self.deadline(b)
        self.assertTrue(d["overdue"])
        self.assertTrue(d["breached"])

    def test_the_plan_overrides_the_domain_which_stays_the_fallback(self):
        # The domain alone says a breach (started on day 29).
        pt = {"need": "need_identified", "delivered_by": {"team_id": TEAM_A},
              "assessed_on": e2e.today(-50), "started_on": e2e.today(-21)}
        a, plan = self.agreement_with_plan(pt)
        d = self.deadline(a)
        self.assertEqual(d["assessed_on"], e2e.today(-50))
        self.assertTrue(d["breached"])
        # Her care plan's therapy, started on day 28, is what counts.
        assessed = cp.london(-40)
        iv = self.therapy(plan, assessed, cp.day(assessed, 28))
        d = self.deadline(a)
        self.assertEqual(d["assessed_on"], assessed)
        self.assertFalse(d["breached"])
        # Entered in error: the domain counts again.
        r = post("%s/%s/interventions/%s/entered-in-error" % (PLANS, plan["id"], iv["id"]),
                 {"reason": "Recorded against the wrong woman"}, token=cp.cli_a())
        self.assertIn(r.status, (200, 201), r)
        self.assertEqual(self.deadline(a)["assessed_on"], e2e.today(-50))


class CarePlanKeys(unittest.TestCase):
    def two_plans(self):
        """Two women each with an agreement led by team A and a plan."""
        out = []
        for _ in range(2):
            su = jw.woman()
            jw.agreed(su, lead_service={"team_id": TEAM_A}, period="antenatal")
            r = plan_for(su)
            self.assertEqual(r.status, 201, r)
            out.append((su, r.body))
        return out

    def test_an_agreement_names_a_care_plan_of_hers(self):
        (su, plan), (_, other_plan) = self.two_plans()
        b = jw.full(su, period="postnatal", care_plan_id=other_plan["id"])
        assert_problem(jw.create(b), 422, "/care_plan_id")
        assert_problem(jw.create(dict(b, care_plan_id=cp.NO_SUCH_ID)), 422, "/care_plan_id")
        self.assertEqual(e2e.db_count("select count(*) from joint_working_agreements where "
                                      "service_user_id = '%s' and period = 'postnatal'" % su), 0)
        a = jw.created(dict(b, care_plan_id=plan["id"]))
        self.assertEqual(a["care_plan_id"], plan["id"])

    def test_a_measure_names_a_care_plan_of_hers(self):
        (su, plan), (_, other_plan) = self.two_plans()
        b = ms.body(ms.GAD7, {1: 1}, care_plan_id=other_plan["id"])
        assert_problem(ms.submit(su, b), 422, "/care_plan_id")
        assert_problem(ms.submit(su, dict(b, care_plan_id=cp.NO_SUCH_ID)), 422, "/care_plan_id")
        self.assertEqual(ms.stored(su), 0)
        m = ms.scored(su, dict(b, care_plan_id=plan["id"]))
        self.assertEqual(m["care_plan_id"], plan["id"])
        r = get(ms.url(su) + "?care_plan=" + plan["id"], token=cp.cli_a())
        self.assertEqual([x["id"] for x in r.body["items"]], [m["id"]])


class LiaisonInfants(unittest.TestCase):
    def mother(self):
        """A postnatal woman of team A who consents to share with health
        visiting, and her infant with its NHS number."""
        body = e2e.service_user_body(perinatal_status={"stage": "postnatal",
                                                       "delivery_date": e2e.today(-20)})
        r = post("/v1/service-users", body, token=lu.cli_a())
        self.assertEqual(r.status, 201, r)
        e2e.give_consent(r.body["id"], "share_with_health_visiting", lu.cli_a())
        return r.body, mbu.infant(r.body, nhs_number=e2e.nhs_number())

    def test_an_outbound_update_names_one_of_her_infants(self):
        w, inf = self.mother()
        _, other = self.mother()
        before = e2e.db_count("select count(*) from liaison_updates where "
                              "service_user_id = '%s'" % w["id"])
        for bad in (other["id"], cp.NO_SUCH_ID):
            assert_problem(post(lu.nested(w), lu.out_body(infant_id=bad), token=lu.cli_a()),
                           422, "/infant_id")
        assert_problem(post(lu.nested(w), lu.out_body(infant_id="baby"), token=lu.cli_a()),
                       400, "/infant_id")
        self.assertEqual(e2e.db_count("select count(*) from liaison_updates where "
                                      "service_user_id = '%s'" % w["id"]), before)
        r = post(lu.nested(w), lu.out_body(infant_id=inf["id"]), token=lu.cli_a())
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["infant_id"], inf["id"])
        # Without one, as before.
        r = post(lu.nested(w), lu.out_body(), token=lu.cli_a())
        self.assertEqual(r.status, 201, r)
        self.assertIsNone(r.body["infant_id"])

    def test_the_health_visiting_service_reads_the_infant_it_knows(self):
        w, inf = self.mother()
        r = post(lu.nested(w), lu.out_body(infant_id=inf["id"]), token=lu.cli_a())
        self.assertEqual(r.status, 201, r)
        sent = get(lu.IN + "/" + r.body["id"], token=lu.hv())
        self.assertEqual(sent.status, 200, sent)
        self.assertEqual(sent.body["infant"], {"name": None, "nhs_number": inf["nhs_number"],
                                               "date_of_birth": inf["date_of_birth"]})
        self.assertNotIn("infant_id", sent.body)
        plain = post(lu.nested(w), lu.out_body(), token=lu.cli_a())
        self.assertNotIn("infant", get(lu.IN + "/" + plain.body["id"], token=lu.hv()).body)

    def test_an_infant_entered_in_error_is_not_sent(self):
        # Its details were wrong: not named in a new update (422), and no
        # longer shown in one sent before.
        w, inf = self.mother()
        r = post(lu.nested(w), lu.out_body(infant_id=inf["id"]), token=lu.cli_a())
        self.assertEqual(r.status, 201, r)
        e2e.db_exec("update infants set voided_at = now(), voided_by = 'e2e', "
                    "void_reason = 'E2E' where id = '%s'" % inf["id"])
        assert_problem(post(lu.nested(w), lu.out_body(infant_id=inf["id"]), token=lu.cli_a()),
                       422, "/infant_id")
        self.assertNotIn("infant", get(lu.IN + "/" + r.body["id"], token=lu.hv()).body)

    def inbound(self, nhs, infant_nhs):
        b = lu.update_body(nhs)
        b["infant"]["nhs_number"] = infant_nhs
        r = post(lu.IN, b, token=lu.hv())
        self.assertEqual(r.status, 202, r)
        return r.body["id"]

    def linked(self, update_id):
        return e2e.psql("select coalesce(infant_id::text, 'none') from liaison_updates "
                        "where id = '%s'" % update_id)

    def test_an_inbound_update_is_linked_by_the_infants_nhs_number(self):
        w, inf = self.mother()
        _, other = self.mother()
        hers = self.inbound(w["nhs_number"], inf["nhs_number"])
        self.assertEqual(self.linked(hers), inf["id"])
        r = get(lu.nested(w) + "/" + hers, token=lu.cli_a())
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["infant_id"], inf["id"])
        # Another woman's infant, or an infant the service does not hold:
        # kept as sent, not linked.
        self.assertEqual(self.linked(self.inbound(w["nhs_number"], other["nhs_number"])),
                         "none")
        self.assertEqual(self.linked(self.inbound(w["nhs_number"], e2e.nhs_number())), "none")

    def test_held_unmatched_it_is_linked_when_attached(self):
        nhs, infant_nhs = e2e.nhs_number(), e2e.nhs_number()
        held = self.inbound(nhs, infant_nhs)
        self.assertEqual(self.linked(held), "none")
        body = e2e.service_user_body(nhs_number=nhs, perinatal_status={
            "stage": "postnatal", "delivery_date": e2e.today(-20)})
        r = post("/v1/service-users", body, token=lu.cli_a())
        self.assertEqual(r.status, 201, r)
        e2e.give_consent(r.body["id"], "share_with_health_visiting", lu.cli_a())
        # Attached when she was registered; her infant not yet recorded.
        self.assertEqual(e2e.psql("select service_user_id from liaison_updates where "
                                  "id = '%s'" % held), r.body["id"])
        self.assertEqual(self.linked(held), "none")
        # Recording the infant links what was held for it; her next update
        # about that infant is linked on receipt.
        inf = mbu.infant(r.body, nhs_number=infant_nhs)
        self.assertEqual(self.linked(held), inf["id"])
        self.assertEqual(self.linked(self.inbound(nhs, infant_nhs)), inf["id"])

    def test_a_corrected_nhs_number_attaches_and_links(self):
        w, inf = self.mother()
        nhs = e2e.nhs_number()
        held = self.inbound(nhs, inf["nhs_number"])
        self.assertEqual(self.linked(held), "none")
        # Her NHS number corrected to the one the sender gave: attached to
        # her, and linked to her infant in the same statement.
        e2e.db_exec("update service_users set nhs_number = '%s' where id = '%s'"
                    % (nhs, w["id"]))
        self.assertEqual(self.linked(held), inf["id"])

    def test_a_corrected_number_leaves_her_infant_behind(self):
        # Her update (about her infant) is taken from her when her number is
        # corrected: held unmatched, it names no infant, and the woman who
        # has that number can then be registered (it was 422 "No such
        # infant of this woman", the update still naming the first one's).
        w, inf = self.mother()
        held = self.inbound(w["nhs_number"], inf["nhs_number"])
        self.assertEqual(self.linked(held), inf["id"])
        e2e.db_exec("update service_users set nhs_number = '%s' where id = '%s'"
                    % (e2e.nhs_number(), w["id"]))
        self.assertEqual(e2e.psql("select coalesce(service_user_id::text, 'none') from "
                                  "liaison_updates where id = '%s'" % held), "none")
        self.assertEqual(self.linked(held), "none")
        owner = post("/v1/service-users", e2e.service_user_body(nhs_number=w["nhs_number"]),
                     token=lu.cli_a())
        self.assertEqual(owner.status, 201, owner)
        self.assertEqual(e2e.psql("select service_user_id from liaison_updates where "
                                  "id = '%s'" % held), owner.body["id"])
        self.assertEqual(self.linked(held), "none")

class DischargePlanOnTheCarePlan(unittest.TestCase):
    """Issue 13, item 7: the discharge plan is attached to the referral, and
    to her care plan when she has one; without one it stands alone."""

    def discharge_plan(self, referral_id):
        r = post("/v1/referrals/%s/discharge-plan" % referral_id,
                 {"follow_up": "GP review.", "relapse_signs": "Poor sleep."}, token=cp.cli_a())
        self.assertEqual(r.status, 201, r)
        return r.body

    def test_attached_to_her_care_plan(self):
        ref = cp.accepted_woman()
        plan = cp.create_plan(ref["service_user_id"]).body
        self.assertEqual(self.discharge_plan(ref["id"])["care_plan_id"], plan["id"])

    def test_without_a_care_plan_it_stands_alone(self):
        ref = cp.accepted_woman()
        self.assertIsNone(self.discharge_plan(ref["id"])["care_plan_id"])

    def test_the_database_keeps_it_hers(self):
        ref = cp.accepted_woman()
        other = cp.create_plan().body
        self.discharge_plan(ref["id"])
        with self.assertRaises(RuntimeError):
            e2e.db_exec("update discharge_plans set care_plan_id = '%s' where id = '%s'"
                        % (other["id"], ref["id"]))


class PartnerSeenWithinAWeekOfAdmission(unittest.TestCase):
    """Issue 13, item 5: for a woman in an MBU admission, "seen within 1 week
    of admission by a senior clinician" shows on the partner, flagged when
    missed."""

    def admitted_with_partner(self, days_ago):
        w = mbu.woman()
        inf = mbu.infant(w)
        mbu.admitted(mbu.admission_body(w, inf, admitted_on=e2e.today(-days_ago)))
        return w, pt.partner(w, tok=mbu.cli())

    def seen_flag(self, p):
        r = get(pt.partner_url(p), token=mbu.cli())
        self.assertEqual(r.status, 200, r)
        return r.body["seen_within_week_of_admission"]

    def senior_contact(self, w, p, day_offset):
        r = post("/v1/contacts", {
            "service_user_id": w["id"], "team_id": mbu.TEAM_A, "staff_id": self.consultant,
            "at": e2e.today(day_offset) + "T12:00:00+00:00", "service": "perinatal_team",
            "mode": "face_to_face", "present": {"woman": True, "partner": True, "infant": False},
            "attendance": "attended", "partner_ids": [p["id"]]}, token=mbu.cli())
        self.assertEqual(r.status, 201, r)

    @classmethod
    def setUpClass(cls):
        r = post("/v1/staff", {"name": "E2E consultant", "profession": "psychiatrist",
                               "team_id": mbu.TEAM_A, "seniority": "consultant"},
                 token=e2e.token("admin"))
        assert r.status == 201, r
        cls.consultant = r.body["id"]

    def test_no_admission_no_flag(self):
        self.assertIsNone(self.seen_flag(pt.partner(mbu.woman(), tok=mbu.cli())))

    def test_within_the_week_not_yet_missed(self):
        w, p = self.admitted_with_partner(7)
        flag = self.seen_flag(p)
        self.assertEqual((flag["due_by"], flag["met"], flag["missed"]), (e2e.today(0), False, False))

    def test_missed_after_the_week_then_met_by_a_senior_contact(self):
        w, p = self.admitted_with_partner(8)
        flag = self.seen_flag(p)
        self.assertEqual((flag["met"], flag["missed"]), (False, True))
        self.senior_contact(w, p, -2)
        flag = self.seen_flag(p)
        self.assertEqual((flag["met"], flag["missed"]), (True, False))

    def test_her_partner_is_changed_while_she_is_in_the_unit(self):
        # The flag is part of what is read, not of what is written: a PATCH
        # of the partner (his needs assessment, here) merges into the record
        # as read and must not be refused for carrying it.
        w, p = self.admitted_with_partner(3)
        self.assertIsNotNone(self.seen_flag(p))
        done = patch(pt.partner_url(p), {"needs_assessment": {
            "on": e2e.today(-1), "staff_id": pt.DUTY, "outcome": "Wants couple sessions."}},
            token=mbu.cli(), etag='"%s"' % p["version"])
        self.assertEqual(done.status, 200, done)
        self.assertEqual(done.body["needs_assessment"]["outcome"], "Wants couple sessions.")
        self.assertIsNotNone(done.body["seen_within_week_of_admission"])

if __name__ == "__main__":
    e2e.main()
