"""Care plans (issue 13, points 1, 2, 3, 6, 8), end to end: a plan for a
woman in the team's care (an accepted referral to it; otherwise 409 naming
why) with her goals in her own words, the care coordinator of the team, the
review date (flagged when past, England's day) and the safety plan
(co-produced with her, or why not; a 24/7 crisis route); lists by woman, by
team and review due; every change a new version (If-Match), each earlier
version readable unchanged with who changed what and when, append-only;
interventions from the coded catalogue with their lifecycle (illegal steps
409, each step dated, by whom, by which team), a psychological therapy's
start flagged past 28 days from its assessment (day 28 fine, day 29 a
breach); scope and audit as for every record about a woman. Each rule on
both sides of its boundary."""

import datetime
import unittest
import uuid
import zoneinfo

import e2e
from e2e import assert_problem, get, patch, post, token

PLANS = "/v1/care-plans"
TEAM_A, TEAM_B = e2e.DEMO_TEAMS[0], e2e.DEMO_TEAMS[1]
DUTY = "00000000-0000-4000-8000-0000000000b1"   # team A
NURSE = "00000000-0000-4000-8000-0000000000b2"  # team A
PSYCHOLOGIST = "00000000-0000-4000-8000-0000000000b3"  # team B
NO_SUCH_ID = "00000000-0000-4000-8000-00000000dead"


def cli_a():
    return token("clinician", team=TEAM_A)


def cli_b():
    return token("clinician", team=TEAM_B)


def london(offset_days=0):
    """England's day (the app's), plus an offset, YYYY-MM-DD."""
    d = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/London")).date()
    return (d + datetime.timedelta(days=offset_days)).isoformat()


def day(s, offset):
    return (datetime.date.fromisoformat(s) + datetime.timedelta(days=offset)).isoformat()


def move_referral(ref_id, to, **fields):
    r = post("/v1/referrals/%s/transitions" % ref_id, dict(to=to, **fields), token=cli_a())
    assert r.status == 201, r
    return r.body


def accepted_woman():
    """A woman with a referral to team A accepted; returns the referral."""
    ref = e2e.refer(cli_a(), team_id=TEAM_A)
    move_referral(ref["id"], "triaged", duty_clinician_id=DUTY, notes="n")
    move_referral(ref["id"], "accepted", pathway="perinatal", allocated_clinician_id=NURSE)
    return ref


def safety_plan(**over):
    p = {"warning_signs": ["Not sleeping for two nights", "Feeling the baby would be better "
                           "off without me"],
         "coping_steps": ["Walk with the baby", "Ring my sister"],
         "people_and_places": ["My sister Jo", "The children's centre"],
         "professional_contacts": [{"name": "Rhian Evans", "role": "Care coordinator",
                                    "contact": "01305 111111"}],
         "crisis_route": {"service": "crisis_team", "contact": "0800 000 0000"},
         "co_produced": {"with_woman": True, "others": ["Her partner", "Care coordinator"]}}
    p.update(over)
    return p


def plan_body(woman_id, **over):
    b = {"service_user_id": woman_id, "team_id": TEAM_A, "care_coordinator_id": NURSE,
         "goals": ["To feel close to my baby", "To sleep through the night again"],
         "review_date": london(60)}
    b.update(over)
    return {k: v for k, v in b.items() if v is not Ellipsis}


def create_plan(woman_id=None, **over):
    woman_id = woman_id or accepted_woman()["service_user_id"]
    r = post(PLANS, plan_body(woman_id, **over), token=cli_a())
    assert r.status == 201, r
    return r


def plans_of(woman_id):
    return e2e.db_count("select count(*) from care_plans where service_user_id = '%s'" % woman_id)


def audit_rows(resource, record_id, action, outcome="ok"):
    return e2e.db_count("select count(*) from audit_events where resource = '%s' and "
                        "resource_id = '%s' and action = '%s' and outcome = '%s'"
                        % (resource, record_id, action, outcome))


class ThePlan(unittest.TestCase):
    def test_written_for_a_woman_the_team_accepted_and_read_with_interventions(self):
        ref = accepted_woman()
        r = create_plan(ref["service_user_id"], safety_plan=safety_plan())
        p = r.body
        self.assertEqual(r.headers.get("etag"), '"1"')
        self.assertEqual(r.headers.get("location"), PLANS + "/" + p["id"])
        self.assertEqual(p["goals"], ["To feel close to my baby",
                                      "To sleep through the night again"])
        self.assertEqual((p["team_id"], p["care_coordinator_id"], p["version"]),
                         (TEAM_A, NURSE, 1))
        self.assertEqual(p["interventions"], [])
        self.assertFalse(p["review_overdue"])
        self.assertEqual(p["safety_plan"]["crisis_route"]["service"], "crisis_team")
        g = get(PLANS + "/" + p["id"], token=cli_a())
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.body, p)
        self.assertEqual(audit_rows("care_plan", p["id"], "create"), 1)
        self.assertEqual(audit_rows("care_plan", p["id"], "read"), 1)

    def test_read_with_her_partners_and_their_consent(self):
        # Issue 13 points 4 and 9: the plan carries her partners, so that a
        # withdrawn consent to involve one shows on the plan.
        ref = accepted_woman()
        w = ref["service_user_id"]
        url = PLANS + "/" + create_plan(w).body["id"]
        self.assertEqual(get(url, token=cli_a()).body["partners"], [])
        partners = "/v1/service-users/%s/partners" % w
        sam = post(partners, {"name": "Sam", "relationship": "partner"}, token=cli_a())
        self.assertEqual(sam.status, 201, sam)
        mum = post(partners, {"name": "Val", "relationship": "parent"}, token=cli_a())
        self.assertEqual(mum.status, 201, mum)
        sam_url = partners + "/" + sam.body["id"]
        r = post(sam_url + "/consents", {"decision": "given", "on": london(-10)}, token=cli_a())
        self.assertEqual(r.status, 201, r)
        plan = get(url, token=cli_a()).body
        self.assertEqual([p["id"] for p in plan["partners"]], [sam.body["id"], mum.body["id"]])
        self.assertEqual(plan["partners"][0], get(sam_url, token=cli_a()).body)
        self.assertTrue(plan["partners"][0]["consent_in_force"])
        self.assertFalse(plan["partners"][1]["consent_in_force"])
        r = post(sam_url + "/consents", {"decision": "withdrawn", "on": london(0)},
                 token=cli_a())
        self.assertEqual(r.status, 201, r)
        shown = get(url, token=cli_a()).body["partners"][0]
        self.assertFalse(shown["consent_in_force"])
        self.assertEqual(shown["consent"]["decision"], "withdrawn")
        # A change answers with the plan as read, partners included.
        changed = patch(url, {"review_date": london(30)}, token=cli_a(),
                        headers={"If-Match": '"1"'})
        self.assertEqual(changed.status, 200, changed)
        self.assertEqual(changed.body["partners"], get(url, token=cli_a()).body["partners"])

    def test_a_woman_not_in_the_teams_care_is_409_naming_why(self):
        # Referred but not yet accepted: the referral's status is named.
        ref = e2e.refer(cli_a(), team_id=TEAM_A)
        body = assert_problem(post(PLANS, plan_body(ref["service_user_id"]), token=cli_a()), 409)
        self.assertIn("received", body["detail"])
        self.assertIn("not accepted", body["detail"])
        self.assertEqual(plans_of(ref["service_user_id"]), 0)
        # Registered by the team, never referred to it.
        woman = e2e.create_service_user(cli_a()).body
        body = assert_problem(post(PLANS, plan_body(woman["id"]), token=cli_a()), 409)
        self.assertIn("no referral", body["detail"])
        self.assertEqual(plans_of(woman["id"]), 0)
        # Accepted: the same woman may have one.
        move_referral(ref["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        move_referral(ref["id"], "accepted", pathway="perinatal", allocated_clinician_id=NURSE)
        create_plan(ref["service_user_id"])

    def test_discharged_is_no_longer_in_care(self):
        woman = accepted_woman()["service_user_id"]
        # A discharge needs its discharge plan record (issue 13, item 7).
        e2e.db_exec("insert into discharge_plans (id, organisation_id, service_user_id, team_id, "
                    "follow_up, relapse_signs, created_by) select id, organisation_id, "
                    "service_user_id, team_id, 'GP review', 'Poor sleep', 'e2e' from referrals "
                    "where service_user_id = '%s'" % woman)
        e2e.db_exec("update referrals set status = 'discharged', responded_at = received_at "
                    "where service_user_id = '%s'" % woman)
        body = assert_problem(post(PLANS, plan_body(woman), token=cli_a()), 409)
        self.assertIn("discharged", body["detail"])

    def test_the_team_is_the_callers_and_the_coordinator_its_staff(self):
        woman = accepted_woman()["service_user_id"]
        assert_problem(post(PLANS, plan_body(woman, team_id=TEAM_B), token=cli_a()), 422,
                       "/team_id")
        assert_problem(post(PLANS, plan_body(woman, care_coordinator_id=PSYCHOLOGIST),
                            token=cli_a()), 422, "/care_coordinator_id")
        self.assertEqual(plans_of(woman), 0)
        create_plan(woman, care_coordinator_id=DUTY)

    def test_her_goals_are_a_list_of_her_words(self):
        woman = accepted_woman()["service_user_id"]
        for goals, pointer in (([], "/goals"), ("Get better", "/goals"), ([""], "/goals/0"),
                               (["ok", 3], "/goals/1"), (["x" * 1001], "/goals/0")):
            with self.subTest(goals=goals):
                assert_problem(post(PLANS, plan_body(woman, goals=goals), token=cli_a()), 400,
                               pointer)
        assert_problem(post(PLANS, plan_body(woman, goals=...), token=cli_a()), 400, "/goals")
        self.assertEqual(plans_of(woman), 0)
        p = create_plan(woman, goals=["x" * 1000]).body
        self.assertEqual(p["goals"], ["x" * 1000])

    def test_scope_roles_and_unknown_women(self):
        p = create_plan().body
        self.assertEqual(get(PLANS + "/" + p["id"], token=cli_b()).status, 404)
        self.assertEqual(audit_rows("care_plan", p["id"], "read", "not_found"), 1)
        self.assertEqual(get(PLANS + "/" + p["id"], token=token("admin")).status, 200)
        assert_problem(get(PLANS + "/" + p["id"], token=token("referrer")), 403)
        assert_problem(get(PLANS + "/" + NO_SUCH_ID, token=cli_a()), 404)
        assert_problem(post(PLANS, plan_body(NO_SUCH_ID), token=cli_a()), 422,
                       "/service_user_id")
        # A woman of another team only: not in this clinician's scope.
        other = e2e.refer(cli_b(), team_id=TEAM_B)
        assert_problem(post(PLANS, plan_body(other["service_user_id"]), token=cli_a()), 422,
                       "/service_user_id")
        assert_problem(post(PLANS, plan_body(p["service_user_id"]), token=token("admin")), 403)
        ids = [x["id"] for x in get(PLANS + "?service_user_id=" + p["service_user_id"],
                                    token=cli_b()).body["items"]]
        self.assertEqual(ids, [])

    def test_lists_by_woman_team_and_review_due(self):
        woman = accepted_woman()["service_user_id"]
        overdue = create_plan(woman, review_date=london(-1)).body
        due_today = create_plan(woman, review_date=london(0)).body
        later = create_plan(woman, review_date=london(30)).body
        self.assertTrue(overdue["review_overdue"])
        self.assertFalse(due_today["review_overdue"])
        self.assertFalse(later["review_overdue"])
        r = get(PLANS + "?service_user_id=" + woman, token=cli_a())
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["id"] for x in r.body["items"]],
                         [overdue["id"], due_today["id"], later["id"]])
        r = get(PLANS + "?service_user_id=%s&review_due_before=%s" % (woman, london(0)),
                token=cli_a())
        self.assertEqual([x["id"] for x in r.body["items"]], [overdue["id"]])
        r = get(PLANS + "?service_user_id=%s&review_due_before=%s" % (woman, london(1)),
                token=cli_a())
        self.assertEqual([x["id"] for x in r.body["items"]], [overdue["id"], due_today["id"]])
        r = get(PLANS + "?team_id=%s&review_due_before=%s&limit=200" % (TEAM_A, london(0)),
                token=cli_a())
        ids = [x["id"] for x in r.body["items"]]
        self.assertIn(overdue["id"], ids)
        self.assertNotIn(due_today["id"], ids)
        r = get(PLANS + "?team_id=%s&service_user_id=%s" % (TEAM_B, woman), token=cli_a())
        self.assertEqual(r.body["items"], [])
        assert_problem(get(PLANS + "?review_due_before=soon", token=cli_a()), 400,
                       "review_due_before")
        assert_problem(get(PLANS + "?service_user=" + woman, token=cli_a()), 400)
        # Paged with a cursor over the review date.
        r1 = get(PLANS + "?service_user_id=%s&limit=2" % woman, token=cli_a())
        self.assertEqual(len(r1.body["items"]), 2)
        r2 = get(PLANS + "?service_user_id=%s&limit=2&cursor=%s"
                 % (woman, r1.body["next_cursor"]), token=cli_a())
        self.assertEqual([x["id"] for x in r2.body["items"]], [later["id"]])


class SafetyPlan(unittest.TestCase):
    def test_co_produced_with_her_or_says_why_not(self):
        woman = accepted_woman()["service_user_id"]
        absent = safety_plan(co_produced={"with_woman": False, "others": ["Her mother"]})
        assert_problem(post(PLANS, plan_body(woman, safety_plan=absent), token=cli_a()), 422,
                       "/safety_plan/co_produced/without_woman_reason")
        both = safety_plan(co_produced={"with_woman": True, "without_woman_reason": "asleep"})
        assert_problem(post(PLANS, plan_body(woman, safety_plan=both), token=cli_a()), 422,
                       "/safety_plan/co_produced/without_woman_reason")
        self.assertEqual(plans_of(woman), 0)
        why = safety_plan(co_produced={"with_woman": False,
                                       "without_woman_reason": "Too unwell on the ward today",
                                       "others": ["Her mother"]})
        p = create_plan(woman, safety_plan=why).body
        self.assertEqual(p["safety_plan"]["co_produced"]["without_woman_reason"],
                         "Too unwell on the ward today")

    def test_the_crisis_route_is_a_24_7_service(self):
        woman = accepted_woman()["service_user_id"]
        for service in ("perinatal_team", "mmhs"):
            with self.subTest(service=service):
                sp = safety_plan(crisis_route={"service": service, "contact": "01305 1"})
                assert_problem(post(PLANS, plan_body(woman, safety_plan=sp), token=cli_a()), 422,
                               "/safety_plan/crisis_route/service")
        sp = safety_plan()
        del sp["crisis_route"]
        assert_problem(post(PLANS, plan_body(woman, safety_plan=sp), token=cli_a()), 400,
                       "/safety_plan/crisis_route")
        assert_problem(post(PLANS, plan_body(woman, safety_plan=safety_plan(
            professional_contacts=[{"name": "GP"}])), token=cli_a()), 400,
            "/safety_plan/professional_contacts/0/contact")
        self.assertEqual(plans_of(woman), 0)
        for service in ("crisis_team", "psychiatric_liaison", "connection",
                        "access_mental_health"):
            with self.subTest(service=service):
                sp = safety_plan(crisis_route={"service": service, "contact": "116 123"})
                create_plan(woman, safety_plan=sp)


class Versions(unittest.TestCase):
    def test_each_change_a_new_version_the_old_readable_unchanged(self):
        p = create_plan(safety_plan=safety_plan()).body
        url = PLANS + "/" + p["id"]
        assert_problem(patch(url, {"goals": ["A new goal"]}, token=cli_a()), 428)
        assert_problem(patch(url, {"goals": ["A new goal"]}, token=cli_a(), etag='"7"'), 412)
        r = patch(url, {"goals": ["To go back to work"]}, token=cli_a(), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.body["version"], r.body["goals"]), (2, ["To go back to work"]))
        self.assertEqual(r.body["safety_plan"], p["safety_plan"])
        sub = e2e.db_count("select count(*) from care_plan_versions where care_plan_id = '%s'"
                           % p["id"])
        self.assertEqual(sub, 2)
        r = patch(url, {"review_date": london(10),
                        "safety_plan": {"coping_steps": ["Breathing exercise"]}},
                  token=cli_a(), etag='"2"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["safety_plan"]["coping_steps"], ["Breathing exercise"])
        self.assertEqual(r.body["safety_plan"]["warning_signs"],
                         p["safety_plan"]["warning_signs"])
        # The current version is the default read.
        cur = get(url, token=cli_a())
        self.assertEqual((cur.body["version"], cur.headers.get("etag")), (3, '"3"'))
        vs = get(url + "/versions", token=cli_a())
        self.assertEqual(vs.status, 200, vs)
        items = vs.body["items"]
        self.assertEqual([v["version"] for v in items], [1, 2, 3])
        self.assertEqual(items[0]["goals"], p["goals"])
        self.assertEqual(items[0]["review_date"], p["review_date"])
        self.assertEqual(items[0]["safety_plan"], p["safety_plan"])
        self.assertEqual(items[1]["changes"], ["goals"])
        self.assertEqual(items[2]["changes"], ["review_date", "safety_plan"])
        for v in items:
            self.assertTrue(v["changed_by"])
            self.assertTrue(v["changed_at"])
        one = get(url + "/versions/1", token=cli_a())
        self.assertEqual(one.status, 200, one)
        self.assertEqual(one.body, items[0])
        self.assertEqual(one.headers.get("etag"), '"1"')
        self.assertEqual(get(url + "/versions/3", token=cli_a()).body, items[2])
        for n in ("4", "0", "01", "abc", "-1"):
            with self.subTest(n=n):
                assert_problem(get(url + "/versions/" + n, token=cli_a()), 404)
        assert_problem(get(url + "/versions?limit=1", token=cli_a()), 400)
        # Out of scope: not there; audited as for every record about her.
        assert_problem(get(url + "/versions", token=cli_b()), 404)
        assert_problem(get(url + "/versions/1", token=cli_b()), 404)
        assert_problem(get(PLANS + "/" + NO_SUCH_ID + "/versions", token=cli_a()), 404)
        self.assertEqual(get(url + "/versions/2", token=token("admin")).status, 200)
        self.assertEqual(audit_rows("care_plan", p["id"], "history"), 1)
        self.assertEqual(audit_rows("care_plan", p["id"], "history", "not_found"), 1)
        self.assertGreaterEqual(audit_rows("care_plan", p["id"], "read"), 4)
        self.assertEqual(audit_rows("care_plan", p["id"], "update"), 2)

    def test_refusals_name_her(self):
        # Refused before the handler (a role without the route, a query
        # parameter): the audit row still names her, from the plan's id
        # (the version number after it is not a record's id).
        p = create_plan().body
        woman = p["service_user_id"]
        url = PLANS + "/" + p["id"] + "/versions/1"
        assert_problem(get(url, token=token("commissioner")), 403)
        assert_problem(get(url + "?x=1", token=cli_a()), 400)
        self.assertEqual(e2e.db_count(
            "select count(*) from audit_events where resource = 'care_plan' and "
            "resource_id = '%s' and outcome <> 'ok' and '%s' = any (service_user_ids)"
            % (p["id"], woman)), 2)

    def test_versions_are_append_only(self):
        p = create_plan().body
        for sql in ("update care_plan_versions set changed_by = 'x' where care_plan_id = '%s'",
                    "delete from care_plan_versions where care_plan_id = '%s'"):
            with self.subTest(sql=sql):
                with self.assertRaises(RuntimeError):
                    e2e.db_exec(sql % p["id"])
        self.assertEqual(get(PLANS + "/" + p["id"] + "/versions/1", token=cli_a()).body["goals"],
                         p["goals"])

    def test_a_refused_change_makes_no_version(self):
        p = create_plan().body
        url = PLANS + "/" + p["id"]
        assert_problem(patch(url, {"care_coordinator_id": PSYCHOLOGIST}, token=cli_a(),
                             etag='"1"'), 422, "/care_coordinator_id")
        assert_problem(patch(url, {"team_id": TEAM_B}, token=cli_a(), etag='"1"'), 422,
                       "/team_id")
        assert_problem(patch(url, {"goals": []}, token=cli_a(), etag='"1"'), 400, "/goals")
        assert_problem(patch(url, {"review_overdue": False}, token=cli_a(), etag='"1"'), 400)
        self.assertEqual([v["version"] for v in
                          get(url + "/versions", token=cli_a()).body["items"]], [1])
        r = patch(url, {"care_coordinator_id": DUTY}, token=cli_a(), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(get(url + "/versions/2", token=cli_a()).body["changes"],
                         ["care_coordinator_id"])

    def test_entered_in_error_is_a_version_and_hides_the_plan(self):
        p = create_plan().body
        url = PLANS + "/" + p["id"]
        r = post(url + "/entered-in-error", {"reason": "Wrong woman"}, token=cli_a())
        self.assertEqual(r.status, 200, r)
        assert_problem(get(url, token=cli_a()), 404)
        self.assertEqual(get(url + "?include=voided", token=token("admin")).status, 200)
        v = e2e.psql("select changes::text from care_plan_versions where care_plan_id = '%s' "
                     "and version = 2" % p["id"])
        self.assertEqual(v, "{entered_in_error}")


class Interventions(unittest.TestCase):
    def setUp(self):
        self.plan = create_plan().body
        self.url = PLANS + "/" + self.plan["id"] + "/interventions"

    def offer(self, code="cbt", **over):
        b = {"code": code, "offered_on": london(-40), "staff_id": NURSE, "team_id": TEAM_A}
        b.update(over)
        r = post(self.url, b, token=cli_a())
        self.assertEqual(r.status, 201, r)
        return r.body

    def step(self, iv, to, tok=None, **fields):
        return post(self.url + "/" + iv["id"] + "/transitions", dict(to=to, **fields),
                    token=tok or cli_a())

    def took(self, iv, to, on, **fields):
        r = self.step(iv, to, on=on, staff_id=NURSE, team_id=TEAM_A, **fields)
        self.assertEqual(r.status, 201, r)
        return r.body

    def test_offered_and_read_with_the_plan(self):
        iv = self.offer("cbt", assessment_date=london(-40), notes="Weekly, 12 sessions")
        self.assertEqual((iv["status"], iv["kind"], iv["code"]),
                         ("offered", "psychological_therapy", "cbt"))
        self.assertEqual(iv["steps"]["offered"]["staff_id"], NURSE)
        self.assertEqual(iv["steps"]["offered"]["team_id"], TEAM_A)
        self.assertEqual(iv["steps"]["offered"]["on"], london(-40))
        self.assertTrue(iv["steps"]["offered"]["recorded_by"])
        self.assertIsNone(iv["mbu_admission_id"])
        self.assertEqual(iv["start_due_by"], day(london(-40), 28))
        self.assertIsNone(iv["started_within_28_days"])
        massage = self.offer("baby_massage")
        self.assertEqual(massage["kind"], "parent_infant")
        self.assertIsNone(massage["start_due_by"])
        plan = get(PLANS + "/" + self.plan["id"], token=cli_a()).body
        self.assertEqual([i["id"] for i in plan["interventions"]], [iv["id"], massage["id"]])
        self.assertEqual(plan["interventions"][0], iv)
        # Selected by kind (psychological therapies; MH11's mother-infant).
        r = get(self.url + "?kind=psychological_therapy", token=cli_a())
        self.assertEqual([i["id"] for i in r.body["items"]], [iv["id"]])
        r = get(self.url + "?kind=parent_infant", token=cli_a())
        self.assertEqual([i["id"] for i in r.body["items"]], [massage["id"]])
        assert_problem(get(self.url + "?kind=massage", token=cli_a()), 400, "kind")
        self.assertEqual(audit_rows("intervention", iv["id"], "create"), 1)

    def test_every_named_intervention_is_a_code(self):
        kinds = dict(l.split("|") for l in e2e.psql(
            "select code || '|' || intervention_kind from vocabulary "
            "where domain = 'intervention'").splitlines())
        for code in ("cbt", "cft", "emdr", "cat", "mbt", "dbt", "medication_review",
                     "preconception_counselling", "occupational_therapy",
                     "couples_family_therapy", "wellbeing_peer_support", "gro_brain",
                     "video_interaction_guidance", "watch_wait_wonder", "baby_massage",
                     "circle_of_security", "mmhs_yoga", "mmhs_mindfulness",
                     "mmhs_relaxation", "mmhs_online_input", "partner_support_sessions",
                     "family_sessions", "couple_sessions"):
            self.assertIn(code, kinds)
        self.assertEqual(sum(1 for k in kinds.values() if k == "psychosis_nice"), 6)
        self.assertEqual({kinds[c] for c in ("cbt", "cft", "emdr", "cat", "mbt", "dbt")},
                         {"psychological_therapy"})
        self.assertEqual({kinds[c] for c in ("gro_brain", "video_interaction_guidance",
                                             "watch_wait_wonder", "baby_massage",
                                             "circle_of_security")}, {"parent_infant"})

    def test_partner_and_family_offers_are_not_hers(self):
        b = {"code": "couple_sessions", "offered_on": london(-1), "staff_id": NURSE,
             "team_id": TEAM_A}
        assert_problem(post(self.url, b, token=cli_a()), 422, "/code")
        assert_problem(post(self.url, dict(b, code="reiki"), token=cli_a()), 400, "/code")
        self.assertEqual(e2e.db_count("select count(*) from care_plan_interventions where "
                                      "care_plan_id = '%s'" % self.plan["id"]), 0)
        self.offer("couples_family_therapy")

    def test_the_offer_is_dated_by_staff_of_the_team(self):
        b = {"code": "cbt", "offered_on": london(1), "staff_id": NURSE, "team_id": TEAM_A}
        assert_problem(post(self.url, b, token=cli_a()), 422, "/offered_on")
        assert_problem(post(self.url, dict(b, offered_on=london(0), assessment_date=london(1)),
                            token=cli_a()), 422, "/assessment_date")
        assert_problem(post(self.url, dict(b, offered_on=london(0), staff_id=PSYCHOLOGIST),
                            token=cli_a()), 422, "/staff_id")
        self.assertEqual(e2e.db_count("select count(*) from care_plan_interventions where "
                                      "care_plan_id = '%s'" % self.plan["id"]), 0)
        self.offer(offered_on=london(0), staff_id=PSYCHOLOGIST, team_id=TEAM_B)

    def test_the_lifecycle_and_its_illegal_steps(self):
        iv = self.offer("occupational_therapy")
        for to in ("started", "completed", "stopped", "offered"):
            with self.subTest(frm="offered", to=to):
                body = assert_problem(self.step(iv, to, on=london(0), staff_id=NURSE,
                                                team_id=TEAM_A, reason="r"), 409)
                self.assertIn("accepted", body["detail"])
        self.took(iv, "accepted", london(-30))
        assert_problem(self.step(iv, "declined", on=london(0), staff_id=NURSE,
                                 team_id=TEAM_A), 409)
        started = self.took(iv, "started", london(-20))
        self.assertIsNone(started["started_within_28_days"])
        assert_problem(self.step(iv, "stopped", on=london(0), staff_id=NURSE, team_id=TEAM_A),
                       422, "/reason")
        done = self.took(iv, "stopped", london(-1), reason="She moved out of the area")
        self.assertEqual((done["status"], done["stop_reason"], done["ended_on"]),
                         ("stopped", "She moved out of the area", london(-1)))
        self.assertEqual(set(done["steps"]), {"offered", "accepted", "started", "stopped"})
        self.assertEqual(done["steps"]["started"]["on"], london(-20))
        body = assert_problem(self.step(iv, "completed", on=london(0), staff_id=NURSE,
                                        team_id=TEAM_A), 409)
        self.assertIn("no further steps", body["detail"])
        hist = get(self.url + "/" + iv["id"] + "/transitions", token=cli_a())
        self.assertEqual(hist.status, 200, hist)
        self.assertEqual([(h["from"], h["to"]) for h in hist.body["items"]],
                         [(None, "offered"), ("offered", "accepted"), ("accepted", "started"),
                          ("started", "stopped")])
        self.assertEqual(hist.body["items"][2]["details"],
                         {"on": london(-20), "staff_id": NURSE, "team_id": TEAM_A})
        other = self.offer("medication_review")
        self.took(other, "declined", london(-1), reason="Prefers not to")
        assert_problem(self.step(other, "accepted", on=london(0), staff_id=NURSE,
                                 team_id=TEAM_A), 409)
        completed = self.offer("gro_brain")
        self.took(completed, "accepted", london(-3))
        self.took(completed, "started", london(-2))
        self.assertEqual(self.took(completed, "completed", london(0))["status"], "completed")
        # The plan read carries each intervention as it now stands (its
        # stored representation follows every step).
        plan = get(PLANS + "/" + self.plan["id"], token=cli_a()).body
        for item in plan["interventions"]:
            self.assertEqual(item, get(self.url + "/" + item["id"], token=cli_a()).body)
        self.assertEqual([i["status"] for i in plan["interventions"]],
                         ["stopped", "declined", "completed"])

    def test_each_step_is_dated_by_staff_of_a_team(self):
        iv = self.offer("baby_yoga", offered_on=london(-5))
        for fields, status, pointer in (
                (dict(on=london(1), staff_id=NURSE, team_id=TEAM_A), 422, "/on"),
                (dict(on=london(-6), staff_id=NURSE, team_id=TEAM_A), 422, "/on"),
                (dict(on=london(0), staff_id=PSYCHOLOGIST, team_id=TEAM_A), 422, "/staff_id"),
                (dict(on=london(0), staff_id=NURSE, team_id=NO_SUCH_ID), 422, "/team_id"),
                (dict(staff_id=NURSE, team_id=TEAM_A), 422, "/on"),
                (dict(on=london(0), team_id=TEAM_A), 422, "/staff_id"),
                (dict(on=london(0), staff_id=NURSE), 422, "/team_id"),
                (dict(on=london(0), staff_id=NURSE, team_id=TEAM_A, reason="x"), 422,
                 "/reason")):
            with self.subTest(fields=fields):
                assert_problem(self.step(iv, "accepted", **fields), status, pointer)
        self.took(iv, "accepted", london(-5))
        by_b = self.step(iv, "started", on=london(0), staff_id=PSYCHOLOGIST, team_id=TEAM_B)
        self.assertEqual(by_b.status, 201, by_b)
        self.assertEqual(by_b.body["steps"]["started"]["team_id"], TEAM_B)

    def test_psychological_therapy_starts_within_28_days_of_its_assessment(self):
        assessed = london(-40)
        on_time = self.offer("emdr", assessment_date=assessed)
        late = self.offer("cft", assessment_date=assessed)
        self.took(on_time, "accepted", london(-39))
        self.took(late, "accepted", london(-39))
        # Day 28 after the assessment is within; day 29 is a breach, allowed.
        ok = self.took(on_time, "started", day(assessed, 28))
        self.assertTrue(ok["started_within_28_days"])
        breach = self.took(late, "started", day(assessed, 29))
        self.assertIs(breach["started_within_28_days"], False)
        self.assertEqual(breach["start_due_by"], day(assessed, 28))

    def test_the_assessment_recorded_with_the_offer_stands_at_the_start(self):
        # A later date given at the start would hide the breach (60 days).
        iv = self.offer("cbt", assessment_date=london(-60))
        self.took(iv, "accepted", london(-30))
        assert_problem(self.step(iv, "started", on=london(0), staff_id=NURSE, team_id=TEAM_A,
                                 assessment_date=london(-10)), 422, "/assessment_date")
        s = self.took(iv, "started", london(0), assessment_date=london(-60))
        self.assertEqual((s["assessment_date"], s["started_within_28_days"]),
                         (london(-60), False))

    def test_a_therapy_records_its_assessment_to_start(self):
        iv = self.offer("dbt")
        self.took(iv, "accepted", london(-30))
        assert_problem(self.step(iv, "started", on=london(-2), staff_id=NURSE, team_id=TEAM_A),
                       422, "/assessment_date")
        assert_problem(self.step(iv, "started", on=london(-2), staff_id=NURSE, team_id=TEAM_A,
                                 assessment_date=london(1)), 422, "/assessment_date")
        assert_problem(self.step(iv, "started", on=london(-2), staff_id=NURSE, team_id=TEAM_A,
                                 assessment_date=london(-1)), 422, "/on")
        s = self.took(iv, "started", london(-2), assessment_date=london(-10))
        self.assertEqual((s["assessment_date"], s["started_within_28_days"]),
                         (london(-10), True))
        # Any other kind starts without one.
        ot = self.offer("video_interaction_guidance")
        self.took(ot, "accepted", london(-3))
        self.assertIsNone(self.took(ot, "started", london(-2))["started_within_28_days"])

    def test_scope_and_audit(self):
        iv = self.offer("watch_wait_wonder")
        item = self.url + "/" + iv["id"]
        assert_problem(get(item, token=cli_b()), 404)
        assert_problem(get(self.url, token=cli_b()), 404)  # her plan is not theirs
        assert_problem(get(PLANS + "/" + NO_SUCH_ID + "/interventions", token=cli_a()), 404)
        b = {"code": "cbt", "offered_on": london(0), "staff_id": NURSE, "team_id": TEAM_A}
        assert_problem(post(self.url, b, token=cli_b()), 404)
        assert_problem(post(PLANS + "/" + NO_SUCH_ID + "/interventions", b, token=cli_a()), 404)
        assert_problem(self.step(iv, "accepted", tok=cli_b(), on=london(0), staff_id=NURSE,
                                 team_id=TEAM_A), 404)
        assert_problem(post(self.url, b, token=token("admin")), 403)
        self.assertEqual(get(item, token=token("admin")).status, 200)
        self.assertEqual(audit_rows("intervention", iv["id"], "read", "not_found"), 1)
        self.assertEqual(audit_rows("intervention", iv["id"], "read"), 1)
        # A plan entered in error takes no more steps nor offers.
        other = create_plan(self.plan["service_user_id"]).body
        other_url = PLANS + "/" + other["id"] + "/interventions"
        r = post(other_url, b, token=cli_a())
        self.assertEqual(r.status, 201, r)
        self.assertEqual(post(PLANS + "/" + other["id"] + "/entered-in-error",
                              {"reason": "Duplicate plan"}, token=cli_a()).status, 200)
        body = assert_problem(post(other_url + "/" + r.body["id"] + "/transitions",
                                   {"to": "accepted", "on": london(0), "staff_id": NURSE,
                                    "team_id": TEAM_A}, token=cli_a()), 409)
        self.assertIn("entered in error", body["detail"])
        assert_problem(post(other_url, b, token=cli_a()), 404)
        # Entered in error: off the plan.
        r = post(item + "/entered-in-error", {"reason": "Wrong plan"}, token=cli_a())
        self.assertEqual(r.status, 200, r)
        plan = get(PLANS + "/" + self.plan["id"], token=cli_a()).body
        self.assertEqual(plan["interventions"], [])


if __name__ == "__main__":
    e2e.main()
