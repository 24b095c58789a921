"""The commissioner reports wired into the registry (issue 15 points 2-4,
issue 16 point 5): MH11 (seed 001: its numerator and denominator as the seed
states them, the mothers offered a psychosocial mother-infant intervention
during the stay, the MBU's trained clinical staff at Q1 and Q4 with their
share of the final value; exact counts), the tagging of an intervention with
the admission open on its offer day, and joint working (seed 003: birthing
conversations before 32 weeks, psychological therapy within 28 days,
agreements due and made; suppressed). Each on a hand-built data set in an
organisation of its own, the right answer worked out here, on both sides of
each boundary (quarter edges in England's time)."""

import datetime
import json
import unittest
import uuid
import zoneinfo

import e2e
from e2e import assert_problem, psql
from test_reports import Org, q

LONDON = zoneinfo.ZoneInfo("Europe/London")


def london(y, m, day, hh, mm):
    return datetime.datetime(y, m, day, hh, mm, tzinfo=LONDON).isoformat()


class MbuOrg(Org):
    """An organisation of its own with care plans, MBU admissions and
    interventions written as rows (an INSERT runs no workflow step)."""

    def __init__(self):
        super().__init__()
        self.plans = {}

    def plan(self, woman):
        if woman not in self.plans:
            self.plans[woman] = psql(
                "INSERT INTO care_plans (organisation_id, service_user_id, team_id, "
                "care_coordinator_id, goals, review_date, created_by, updated_by) VALUES "
                "('%s', '%s', '%s', '%s', '{E2E}', '2030-01-01', 'e2e', 'e2e') RETURNING id"
                % (self.id, woman, self.team, self.staff))
        return self.plans[woman]

    def admission(self, woman, admitted_on, with_="baby", discharged_on=None, joined_on=None,
                  voided=False):
        infant = None
        if with_ == "baby" or joined_on:
            infant = psql("INSERT INTO infants (organisation_id, service_user_id, date_of_birth, "
                          "created_by) VALUES ('%s', '%s', '2019-01-01', 'e2e') RETURNING id"
                          % (self.id, woman))
        return psql(
            "INSERT INTO mbu_admissions (organisation_id, service_user_id, external_unit_name, "
            "admitted_on, discharged_on, status, admitted_with, baby_joined_on, infant_id, "
            "lead_professional_id, created_by, voided_at, voided_by, void_reason) VALUES "
            "('%s', '%s', 'Regional MBU', '%s', %s, '%s', '%s', %s, %s, '%s', 'e2e', %s, %s, %s) "
            "RETURNING id"
            % (self.id, woman, admitted_on, q(discharged_on),
               "discharged" if discharged_on else "admitted", with_, q(joined_on), q(infant),
               self.staff, "now()" if voided else "NULL", "'e2e'" if voided else "NULL",
               "'E2E'" if voided else "NULL"))

    def intervention(self, woman, offered_on, code="baby_massage", kind="parent_infant",
                     started_on=None, assessment_date=None, voided=False):
        steps = {"offered": {"on": offered_on, "staff_id": self.staff, "team_id": self.team}}
        return psql(
            "INSERT INTO care_plan_interventions (organisation_id, care_plan_id, service_user_id, "
            "code, kind, status, offered_on, started_on, assessment_date, steps, created_by, "
            "voided_at, voided_by, void_reason) VALUES ('%s', '%s', '%s', '%s', '%s', '%s', "
            "'%s', %s, %s, %s, 'e2e', %s, %s, %s) RETURNING id"
            % (self.id, self.plan(woman), woman, code, kind,
               "started" if started_on else "offered", offered_on, q(started_on),
               q(assessment_date), q(json.dumps(steps)), "now()" if voided else "NULL",
               "'e2e'" if voided else "NULL", "'E2E'" if voided else "NULL"))

    def tag(self, intervention):
        return psql("SELECT coalesce(mbu_admission_id::text, 'none') || ' ' || "
                    "coalesce(representation ->> 'mbu_admission_id', 'none') "
                    "FROM care_plan_interventions WHERE id = '%s'" % intervention)

    def trained_staff(self, completed_on, mbu=True):
        staff = psql("INSERT INTO staff (organisation_id, team_id, name, profession, "
                     "mbu_clinical_staff, created_by) VALUES ('%s', '%s', 'E2E MBU nurse', "
                     "'nurse', %s, 'e2e') RETURNING id"
                     % (self.id, self.team, "true" if mbu else "false"))
        psql("INSERT INTO staff_training (organisation_id, staff_id, course, completed_on, "
             "qualifies_for, created_by) VALUES ('%s', '%s', 'VIG', '%s', "
             "'video_interaction_guidance', 'e2e')" % (self.id, staff, completed_on))


def values(body):
    return {f["figure"]: f["value"] for f in body["figures"]}


class Tagging(unittest.TestCase):
    """An intervention offered while she has an MBU admission open on the
    offer day is tagged with it (admission and discharge days included)."""

    def test_offer_day_against_the_stay(self):
        o = MbuOrg()
        w = o.woman()
        adm = o.admission(w, "2023-05-10", discharged_on="2023-05-20")
        cases = {"2023-05-09": "none", "2023-05-10": adm, "2023-05-15": adm,
                 "2023-05-20": adm, "2023-05-21": "none"}
        for day, want in cases.items():
            i = o.intervention(w, day)
            self.assertEqual(o.tag(i), "%s %s" % (want, want), day)
        # Another woman's admission never tags hers.
        other = o.woman()
        self.assertEqual(o.tag(o.intervention(other, "2023-05-15")), "none none")

    def test_admission_open_and_recorded_after_the_offer(self):
        o = MbuOrg()
        w = o.woman()
        early = o.intervention(w, "2023-06-02")
        open_ = o.admission(w, "2023-06-01")
        # Recorded later: the offer is tagged now, a new version (its ETag
        # changes with its representation).
        self.assertEqual(o.tag(early), "%s %s" % (open_, open_))
        self.assertEqual(psql("SELECT version FROM care_plan_interventions WHERE id = '%s'"
                              % early), "2")
        # Open (not discharged): any later offer is tagged.
        self.assertEqual(o.tag(o.intervention(w, "2023-09-01")), "%s %s" % (open_, open_))
        # Entered in error: the tag goes.
        psql("UPDATE mbu_admissions SET voided_at = now(), voided_by = 'e2e', "
             "void_reason = 'E2E' WHERE id = '%s'" % open_)
        self.assertEqual(o.tag(early), "none none")


    def test_an_offer_made_while_her_admission_is_recorded_is_tagged(self):
        # The admission is being committed (a transaction holds it) when the
        # offer is written: the offer waits for it and is tagged. It was
        # tagged from a snapshot without the admission, whose retagging had
        # run before the offer existed: untagged for good.
        o = MbuOrg()
        w = o.woman()
        o.plan(w)
        infant = psql("INSERT INTO infants (organisation_id, service_user_id, date_of_birth, "
                      "created_by) VALUES ('%s', '%s', '2019-01-01', 'e2e') RETURNING id"
                      % (o.id, w))
        adm = str(uuid.uuid4())
        made = e2e.answered_while_held(
            "e2e-admission-holder",
            "INSERT INTO mbu_admissions (id, organisation_id, service_user_id, "
            "external_unit_name, admitted_on, status, admitted_with, infant_id, "
            "lead_professional_id, created_by) VALUES ('%s', '%s', '%s', 'Regional MBU', "
            "'2023-07-01', 'admitted', 'baby', '%s', '%s', 'e2e')"
            % (adm, o.id, w, infant, o.staff),
            lambda: o.intervention(w, "2023-07-03"))
        self.assertEqual(o.tag(made), "%s %s" % (adm, adm))

    def test_an_offer_made_while_her_admission_is_entered_in_error_is_not_tagged(self):
        o = MbuOrg()
        w = o.woman()
        adm = o.admission(w, "2023-08-01")
        made = e2e.answered_while_held(
            "e2e-admission-void-holder",
            "UPDATE mbu_admissions SET voided_at = now(), voided_by = 'e2e', "
            "void_reason = 'E2E' WHERE id = '%s'" % adm,
            lambda: o.intervention(w, "2023-08-03"))
        self.assertEqual(o.tag(made), "none none")

class Mh11(unittest.TestCase):
    """Financial year 2023, Q1 = 1 April - 30 June 2023."""

    @classmethod
    def setUpClass(cls):
        o = cls.o = MbuOrg()
        # A: with baby on the quarter's first day; offered on admission day;
        # re-admitted in the quarter (still one mother).
        a = o.woman()
        o.intervention(a, "2023-04-01")
        o.admission(a, "2023-04-01", discharged_on="2023-04-20")
        o.admission(a, "2023-06-01", discharged_on="2023-06-10")
        # B: with baby on the last day; offered on her discharge day, after
        # the quarter (during the stay).
        b = o.woman()
        o.admission(b, "2023-06-30", discharged_on="2023-07-05")
        o.intervention(b, "2023-07-05")
        # C: the day before the quarter; D: the day after (Q2).
        c = o.woman()
        o.admission(c, "2023-03-31", discharged_on="2023-04-05")
        o.intervention(c, "2023-04-02")
        dd = o.woman()
        o.admission(dd, "2023-07-01", discharged_on="2023-07-03")
        # E: admitted in pregnancy in the quarter, her baby joined in it:
        # denominator only (offered, not counted as offered).
        e = o.woman(stage="pregnant")
        o.admission(e, "2023-04-10", with_="pregnancy", joined_on="2023-05-01",
                    discharged_on="2023-05-30")
        o.intervention(e, "2023-05-02")
        # F: in pregnancy, no baby yet: neither.
        f = o.woman(stage="pregnant")
        o.admission(f, "2023-05-01", with_="pregnancy", discharged_on="2023-05-05")
        # G: with baby; parent-infant offered the day before and the day after
        # the stay, a CBT during it: not offered.
        g = o.woman()
        o.intervention(g, "2023-05-09")
        o.admission(g, "2023-05-10", discharged_on="2023-05-20")
        o.intervention(g, "2023-05-21")
        o.intervention(g, "2023-05-12", code="cbt", kind="psychological_therapy")
        # H: entered in error: nothing.
        h = o.woman()
        o.admission(h, "2023-05-15", voided=True)
        # J: admitted in pregnancy before the quarter, her baby joined on its
        # second day: denominator.
        j = o.woman(stage="pregnant")
        o.admission(j, "2023-03-20", with_="pregnancy", joined_on="2023-04-02",
                    discharged_on="2023-04-30")
        # K: with baby, her parent-infant offer entered in error: not offered.
        k = o.woman()
        o.admission(k, "2023-06-15", discharged_on="2023-06-20")
        o.intervention(k, "2023-06-16", voided=True)
        # Staff: one MBU clinician trained on Q1's last day (counts), one the
        # next day (counts at Q4), one not of the MBU (never).
        o.trained_staff("2023-06-30")
        o.trained_staff("2023-07-01")
        o.trained_staff("2023-04-01", mbu=False)

    def test_an_offer_under_a_plan_entered_in_error_is_not_offered(self):
        # Voiding a plan leaves its interventions as they were: the report
        # looks at the plan too (as the joint-working deadlines do).
        o = MbuOrg()
        w = o.woman()
        o.admission(w, "2022-05-10", discharged_on="2022-05-30")
        o.intervention(w, "2022-05-12")
        offered = "mothers_offered_psychosocial_intervention"
        self.assertEqual(values(o.report("mh11", 2022, 1).body)[offered], 1)
        psql("UPDATE care_plans SET voided_at = now(), voided_by = 'e2e', void_reason = 'E2E', "
             "version = version + 1 "
             "WHERE id = '%s'" % o.plan(w))
        self.assertEqual(values(o.report("mh11", 2022, 1).body)[offered], 0)

    def test_q1_exact_counts_for_a_commissioner(self):
        r = self.o.report("mh11", 2023, 1)
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.body["suppression"]["applied"])
        # Numerator A, B, G, K; denominator those and E, J; offered A, B.
        self.assertEqual(values(r.body), {
            "mothers_admitted_with_baby": 4, "mothers_with_baby": 6,
            "mothers_admitted_with_baby_percentage": 66.7,
            "mothers_offered_psychosocial_intervention": 2,
            "mothers_offered_psychosocial_intervention_percentage": 50.0,
            "clinical_staff_trained": 1, "staff_trained_share_of_final_value": 50.0})
        for f in r.body["figures"]:
            self.assertIn(f["figure"], r.body["definitions"])
        self.assertIn("excluding women admitted in pregnancy",
                      r.body["definitions"]["mothers_admitted_with_baby"])
        self.o.assert_no_personal_data(r.raw.decode())

    def test_q2_has_no_staff_figures(self):
        r = self.o.report("mh11", 2023, 2)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(values(r.body), {
            "mothers_admitted_with_baby": 1, "mothers_with_baby": 1,
            "mothers_admitted_with_baby_percentage": 100.0,
            "mothers_offered_psychosocial_intervention": 0,
            "mothers_offered_psychosocial_intervention_percentage": 0.0})

    def test_q4_staff_trained_twice_annually(self):
        got = values(self.o.report("mh11", 2023, 4).body)
        self.assertEqual((got["clinical_staff_trained"],
                          got["staff_trained_share_of_final_value"]), (2, 100.0))
        # Q4 of 2022 (to 31 March 2023): C, admitted on its last day, offered
        # after it during her stay; nobody trained yet: 0, 0%.
        got = values(self.o.report("mh11", 2022, 4).body)
        self.assertEqual(got, {
            "mothers_admitted_with_baby": 1, "mothers_with_baby": 1,
            "mothers_admitted_with_baby_percentage": 100.0,
            "mothers_offered_psychosocial_intervention": 1,
            "mothers_offered_psychosocial_intervention_percentage": 100.0,
            "clinical_staff_trained": 0, "staff_trained_share_of_final_value": 0.0})
        # Nobody admitted: no percentage (nothing to divide by).
        got = values(self.o.report("mh11", 2022, 3).body)
        self.assertEqual(got["mothers_admitted_with_baby"], 0)
        self.assertIsNone(got["mothers_admitted_with_baby_percentage"])

    def test_csv_and_a_frozen_quarter(self):
        r = self.o.report("mh11", 2023, 1, format="csv")
        self.assertEqual(r.status, 200, r)
        self.assertIn("mothers_admitted_with_baby,all,all,,count,4,", r.raw.decode())
        s = e2e.post("/v1/reports/mh11/submissions", {"year": 2023, "quarter": 1},
                     token=self.o.admin)
        self.assertEqual(s.status, 201, s)
        self.assertEqual(values(s.body["document"])["mothers_with_baby"], 6)


class JointWorking(unittest.TestCase):
    """Financial year 2022, Q3 = 1 October - 31 December 2022 (BST ends 30
    October: 1 October is BST, 31 December GMT)."""

    @classmethod
    def setUpClass(cls):
        o = cls.o = MbuOrg()

        def agreement(woman, agreed_at, edd=None, need="need_identified"):
            if edd:
                psql("UPDATE service_users SET estimated_due_date = '%s' WHERE id = '%s'"
                     % (edd, woman))
            j = psql("INSERT INTO joint_working_agreements (organisation_id, service_user_id, "
                     "period, status, perinatal_team_id, other_team_name, domains, created_by) "
                     "VALUES ('%s', '%s', 'antenatal', '%s', '%s', 'CMHT North', %s, 'e2e') "
                     "RETURNING id"
                     % (o.id, woman, "agreed" if agreed_at else "draft", o.team,
                        q(json.dumps({"birthing_conversation": {"need": need}}))))
            if agreed_at:
                psql("INSERT INTO workflow_transitions (workflow, record_id, from_state, "
                     "to_state, at, by_sub, by_role) VALUES ('joint_working_agreement', '%s', "
                     "'draft', 'agreed', timestamptz '%s', 'e2e', 'clinician')" % (j, agreed_at))
            return j

        def conversation(woman, j, at):
            psql("INSERT INTO contacts (organisation_id, service_user_id, team_id, at, service, "
                 "mode, attendance, woman_present, partner_present, purpose, "
                 "joint_working_agreement_id, created_by) VALUES ('%s', '%s', '%s', "
                 "timestamptz '%s', 'perinatal_team', 'telephone', 'attended', true, false, "
                 "'birthing_conversation', '%s', 'e2e')" % (o.id, woman, o.team, at, j))

        def referral(woman, received, flag=True, other=False):
            r = o.referral(woman, received)
            psql("UPDATE referrals SET flag_offer_joint_working = %s, open_to_other_mh_team = %s "
                 "WHERE id = '%s'" % (flag, other, r))

        mid = london(2022, 11, 1, 12, 0)
        # Birthing conversations (due = EDD - 57 days).
        # W1: due 1 Oct (first day), held 1 Oct 23:30 BST: in time; agreed
        # 1 Oct 00:30 BST (30 Sep 23:30 UTC): made in the quarter.
        w1 = o.woman(stage="pregnant")
        j1 = agreement(w1, london(2022, 10, 1, 0, 30), edd="2022-11-27")
        conversation(w1, j1, london(2022, 10, 1, 23, 30))
        # W2: due 31 Dec (last day), held 1 Jan 00:30: late; agreed 30 Sep
        # 23:30 BST: before the quarter.
        w2 = o.woman(stage="pregnant")
        j2 = agreement(w2, london(2022, 9, 30, 23, 30), edd="2023-02-26")
        conversation(w2, j2, london(2023, 1, 1, 0, 30))
        # W3: due mid-quarter, not held.
        w3 = o.woman(stage="pregnant")
        agreement(w3, mid, edd="2023-01-11")
        # W4: due 30 Sep: outside; agreed in August.
        w4 = o.woman(stage="pregnant")
        agreement(w4, london(2022, 8, 1, 12, 0), edd="2022-11-26")
        # W5: no identified need: not due; agreed in the quarter.
        w5 = o.woman(stage="pregnant")
        agreement(w5, mid, edd="2023-01-11", need="no_identified_need")
        # W6: a draft never agreed: not counted at all.
        w6 = o.woman(stage="pregnant")
        agreement(w6, None, edd="2023-01-11")
        # W7: due 1 Jan: outside; agreed 1 Jan 00:30 GMT: after the quarter.
        w7 = o.woman(stage="pregnant")
        agreement(w7, london(2023, 1, 1, 0, 30), edd="2023-02-27")
        # Agreements due: referrals received in the quarter flagged.
        referral(w1, london(2022, 10, 1, 0, 30))            # due, made
        referral(w7, mid)                                   # due, agreed too late
        w8 = o.woman(stage="pregnant")
        referral(w8, london(2022, 12, 31, 23, 30), flag=False, other=True)  # due, none
        w9 = o.woman(stage="pregnant")
        referral(w9, london(2022, 9, 30, 23, 30))           # before the quarter
        w10 = o.woman(stage="pregnant")
        referral(w10, mid, flag=False)                      # not flagged
        w11 = o.woman(stage="pregnant")
        referral(w11, london(2023, 1, 1, 0, 0))             # after the quarter
        # Psychological therapies (care-plan interventions).
        o.intervention(w1, "2022-09-01", code="cbt", kind="psychological_therapy",
                       started_on="2022-10-01", assessment_date="2022-09-03")   # day 28
        o.intervention(w2, "2022-11-01", code="emdr", kind="psychological_therapy",
                       started_on="2022-12-31", assessment_date="2022-12-02")   # day 29
        o.intervention(w3, "2022-10-01", code="cft", kind="psychological_therapy",
                       started_on="2022-11-01")                                 # no assessment
        o.intervention(w4, "2022-09-01", code="cbt", kind="psychological_therapy",
                       started_on="2022-09-30", assessment_date="2022-09-20")   # before
        o.intervention(w5, "2022-12-01", code="cbt", kind="psychological_therapy",
                       started_on="2023-01-01", assessment_date="2022-12-20")   # after
        o.intervention(w6, "2022-10-01", code="cbt", kind="psychological_therapy",
                       started_on="2022-10-10", assessment_date="2022-10-01",
                       voided=True)                                             # in error
        o.intervention(w7, "2022-10-01", started_on="2022-10-10")               # parent-infant
        # Not started by day 28: W8's CBT assessed 10 Oct (day 28 is 7 Nov),
        # never started; W9's assessed 1 Nov (day 28 29 Nov), started 5 Jan
        # (late, in Q4); W10's assessed 10 Dec (day 28 in Q4): not Q3's.
        o.intervention(w8, "2022-10-10", code="cbt", kind="psychological_therapy",
                       assessment_date="2022-10-10")
        o.intervention(w9, "2022-11-01", code="cbt", kind="psychological_therapy",
                       started_on="2023-01-05", assessment_date="2022-11-01")
        o.intervention(w10, "2022-12-10", code="cbt", kind="psychological_therapy",
                       assessment_date="2022-12-10")

    EXACT = {
        "birthing_conversations_due": 3, "birthing_conversations_in_time": 1,
        "birthing_conversations_late": 1, "birthing_conversations_not_held": 1,
        "birthing_conversations_in_time_percentage": 33.3,
        "psychological_therapies_started": 3, "psychological_therapies_within_28_days": 1,
        "psychological_therapies_late": 1, "psychological_therapies_no_assessment_date": 1,
        "psychological_therapies_within_28_days_percentage": 33.3,
        "psychological_therapies_not_started_by_day_28": 2,
        "agreements_due": 3, "agreements_due_made": 1, "agreements_made": 3}

    def test_exact_figures(self):
        exact, r = self.o.figures("joint-working", 2022, 3, exact=True)
        self.assertEqual(values(r.body), self.EXACT)
        for f in r.body["figures"]:
            self.assertIn(f["figure"], r.body["definitions"])

    def test_a_pregnancys_conversation_counts_once(self):
        # 003: one birthing conversation "before 32 weeks" of a pregnancy.
        # Her agreement ended and replaced within the pregnancy, the
        # conversation held under the second: due once, held in time.
        o = MbuOrg()
        w = o.woman(stage="pregnant")
        psql("UPDATE service_users SET estimated_due_date = '2022-01-26' WHERE id = '%s'" % w)
        ids = []
        for agreed_at in (london(2021, 8, 2, 12, 0), london(2021, 9, 1, 12, 0)):
            if ids:
                psql("UPDATE joint_working_agreements SET status = 'ended', ended_at = now() "
                     "WHERE id = '%s'" % ids[-1])
            j = psql("INSERT INTO joint_working_agreements (organisation_id, service_user_id, "
                     "period, status, perinatal_team_id, other_team_name, domains, created_by) "
                     "VALUES ('%s', '%s', 'antenatal', 'agreed', '%s', 'CMHT North', %s, 'e2e') "
                     "RETURNING id" % (o.id, w, o.team, q(json.dumps(
                         {"birthing_conversation": {"need": "need_identified"}}))))
            psql("INSERT INTO workflow_transitions (workflow, record_id, from_state, to_state, "
                 "at, by_sub, by_role) VALUES ('joint_working_agreement', '%s', 'draft', "
                 "'agreed', timestamptz '%s', 'e2e', 'clinician')" % (j, agreed_at))
            ids.append(j)
        psql("INSERT INTO contacts (organisation_id, service_user_id, team_id, at, service, "
             "mode, attendance, woman_present, partner_present, purpose, "
             "joint_working_agreement_id, created_by) VALUES ('%s', '%s', '%s', "
             "timestamptz '%s', 'perinatal_team', 'telephone', 'attended', true, false, "
             "'birthing_conversation', '%s', 'e2e')"
             % (o.id, w, o.team, london(2021, 11, 1, 12, 0), ids[-1]))
        got = values(o.figures("joint-working", 2021, 3, exact=True)[1].body)   # due 30 Nov
        self.assertEqual((got["birthing_conversations_due"],
                          got["birthing_conversations_in_time"],
                          got["birthing_conversations_not_held"]), (1, 1, 0))

    def test_a_therapy_under_a_plan_entered_in_error_is_not_counted(self):
        o = MbuOrg()
        w = o.woman()
        o.intervention(w, "2021-10-01", code="cbt", kind="psychological_therapy",
                       started_on="2021-10-10", assessment_date="2021-10-01")
        started = "psychological_therapies_started"
        self.assertEqual(values(o.figures("joint-working", 2021, 3, exact=True)[1].body)
                         [started], 1)
        psql("UPDATE care_plans SET voided_at = now(), voided_by = 'e2e', void_reason = 'E2E', "
             "version = version + 1 "
             "WHERE id = '%s'" % o.plan(w))
        self.assertEqual(values(o.figures("joint-working", 2021, 3, exact=True)[1].body)
                         [started], 0)

    def test_suppressed_for_a_commissioner(self):
        r = self.o.report("joint-working", 2022, 3)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.body["suppression"]["applied"])
        self.assertEqual(set(values(r.body).values()), {"*"})
        self.o.assert_no_personal_data(json.dumps(r.body))
        assert_problem(self.o.report("joint-working", 2022, 3, suppress="false"), 403)

    def test_adjacent_quarters(self):
        _, r = self.o.figures("joint-working", 2022, 2, exact=True)
        got = values(r.body)
        # Q2: W4's conversation due 30 Sep (not held), W2's and W4's
        # agreements made, W4's therapy started 30 Sep (day 10), W9 due.
        self.assertEqual((got["birthing_conversations_due"],
                          got["birthing_conversations_not_held"], got["agreements_made"],
                          got["psychological_therapies_within_28_days"], got["agreements_due"],
                          got["agreements_due_made"]), (1, 1, 2, 1, 1, 0))
        _, r = self.o.figures("joint-working", 2022, 4, exact=True)
        got = values(r.body)
        # Q4: W7's due 1 Jan, W7 agreed 1 Jan, W5's therapy day 12, W11 due.
        self.assertEqual((got["birthing_conversations_due"], got["agreements_made"],
                          got["psychological_therapies_within_28_days"], got["agreements_due"]),
                         (1, 1, 1, 1))


if __name__ == "__main__":
    e2e.main()
