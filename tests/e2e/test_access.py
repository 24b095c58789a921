"""Who may see what (issue 4, points 1-6), end to end over HTTPS:

1. roles, from the route table: every route refuses every role it does not
   name with 403 and writes nothing; liaison and commissioner tokens can do
   nothing yet (their routes do not exist);
2. scope: a clinician reaches only the women linked to one of its token's
   teams (registered by a clinician of the team, or referred to it);
   anything else is 404 exactly like a missing id, for reads, lists, NHS
   number lookups, updates and referrals; a referrer sees only its own
   referrals; an admin only its own organisation;
3. the audit trail: one row per access (refusals too), with the response's
   X-Request-Id; GET /v1/audit for admins, newest first, with paging; the
   application's role cannot change or delete a row, nor can the owner
   (trigger);
4. revocation: a revoked jti is refused within 5 s, cache included, also
   when the revocation reaches the process through the database only (as it
   does every other process), and after a restart;
5. logs: one JSON line per request, never a token, NHS number or name;
6. mass assignment: fields the server owns are 400 when sent.
"""

import datetime
import json
import os
import subprocess
import time
import unittest
import uuid

import e2e
from e2e import (DEMO_ORG, OTHER_ORG, assert_problem, db_count, get, mint, patch, post, psql,
                 service_user_body, token)

DUTY = "00000000-0000-4000-8000-0000000000b1"
JWA = "/v1/joint-working-agreements"
JW_DOMAINS = ("medical_review", "lead_service", "crisis_management",
              "perinatal_mental_health_midwife", "health_visiting_contact",
              "birthing_conversation", "high_risk_postnatal_monitoring",
              "first_episode_psychosis", "parent_infant_relationship",
              "parent_infant_interventions", "psychological_therapy", "occupational_therapy",
              "couples_family_therapy", "wellbeing_social_integration", "carers_assessment",
              "safeguarding_children", "safeguarding_adults", "additional_needs")
NO_SUCH_ID = "00000000-0000-4000-8000-00000000dead"

SNAPSHOT_SQL = (
    "select concat_ws(',', (select count(*) from teams), (select count(*) from staff), "
    "(select count(*) from service_users), (select coalesce(sum(version), 0) from service_users), "
    "(select count(*) from referrals), (select coalesce(sum(version), 0) from referrals), "
    "(select count(*) from workflow_transitions), (select count(*) from service_user_teams), "
    "(select count(*) from revoked_tokens), (select count(*) from idempotency_keys), "
    "(select count(*) from staff_training), "
    "(select coalesce(sum(version), 0) from staff_training), "
    "(select count(*) from contacts), (select coalesce(sum(version), 0) from contacts), "
    "(select count(*) from gp_practices), (select coalesce(sum(version), 0) from gp_practices), "
    "(select count(*) from staff_supervision), "
    "(select coalesce(sum(version), 0) from staff_supervision), "
    "(select count(*) from teaching_sessions), "
    "(select coalesce(sum(version), 0) from teaching_sessions), "
    "(select count(*) from infants), (select coalesce(sum(version), 0) from infants), "
    "(select count(*) from mbu_admissions), "
    "(select coalesce(sum(version), 0) from mbu_admissions), "
    "(select coalesce(sum(version), 0) from joint_working_agreements), "
    "(select count(*) from joint_working_agreements), (select count(*) from joint_working_teams), "
    "(select coalesce(sum(version), 0) from joint_working_teams), "
    "(select count(*) from joint_working_shares), "
    "(select coalesce(sum(version), 0) from joint_working_differences), "
    "(select count(*) from joint_working_differences), "
    "(select count(*) from measures), (select count(*) from alerts), "
    "(select coalesce(sum(version), 0) from alerts), "
    "(select count(*) from report_submissions), "
    "(select count(*) from care_plans), (select coalesce(sum(version), 0) from care_plans), "
    "(select count(*) from care_plan_versions), (select count(*) from care_plan_interventions), "
    "(select coalesce(sum(version), 0) from care_plan_interventions))")


def snapshot():
    """Counts (and version sums) of every table a request could write, but
    the audit trail."""
    return psql(SNAPSHOT_SQL)


def jwa_created(body):
    r = post(JWA, body, token=token("clinician"))
    assert r.status == 201, r
    return r.body


def new_team(label):
    r = post("/v1/teams", {"name": "E2E access %s %s" % (label, uuid.uuid4().hex[:10]),
                           "type": "perinatal_community"}, token=token("admin"))
    assert r.status == 201, r
    return r.body["id"]


def referral_body(team_id, **over):
    body = {
        "team_id": team_id,
        "source": "gp",
        "channel": "online_form",
        "priority": "routine",
        "criteria": ["smi_pregnant"],
        "reason": "Known bipolar disorder, now 20 weeks pregnant.",
        "referrer": {"name": "Dr A Smith", "organisation": "Dorchester Surgery"},
    }
    body.update(over)
    if "service_user_id" not in body and "service_user" not in body:
        body["service_user"] = service_user_body()
    return body


def refer(tok, team_id, **over):
    """A referral to the team: a referrer's, or a clinician's to a team not
    its own, at /v1/submitted-referrals."""
    path = "/v1/referrals"
    if e2e.token_role(tok) == "referrer" or over.pop("submitted", False):
        path = "/v1/submitted-referrals"
    r = post(path, referral_body(team_id, **over), token=tok)
    assert r.status == 201, r
    return r.body


def list_ids(path, tok):
    """Every id of a list, following the cursor."""
    ids, url = [], path
    for _ in range(200):
        r = get(url, token=tok)
        assert r.status == 200, r
        ids += [item["id"] for item in r.body["items"]]
        if not r.body["next_cursor"]:
            return ids
        sep = "&" if "?" in path else "?"
        url = path + sep + "cursor=" + r.body["next_cursor"]
    raise AssertionError("list %s does not end" % path)


def audit_items(service_user_id, tok=None, **params):
    q = "&".join("%s=%s" % kv for kv in params.items())
    r = get("/v1/audit?service_user=%s%s" % (service_user_id, "&" + q if q else ""),
            token=tok or token("admin"))
    assert r.status == 200, r
    return r.body["items"]


def assert_same_404(test, resp, control):
    """An out-of-scope id answers exactly as an id that does not exist."""
    body = assert_problem(resp, 404)
    cbody = assert_problem(control, 404)
    for f in ("type", "title", "status", "detail"):
        test.assertEqual(body.get(f), cbody.get(f), "field %s: %r vs %r" % (f, resp, control))
    test.assertEqual(set(body), set(cbody))
    test.assertNotIn("etag", resp.headers)


# ---------------------------------------------------------------------------
# 1. Roles
# ---------------------------------------------------------------------------

def issue13_records(woman):
    """A partner of the woman with her consent, an MH6 offer, one of her own
    consents, and an accepted referral with its discharge plan."""
    cli = token("clinician")
    su = "/v1/service-users/" + woman["id"]
    made = []
    for path, body in ((su + "/partners", {"name": "E2E partner", "relationship": "partner"}),):
        r = post(path, body, token=cli)
        assert r.status == 201, r
        made.append(r.body)
    partner = su + "/partners/" + made[0]["id"]
    for path, body in ((partner + "/consents", {"decision": "given", "on": e2e.today(-1)}),
                       (partner + "/offers", {"support_type": "informational",
                                              "mh6_item": "joint_activities",
                                              "offered_on": e2e.today(-1)}),
                       (su + "/consents", {"scope": "share_with_gp", "decision": "given",
                                           "on": e2e.today(-1)})):
        r = post(path, body, token=cli)
        assert r.status == 201, r
        made.append(r.body)
    ref = refer(cli, e2e.DEMO_TEAM)
    for body in ({"to": "triaged", "duty_clinician_id": DUTY, "notes": "Duty."},
                 {"to": "accepted", "pathway": "perinatal", "allocated_clinician_id": DUTY}):
        r = post("/v1/referrals/%s/transitions" % ref["id"], body, token=cli)
        assert r.status == 201, r
    r = post("/v1/referrals/%s/discharge-plan" % ref["id"],
             {"follow_up": "GP review.", "relapse_signs": "Poor sleep."}, token=cli)
    assert r.status == 201, r
    made.append(ref)
    return made


def issue13_routes(t):
    """The routes of partners, consents, MH6 offers and discharge plans."""
    n = t.nonce
    su = "/v1/service-users/" + t.woman["id"]
    partner = su + "/partners/" + t.partner["id"]
    offer = partner + "/offers/" + t.offer["id"]
    plan = "/v1/referrals/%s/discharge-plan" % t.planned["id"]
    read = {"admin", "clinician"}
    return [
        ("POST", su + "/partners", {"name": "E2E role " + n, "relationship": "friend"},
         {"clinician"}),
        ("GET", su + "/partners", None, read),
        ("GET", partner, None, read),
        ("PATCH", partner, {"name": "E2E role " + n}, {"clinician"}),
        ("POST", su + "/consents", {"scope": "share_with_maternity", "decision": "given",
                                    "on": e2e.today(-1)}, {"clinician"}),
        ("GET", su + "/consents", None, read),
        ("GET", su + "/consents/" + t.her_consent["id"], None, read),
        ("POST", partner + "/consents", {"decision": "given", "on": e2e.today(-1)},
         {"clinician"}),
        ("GET", partner + "/consents", None, read),
        ("GET", partner + "/consents/" + t.partner_consent["id"], None, read),
        ("POST", partner + "/offers", {"support_type": "emotional", "mh6_item": "family_sessions",
                                       "offered_on": e2e.today(-1)}, {"clinician"}),
        ("GET", partner + "/offers", None, read),
        ("GET", offer, None, read),
        ("PATCH", offer, {"accepted_on": e2e.today(0)}, {"clinician"}),
        ("POST", plan, {"follow_up": "E2E role " + n, "relapse_signs": "x"}, {"clinician"}),
        ("GET", plan, None, read),
        ("PATCH", plan, {"follow_up": "E2E role " + n}, {"clinician"}),
    ]


class Roles(unittest.TestCase):
    """Every route of the table, every role: the ones it does not name get
    403 (before any validation, writing nothing); the ones it names get past
    the check."""

    @classmethod
    def setUpClass(cls):
        cls.woman = e2e.create_service_user().body
        # A referrer's referral to the demo team: its clinicians, the
        # admins and that referrer all may read it.
        cls.referral = refer(token("referrer"), e2e.DEMO_TEAM)
        # One to be marked entered in error (the others stay readable).
        cls.erroneous = refer(token("referrer"), e2e.DEMO_TEAM)
        # A training record of the duty psychiatrist, for its by-id routes.
        r = post("/v1/staff/%s/training" % DUTY,
                 {"course": "E2E access course", "completed_on": e2e.today(-30)},
                 token=token("admin"))
        assert r.status == 201, r
        cls.training = r.body
        # Two contacts with the woman: one read and patched, one to be
        # marked entered in error.
        cls.contact = cls.new_contact()
        cls.erroneous_contact = cls.new_contact()
        cls.nonce = uuid.uuid4().hex[:10]
        # A GP practice the organisation covers, for its by-id routes.
        r = post("/v1/gp-practices", {"ods_code": "X%05d" % (uuid.uuid4().int % 100000),
                                      "name": "E2E access practice"}, token=token("admin"))
        assert r.status == 201, r
        cls.practice = r.body
        # A supervision session of the duty psychiatrist and a teaching
        # session, for their by-id routes.
        cls.supervisor = post("/v1/staff", {"name": "E2E access supervisor",
                                            "profession": "psychologist",
                                            "team_id": e2e.DEMO_TEAM}, token=token("admin")).body
        r = post("/v1/staff/%s/supervision" % DUTY, cls.supervision_body(), token=token("admin"))
        assert r.status == 201, r
        cls.supervision = r.body
        r = post("/v1/teaching-sessions", cls.teaching_body(), token=token("admin"))
        assert r.status == 201, r
        cls.teaching = r.body
        # Two infants of the woman (one to be marked entered in error), her
        # admission in pregnancy, another woman's admission to be marked
        # entered in error, and a third woman to admit.
        cls.infant = cls.new_infant()
        cls.erroneous_infant = cls.new_infant()
        cls.admission = cls.new_admission(cls.woman)
        cls.erroneous_admission = cls.new_admission(e2e.create_service_user().body)
        cls.to_admit = e2e.create_service_user().body
        cls.joint_working()
        # An outcome measure of the woman, and an alert about her.
        r = post("/v1/service-users/%s/measures" % cls.woman["id"], cls.measure_body(),
                 token=token("clinician"))
        assert r.status == 201, r
        cls.measure = r.body
        r = post("/v1/service-users/%s/measures" % cls.woman["id"], cls.measure_body(),
                 token=token("clinician"))
        assert r.status == 201, r
        cls.erroneous_measure = r.body
        cls.alert = psql("select raise_alert(organisation_id, id, 'liaison_update', "
                         "gen_random_uuid(), 'E2E access alert', 'e2e') from service_users "
                         "where id = '%s'" % cls.woman["id"])
        # A woman who consents to sharing with health visiting, an update
        # sent to it about her, and one a health-visiting system sent.
        cls.hv_woman = e2e.create_service_user().body
        e2e.give_consent(cls.hv_woman["id"], "share_with_health_visiting", token("clinician"))
        r = post("/v1/service-users/%s/liaison-updates" % cls.hv_woman["id"], cls.out_body(),
                 token=token("clinician"))
        assert r.status == 201, r
        cls.out_update = r.body
        r = post("/v1/liaison-updates", cls.in_body(), token=token("liaison"))
        assert r.status == 202, r
        cls.in_update = r.body
        # A frozen quarter, for the submission's by-id route.
        r = post("/v1/reports/activity/submissions", {"year": 2024, "quarter": 4},
                 token=token("admin"))
        assert r.status == 201, r
        cls.submission = r.body
        # A woman the demo team accepted, with a care plan (one more to be
        # entered in error) and two interventions under it (one to be
        # entered in error).
        accepted = e2e.refer(token("clinician"), team_id=e2e.DEMO_TEAM)
        for to, fields in (("triaged", {"duty_clinician_id": DUTY, "notes": "n"}),
                           ("accepted", {"pathway": "perinatal",
                                         "allocated_clinician_id": DUTY})):
            r = post("/v1/referrals/%s/transitions" % accepted["id"], dict(to=to, **fields),
                     token=token("clinician"))
            assert r.status == 201, r
        cls.in_care = accepted["service_user_id"]
        cls.plan = cls.new_plan()
        cls.erroneous_plan = cls.new_plan()
        cls.intervention = cls.new_intervention()
        cls.erroneous_intervention = cls.new_intervention()
        # Issue 13: a partner of the woman with her consent, an MH6 offer,
        # one of her consents, and an accepted referral's discharge plan.
        cls.partner, cls.partner_consent, cls.offer, cls.her_consent, cls.planned = \
            issue13_records(cls.woman)

    @classmethod
    def supervision_body(cls):
        return {"supervisor_id": cls.supervisor["id"], "supervised_on": e2e.today(-2)}

    @classmethod
    def teaching_body(cls):
        return {"delivered_on": e2e.today(-2), "topic": "E2E access teaching",
                "audience": ["midwives"], "attendees": 10, "delivered_by": [DUTY]}

    @classmethod
    def new_infant(cls):
        r = post("/v1/service-users/%s/infants" % cls.woman["id"],
                 {"date_of_birth": e2e.today(-400)}, token=token("clinician"))
        assert r.status == 201, r
        return r.body

    @classmethod
    def plan_body(cls):
        return {"service_user_id": cls.in_care, "team_id": e2e.DEMO_TEAM,
                "care_coordinator_id": DUTY, "goals": ["To feel like myself"],
                "review_date": e2e.today(60)}

    @classmethod
    def new_plan(cls):
        r = post("/v1/care-plans", cls.plan_body(), token=token("clinician"))
        assert r.status == 201, r
        return r.body

    @classmethod
    def new_admission(cls, woman):
        r = post("/v1/mbu-admissions", cls.admission_body(woman), token=token("clinician"))
        assert r.status == 201, r
        return r.body

    @classmethod
    def intervention_body(cls):
        return {"code": "baby_massage", "offered_on": e2e.today(-2), "staff_id": DUTY,
                "team_id": e2e.DEMO_TEAM}

    @staticmethod
    def admission_body(woman):
        return {"service_user_id": woman["id"], "unit_team_id": e2e.DEMO_TEAMS[2],
                "admitted_on": e2e.today(-5), "admitted_with": "pregnancy",
                "lead_professional_id": DUTY}

    @classmethod
    def joint_working(cls):
        """Joint-working agreements about the woman: a draft (with a
        participating team and a difference of opinion) and an agreed one
        (with a share); another woman for the create route's body."""
        cls.jw_woman = e2e.create_service_user().body
        cls.jwa = jwa_created(cls.jw_body(cls.woman["id"]))
        cls.jwa_agreed = jwa_created(cls.jw_body(cls.woman["id"], "postnatal", complete=True))
        r = post("/v1/joint-working-agreements/%s/transitions" % cls.jwa_agreed["id"],
                 {"to": "agreed"}, token=token("clinician"))
        assert r.status == 201, r
        base = "/v1/joint-working-agreements/"
        r = post(base + cls.jwa_agreed["id"] + "/shares",
                 {"recipient": "woman", "shared_on": e2e.today(0)}, token=token("clinician"))
        assert r.status == 201, r
        cls.jw_share = r.body
        r = post(base + cls.jwa["id"] + "/differences", cls.jw_difference(),
                 token=token("clinician"))
        assert r.status == 201, r
        cls.jw_difference_record = r.body
        r = post(base + cls.jwa["id"] + "/teams", {"team": {"name": "E2E other team"}},
                 token=token("clinician"))
        assert r.status == 201, r
        cls.jw_participant = r.body

    @staticmethod
    def jw_body(woman, period="antenatal", complete=False):
        b = {"service_user_id": woman, "period": period, "perinatal_team_id": e2e.DEMO_TEAM,
             "other_team": {"name": "E2E CMHT", "organisation": "E2E trust"}}
        if complete:
            b.update(meeting_date=e2e.today(-1), present="Both teams",
                     lead_service={"team_id": e2e.DEMO_TEAM},
                     lead_professional={"staff_id": DUTY},
                     woman_informed={"ahead_of_review": True, "service_information_given": True,
                                     "told_lead_service": True},
                     domains={d: {"need": "no_identified_need",
                                  "monitored_by": {"team_id": e2e.DEMO_TEAM}}
                              for d in JW_DOMAINS})
        return b

    @staticmethod
    def jw_difference():
        return {"raised_on": e2e.today(-2), "description": "E2E difference",
                "escalated_to": "Senior clinical leads", "escalated_on": e2e.today(-1)}

    @classmethod
    def measure_body(cls):
        return {"instrument": "gad7", "instrument_version": "2006",
                "completed_at": e2e.today(-1) + "T10:00:00Z", "administration": "self_report",
                "responses": {str(i): 0 for i in range(1, 8)}}

    @staticmethod
    def out_body():
        return {"direction": "out", "summary": "E2E access", "contact_point": "Duty worker"}

    @staticmethod
    def in_body():
        return {"sender_record_id": "e2e-access-" + uuid.uuid4().hex, "nhs_number":
                e2e.nhs_number(), "contact_date": e2e.today(-1), "contact_type": "other"}

    @classmethod
    def new_intervention(cls):
        r = post("/v1/care-plans/%s/interventions" % cls.plan["id"], cls.intervention_body(),
                 token=token("clinician"))
        assert r.status == 201, r
        return r.body

    @classmethod
    def new_contact(cls):
        r = post("/v1/contacts", cls.contact_body(), token=token("clinician"))
        assert r.status == 201, r
        return r.body

    @classmethod
    def contact_body(cls):
        return {"service_user_id": cls.woman["id"], "at": e2e.today(-1) + "T10:00:00Z",
                "service": "perinatal_team", "mode": "telephone", "attendance": "attended",
                "present": {"woman": True}}

    def routes(self):
        """(method, path, valid body or None, roles allowed). The bodies are
        valid: if a role check were missing, they would be written."""
        su = "/v1/service-users/" + self.woman["id"]
        ref = "/v1/referrals/" + self.referral["id"]
        training = "/v1/staff/%s/training" % DUTY
        record = training + "/" + self.training["id"]
        practice = "/v1/gp-practices/" + self.practice["id"]
        infant = su + "/infants/" + self.infant["id"]
        adm = "/v1/mbu-admissions/" + self.admission["id"]
        jwa = JWA + "/" + self.jwa["id"]
        agreed = JWA + "/" + self.jwa_agreed["id"]
        plan = "/v1/care-plans/" + self.plan["id"]
        iv = plan + "/interventions/" + self.intervention["id"]
        n = self.nonce
        hv = "/v1/service-users/%s/liaison-updates" % self.hv_woman["id"]
        return [
            ("POST", "/v1/teams", {"name": "E2E role " + n, "type": "mbu"}, {"admin"}),
            ("GET", "/v1/teams", None, {"admin", "clinician"}),
            ("GET", "/v1/teams/" + e2e.DEMO_TEAM, None, {"admin", "clinician"}),
            ("PATCH", "/v1/teams/" + e2e.DEMO_TEAM, {"name": "E2E role " + n}, {"admin"}),
            ("POST", "/v1/staff", {"name": "E2E role " + n, "profession": "nurse",
                                   "team_id": e2e.DEMO_TEAM}, {"admin"}),
            ("GET", "/v1/staff", None, {"admin", "clinician"}),
            ("GET", "/v1/staff/" + DUTY, None, {"admin", "clinician"}),
            ("PATCH", "/v1/staff/" + DUTY, {"name": "E2E role " + n}, {"admin"}),
            ("POST", training, {"course": "E2E role " + n, "completed_on": e2e.today(-30)},
             {"admin"}),
            ("GET", training, None, {"admin", "clinician"}),
            ("GET", record, None, {"admin", "clinician"}),
            ("PATCH", record, {"course": "E2E role " + n}, {"admin"}),
            ("POST", "/v1/gp-practices", {"ods_code": "W%05d" % (int(n, 16) % 100000),
                                          "name": "E2E role " + n}, {"admin"}),
            ("GET", "/v1/gp-practices", None, {"admin", "clinician"}),
            ("GET", practice, None, {"admin", "clinician"}),
            ("PATCH", practice, {"name": "E2E role " + n}, {"admin"}),
            ("POST", "/v1/service-users", service_user_body(), {"admin", "clinician"}),
            ("GET", "/v1/service-users", None, {"admin", "clinician"}),
            ("POST", "/v1/service-users/lookup", {"nhs_number": self.woman["nhs_number"]},
             {"admin", "clinician"}),
            ("GET", su, None, {"admin", "clinician"}),
            ("PATCH", su, {"given_name": "E2E role " + n}, {"admin", "clinician"}),
            ("POST", "/v1/referrals", referral_body(e2e.DEMO_TEAM), {"admin", "clinician"}),
            ("GET", "/v1/referrals", None, {"admin", "clinician"}),
            ("GET", ref, None, {"admin", "clinician"}),
            ("POST", "/v1/submitted-referrals", referral_body(e2e.DEMO_TEAM),
             {"clinician", "referrer"}),
            ("GET", "/v1/submitted-referrals", None, {"clinician", "referrer"}),
            ("GET", "/v1/submitted-referrals/" + self.referral["id"], None,
             {"clinician", "referrer"}),
            ("PATCH", ref, {"priority": "emergency", "priority_reason": "E2E role " + n},
             {"admin", "clinician"}),
            ("POST", ref + "/transitions", {"to": "withdrawn", "reason": "E2E role " + n},
             {"admin", "clinician"}),
            ("GET", ref + "/transitions", None, {"admin", "clinician"}),
            ("POST", "/v1/referrals/%s/entered-in-error" % self.erroneous["id"],
             {"reason": "E2E role " + n}, {"clinician"}),
            ("POST", "/v1/contacts", self.contact_body(), {"clinician"}),
            ("GET", "/v1/contacts", None, {"admin", "clinician"}),
            ("GET", "/v1/contacts/" + self.contact["id"], None, {"admin", "clinician"}),
            ("GET", ref + "/contacts", None, {"admin", "clinician"}),
            ("GET", su + "/contacts", None, {"admin", "clinician"}),
            ("PATCH", "/v1/contacts/" + self.contact["id"], {"note": "E2E role " + n},
             {"clinician"}),
            ("POST", "/v1/contacts/%s/entered-in-error" % self.erroneous_contact["id"],
             {"reason": "E2E role " + n}, {"clinician"}),
            ("POST", "/v1/staff/%s/supervision" % DUTY, self.supervision_body(), {"admin"}),
            ("GET", "/v1/staff/%s/supervision" % DUTY, None, {"admin", "clinician"}),
            ("GET", "/v1/staff/%s/supervision/%s" % (DUTY, self.supervision["id"]), None,
             {"admin", "clinician"}),
            ("PATCH", "/v1/staff/%s/supervision/%s" % (DUTY, self.supervision["id"]),
             {"notes": "E2E role " + n}, {"admin"}),
            ("POST", "/v1/teaching-sessions", self.teaching_body(), {"admin"}),
            ("GET", "/v1/teaching-sessions", None, {"admin", "clinician"}),
            ("GET", "/v1/teaching-sessions/" + self.teaching["id"], None,
             {"admin", "clinician"}),
            ("PATCH", "/v1/teaching-sessions/" + self.teaching["id"], {"topic": "E2E role " + n},
             {"admin"}),
            ("POST", su + "/infants", {"date_of_birth": e2e.today(-30)}, {"admin", "clinician"}),
            ("GET", su + "/infants", None, {"admin", "clinician"}),
            ("GET", infant, None, {"admin", "clinician"}),
            ("PATCH", infant, {"date_of_birth": e2e.today(-31)}, {"admin", "clinician"}),
            ("POST", "%s/infants/%s/entered-in-error" % (su, self.erroneous_infant["id"]),
             {"reason": "E2E role " + n}, {"clinician"}),
            ("POST", "/v1/mbu-admissions", self.admission_body(self.to_admit),
             {"admin", "clinician"}),
            ("GET", "/v1/mbu-admissions", None, {"admin", "clinician"}),
            ("GET", adm, None, {"admin", "clinician"}),
            ("PATCH", adm, {"admitted_on": e2e.today(-6)}, {"admin", "clinician"}),
            ("POST", adm + "/transitions", {"to": "discharged", "discharged_on": e2e.today(-1)},
             {"admin", "clinician"}),
            ("GET", adm + "/transitions", None, {"admin", "clinician"}),
            ("POST", "/v1/mbu-admissions/%s/entered-in-error" % self.erroneous_admission["id"],
             {"reason": "E2E role " + n}, {"clinician"}),
            ("POST", JWA, self.jw_body(self.jw_woman["id"]), {"clinician"}),
            ("GET", JWA, None, {"admin", "clinician"}),
            ("GET", JWA + "/due", None, {"admin", "clinician"}),
            ("GET", jwa, None, {"admin", "clinician"}),
            ("PATCH", jwa, {"present": "E2E role " + n}, {"clinician"}),
            ("POST", jwa + "/transitions", {"to": "ended", "reason": "E2E role " + n},
             {"clinician"}),
            ("GET", jwa + "/transitions", None, {"clinician"}),
            ("POST", jwa + "/teams", {"team": {"name": "E2E role " + n}}, {"clinician"}),
            ("GET", jwa + "/teams", None, {"admin", "clinician"}),
            ("GET", jwa + "/teams/" + self.jw_participant["id"], None, {"admin", "clinician"}),
            ("POST", jwa + "/teams/%s/entered-in-error" % self.jw_participant["id"],
             {"reason": "E2E role " + n}, {"clinician"}),
            ("POST", agreed + "/shares", {"recipient": "woman", "shared_on": e2e.today(0)},
             {"clinician"}),
            ("GET", agreed + "/shares", None, {"admin", "clinician"}),
            ("GET", agreed + "/shares/" + self.jw_share["id"], None, {"admin", "clinician"}),
            ("POST", jwa + "/differences", self.jw_difference(), {"clinician"}),
            ("GET", jwa + "/differences", None, {"admin", "clinician"}),
            ("GET", jwa + "/differences/" + self.jw_difference_record["id"], None,
             {"admin", "clinician"}),
            ("PATCH", jwa + "/differences/" + self.jw_difference_record["id"],
             {"description": "E2E role " + n}, {"clinician"}),
            ("POST", "/v1/care-plans", self.plan_body(), {"clinician"}),
            ("GET", "/v1/care-plans", None, {"admin", "clinician"}),
            ("GET", plan, None, {"admin", "clinician"}),
            ("PATCH", plan, {"goals": ["E2E role " + n]}, {"clinician"}),
            ("POST", "/v1/care-plans/%s/entered-in-error" % self.erroneous_plan["id"],
             {"reason": "E2E role " + n}, {"clinician"}),
            ("GET", plan + "/versions", None, {"admin", "clinician"}),
            ("GET", plan + "/versions/1", None, {"admin", "clinician"}),
            ("POST", plan + "/interventions", self.intervention_body(), {"clinician"}),
            ("GET", plan + "/interventions", None, {"admin", "clinician"}),
            ("GET", iv, None, {"admin", "clinician"}),
            ("POST", iv + "/transitions", {"to": "accepted", "on": e2e.today(-1),
                                           "staff_id": DUTY, "team_id": e2e.DEMO_TEAM},
             {"clinician"}),
            ("GET", iv + "/transitions", None, {"clinician"}),
            ("POST", "%s/interventions/%s/entered-in-error"
             % (plan, self.erroneous_intervention["id"]), {"reason": "E2E role " + n},
             {"clinician"}),
            ("GET", "/v1/audit?service_user=" + self.woman["id"], None, {"admin"}),
            ("POST", su + "/measures", self.measure_body(), {"clinician"}),
            ("GET", su + "/measures", None, {"admin", "clinician"}),
            ("GET", su + "/measures/" + self.measure["id"], None, {"admin", "clinician"}),
            ("POST", su + "/measures/%s/entered-in-error" % self.erroneous_measure["id"],
             {"reason": "E2E role " + n}, {"clinician"}),
            ("GET", "/v1/instruments", None, {"admin", "clinician"}),
            ("GET", "/v1/alerts", None, {"admin", "clinician"}),
            ("GET", "/v1/alerts/" + self.alert, None, {"admin", "clinician"}),
            ("POST", "/v1/alerts/%s/acknowledgements" % self.alert,
             {"action_taken": "E2E role " + n}, {"clinician"}),
            ("POST", hv, self.out_body(), {"clinician"}),
            ("GET", hv, None, {"admin", "clinician"}),
            ("GET", hv + "/" + self.out_update["id"], None, {"admin", "clinician"}),
            ("POST", "/v1/liaison-updates", self.in_body(), {"liaison"}),
            ("GET", "/v1/liaison-updates", None, {"admin", "liaison"}),
            ("GET", "/v1/liaison-updates/" + self.out_update["id"], None, {"admin", "liaison"}),
            ("POST", "/v1/liaison-updates/%s/acknowledgement" % self.out_update["id"], None,
             {"liaison"}),
            ("POST", "/v1/revoked-tokens", {"jti": "e2e-role-" + n, "reason": "test"},
             {"admin"}),
            ("GET", "/v1/reports/activity?year=2024&quarter=4", None, {"admin", "commissioner"}),
            ("POST", "/v1/reports/activity/submissions", {"year": 2024, "quarter": 3},
             {"admin"}),
            ("GET", "/v1/reports/activity/submissions", None, {"admin", "commissioner"}),
            ("GET", "/v1/reports/activity/submissions/" + self.submission["id"], None,
             {"admin", "commissioner"}),
        ] + issue13_routes(self)

    def test_route_table_is_covered(self):
        # The list above is every /v1 route the application has, with the
        # roles the brief gives it: a new route must be added here (and to
        # the OpenAPI roles) when it appears.
        binary = e2e.required_path("PERINATAL_API_BIN")
        out = subprocess.run([binary, "routes"], capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        table = {}
        for line in out.stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1].startswith("/v1"):
                table[(parts[0], parts[1])] = set(parts[2].split(","))
        mine = {}
        for method, path, _, allowed in self.routes():
            p = path.split("?")[0]
            p = p.replace(self.woman["id"], "{service_user_id}")
            p = p.replace(self.hv_woman["id"], "{service_user_id}")
            p = p.replace(self.out_update["id"], "{liaison_update_id}")
            p = p.replace(self.referral["id"], "{referral_id}")
            p = p.replace(self.erroneous["id"], "{referral_id}")
            p = p.replace(self.training["id"], "{training_id}")
            p = p.replace(self.contact["id"], "{contact_id}")
            p = p.replace(self.erroneous_contact["id"], "{contact_id}")
            p = p.replace(self.practice["id"], "{gp_practice_id}")
            p = p.replace(self.supervision["id"], "{supervision_id}")
            p = p.replace(self.teaching["id"], "{teaching_session_id}")
            p = p.replace(self.infant["id"], "{infant_id}")
            p = p.replace(self.erroneous_infant["id"], "{infant_id}")
            p = p.replace(self.admission["id"], "{mbu_admission_id}")
            p = p.replace(self.erroneous_admission["id"], "{mbu_admission_id}")
            p = p.replace(self.jwa["id"], "{agreement_id}")
            p = p.replace(self.jwa_agreed["id"], "{agreement_id}")
            p = p.replace(self.jw_participant["id"], "{participant_id}")
            p = p.replace(self.jw_share["id"], "{share_id}")
            p = p.replace(self.jw_difference_record["id"], "{difference_id}")
            p = p.replace(self.measure["id"], "{measure_id}").replace(self.alert, "{alert_id}")
            p = p.replace(self.erroneous_measure["id"], "{measure_id}")
            p = p.replace(self.plan["id"], "{care_plan_id}")
            p = p.replace(self.erroneous_plan["id"], "{care_plan_id}")
            p = p.replace(self.intervention["id"], "{intervention_id}")
            p = p.replace(self.erroneous_intervention["id"], "{intervention_id}")
            p = p.replace(self.partner["id"], "{partner_id}")
            p = p.replace(self.partner_consent["id"], "{consent_id}")
            p = p.replace(self.her_consent["id"], "{consent_id}")
            p = p.replace(self.offer["id"], "{offer_id}")
            p = p.replace(self.planned["id"], "{referral_id}")
            p = p.replace("/versions/1", "/versions/{version}")
            p = p.replace(e2e.DEMO_TEAM, "{team_id}").replace(DUTY, "{staff_id}")
            p = p.replace(self.submission["id"], "{submission_id}")
            p = p.replace("/v1/reports/activity", "/v1/reports/{report}")
            mine[(method, p)] = allowed
        self.assertEqual(table, mine)

    def test_wrong_role_is_403_and_writes_nothing(self):
        before = snapshot()
        for role in ("admin", "clinician", "referrer", "liaison", "commissioner"):
            tok = token(role)
            for method, path, body, allowed in self.routes():
                if role in allowed:
                    continue
                with self.subTest(role=role, route="%s %s" % (method, path)):
                    headers = {"If-Match": '"1"'} if method == "PATCH" else None
                    r = e2e.request(method, path, token=tok, body=body, headers=headers)
                    assert_problem(r, 403)
                    self.assertNotIn("www-authenticate", r.headers)
        self.assertEqual(snapshot(), before)
        self.assertEqual(db_count("select count(*) from teams where name = %s"
                                  % e2e.sql_quote("E2E role " + self.nonce)), 0)

    def test_403_before_validation(self):
        # A forbidden role learns nothing about the body or the id: even a
        # broken body or an unknown id is 403.
        for method, path in (("POST", "/v1/service-users"), ("POST", "/v1/teams"),
                             ("PATCH", "/v1/service-users/" + NO_SUCH_ID),
                             ("POST", "/v1/referrals/%s/transitions" % NO_SUCH_ID)):
            with self.subTest(route=path):
                assert_problem(e2e.request(method, path, token=token("liaison"),
                                           body=b"{not json"), 403)
        assert_problem(get("/v1/service-users/not-a-uuid", token=token("referrer")), 403)

    def test_allowed_roles_get_past_the_check(self):
        # Requests that reach the handler but cannot write: an empty body
        # (400), a PATCH without If-Match (428), reads (200).
        before = snapshot()
        for method, path, body, allowed in self.routes():
            for role in sorted(allowed):
                with self.subTest(role=role, route="%s %s" % (method, path)):
                    send = {} if method in ("POST", "PATCH") else None
                    r = e2e.request(method, path, token=token(role), body=send)
                    if method == "GET":
                        self.assertEqual(r.status, 200, r)
                    elif method == "PATCH":
                        assert_problem(r, 428)
                    else:
                        assert_problem(r, 400)
        self.assertEqual(snapshot(), before)

    def test_liaison_and_commissioner_can_do_nothing(self):
        # Their own routes (a liaison system's updates; a commissioner's
        # reports) aside, every route there is is refused to them.
        for role in ("liaison", "commissioner"):
            tok = token(role)
            for method, path, _, allowed in self.routes():
                if role in allowed:
                    continue
                with self.subTest(role=role, route="%s %s" % (method, path)):
                    assert_problem(e2e.request(method, path, token=tok), 403)
            # Unversioned health routes are public and name no role.
            self.assertEqual(get("/healthz", token=tok).status, 200)

    def test_referrer_reads_only_status_of_its_own(self):
        mine = refer(token("referrer"), e2e.DEMO_TEAM)
        r = get("/v1/submitted-referrals/" + mine["id"], token=token("referrer"))
        self.assertEqual(r.status, 200, r)
        # Where it stands, not the clinical content.
        for field in ("reason", "referrer", "service_user_id", "risk_assessment", "outcome"):
            self.assertNotIn(field, r.body)
        self.assertEqual(r.body["status"], "received")


# ---------------------------------------------------------------------------
# 2. Scope
# ---------------------------------------------------------------------------

class ClinicianScope(unittest.TestCase):
    """Team A's clinician registers a woman; team B's clinician cannot reach
    her in any way until she is referred to team B."""

    @classmethod
    def setUpClass(cls):
        cls.team_a = new_team("A")
        cls.team_b = new_team("B")
        cls.cli_a = mint("clinician", team=cls.team_a, sub="e2e-cli-a-" + uuid.uuid4().hex[:6])
        cls.cli_b = mint("clinician", team=cls.team_b, sub="e2e-cli-b-" + uuid.uuid4().hex[:6])
        cls.cli_ab = mint("clinician", team=[cls.team_a, cls.team_b])

    def register(self, tok=None):
        return e2e.create_service_user(tok or self.cli_a).body

    def test_other_team_cannot_read(self):
        w = self.register()
        self.assertEqual(get("/v1/service-users/" + w["id"], token=self.cli_a).status, 200)
        assert_same_404(self, get("/v1/service-users/" + w["id"], token=self.cli_b),
                        get("/v1/service-users/" + NO_SUCH_ID, token=self.cli_b))
        self.assertEqual(get("/v1/service-users/" + w["id"], token=self.cli_ab).status, 200)

    def test_other_team_cannot_update(self):
        w = self.register()
        before = snapshot()
        r = patch("/v1/service-users/" + w["id"], {"given_name": "Changed"}, token=self.cli_b,
                  etag='"1"')
        assert_same_404(self, r, patch("/v1/service-users/" + NO_SUCH_ID,
                                       {"given_name": "Changed"}, token=self.cli_b, etag='"1"'))
        # If-Match: * changes nothing either.
        assert_problem(patch("/v1/service-users/" + w["id"], {"given_name": "Changed"},
                             token=self.cli_b, etag="*"), 404)
        self.assertEqual(snapshot(), before)
        r = get("/v1/service-users/" + w["id"], token=self.cli_a)
        self.assertEqual((r.body["given_name"], r.body["version"]), (w["given_name"], 1))

    def test_other_team_list_and_lookup(self):
        w = self.register()
        self.assertIn(w["id"], list_ids("/v1/service-users?limit=200", self.cli_a))
        self.assertNotIn(w["id"], list_ids("/v1/service-users?limit=200", self.cli_b))
        # Only women linked to team B, never team A's.
        for sid in list_ids("/v1/service-users?limit=200", self.cli_b):
            self.assertEqual(db_count(
                "select count(*) from service_user_teams where service_user_id = '%s' "
                "and team_id = '%s'" % (sid, self.team_b)), 1)
        r = e2e.lookup(w["nhs_number"], token=self.cli_b)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, {"items": [], "next_cursor": None})
        r = e2e.lookup(w["nhs_number"], token=self.cli_a)
        self.assertEqual([i["id"] for i in r.body["items"]], [w["id"]])
        r = get("/v1/referrals?service_user=" + w["id"], token=self.cli_b)
        self.assertEqual(r.body["items"], [])

    def test_other_team_cannot_refer_her_by_id(self):
        # Referring by id is no oracle: her id answers like an unknown id.
        w = self.register()
        before = snapshot()
        body = referral_body(self.team_b, service_user_id=w["id"])
        mine = assert_problem(post("/v1/referrals", body, token=self.cli_b), 422,
                              "/service_user_id")
        ctrl = assert_problem(post("/v1/referrals", dict(body, service_user_id=NO_SUCH_ID),
                                   token=self.cli_b), 422, "/service_user_id")
        self.assertEqual(mine["errors"], ctrl["errors"])
        self.assertEqual(snapshot(), before)

    def test_visible_after_referral_to_the_team(self):
        w = self.register()
        assert_problem(get("/v1/service-users/" + w["id"], token=self.cli_b), 404)
        ref = refer(self.cli_a, self.team_b, service_user_id=w["id"], submitted=True)
        self.assertEqual(db_count(
            "select count(*) from service_user_teams where service_user_id = '%s' and "
            "team_id = '%s' and reason = 'referral'" % (w["id"], self.team_b)), 1)
        r = get("/v1/service-users/" + w["id"], token=self.cli_b)
        self.assertEqual(r.status, 200, r)
        self.assertIn(w["id"], list_ids("/v1/service-users?limit=200", self.cli_b))
        r = e2e.lookup(w["nhs_number"], token=self.cli_b)
        self.assertEqual([i["id"] for i in r.body["items"]], [w["id"]])
        r = patch("/v1/service-users/" + w["id"], {"postcode": "DT1 1AA"}, token=self.cli_b,
                  etag=r.headers.get("etag") or '"1"')
        self.assertEqual(r.status, 200, r)
        # The referral is team B's: its clinicians see it, team A's do not.
        self.assertEqual(get("/v1/referrals/" + ref["id"], token=self.cli_b).status, 200)
        self.assertEqual(get("/v1/referrals/%s/transitions" % ref["id"],
                             token=self.cli_b).status, 200)
        assert_problem(get("/v1/referrals/" + ref["id"], token=self.cli_a), 404)
        # She stays in team A's scope (registration).
        self.assertEqual(get("/v1/service-users/" + w["id"], token=self.cli_a).status, 200)

    def test_referral_to_new_woman_links_her_to_that_team(self):
        body = referral_body(self.team_b)
        ref = refer(token("referrer"), self.team_b, service_user=body["service_user"])
        r = e2e.lookup(body["service_user"]["nhs_number"], token=self.cli_b)
        self.assertEqual(len(r.body["items"]), 1, r)
        r = e2e.lookup(body["service_user"]["nhs_number"], token=self.cli_a)
        self.assertEqual(r.body["items"], [])
        self.assertEqual(get("/v1/referrals/" + ref["id"], token=self.cli_b).status, 200)

    def test_other_team_referral_read_transition_history(self):
        ref = refer(self.cli_a, self.team_a)
        path = "/v1/referrals/" + ref["id"]
        self.assertEqual(get(path, token=self.cli_a).status, 200)
        before = snapshot()
        assert_same_404(self, get(path, token=self.cli_b),
                        get("/v1/referrals/" + NO_SUCH_ID, token=self.cli_b))
        assert_same_404(self, get(path + "/transitions", token=self.cli_b),
                        get("/v1/referrals/%s/transitions" % NO_SUCH_ID, token=self.cli_b))
        move = {"to": "withdrawn", "reason": "She moved away."}
        assert_same_404(self, post(path + "/transitions", move, token=self.cli_b),
                        post("/v1/referrals/%s/transitions" % NO_SUCH_ID, move,
                             token=self.cli_b))
        self.assertEqual(snapshot(), before)
        self.assertNotIn(ref["id"], list_ids("/v1/referrals?limit=200", self.cli_b))
        self.assertIn(ref["id"], list_ids("/v1/referrals?limit=200&team=" + self.team_a,
                                          self.cli_a))
        r = get("/v1/referrals?team=" + self.team_a, token=self.cli_b)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["items"], [])
        self.assertEqual(get(path, token=self.cli_a).body["status"], "received")

    def test_referral_response_reveals_no_woman_out_of_scope(self):
        # A referral by her details is matched to the woman with that NHS
        # number. When the referral goes to a team not in the caller's token,
        # the caller cannot read it afterwards (404), so the 201 must not
        # tell it either: not her id (an NHS number -> id oracle past the
        # lookup scoping), nor what the flags say of her other care.
        w = self.register()
        body = referral_body(self.team_a, service_user=service_user_body(
            nhs_number=w["nhs_number"], given_name="Anyone"))
        r = post("/v1/submitted-referrals", body, token=self.cli_b)
        self.assertEqual(r.status, 201, r)
        assert_problem(get("/v1/referrals/" + r.body["id"], token=self.cli_b), 404)
        assert_problem(get("/v1/service-users/" + w["id"], token=self.cli_b), 404)
        self.assertNotIn(w["id"].encode(), r.raw,
                         "the 201 names a woman outside the caller's scope")
        self.assertNotIn("flags", r.body)

    def test_token_team_of_another_organisation_gains_nothing(self):
        # The same team id in a token of another organisation: nothing.
        e2e.ensure_other_org()
        w = self.register()
        t = mint("clinician", org=OTHER_ORG, team=self.team_a)
        assert_problem(get("/v1/service-users/" + w["id"], token=t), 404)
        r = e2e.lookup(w["nhs_number"], token=t)
        self.assertEqual(r.body["items"], [], r)


    def test_token_naming_another_organisations_team_is_refused(self):
        # A clinician of organisation A whose token names a team of
        # organisation B brings no woman into that team's scope.
        e2e.ensure_other_org()
        admin_b = mint("admin", org=OTHER_ORG)
        r = post("/v1/teams", {"name": "E2E org B team " + uuid.uuid4().hex[:8],
                               "type": "perinatal_community"}, token=admin_b)
        self.assertEqual(r.status, 201, r)
        team_b = r.body["id"]
        before = snapshot()
        t = mint("clinician", team=team_b)
        assert_problem(post("/v1/service-users", service_user_body(), token=t), 403)
        self.assertEqual(snapshot(), before)


class ReferrerScope(unittest.TestCase):
    def test_referrals_of_other_referrers_are_invisible(self):
        r1 = mint("referrer", sub="e2e-ref-1-" + uuid.uuid4().hex[:6])
        r2 = mint("referrer", sub="e2e-ref-2-" + uuid.uuid4().hex[:6])
        mine = refer(r1, e2e.DEMO_TEAM)
        self.assertEqual(get("/v1/submitted-referrals/" + mine["id"], token=r1).status, 200)
        assert_same_404(self, get("/v1/submitted-referrals/" + mine["id"], token=r2),
                        get("/v1/submitted-referrals/" + NO_SUCH_ID, token=r2))
        self.assertIn(mine["id"], list_ids("/v1/submitted-referrals?limit=200", r1))
        self.assertNotIn(mine["id"], list_ids("/v1/submitted-referrals?limit=200", r2))
        # Every referral a referrer lists is its own.
        for rid in list_ids("/v1/submitted-referrals?limit=200", r1):
            self.assertEqual(db_count(
                "select count(*) from referrals where id = '%s' and submitted_by = %s"
                % (rid, e2e.sql_quote(json.loads(e2e.b64url_decode(r1.split(".")[1]))["sub"]))),
                1)
        # A clinician's referral is not a referrer's either.
        theirs = refer(token("clinician"), e2e.DEMO_TEAM)
        assert_problem(get("/v1/submitted-referrals/" + theirs["id"], token=r1), 404)


class AdminScope(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        e2e.ensure_other_org()
        cls.admin_b = mint("admin", org=OTHER_ORG)
        cls.woman = e2e.create_service_user(token("admin")).body
        cls.referral = refer(token("clinician"), e2e.DEMO_TEAM,
                             service_user=service_user_body())

    def test_other_org_cannot_read_list_lookup_update(self):
        w = self.woman
        before = snapshot()
        assert_same_404(self, get("/v1/service-users/" + w["id"], token=self.admin_b),
                        get("/v1/service-users/" + NO_SUCH_ID, token=self.admin_b))
        r = e2e.lookup(w["nhs_number"], token=self.admin_b)
        self.assertEqual(r.body, {"items": [], "next_cursor": None})
        r = get("/v1/service-users?limit=200", token=self.admin_b)
        for item in r.body["items"]:
            self.assertEqual(item["organisation_id"], OTHER_ORG)
        assert_problem(patch("/v1/service-users/" + w["id"], {"given_name": "X"},
                             token=self.admin_b, etag='"1"'), 404)
        assert_problem(patch("/v1/service-users/" + w["id"], {"given_name": "X"},
                             token=self.admin_b, etag="*"), 404)
        self.assertEqual(snapshot(), before)

    def test_other_org_cannot_reach_referrals(self):
        ref = self.referral
        before = snapshot()
        assert_problem(get("/v1/referrals/" + ref["id"], token=self.admin_b), 404)
        assert_problem(get("/v1/referrals/%s/transitions" % ref["id"], token=self.admin_b), 404)
        assert_problem(post("/v1/referrals/%s/transitions" % ref["id"],
                            {"to": "withdrawn", "reason": "x"}, token=self.admin_b), 404)
        r = get("/v1/referrals?limit=200", token=self.admin_b)
        self.assertNotIn(ref["id"], [i["id"] for i in r.body["items"]])
        r = get("/v1/referrals?service_user=" + ref["service_user_id"], token=self.admin_b)
        self.assertEqual(r.body["items"], [])
        # Nor refer a woman of organisation A by her id.
        body = referral_body(e2e.DEMO_TEAM, service_user_id=ref["service_user_id"])
        assert_problem(post("/v1/referrals", body, token=self.admin_b), 422, "/service_user_id")
        self.assertEqual(snapshot(), before)

    def test_other_org_cannot_reach_teams_staff_or_audit(self):
        assert_problem(get("/v1/teams/" + e2e.DEMO_TEAM, token=self.admin_b), 404)
        assert_problem(get("/v1/staff/" + DUTY, token=self.admin_b), 404)
        self.assertEqual(audit_items(self.woman["id"], tok=self.admin_b), [])
        self.assertTrue(audit_items(self.woman["id"]))

    def test_same_nhs_number_in_two_organisations(self):
        # Each organisation has its own record; neither sees the other's.
        w = self.woman
        r = post("/v1/service-users", service_user_body(nhs_number=w["nhs_number"]),
                 token=self.admin_b)
        self.assertEqual(r.status, 201, r)
        theirs = r.body
        self.assertEqual(theirs["organisation_id"], OTHER_ORG)
        a = e2e.lookup(w["nhs_number"], token=token("admin"))
        self.assertEqual([i["id"] for i in a.body["items"]], [w["id"]])
        b = e2e.lookup(w["nhs_number"], token=self.admin_b)
        self.assertEqual([i["id"] for i in b.body["items"]], [theirs["id"]])
        assert_problem(get("/v1/service-users/" + theirs["id"], token=token("admin")), 404)


# ---------------------------------------------------------------------------
# 3. Audit
# ---------------------------------------------------------------------------

class Audit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.team_a = new_team("audit A")
        cls.team_b = new_team("audit B")
        cls.sub_a = "e2e-aud-a-" + uuid.uuid4().hex[:8]
        cls.sub_b = "e2e-aud-b-" + uuid.uuid4().hex[:8]
        cls.sub_r = "e2e-aud-r-" + uuid.uuid4().hex[:8]
        cls.cli_a = mint("clinician", team=cls.team_a, sub=cls.sub_a)
        cls.cli_b = mint("clinician", team=cls.team_b, sub=cls.sub_b)
        cls.ref_tok = mint("referrer", sub=cls.sub_r)

    def woman(self):
        return e2e.create_service_user(self.cli_a).body

    def row(self, woman_id, request_id):
        rows = [i for i in audit_items(woman_id, limit=200) if i["request_id"] == request_id]
        self.assertEqual(len(rows), 1, "audit rows for request %s: %r" % (request_id, rows))
        return rows[0]

    def check(self, woman_id, resp, sub, role, action, outcome, resource="service_user",
              resource_id="same", teams=None):
        rid = resp.headers.get("x-request-id")
        self.assertTrue(rid, resp)
        row = self.row(woman_id, rid)
        self.assertEqual(row["sub"], sub, row)
        self.assertEqual(row["role"], role, row)
        self.assertEqual(row["action"], action, row)
        self.assertEqual(row["outcome"], outcome, row)
        self.assertEqual(row["resource"], resource, row)
        if resource_id == "same":
            resource_id = woman_id
        self.assertEqual(row["resource_id"], resource_id, row)
        if teams is not None:
            self.assertEqual(row["teams"], teams, row)
        self.assertEqual(set(row), {"id", "at", "sub", "role", "teams", "action", "resource",
                                    "resource_id", "request_id", "outcome"})
        return row

    def test_read_by_clinician(self):
        w = self.woman()
        rid = "e2e-audit-" + uuid.uuid4().hex
        r = get("/v1/service-users/" + w["id"], token=self.cli_a, headers={"X-Request-Id": rid})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["x-request-id"], rid)
        self.check(w["id"], r, self.sub_a, "clinician", "read", "ok", teams=[self.team_a])
        self.assertEqual(db_count("select count(*) from audit_events where request_id = %s"
                                  % e2e.sql_quote(rid)), 1)

    def test_request_id_made_by_server_when_none_sent(self):
        w = self.woman()
        r = get("/v1/service-users/" + w["id"], token=self.cli_a)
        self.check(w["id"], r, self.sub_a, "clinician", "read", "ok")

    def test_create_is_audited(self):
        r = e2e.create_service_user(self.cli_a)
        self.check(r.body["id"], r, self.sub_a, "clinician", "create", "ok")

    def test_refused_read_other_team(self):
        w = self.woman()
        r = get("/v1/service-users/" + w["id"], token=self.cli_b)
        assert_problem(r, 404)
        self.check(w["id"], r, self.sub_b, "clinician", "read", "not_found", teams=[self.team_b])

    def test_forbidden_role(self):
        w = self.woman()
        r = get("/v1/service-users/" + w["id"], token=self.ref_tok)
        assert_problem(r, 403)
        self.check(w["id"], r, self.sub_r, "referrer", "read", "forbidden")

    def test_list_and_lookup(self):
        w = self.woman()
        r = get("/v1/service-users?limit=200", token=self.cli_a)
        self.assertIn(w["id"], [i["id"] for i in r.body["items"]])
        self.check(w["id"], r, self.sub_a, "clinician", "list", "ok", resource_id=None)
        r = e2e.lookup(w["nhs_number"], token=self.cli_a)
        self.assertEqual(len(r.body["items"]), 1)
        self.check(w["id"], r, self.sub_a, "clinician", "lookup", "ok", resource_id=None)

    def test_refused_lookup_is_in_her_trail(self):
        # "Who looked at her record": a clinician of another team who looks
        # her up by NHS number gets nothing (as if she did not exist), and a
        # role that may not look anyone up gets 403; both attempts must show
        # in her trail, as a refused read by id does.
        w = self.woman()
        r = e2e.lookup(w["nhs_number"], token=self.cli_b)
        self.assertEqual(r.body["items"], [], r)
        self.check(w["id"], r, self.sub_b, "clinician", "lookup", "not_found", resource_id=None)

    def test_forbidden_lookup_is_in_her_trail_as_a_lookup(self):
        w = self.woman()
        r = e2e.lookup(w["nhs_number"], token=self.ref_tok)
        assert_problem(r, 403)
        self.check(w["id"], r, self.sub_r, "referrer", "lookup", "forbidden", resource_id=None)

    def test_server_request_id_when_client_sends_an_insane_one(self):
        w = self.woman()
        r = get("/v1/service-users/" + w["id"], token=self.cli_a,
                headers={"X-Request-Id": "bad id\"'" + "x" * 80})
        rid = r.headers.get("x-request-id")
        self.assertTrue(rid and " " not in rid and len(rid) <= 64, rid)
        self.check(w["id"], r, self.sub_a, "clinician", "read", "ok")

    def test_list_row_names_every_woman_returned(self):
        team = new_team("audit list")
        t = mint("clinician", team=team)
        women = [e2e.create_service_user(t).body["id"] for _ in range(3)]
        r = get("/v1/service-users?limit=2", token=t)
        shown = [i["id"] for i in r.body["items"]]
        self.assertEqual(len(shown), 2)
        rid = r.headers["x-request-id"]
        ids = psql("select array_to_string(service_user_ids, ',') from audit_events "
                   "where request_id = %s" % e2e.sql_quote(rid))
        self.assertEqual(sorted(ids.split(",")), sorted(shown))
        hidden = (set(women) - set(shown)).pop()
        self.assertNotIn(rid, [i["request_id"] for i in audit_items(hidden, limit=200)])

    def test_update_and_refused_updates(self):
        w = self.woman()
        r = patch("/v1/service-users/" + w["id"], {"given_name": "Beatrice"}, token=self.cli_a,
                  etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.check(w["id"], r, self.sub_a, "clinician", "update", "ok")
        r = patch("/v1/service-users/" + w["id"], {"given_name": "Clara"}, token=self.cli_a,
                  etag='"1"')
        assert_problem(r, 412)
        self.check(w["id"], r, self.sub_a, "clinician", "update", "conflict")
        r = patch("/v1/service-users/" + w["id"], {"version": 9}, token=self.cli_a, etag='"2"')
        assert_problem(r, 400, "/version")
        self.check(w["id"], r, self.sub_a, "clinician", "update", "invalid")
        r = patch("/v1/service-users/" + w["id"], {"given_name": "Clara"}, token=self.cli_b,
                  etag='"2"')
        assert_problem(r, 404)
        self.check(w["id"], r, self.sub_b, "clinician", "update", "not_found")

    def test_referral_accesses_name_the_woman(self):
        ref = refer(self.cli_a, self.team_a)
        w = ref["service_user_id"]
        r = get("/v1/referrals/" + ref["id"], token=self.cli_a)
        self.check(w, r, self.sub_a, "clinician", "read", "ok", resource="referral",
                   resource_id=ref["id"])
        r = get("/v1/referrals/%s/transitions" % ref["id"], token=self.cli_a)
        self.check(w, r, self.sub_a, "clinician", "history", "ok", resource="referral",
                   resource_id=ref["id"])
        # An allowed step without the fields it needs is refused (422): rejected.
        r = post("/v1/referrals/%s/transitions" % ref["id"], {"to": "triaged"},
                 token=self.cli_a)
        assert_problem(r, 422, "/duty_clinician_id")
        self.check(w, r, self.sub_a, "clinician", "transition", "rejected", resource="referral",
                   resource_id=ref["id"])
        r = post("/v1/referrals/%s/transitions" % ref["id"],
                 {"to": "withdrawn", "reason": "She moved away."}, token=self.cli_a)
        self.assertEqual(r.status, 201, r)
        self.check(w, r, self.sub_a, "clinician", "transition", "ok", resource="referral",
                   resource_id=ref["id"])
        r = get("/v1/referrals/" + ref["id"], token=self.cli_b)
        assert_problem(r, 404)
        self.check(w, r, self.sub_b, "clinician", "read", "not_found", resource="referral",
                   resource_id=ref["id"])
        # A step the state does not allow is a conflict (409) whatever the
        # body: no field would make it possible.
        r = post("/v1/referrals/%s/transitions" % ref["id"], {"to": "triaged"},
                 token=self.cli_a)
        assert_problem(r, 409)
        self.check(w, r, self.sub_a, "clinician", "transition", "conflict", resource="referral",
                   resource_id=ref["id"])
        # A complete step that the state does not allow (withdrawn is final)
        # is a conflict (409).
        r = post("/v1/referrals/%s/transitions" % ref["id"],
                 {"to": "triaged", "duty_clinician_id": DUTY, "notes": "Too late."},
                 token=self.cli_a)
        assert_problem(r, 409)
        self.assertEqual(r.body["type"], "urn:perinatal:problem:transition-not-allowed", r)
        self.check(w, r, self.sub_a, "clinician", "transition", "conflict", resource="referral",
                   resource_id=ref["id"])
        r = get("/v1/referrals?service_user=" + w, token=self.cli_a)
        self.check(w, r, self.sub_a, "clinician", "list", "ok", resource="referral",
                   resource_id=None)

    def test_newest_first_and_paging(self):
        w = self.woman()
        for _ in range(4):
            self.assertEqual(get("/v1/service-users/" + w["id"], token=self.cli_a).status, 200)
        everything = audit_items(w["id"], limit=200)
        self.assertEqual(len(everything), db_count(
            "select count(*) from audit_events where service_user_ids @> ARRAY['%s'::uuid]"
            % w["id"]))
        self.assertGreaterEqual(len(everything), 5)
        ids = [int(i["id"]) for i in everything]
        self.assertEqual(ids, sorted(ids, reverse=True))
        ats = [datetime.datetime.fromisoformat(i["at"]) for i in everything]
        self.assertEqual(ats, sorted(ats, reverse=True))
        self.assertEqual(everything[-1]["action"], "create")
        pages, url = [], "/v1/audit?service_user=%s&limit=2" % w["id"]
        for _ in range(20):
            r = get(url, token=token("admin"))
            self.assertEqual(r.status, 200, r)
            self.assertLessEqual(len(r.body["items"]), 2)
            pages.append(r.body["items"])
            if not r.body["next_cursor"]:
                break
            url = "/v1/audit?service_user=%s&limit=2&cursor=%s" % (w["id"], r.body["next_cursor"])
        self.assertEqual([i for p in pages for i in p], everything)
        self.assertEqual(len(pages), (len(everything) + 1) // 2)
        r = get("/v1/audit?service_user=" + w["id"], token=token("admin"))
        self.assertEqual(r.body["next_cursor"], None)

    def test_audit_query_errors_and_roles(self):
        w = self.woman()
        before = db_count("select count(*) from audit_events")
        assert_problem(get("/v1/audit", token=token("admin")), 400, "service_user")
        assert_problem(get("/v1/audit?service_user=not-a-uuid", token=token("admin")), 400,
                       "service_user")
        for q in ("limit=0", "limit=201", "limit=x", "cursor=%21%21", "cursor=YWJj",
                  "who=me"):
            with self.subTest(q):
                assert_problem(get("/v1/audit?service_user=%s&%s" % (w["id"], q),
                                   token=token("admin")), 400)
        for role in ("clinician", "referrer", "liaison", "commissioner"):
            with self.subTest(role):
                assert_problem(get("/v1/audit?service_user=" + w["id"], token=token(role)), 403)
        assert_problem(post("/v1/audit?service_user=" + w["id"], {}, token=token("admin")), 405)
        self.assertEqual(db_count("select count(*) from audit_events"), before)


class AuditAppendOnly(unittest.TestCase):
    """Grants (the application's role) and a trigger (everyone, the owner
    included). Each attempt runs in a transaction that is rolled back, so a
    missing protection fails the test without destroying the trail."""

    @classmethod
    def setUpClass(cls):
        e2e.create_service_user()
        cls.row = psql("select id || '|' || outcome || '|' || sub from audit_events "
                       "order by id desc limit 1")
        cls.id = cls.row.split("|")[0]

    def attempt(self, url, sql):
        try:
            psql("BEGIN; %s; ROLLBACK;" % sql, url=url)
        except RuntimeError as exc:
            return str(exc)
        return None

    def test_app_role_cannot_change_or_delete(self):
        for sql in ("UPDATE audit_events SET outcome = 'ok', sub = 'x' WHERE id = %s" % self.id,
                    "DELETE FROM audit_events WHERE id = %s" % self.id,
                    "TRUNCATE audit_events",
                    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
                    "DROP TRIGGER audit_events_no_change ON audit_events"):
            with self.subTest(sql):
                err = self.attempt(e2e.DATABASE_URL, sql)
                self.assertIsNotNone(err, "the application's role could run: " + sql)
                self.assertTrue("permission denied" in err or "must be owner" in err, err)

    def test_app_role_can_insert_and_select(self):
        self.assertIsNone(self.attempt(
            e2e.DATABASE_URL,
            "INSERT INTO audit_events (organisation_id, sub, role, action, resource, request_id, "
            "outcome) VALUES ('%s', 'e2e', 'admin', 'read', 'service_user', 'e2e', 'ok'); "
            "SELECT count(*) FROM audit_events" % DEMO_ORG))

    def test_owner_cannot_change_or_delete(self):
        for sql in ("UPDATE audit_events SET outcome = 'ok' WHERE id = %s" % self.id,
                    "DELETE FROM audit_events WHERE id = %s" % self.id,
                    "TRUNCATE audit_events"):
            with self.subTest(sql):
                err = self.attempt(e2e.MIGRATE_DATABASE_URL, sql)
                self.assertIsNotNone(err, "the owner could run: " + sql)
                self.assertIn("append-only", err)

    def tearDown(self):
        self.assertEqual(psql("select id || '|' || outcome || '|' || sub from audit_events "
                              "where id = %s" % self.id), self.row)


# ---------------------------------------------------------------------------
# 4. Revocation
# ---------------------------------------------------------------------------

def refused_within(test, tok, seconds=5.0, step=0.25):
    """Polls a read with the token until it is 401; returns the seconds it
    took (fails after `seconds`)."""
    start = time.monotonic()
    while True:
        r = get("/v1/teams?limit=1", token=tok)
        if r.status == 401:
            assert_problem(r, 401)
            test.assertEqual(r.headers.get("www-authenticate"), 'Bearer error="invalid_token"')
            return time.monotonic() - start
        test.assertEqual(r.status, 200, r)
        if time.monotonic() - start > seconds:
            test.fail("token still accepted %.1f s after its revocation" % seconds)
        time.sleep(step)


class Revocation(unittest.TestCase):
    def test_revoke_refuse_repeat_and_restart(self):
        jti = "e2e-revoke-" + uuid.uuid4().hex
        tok = mint("admin", args=["--jti", jti])
        other = mint("admin")
        for _ in range(2):  # the second is answered from the token cache
            self.assertEqual(get("/v1/teams?limit=1", token=tok).status, 200)
        admin_sub = "e2e-revoker-" + uuid.uuid4().hex[:6]
        revoker = mint("admin", sub=admin_sub)
        r = post("/v1/revoked-tokens", {"jti": jti, "reason": "lost laptop"}, token=revoker)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["jti"], jti)
        self.assertEqual(r.body["reason"], "lost laptop")
        self.assertEqual(r.body["revoked_by"], admin_sub)
        self.assertTrue(r.body["revoked_at"])
        first = r.body
        took = refused_within(self, tok)
        self.assertLess(took, 5)
        # Repeat: 200 with the stored record (the first revocation stands).
        r = post("/v1/revoked-tokens", {"jti": jti, "reason": "again"}, token=revoker)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, first)
        self.assertEqual(db_count("select count(*) from revoked_tokens where jti = %s"
                                  % e2e.sql_quote(jti)), 1)
        # Another organisation's admin learns nothing of who revoked it, or why.
        e2e.ensure_other_org()
        r = post("/v1/revoked-tokens", {"jti": jti, "reason": "mine"},
                 token=mint("admin", org=OTHER_ORG))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["jti"], jti)
        self.assertIsNone(r.body["revoked_by"])
        self.assertIsNone(r.body["reason"])
        # Other tokens are untouched.
        self.assertEqual(get("/v1/teams?limit=1", token=other).status, 200)
        # Refused for writes too, and nothing written.
        body = service_user_body()
        assert_problem(post("/v1/service-users", body, token=tok), 401)
        self.assertEqual(db_count("select count(*) from service_users where nhs_number = '%s'"
                                  % body["nhs_number"]), 0)
        # A restarted process loads the revocations from the database.
        e2e.stack("app-restart")
        assert_problem(get("/v1/teams?limit=1", token=tok), 401)
        self.assertEqual(get("/v1/teams?limit=1", token=other).status, 200)

    def test_revocation_reaching_the_process_through_the_database(self):
        # What every other process (or host) sees: a row in revoked_tokens
        # that this process did not write. The cached token is refused
        # within 5 s (the refresher polls every second).
        jti = "e2e-revoke-db-" + uuid.uuid4().hex
        tok = mint("clinician", args=["--jti", jti])
        for _ in range(2):
            self.assertEqual(get("/v1/teams?limit=1", token=tok).status, 200)
        psql("INSERT INTO revoked_tokens (jti, organisation_id, revoked_by, reason) "
             "VALUES (%s, '%s', 'e2e-other-process', 'test')" % (e2e.sql_quote(jti), DEMO_ORG))
        took = refused_within(self, tok)
        self.assertLess(took, 5)

    def test_revoke_input(self):
        before = db_count("select count(*) from revoked_tokens")
        admin = token("admin")
        assert_problem(post("/v1/revoked-tokens", {}, token=admin), 400, "/jti")
        assert_problem(post("/v1/revoked-tokens", {"jti": ""}, token=admin), 400, "/jti")
        assert_problem(post("/v1/revoked-tokens", {"jti": "x" * 129}, token=admin), 400, "/jti")
        assert_problem(post("/v1/revoked-tokens", {"jti": 5}, token=admin), 400, "/jti")
        assert_problem(post("/v1/revoked-tokens", {"jti": "a", "extra": 1}, token=admin), 400,
                       "/extra")
        for field, value in (("revoked_at", "2026-01-01T00:00:00Z"), ("revoked_by", "me")):
            with self.subTest(field):
                assert_problem(post("/v1/revoked-tokens", {"jti": "e2e-x", field: value},
                                    token=admin), 400, "/" + field)
        for role in ("clinician", "referrer", "liaison", "commissioner"):
            with self.subTest(role):
                assert_problem(post("/v1/revoked-tokens", {"jti": "e2e-x"}, token=token(role)),
                               403)
        self.assertEqual(db_count("select count(*) from revoked_tokens"), before)


# ---------------------------------------------------------------------------
# 5. Logs
# ---------------------------------------------------------------------------

class Logs(unittest.TestCase):
    def test_no_personal_data_or_token_and_one_line_per_request(self):
        log_path = e2e.required_path("PERINATAL_APP_LOG")
        sub = "e2e-log-" + uuid.uuid4().hex[:8]
        tok = mint("clinician", sub=sub)
        given = "Gwendolyn" + uuid.uuid4().hex[:6]
        family = "Featherstonehaugh" + uuid.uuid4().hex[:6]
        later = "Philippa" + uuid.uuid4().hex[:6]
        body = service_user_body(given_name=given, family_name=family)
        nhs = body["nhs_number"]
        with open(log_path, "rb") as f:
            f.seek(0, 2)
            start = f.tell()
        sent = []  # (request id, method, route pattern, expected status)

        def call(method, path, route, status, **kw):
            rid = "e2e-log-" + uuid.uuid4().hex
            headers = dict(kw.pop("headers", {}) or {}, **{"X-Request-Id": rid})
            r = e2e.request(method, path, headers=headers, **kw)
            self.assertEqual(r.status, status, r)
            sent.append((rid, method, route, status))
            return r

        r = call("POST", "/v1/service-users", "/v1/service-users", 201, token=tok, body=body)
        sid = r.body["id"]
        call("GET", "/v1/service-users/" + sid, "/v1/service-users/{service_user_id}", 200,
             token=tok)
        call("POST", "/v1/service-users/lookup", "/v1/service-users/lookup", 200, token=tok,
             body={"nhs_number": nhs})
        call("PATCH", "/v1/service-users/" + sid, "/v1/service-users/{service_user_id}", 200,
             token=tok, body={"given_name": later}, headers={"If-Match": '"1"'})
        call("POST", "/v1/service-users", "/v1/service-users", 409, token=tok,
             body=service_user_body(nhs_number=nhs, given_name=given))
        call("POST", "/v1/service-users", "/v1/service-users", 400, token=tok,
             body=dict(body, nhs_number=nhs + "1"))
        call("GET", "/v1/service-users/" + sid, "/v1/service-users/{service_user_id}", 401,
             token=tok + "x")
        call("GET", "/v1/service-users/" + sid, "/v1/service-users/{service_user_id}", 403,
             token=token("referrer"))
        time.sleep(0.3)
        with open(log_path, "rb") as f:
            f.seek(start)
            new = f.read().decode("utf-8", "replace")
            f.seek(0)
            whole = f.read().decode("utf-8", "replace")
        head, claims, sig = tok.split(".")
        for secret in (nhs, nhs[:3] + " " + nhs[3:6] + " " + nhs[6:], given, family, later,
                       tok, claims, sig):
            self.assertNotIn(secret, whole, "the application log holds %r" % secret)
        lines = {}
        for line in new.splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                self.fail("a log line is not JSON: %r" % line[:300])
            self.assertIsInstance(obj, dict)
            if obj.get("request_id"):
                lines.setdefault(obj["request_id"], []).append(obj)
        for rid, method, route, status in sent:
            with self.subTest(rid=rid, route=route, status=status):
                got = [o for o in lines.get(rid, []) if "status" in o]
                self.assertEqual(len(got), 1, "request lines for %s: %r" % (rid, got))
                o = got[0]
                for field in ("time", "request_id", "sub", "route", "status", "duration_ms"):
                    self.assertIn(field, o)
                self.assertEqual(o["route"], route)
                self.assertEqual(o["status"], status)
                self.assertIsInstance(o["duration_ms"], (int, float))
                self.assertGreaterEqual(o["duration_ms"], 0)
                self.assertRegex(o["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
                if status == 401:
                    self.assertIn(o["sub"], ("", None))
                elif status == 403:
                    self.assertEqual(o["sub"], "e2e-referrer-%d" % os.getpid())
                else:
                    self.assertEqual(o["sub"], sub)


# ---------------------------------------------------------------------------
# 6. Mass assignment
# ---------------------------------------------------------------------------

class MassAssignment(unittest.TestCase):
    SERVICE_USER = {
        "id": str(uuid.uuid4()), "version": 7, "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z", "created_by": "someone-else",
        "organisation_id": OTHER_ORG, "age_years": 30,
    }
    REFERRAL = {
        "id": str(uuid.uuid4()), "status": "accepted", "due_at": "2030-01-01T00:00:00Z",
        "responded_at": "2026-01-01T00:00:00Z", "response_breached": False, "overdue": False,
        "flags": {"discuss_individually": False}, "outcome": {"pathway": "perinatal"},
        "source_code": "A1", "priority_code": "1", "submitted_by": "someone-else",
        "version": 3, "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z",
        "risk_assessment": {"risk_level": "low"}, "onward_referral": {"agency": "x"},
        "discharge_plan": {"summary": "x"}, "organisation_id": OTHER_ORG,
    }
    TEAM = {"id": str(uuid.uuid4()), "national_code": "X1", "organisation_id": OTHER_ORG,
            "version": 2, "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z"}
    STAFF = {"id": str(uuid.uuid4()), "organisation_id": OTHER_ORG, "version": 2,
             "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z"}

    def setUp(self):
        e2e.ensure_other_org()
        self.before = snapshot()

    def tearDown(self):
        self.assertEqual(snapshot(), self.before)

    def test_service_user_create_and_update(self):
        w = self.woman = e2e.create_service_user().body
        self.before = snapshot()
        for field, value in self.SERVICE_USER.items():
            with self.subTest(field=field):
                assert_problem(post("/v1/service-users", service_user_body(**{field: value}),
                                    token=token("clinician")), 400, "/" + field)
                assert_problem(patch("/v1/service-users/" + w["id"], {field: value},
                                     token=token("clinician"), etag='"1"'), 400, "/" + field)
                # Sending back the server's own value is refused too.
                if field in w:
                    assert_problem(patch("/v1/service-users/" + w["id"], {field: w[field]},
                                         token=token("clinician"), etag='"1"'), 400,
                                   "/" + field)

    def test_referral_create_including_inline_woman(self):
        for field, value in self.REFERRAL.items():
            with self.subTest(field=field):
                assert_problem(post("/v1/referrals",
                                    referral_body(e2e.DEMO_TEAM, **{field: value}),
                                    token=token("clinician")), 400, "/" + field)
        for field, value in self.SERVICE_USER.items():
            with self.subTest(field="service_user/" + field):
                body = referral_body(e2e.DEMO_TEAM)
                body["service_user"][field] = value
                assert_problem(post("/v1/submitted-referrals", body, token=token("referrer")), 400,
                               "/service_user/" + field)

    def test_transition_cannot_set_status_fields(self):
        ref = refer(token("clinician"), e2e.DEMO_TEAM)
        self.before = snapshot()
        for field, value in (("status", "accepted"), ("version", 5), ("id", str(uuid.uuid4())),
                             ("at", "2020-01-01T00:00:00Z"), ("by", "x")):
            with self.subTest(field=field):
                assert_problem(post("/v1/referrals/%s/transitions" % ref["id"],
                                    {"to": "withdrawn", "reason": "x", field: value},
                                    token=token("clinician")), 400, "/" + field)

    def test_teams_and_staff(self):
        for field, value in self.TEAM.items():
            with self.subTest(resource="team", field=field):
                assert_problem(post("/v1/teams", {"name": "E2E mass " + uuid.uuid4().hex,
                                                  "type": "mbu", field: value},
                                    token=token("admin")), 400, "/" + field)
                assert_problem(patch("/v1/teams/" + e2e.DEMO_TEAM, {field: value},
                                     token=token("admin"), etag="*"), 400, "/" + field)
        for field, value in self.STAFF.items():
            with self.subTest(resource="staff", field=field):
                assert_problem(post("/v1/staff", {"name": "E2E mass", "profession": "nurse",
                                                  "team_id": e2e.DEMO_TEAM, field: value},
                                    token=token("admin")), 400, "/" + field)
                assert_problem(patch("/v1/staff/" + DUTY, {field: value}, token=token("admin"),
                                     etag="*"), 400, "/" + field)


if __name__ == "__main__":
    e2e.main()
