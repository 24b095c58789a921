"""Joint-working agreements (issue 14; seed 003), end to end: who is due one,
the agreement with every need domain of the framework (a draft may be
incomplete, the step out of draft is refused naming what is missing), the
deadlines at their boundaries (the birthing conversation on or before due
date - 57 days; psychological therapy started by day 28 of its assessment;
the assessment after birth of a woman at high risk), sharing (maternity and
health visiting only with her consent), the participating team's access to
her record while the agreement is active (and not after it ends), the
differences of opinion, roles, scope and audit."""

import datetime
import json
import unittest
import uuid

import e2e
from e2e import assert_problem, get, patch, post, token

JWA = "/v1/joint-working-agreements"
TEAM_A, TEAM_B, TEAM_D = e2e.DEMO_TEAMS[0], e2e.DEMO_TEAMS[1], e2e.DEMO_TEAMS[3]
STAFF_A = "00000000-0000-4000-8000-0000000000b1"
DOMAINS = ["medical_review", "lead_service", "crisis_management",
           "perinatal_mental_health_midwife", "health_visiting_contact",
           "birthing_conversation", "high_risk_postnatal_monitoring", "first_episode_psychosis",
           "parent_infant_relationship", "parent_infant_interventions", "psychological_therapy",
           "occupational_therapy", "couples_family_therapy", "wellbeing_social_integration",
           "carers_assessment", "safeguarding_children", "safeguarding_adults",
           "additional_needs"]


def cli_a():
    return token("clinician", team=TEAM_A)


def cli_b():
    return token("clinician", team=TEAM_B)


def cli_d():
    return token("clinician", team=TEAM_D)


def woman(stage="pregnant", edd_days=120, delivered_days_ago=None, hv_consent=False,
          open_to_other=True):
    """A woman referred to team A, flagged open to another mental health
    team; returns her id."""
    if stage == "pregnant":
        status = {"stage": "pregnant", "estimated_due_date": e2e.today(edd_days)}
    else:
        status = {"stage": "postnatal", "delivery_date": e2e.today(-delivered_days_ago)}
    su = e2e.service_user_body(perinatal_status=status)
    ref = e2e.refer(cli_a(), team_id=TEAM_A, service_user=su,
                    open_to_other_mental_health_team=open_to_other)
    if hv_consent:
        e2e.give_consent(ref["service_user_id"], "share_with_health_visiting", cli_a())
    return ref["service_user_id"]


def none_domains(**over):
    """Every domain recorded as no identified need, monitored by team A."""
    d = {k: {"need": "no_identified_need", "monitored_by": {"team_id": TEAM_A}} for k in DOMAINS}
    d.update(over)
    return d


def full(su, period="antenatal", **over):
    b = {"service_user_id": su, "period": period, "perinatal_team_id": TEAM_A,
         "other_team": {"team_id": TEAM_D}, "meeting_date": e2e.today(-1),
         "present": "Dr Okafor (perinatal), Dr Chen (CMHT), the woman and her partner",
         "lead_service": {"team_id": TEAM_A}, "lead_professional": {"staff_id": STAFF_A},
         "woman_informed": {"ahead_of_review": True, "service_information_given": True,
                            "told_lead_service": True},
         "wishes": {"woman": "One care coordinator", "family": "Partner to be involved"},
         "domains": none_domains()}
    b.update(over)
    return b


def create(b, tok=None):
    return post(JWA, b, token=tok or cli_a())


def created(b, tok=None):
    r = create(b, tok)
    assert r.status == 201, r
    return r.body


def step(a, to, tok=None, **extra):
    body = {"to": to}
    body.update(extra)
    return post("%s/%s/transitions" % (JWA, a["id"]), body, token=tok or cli_a())


def agreed(su, **over):
    a = created(full(su, **over))
    r = step(a, "agreed")
    assert r.status == 201, r
    return r.body


def read(a, tok=None):
    r = get("%s/%s" % (JWA, a["id"]), token=tok or cli_a())
    assert r.status == 200, r
    return r.body


def due_women(tok=None):
    """Every woman on the due list (all pages)."""
    out, cursor = {}, None
    while True:
        path = JWA + "/due?limit=200" + ("&cursor=" + cursor if cursor else "")
        r = get(path, token=tok or cli_a())
        assert r.status == 200, r
        for item in r.body["items"]:
            out[item["service_user_id"]] = item
        cursor = r.body["next_cursor"]
        if not cursor:
            return out


def contact(su, day, agreement=None, purpose=None):
    b = {"service_user_id": su, "team_id": TEAM_A, "staff_id": STAFF_A,
         "at": day + "T12:00:00Z", "service": "perinatal_team", "mode": "face_to_face",
         "present": {"woman": True}, "attendance": "attended",
         "purpose": purpose, "joint_working_agreement_id": agreement}
    r = post("/v1/contacts", b, token=cli_a())
    assert r.status == 201, r
    return r.body


def team_of_type(kind):
    """A new team of the demo organisation of this type (admin)."""
    r = post("/v1/teams", {"name": "E2E %s %s" % (kind, uuid.uuid4().hex[:8]), "type": kind},
             token=token("admin"))
    assert r.status == 201, r
    return r.body["id"]


def count(sql):
    return e2e.db_count(sql)


class Due(unittest.TestCase):
    def test_a_woman_open_to_another_team_is_due_until_she_has_one(self):
        su = woman()
        listed = due_women()
        self.assertIn(su, listed)
        self.assertEqual(listed[su]["period"], "antenatal")
        self.assertIn("open_to_other_mental_health_team", listed[su]["reasons"])
        created(full(su))
        self.assertNotIn(su, due_women())

    def test_a_draft_ended_leaves_her_due(self):
        # Begun and dropped as a draft: no agreement was made, so she stays
        # on the list; one agreed and then ended is still hers.
        su = woman()
        a = created(full(su))
        self.assertNotIn(su, due_women())
        r = step(a, "ended", reason="Begun for the wrong woman.")
        self.assertEqual(r.status, 201, r)
        self.assertIn(su, due_women())
        b = agreed(su)
        self.assertEqual(step(b, "ended", reason="She moved away.").status, 201)
        self.assertNotIn(su, due_women())

    def test_a_woman_not_open_to_another_team_is_not_due(self):
        su = woman(open_to_other=False)
        self.assertNotIn(su, due_women())

    def test_the_period_follows_her_stage_and_each_period_needs_its_own(self):
        su = woman(stage="postnatal", delivered_days_ago=10)
        self.assertEqual(due_women()[su]["period"], "postnatal")
        created(full(su, period="antenatal"))  # an earlier period's agreement
        self.assertIn(su, due_women())
        created(full(su, period="postnatal"))
        self.assertNotIn(su, due_women())

    def test_an_accepted_woman_under_another_secondary_care_team_is_due(self):
        # Registered by the community mental health team (linked to it),
        # then referred to the perinatal team with her details (matched).
        su = e2e.service_user_body()
        made = e2e.create_service_user(cli_d(), **su).body
        ref = e2e.refer(cli_a(), team_id=TEAM_A, service_user=su)
        self.assertEqual(ref["service_user_id"], made["id"])
        self.assertFalse(ref["flags"]["offer_joint_working"])
        self.assertNotIn(made["id"], due_women())
        path = "/v1/referrals/%s/transitions" % ref["id"]
        r = post(path, {"to": "triaged", "duty_clinician_id": STAFF_A, "notes": "n"},
                 token=cli_a())
        self.assertEqual(r.status, 201, r)
        r = post(path, {"to": "accepted", "pathway": "perinatal",
                        "allocated_clinician_id": STAFF_A}, token=cli_a())
        self.assertEqual(r.status, 201, r)
        listed = due_women()
        self.assertIn(made["id"], listed)
        self.assertEqual(listed[made["id"]]["reasons"], ["under_other_secondary_care_team"])

    def test_full_care_taken_over_needs_no_agreement(self):
        su = woman()
        e2e.db_exec("update referrals set co_working = '{\"arrangement\": "
                    "\"full_care_transfer\"}' where service_user_id = '%s'" % su)
        self.assertNotIn(su, due_women())

    def test_an_agreement_of_an_earlier_pregnancy_does_not_count(self):
        su = woman()
        a = created(full(su))
        e2e.db_exec("update joint_working_agreements set created_at = now() - interval "
                    "'400 days' where id = '%s'" % a["id"])
        self.assertIn(su, due_women())

    def test_the_due_list_is_scoped(self):
        su = woman()
        self.assertNotIn(su, due_women(cli_b()))


class Agreement(unittest.TestCase):
    def test_a_draft_may_be_incomplete_but_cannot_be_agreed(self):
        su = woman()
        a = created({"service_user_id": su, "period": "antenatal", "perinatal_team_id": TEAM_A,
                     "other_team": {"name": "Leeds EIP team", "organisation": "Leeds Trust"},
                     "domains": {"medical_review": {"need": "need_identified",
                                                    "delivered_by": {"staff_id": STAFF_A}}}})
        self.assertEqual(a["status"], "draft")
        self.assertEqual(len(a["missing_domains"]), 17)
        r = step(a, "agreed")
        assert_problem(r, 409)
        for d in ("carers_assessment", "safeguarding_adults", "additional_needs"):
            self.assertIn(d, r.body["detail"])
        self.assertNotIn("medical_review,", r.body["detail"])
        self.assertIn("lead_service", r.body["detail"])
        self.assertEqual(read(a)["status"], "draft")
        # Completed by PATCH, it is agreed.
        completion = full(su, other_team={"name": "Leeds EIP team",
                                          "organisation": "Leeds Trust"})
        del completion["domains"]["medical_review"]  # kept as it was
        r = patch("%s/%s" % (JWA, a["id"]), completion, token=cli_a(), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["missing_domains"], [])
        r = step(r.body, "agreed")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["status"], "agreed")
        # Only a draft changes.
        r = patch("%s/%s" % (JWA, a["id"]), {"present": "someone else"}, token=cli_a(),
                  etag=r.headers.get("etag"))
        assert_problem(r, 409)

    def test_one_missing_domain_keeps_it_a_draft(self):
        su = woman()
        d = none_domains()
        del d["safeguarding_adults"]
        a = created(full(su, domains=d))
        r = step(a, "agreed")
        assert_problem(r, 409)
        self.assertIn("safeguarding_adults", r.body["detail"])

    def test_a_need_identified_names_who_delivers_and_no_need_who_monitors(self):
        su = woman()
        before = count("select count(*) from joint_working_agreements")
        r = create(full(su, domains=none_domains(medical_review={"need": "need_identified"})))
        assert_problem(r, 422, "/domains/medical_review/delivered_by")
        r = create(full(su, domains=none_domains(
            medical_review={"need": "no_identified_need", "delivered_by": {"team_id": TEAM_A},
                            "monitored_by": {"team_id": TEAM_A}})))
        assert_problem(r, 422, "/domains/medical_review/delivered_by")
        r = create(full(su, domains=none_domains(
            medical_review={"need": "need_identified",
                            "delivered_by": {"team_id": TEAM_A, "staff_id": STAFF_A}})))
        assert_problem(r, 422, "/domains/medical_review/delivered_by")
        r = create(full(su, domains=none_domains(
            medical_review={"need": "need_identified", "delivered_by": {"team_id": str(uuid.uuid4())}})))
        assert_problem(r, 422, "/domains")
        self.assertEqual(count("select count(*) from joint_working_agreements"), before)

    def test_first_episode_psychosis_records_its_six_nice_offers(self):
        su = woman()
        offers = {"family_intervention": "offered", "cbt_for_psychosis": "accepted",
                  "carer_education_support": "declined",
                  "healthy_eating_activity_smoking": "offered",
                  "physical_health_assessment": "accepted"}
        fep = {"need": "need_identified", "delivered_by": {"team_id": TEAM_D},
               "nice_offers": offers}
        r = create(full(su, domains=none_domains(first_episode_psychosis=fep)))
        assert_problem(r, 422, "/domains/first_episode_psychosis/nice_offers/supported_employment")
        offers["supported_employment"] = "not_appropriate"
        a = created(full(su, domains=none_domains(first_episode_psychosis=fep)))
        self.assertEqual(a["domains"]["first_episode_psychosis"]["nice_offers"], offers)

    def test_safeguarding_children_names_the_conference_lead_and_early_help(self):
        su = woman()
        sc = {"need": "need_identified", "delivered_by": {"team_id": TEAM_A}}
        r = create(full(su, domains=none_domains(safeguarding_children=sc)))
        assert_problem(r, 422, "/domains/safeguarding_children/conference_lead")
        assert_problem(r, 422, "/domains/safeguarding_children/early_help_referral")
        sc.update(conference_lead={"staff_id": STAFF_A},
                  early_help_referral={"needed": True, "referred_on": e2e.today(-2)})
        a = created(full(su, domains=none_domains(safeguarding_children=sc)))
        self.assertTrue(a["domains"]["safeguarding_children"]["early_help_referral"]["needed"])

    def test_additional_needs_lists_its_four(self):
        su = woman()
        an = {"need": "need_identified", "delivered_by": {"team_id": TEAM_D},
              "needs": {"disordered_eating": False, "substance_misuse": True}}
        r = create(full(su, domains=none_domains(additional_needs=an)))
        assert_problem(r, 422, "/domains/additional_needs/needs/learning_disability")
        an["needs"].update(complex_trauma_or_personality_disorder=False, learning_disability=False)
        created(full(su, domains=none_domains(additional_needs=an)))

    def test_one_agreement_in_force_per_period(self):
        su = woman()
        created(full(su))
        assert_problem(create(full(su)), 409)
        created(full(su, period="postnatal"))

    def test_the_perinatal_party_is_a_perinatal_team(self):
        su = woman()
        r = create(full(su, perinatal_team_id=TEAM_D, other_team={"team_id": TEAM_A}))
        assert_problem(r, 422, "/perinatal_team_id")

    def test_ended_needs_a_reason_and_is_final(self):
        su = woman()
        a = agreed(su)
        assert_problem(step(a, "ended"), 422, "/reason")
        r = step(a, "ended", reason="Care transferred")
        self.assertEqual(r.status, 201, r)
        self.assertIsNotNone(r.body["ended_at"])
        assert_problem(step(a, "agreed"), 409)
        # Another may be made for the period once it has ended.
        created(full(su))


class BirthingConversation(unittest.TestCase):
    NEED = {"need": "need_identified", "delivered_by": {"staff_id": STAFF_A}}

    def deadline(self, edd_days, **over):
        su = woman(edd_days=edd_days)
        over.setdefault("domains", none_domains(birthing_conversation=self.NEED))
        a = created(full(su, **over))
        return su, a, a["deadlines"]["birthing_conversation"]

    def test_due_date_minus_57_days_is_the_last_day(self):
        _, a, d = self.deadline(57)
        self.assertEqual(d["due_on"], e2e.today(0))
        self.assertFalse(d["overdue"])
        self.assertFalse(a["overdue"])

    def test_due_date_minus_56_days_is_overdue(self):
        _, a, d = self.deadline(56)
        self.assertEqual(d["due_on"], e2e.today(-1))
        self.assertTrue(d["overdue"])
        self.assertTrue(a["overdue"])
        listed = get(JWA + "?overdue=true&limit=200&service_user=" + a["service_user_id"],
                     token=cli_a())
        self.assertEqual(listed.status, 200, listed)
        self.assertEqual([x["id"] for x in listed.body["items"]], [a["id"]])

    def test_an_ended_agreement_is_not_overdue(self):
        _, a, _ = self.deadline(56)
        self.assertTrue(a["overdue"])
        r = step(a, "ended", reason="She moved away")
        self.assertEqual(r.status, 201, r)
        self.assertFalse(r.body["overdue"])
        self.assertFalse(r.body["deadlines"]["birthing_conversation"]["overdue"])

    def deliver(self, su, stage):
        her = get("/v1/service-users/" + su, token=cli_a())
        status = ({"stage": "postnatal", "delivery_date": e2e.today()} if stage == "postnatal"
                  else {"stage": "pregnancy_loss", "loss_date": e2e.today(),
                        "loss_gestation_weeks": 30})
        status["estimated_due_date"] = None  # a PATCH keeps what it does not name
        r = e2e.patch("/v1/service-users/" + su,
                      {"perinatal_status": status}, token=cli_a(), etag=her.headers["etag"])
        self.assertEqual(r.status, 200, r)

    def test_still_due_once_she_has_delivered(self):
        # Her record keeps no due date once she is postnatal; the agreement
        # keeps the deadline, and its miss, for the joint-working report.
        su, a, d = self.deadline(56)
        self.assertTrue(d["overdue"])
        self.deliver(su, "postnatal")
        after = read(a)["deadlines"]["birthing_conversation"]
        self.assertEqual((after["due_on"], after["overdue"]), (d["due_on"], True))

    def test_no_longer_due_after_a_loss(self):
        su, a, _ = self.deadline(56)
        self.deliver(su, "pregnancy_loss")
        self.assertIsNone(read(a)["deadlines"]["birthing_conversation"])

    def set_due_date(self, su, edd_days):
        her = get("/v1/service-users/" + su, token=cli_a())
        status = {"stage": "pregnant", "estimated_due_date": e2e.today(edd_days),
                  "delivery_date": None, "loss_date": None, "loss_gestation_weeks": None}
        r = e2e.patch("/v1/service-users/" + su, {"perinatal_status": status}, token=cli_a(),
                      etag=her.headers["etag"])
        self.assertEqual(r.status, 200, r)

    def test_a_corrected_due_date_moves_the_deadline(self):
        su, a, d = self.deadline(100)
        self.set_due_date(su, 110)   # a dating scan moves it, same pregnancy
        self.assertEqual(read(a)["deadlines"]["birthing_conversation"]["due_on"],
                         e2e.today(110 - 57))

    def test_each_agreement_keeps_the_due_date_of_its_pregnancy(self):
        # 003: "completed first in the antenatal and then postnatal period"
        # and the conversation "before 32 weeks" of that pregnancy. Her next
        # pregnancy does not re-date an agreement of the one before.
        su, a, d = self.deadline(56)
        self.deliver(su, "postnatal")
        self.assertEqual(step(a, "ended", reason="Discharged after the birth").status, 201)
        self.set_due_date(su, 200)   # pregnant again
        self.assertEqual(read(a)["deadlines"]["birthing_conversation"]["due_on"], d["due_on"])
        b = created(full(su, domains=none_domains(birthing_conversation=self.NEED)))
        self.assertEqual(b["deadlines"]["birthing_conversation"]["due_on"],
                         e2e.today(200 - 57))

    def test_a_postnatal_agreement_takes_no_date_of_her_next_pregnancy(self):
        # Made after the birth (no due date then); her next pregnancy is
        # not the one it covers, so no birthing conversation becomes due.
        su = woman(stage="postnatal", delivered_days_ago=10)
        a = created(full(su, period="postnatal",
                         domains=none_domains(birthing_conversation=self.NEED)))
        self.set_due_date(su, 200)   # pregnant again
        self.assertEqual(e2e.psql("select coalesce(estimated_due_date::text, 'none') from "
                                  "joint_working_agreements where id = '%s'" % a["id"]), "none")
        self.assertIsNone(read(a)["deadlines"]["birthing_conversation"])

    def test_one_ended_and_replaced_follows_a_dating_scan_with_its_replacement(self):
        # One pregnancy, one conversation: the ended agreement and the one
        # replacing it keep the same (corrected) due date.
        su, a, _ = self.deadline(100)
        self.assertEqual(step(a, "ended", reason="Replaced").status, 201)
        b = created(full(su, domains=none_domains(birthing_conversation=self.NEED)))
        self.set_due_date(su, 110)   # a dating scan, same pregnancy
        self.assertEqual(read(a)["deadlines"]["birthing_conversation"]["due_on"],
                         e2e.today(110 - 57))
        self.assertEqual(read(b)["deadlines"]["birthing_conversation"]["due_on"],
                         e2e.today(110 - 57))

    def test_one_still_in_force_keeps_it_too(self):
        su, a, d = self.deadline(56)
        self.deliver(su, "postnatal")
        self.set_due_date(su, 200)   # pregnant again, the agreement not ended
        self.assertEqual(read(a)["deadlines"]["birthing_conversation"]["due_on"], d["due_on"])

    def test_held_on_due_date_minus_57_is_on_time_minus_56_late(self):
        su, a, _ = self.deadline(50)  # due on today - 7
        contact(su, e2e.today(-7), a["id"], "birthing_conversation")
        d = read(a)["deadlines"]["birthing_conversation"]
        self.assertTrue(d["on_time"])
        self.assertFalse(d["overdue"])
        su, a, _ = self.deadline(50)
        contact(su, e2e.today(-6), a["id"], "birthing_conversation")
        d = read(a)["deadlines"]["birthing_conversation"]
        self.assertFalse(d["on_time"])
        self.assertFalse(d["overdue"])

    def test_only_a_birthing_conversation_linked_to_the_agreement_counts(self):
        su, a, _ = self.deadline(56)
        contact(su, e2e.today(-2))  # no purpose, no agreement
        self.assertTrue(read(a)["deadlines"]["birthing_conversation"]["overdue"])

    def test_no_identified_need_has_no_deadline(self):
        _, a, d = self.deadline(56, domains=none_domains(birthing_conversation={
            "need": "no_identified_need", "monitored_by": {"name": "Community midwife"}}))
        self.assertIsNone(d)
        self.assertFalse(a["overdue"])

    def test_a_draft_not_yet_recording_the_domain_has_the_deadline(self):
        d = none_domains()
        del d["birthing_conversation"]
        _, a, dl = self.deadline(56, domains=d)
        self.assertTrue(dl["overdue"])

    def test_a_contact_names_an_agreement_of_the_same_woman_only(self):
        su, a, _ = self.deadline(80)
        other = woman()
        r = post("/v1/contacts", {"service_user_id": other, "at": e2e.today(-1) + "T12:00:00Z",
                                  "service": "perinatal_team", "mode": "telephone",
                                  "present": {"woman": True}, "attendance": "attended",
                                  "purpose": "birthing_conversation",
                                  "joint_working_agreement_id": a["id"]}, token=cli_a())
        assert_problem(r, 422, "/joint_working_agreement_id")


class PsychologicalTherapy(unittest.TestCase):
    def therapy(self, assessed_ago, started_after=None):
        pt = {"need": "need_identified", "delivered_by": {"team_id": TEAM_A},
              "assessed_on": e2e.today(-assessed_ago)}
        if started_after is not None:
            pt["started_on"] = e2e.today(-assessed_ago + started_after)
        a = created(full(woman(), domains=none_domains(psychological_therapy=pt)))
        return a["deadlines"]["psychological_therapy"]

    def test_day_28_not_started_is_not_yet_overdue(self):
        d = self.therapy(28)
        self.assertEqual(d["due_on"], e2e.today(0))
        self.assertFalse(d["overdue"])
        self.assertFalse(d["breached"])

    def test_day_29_not_started_is_overdue(self):
        d = self.therapy(29)
        self.assertTrue(d["overdue"])
        self.assertTrue(d["breached"])

    def test_started_on_day_28_is_in_time_on_day_29_a_breach(self):
        self.assertFalse(self.therapy(40, 28)["breached"])
        d = self.therapy(40, 29)
        self.assertTrue(d["breached"])
        self.assertFalse(d["overdue"])

    def test_a_therapy_overdue_is_not_hidden_by_a_later_assessment(self):
        # 003: "any treatment commenced within 28 days of the assessment".
        # CBT assessed 60 days ago and not started is overdue, whatever
        # other therapy was assessed since.
        su = woman()
        plan = e2e.psql(
            "INSERT INTO care_plans (organisation_id, service_user_id, team_id, "
            "care_coordinator_id, goals, review_date, created_by, updated_by) VALUES "
            "('%s', '%s', '%s', '%s', '{E2E}', '2030-01-01', 'e2e', 'e2e') RETURNING id"
            % (e2e.DEMO_ORG, su, TEAM_A, STAFF_A))
        for code, ago in (("cbt", 60), ("emdr", 5)):
            e2e.psql(
                "INSERT INTO care_plan_interventions (organisation_id, care_plan_id, "
                "service_user_id, code, kind, status, offered_on, assessment_date, steps, "
                "created_by) VALUES ('%s', '%s', '%s', '%s', 'psychological_therapy', "
                "'offered', '%s', '%s', '%s', 'e2e')"
                % (e2e.DEMO_ORG, plan, su, code, e2e.today(-ago), e2e.today(-ago),
                   json.dumps({"offered": {"on": e2e.today(-ago), "staff_id": STAFF_A,
                                           "team_id": TEAM_A}})))
        a = created(full(su))
        d = a["deadlines"]["psychological_therapy"]
        self.assertEqual((d["assessed_on"], d["overdue"]), (e2e.today(-60), True))
        self.assertTrue(a["overdue"])

    def test_started_before_the_assessment_is_refused(self):
        pt = {"need": "need_identified", "delivered_by": {"team_id": TEAM_A},
              "assessed_on": e2e.today(-3), "started_on": e2e.today(-4)}
        r = create(full(woman(), domains=none_domains(psychological_therapy=pt)))
        assert_problem(r, 422, "/domains/psychological_therapy/started_on")


class AssessmentAfterBirth(unittest.TestCase):
    HIGH = {"need": "need_identified", "delivered_by": {"team_id": TEAM_A}}

    def after_birth(self, delivered_ago, **high):
        su = woman(stage="postnatal", delivered_days_ago=delivered_ago)
        a = created(full(su, period="postnatal", domains=none_domains(
            high_risk_postnatal_monitoring=dict(self.HIGH, **high))))
        return su, a

    def test_day_7_is_the_last_day_day_8_overdue(self):
        _, a = self.after_birth(7)
        d = a["deadlines"]["assessment_after_birth"]
        self.assertEqual(d["due_on"], e2e.today(0))
        self.assertFalse(d["overdue"])
        _, a = self.after_birth(8)
        self.assertTrue(a["deadlines"]["assessment_after_birth"]["overdue"])

    def test_a_contact_after_birth_meets_it(self):
        su, a = self.after_birth(8)
        contact(su, e2e.today(-2))
        d = read(a)["deadlines"]["assessment_after_birth"]
        self.assertFalse(d["overdue"])
        self.assertTrue(d["on_time"])

    def test_the_number_of_days_is_set_on_the_domain(self):
        _, a = self.after_birth(8, assess_within_days=10)
        d = a["deadlines"]["assessment_after_birth"]
        self.assertEqual(d["within_days"], 10)
        self.assertFalse(d["overdue"])

    def test_it_becomes_due_when_the_delivery_is_recorded(self):
        su = woman(edd_days=20)
        a = created(full(su, domains=none_domains(high_risk_postnatal_monitoring=self.HIGH)))
        self.assertIsNone(a["deadlines"]["assessment_after_birth"])
        r = get("/v1/service-users/" + su, token=cli_a())
        r = patch("/v1/service-users/" + su, {"perinatal_status": {
            "stage": "postnatal", "estimated_due_date": None, "delivery_date": e2e.today(-9)}},
            token=cli_a(), etag=r.headers.get("etag"))
        self.assertEqual(r.status, 200, r)
        d = read(a)["deadlines"]["assessment_after_birth"]
        self.assertEqual(d["delivery_date"], e2e.today(-9))
        self.assertTrue(d["overdue"])

    def test_not_at_high_risk_nothing_is_due(self):
        su = woman(stage="postnatal", delivered_days_ago=20)
        a = created(full(su, period="postnatal"))
        self.assertIsNone(a["deadlines"]["assessment_after_birth"])
        self.assertFalse(a["overdue"])


class Sharing(unittest.TestCase):
    def share(self, a, recipient, tok=None, **extra):
        b = {"recipient": recipient, "shared_on": e2e.today(0)}
        b.update(extra)
        return post("%s/%s/shares" % (JWA, a["id"]), b, token=tok or cli_a())

    def test_a_draft_is_not_sent(self):
        a = created(full(woman()))
        assert_problem(self.share(a, "woman"), 409)

    def test_health_visiting_only_with_her_consent(self):
        a = agreed(woman(hv_consent=False))
        before = count("select count(*) from joint_working_shares where agreement_id = '%s'"
                       % a["id"])
        assert_problem(self.share(a, "health_visiting"), 409)
        self.assertEqual(count("select count(*) from joint_working_shares where "
                               "agreement_id = '%s'" % a["id"]), before)
        a = agreed(woman(hv_consent=True))
        r = self.share(a, "health_visiting")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(count(
            "select count(*) from audit_events where resource = 'joint_working_share' and "
            "resource_id = '%s' and action = 'create' and outcome = 'ok'" % r.body["id"]), 1)

    def test_maternity_only_with_her_consent(self):
        a = agreed(woman(hv_consent=True))
        assert_problem(self.share(a, "maternity"), 409)
        e2e.give_consent(a["service_user_id"], "share_with_maternity", cli_a())
        r = self.share(a, "maternity")
        self.assertEqual(r.status, 201, r)

    def test_consent_is_judged_on_the_day_it_was_sent(self):
        # Issue 14 point 5: sent to health visiting only where her consent
        # is recorded; a share dated before she gave it is refused.
        su = woman()
        e2e.give_consent(su, "share_with_health_visiting", cli_a(), on=e2e.today(-3))
        a = agreed(su)
        assert_problem(self.share(a, "health_visiting", shared_on=e2e.today(-4)), 409)
        r = self.share(a, "health_visiting", shared_on=e2e.today(-3))
        self.assertEqual(r.status, 201, r)

    def test_a_maternity_or_health_visiting_team_is_sent_it_under_her_consent(self):
        # Sent as "team" to a maternity or health-visiting team of the
        # organisation, the consent rule is the same.
        for kind, scope in (("maternity", "share_with_maternity"),
                            ("health_visiting", "share_with_health_visiting")):
            with self.subTest(kind=kind):
                team = team_of_type(kind)
                a = agreed(woman())
                assert_problem(self.share(a, "team", team_id=team), 409)
                e2e.give_consent(a["service_user_id"], scope, cli_a())
                r = self.share(a, "team", team_id=team)
                self.assertEqual(r.status, 201, r)

    def test_shared_after_a_share_is_recorded(self):
        a = agreed(woman())
        assert_problem(step(a, "shared"), 409)
        assert_problem(self.share(a, "team"), 422, "/team_id")
        r = self.share(a, "team", team_id=TEAM_D)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.share(a, "woman").status, 201)
        r = step(a, "shared")
        self.assertEqual(r.status, 201, r)
        r = get("%s/%s/shares" % (JWA, a["id"]), token=cli_a())
        self.assertEqual(r.status, 200, r)
        self.assertEqual({s["recipient"] for s in r.body["items"]}, {"team", "woman"})


class Access(unittest.TestCase):
    def test_a_participating_team_reads_her_record_while_the_agreement_is_active(self):
        su = woman()
        a = created(full(su))
        self.assertEqual(get("%s/%s" % (JWA, a["id"]), token=cli_d()).status, 404)
        self.assertEqual(get("/v1/service-users/" + su, token=cli_d()).status, 404)
        step(a, "agreed")
        self.assertEqual(get("%s/%s" % (JWA, a["id"]), token=cli_d()).status, 200)
        self.assertEqual(get("/v1/service-users/" + su, token=cli_d()).status, 200)
        # A team not in the agreement does not.
        self.assertEqual(get("/v1/service-users/" + su, token=cli_b()).status, 404)
        self.assertEqual(get("%s/%s" % (JWA, a["id"]), token=cli_b()).status, 404)
        r = step(a, "ended", reason="Joint working no longer needed")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(get("%s/%s" % (JWA, a["id"]), token=cli_d()).status, 404)
        self.assertEqual(get("/v1/service-users/" + su, token=cli_d()).status, 404)
        # Nothing permanent was added.
        self.assertEqual(count("select count(*) from service_user_teams where "
                               "service_user_id = '%s' and team_id = '%s'" % (su, TEAM_D)), 0)

    def test_more_participating_teams_read_while_active_until_voided(self):
        su = woman()
        a = created(full(su, other_team={"name": "Leeds EIP team", "organisation": "Leeds"}))
        path = "%s/%s/teams" % (JWA, a["id"])
        assert_problem(post(path, {"team": {"team_id": TEAM_A}}, token=cli_a()), 422,
                       "/team/team_id")
        assert_problem(post(path, {"team": {}}, token=cli_a()), 422, "/team")
        r = post(path, {"team": {"team_id": TEAM_D}}, token=cli_a())
        self.assertEqual(r.status, 201, r)
        p = r.body
        assert_problem(post(path, {"team": {"team_id": TEAM_D}}, token=cli_a()), 409)
        r = post(path, {"team": {"name": "Bradford CMHT", "organisation": "Bradford Trust"}},
                 token=cli_a())
        self.assertEqual(r.status, 201, r)
        self.assertEqual(len(read(a)["additional_teams"]), 2)
        self.assertEqual(get("/v1/service-users/" + su, token=cli_d()).status, 404)
        step(a, "agreed")
        # Teams are added to a draft only.
        assert_problem(post(path, {"team": {"team_id": TEAM_B}}, token=cli_a()), 409)
        self.assertEqual(get("/v1/service-users/" + su, token=cli_d()).status, 200)
        r = post("%s/%s/entered-in-error" % (path, p["id"]), {"reason": "Wrong team"},
                 token=cli_a())
        self.assertEqual(r.status, 200, r)
        self.assertEqual(get("/v1/service-users/" + su, token=cli_d()).status, 404)
        self.assertEqual(len(read(a)["additional_teams"]), 1)

    def test_maternity_health_visiting_and_social_care_never_get_her_record(self):
        # Issue 14 point 5: "Maternity and health visiting receive the
        # document, not her record"; the agreement is with "the other
        # secondary-care team(s)" (point 2). Neither as the other team nor
        # as a participating team, on create or on a change.
        for kind in ("maternity", "health_visiting", "social_care"):
            with self.subTest(kind=kind):
                team = team_of_type(kind)
                su = woman()
                assert_problem(create(full(su, other_team={"team_id": team})), 422,
                               "/other_team/team_id")
                a = created(full(su))
                assert_problem(patch("%s/%s" % (JWA, a["id"]), {"other_team": {"team_id": team}},
                                     token=cli_a(), etag='"%d"' % a["version"]),
                               422, "/other_team/team_id")
                assert_problem(post("%s/%s/teams" % (JWA, a["id"]), {"team": {"team_id": team}},
                                    token=cli_a()), 422, "/team/team_id")
                self.assertEqual(count("select count(*) from joint_working_teams where "
                                       "agreement_id = '%s'" % a["id"]), 0)
                step(a, "agreed")
                tok = token("clinician", team=team)
                self.assertEqual(get("/v1/service-users/" + su, token=tok).status, 404)
        # A mental health team of the organisation still takes part.
        a = created(full(woman(), other_team={"team_id": team_of_type("early_intervention")}))
        r = post("%s/%s/teams" % (JWA, a["id"]), {"team": {"team_id": team_of_type("camhs")}},
                 token=cli_a())
        self.assertEqual(r.status, 201, r)

    def test_the_lead_service_is_a_party_to_the_agreement(self):
        # 003: which service "will 'lead' on the coordination of her care":
        # a team of the organisation named as lead is one of the agreement's
        # teams (it would lead without reading her record otherwise).
        su = woman()
        a = created(full(su, lead_service={"team_id": TEAM_B}))
        r = step(a, "agreed")
        assert_problem(r, 409)
        self.assertIn("lead_service", r.body["detail"])
        r = post("%s/%s/teams" % (JWA, a["id"]), {"team": {"team_id": TEAM_B}}, token=cli_a())
        self.assertEqual(r.status, 201, r)
        self.assertEqual(step(a, "agreed").status, 201)
        # Agreed, the lead's entry stays (other teams may still go).
        lead_entry = "%s/%s/teams/%s/entered-in-error" % (JWA, a["id"], r.body["id"])
        assert_problem(post(lead_entry, {"reason": "Wrong team"}, token=cli_a()), 409)
        self.assertEqual(get("/v1/service-users/" + su, token=cli_b()).status, 200)
        for lead in ({"team_id": TEAM_D}, {"name": "Leeds EIP team"}):
            with self.subTest(lead=lead):
                b = created(full(woman(), lead_service=lead))
                self.assertEqual(step(b, "agreed").status, 201)

    def test_a_team_is_not_added_as_the_agreement_is_agreed(self):
        # The step to agreed is being committed when a team is added: the
        # addition waits for it and is refused (teams join a draft only).
        a = created(full(woman()))
        r = e2e.answered_while_held(
            "e2e-jwa-agreeing",
            "UPDATE joint_working_agreements SET status = 'agreed', version = version + 1 "
            "WHERE id = '%s'" % a["id"],
            lambda: post("%s/%s/teams" % (JWA, a["id"]), {"team": {"team_id": TEAM_B}},
                         token=cli_a()))
        assert_problem(r, 409)
        self.assertEqual(count("select count(*) from joint_working_teams where "
                               "agreement_id = '%s'" % a["id"]), 0)

    def test_nothing_is_sent_as_the_agreement_is_ended(self):
        a = agreed(woman())
        r = e2e.answered_while_held(
            "e2e-jwa-ending",
            "UPDATE joint_working_agreements SET status = 'ended', ended_at = now(), "
            "version = version + 1 WHERE id = '%s'" % a["id"],
            lambda: post("%s/%s/shares" % (JWA, a["id"]),
                         {"recipient": "woman", "shared_on": e2e.today(0)}, token=cli_a()))
        assert_problem(r, 409)

    def test_a_team_of_another_organisation_is_named_only(self):
        su = woman()
        e2e.ensure_other_org()
        a = agreed(su, other_team={"name": "Leeds EIP team", "organisation": "Leeds Trust"})
        self.assertEqual(read(a)["other_team"]["name"], "Leeds EIP team")
        other = token("admin", org=e2e.OTHER_ORG)
        self.assertEqual(get("%s/%s" % (JWA, a["id"]), token=other).status, 404)
        self.assertEqual(get("/v1/service-users/" + su, token=other).status, 404)

    def test_the_scope_rule_stays_inlined(self):
        plan = e2e.psql(
            "explain select 1 from contacts t, access_scope(row('%s', 'x', 'clinician', "
            "array['%s']::uuid[], 'r')::access, t.organisation_id, t.service_user_id, "
            "null, null)" % (e2e.DEMO_ORG, TEAM_D))
        self.assertNotIn("Function Scan", plan)
        self.assertIn("joint_working_agreements", plan)

    def test_the_due_list_is_audited(self):
        su = woman()
        due_women()
        self.assertGreaterEqual(count(
            "select count(*) from audit_events where resource = 'joint_working_due' and "
            "action = 'list' and '%s' = any (service_user_ids)" % su), 1)

    def test_roles(self):
        su = woman()
        self.assertEqual(create(full(su), tok=token("admin")).status, 403)
        self.assertEqual(get(JWA, token=token("referrer")).status, 403)
        a = created(full(su))
        self.assertEqual(get("%s/%s" % (JWA, a["id"]), token=token("admin")).status, 200)

    def test_every_access_is_audited(self):
        su = woman()
        a = created(full(su))
        read(a)
        get("%s/%s" % (JWA, a["id"]), token=cli_b())
        for action, outcome in (("create", "ok"), ("read", "ok"), ("read", "not_found")):
            self.assertGreaterEqual(count(
                "select count(*) from audit_events where resource = 'joint_working_agreement' "
                "and resource_id = '%s' and action = '%s' and outcome = '%s'"
                % (a["id"], action, outcome)), 1, (action, outcome))


class Differences(unittest.TestCase):
    def test_recorded_dated_and_resolved(self):
        a = created(full(woman()))
        path = "%s/%s/differences" % (JWA, a["id"])
        b = {"raised_on": e2e.today(-5), "description": "CMHT wants to lead; perinatal too",
             "escalated_to": "Clinical leads of both teams", "escalated_on": e2e.today(-4)}
        r = post(path, dict(b, resolution="Agreed"), token=cli_a())
        assert_problem(r, 422, "/resolved_on")
        r = post(path, dict(b, escalated_on=e2e.today(-6)), token=cli_a())
        assert_problem(r, 422, "/escalated_on")
        r = post(path, b, token=cli_a())
        self.assertEqual(r.status, 201, r)
        d = r.body
        self.assertFalse(d["resolved"])
        r = patch("%s/%s" % (path, d["id"]), {"resolved_on": e2e.today(-1),
                                              "resolution": "Perinatal team leads"},
                  token=cli_a(), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.body["resolved"])
        r = get(path, token=cli_a())
        self.assertEqual([x["id"] for x in r.body["items"]], [d["id"]])
        assert_problem(get(path, token=cli_b()), 404)  # the agreement is not theirs
        self.assertEqual(post("%s/%s/differences" % (JWA, uuid.uuid4()), b,
                              token=cli_a()).status, 404)


if __name__ == "__main__":
    e2e.main()
