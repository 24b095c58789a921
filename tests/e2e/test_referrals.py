"""Referrals end to end: receipt, the response clock, the computed flags at
their boundaries, the workflow and its history, the working lists, and who
may see what. Each rule is tested on both sides of its boundary."""

import concurrent.futures
import datetime
import unittest

from e2e import (DEMO_TEAMS, all_items, assert_problem, create_service_user, db_count, db_exec,
                 get, main, mint, nhs_number, patch, post, psql, refer, referral_body,
                 service_user_body, today, token)

PERINATAL, MMHS, MBU, CMHT = DEMO_TEAMS
DUTY = "00000000-0000-4000-8000-0000000000b1"
NURSE = "00000000-0000-4000-8000-0000000000b2"
UTC = datetime.timezone.utc


def iso(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(ts):
    return datetime.datetime.fromisoformat(ts)


def move(ref_id, to, tok=None, **fields):
    return post("/v1/referrals/%s/transitions" % ref_id, dict(to=to, **fields),
                token=tok or token("clinician"))


def seen(ref, at, tok=None):
    """Records her first attended contact for the referral (telephone, her
    present): the contact answers it."""
    r = post("/v1/contacts", {
        "service_user_id": ref["service_user_id"], "referral_id": ref["id"],
        "team_id": ref["team_id"], "at": at, "duration_minutes": 30,
        "service": "perinatal_team", "mode": "telephone",
        "present": {"woman": True, "partner": False, "infant": False},
        "attendance": "attended", "note": "Seen."},
        token=tok or mint("clinician", team=ref["team_id"]))
    assert r.status == 201, r
    return get("/v1/referrals/" + ref["id"], token=token("admin")).body


def discharge_plan(ref_id, tok=None, **over):
    """Records the referral's discharge plan (asserted 201): the discharge
    step needs it (test_partners.py tests the record itself)."""
    body = dict({"follow_up": "GP review in 4 weeks.", "relapse_signs": "Poor sleep."}, **over)
    r = post("/v1/referrals/%s/discharge-plan" % ref_id, body, token=tok or token("clinician"))
    assert r.status == 201, r
    return r.body


def postnatal(delivered, born="1990-05-01"):
    return service_user_body(date_of_birth=born,
                             perinatal_status={"stage": "postnatal", "delivery_date": delivered})


class Receipt(unittest.TestCase):
    def test_created_with_location_etag_and_history(self):
        r = post("/v1/referrals", referral_body(), token=token("clinician"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers["location"], "/v1/referrals/" + r.body["id"])
        self.assertEqual(r.headers["etag"], '"1"')
        self.assertEqual(r.body["status"], "received")
        self.assertEqual(r.body["source_code"], "A1")
        self.assertEqual(r.body["priority_code"], "3")
        h = get("/v1/referrals/%s/transitions" % r.body["id"], token=token("clinician"))
        self.assertEqual(h.status, 200, h)
        self.assertEqual([(t["from"], t["to"]) for t in h.body["items"]], [(None, "received")])
        assert_problem(get("/v1/referrals/%s/transitions?page=2" % r.body["id"],
                           token=token("clinician")), 400)

    def test_existing_woman_matched_by_nhs_number(self):
        woman = service_user_body()
        a = refer(service_user=woman)
        b = refer(service_user=dict(woman, given_name="Other spelling"))
        self.assertEqual(a["service_user_id"], b["service_user_id"])

    def test_by_service_user_id(self):
        a = refer()
        body = referral_body(service_user_id=a["service_user_id"])
        del body["service_user"]
        b = post("/v1/referrals", body, token=token("clinician")).body
        self.assertEqual(a["service_user_id"], b["service_user_id"])

    def test_self_referral_needs_no_referrer_but_others_do(self):
        body = referral_body(source="self", channel="telephone")
        del body["referrer"]
        self.assertEqual(post("/v1/submitted-referrals", body,
                              token=token("referrer")).status, 201)
        before = db_count("select count(*) from referrals")
        body["source"] = "gp"
        assert_problem(post("/v1/submitted-referrals", body, token=token("referrer")), 422,
                       "/referrer")
        self.assertEqual(db_count("select count(*) from referrals"), before)

    def test_bad_input_writes_nothing(self):
        before = (db_count("select count(*) from referrals"),
                  db_count("select count(*) from service_users"))
        cases = [
            (dict(priority="urgent"), 400, "/priority"),
            (dict(source="pharmacy"), 400, "/source"),
            (dict(channel="fax"), 400, "/channel"),
            (dict(criteria=[]), 400, "/criteria"),
            (dict(criteria=["smi_pregnant", "smi_pregnant"]), 400, "/criteria/1"),
            (dict(criteria=["astrology"]), 400, "/criteria/0"),
            (dict(reason=""), 400, "/reason"),
            (dict(received_at="2026-11-25 10:00"), 400, "/received_at"),
            (dict(received_at="2026-02-30T10:00:00Z"), 400, "/received_at"),
            (dict(status="accepted"), 400, "/status"),
            (dict(due_at="2030-01-01T00:00:00Z"), 400, "/due_at"),
            (dict(flags={"discuss_with_camhs": False}), 400, "/flags"),
            (dict(team_id="00000000-0000-4000-8000-00000000ffff"), 422, "/team_id"),
            (dict(service_user_id="00000000-0000-4000-8000-00000000ffff"), 422, "/service_user"),
            (dict(received_at=iso(datetime.datetime.now(UTC) + datetime.timedelta(hours=1))),
             422, "/received_at"),
            (dict(service_user=service_user_body(
                date_of_birth=(datetime.date.today() + datetime.timedelta(days=30)).isoformat())), 422,
             "/service_user/date_of_birth"),
        ]
        for over, status, pointer in cases:
            with self.subTest(over=over):
                assert_problem(post("/v1/referrals", referral_body(**over),
                                    token=token("clinician")), status, pointer)
        body = referral_body()
        del body["service_user"]
        body["service_user_id"] = "00000000-0000-4000-8000-00000000ffff"
        assert_problem(post("/v1/referrals", body, token=token("clinician")), 422,
                       "/service_user_id")
        self.assertEqual((db_count("select count(*) from referrals"),
                          db_count("select count(*) from service_users")), before)


class ResponseClock(unittest.TestCase):
    def test_emergency_due_in_four_hours(self):
        received = datetime.datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
        r = refer(priority="emergency", received_at=iso(received))
        self.assertEqual(parse(r["due_at"]), received + datetime.timedelta(hours=4))

    def test_routine_due_in_28_days_of_english_calendar(self):
        # Received at noon GMT before the clocks go forward (29 March 2026):
        # due at noon BST 28 days later, which is 11:00 UTC.
        received = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
        r = refer(received_at=iso(received))
        self.assertEqual(parse(r["due_at"]), datetime.datetime(2026, 4, 17, 11, 0, tzinfo=UTC))

    def test_response_at_the_due_time_is_not_a_breach_one_second_later_is(self):
        received = datetime.datetime.now(UTC).replace(microsecond=0) - datetime.timedelta(days=2)
        due = received + datetime.timedelta(hours=4)
        on_time = refer(priority="emergency", received_at=iso(received))
        late = refer(priority="emergency", received_at=iso(received))
        # Unseen and past due: on the clock, already a breach.
        self.assertTrue(on_time["response_breached"])
        self.assertTrue(on_time["overdue"])
        ok = seen(on_time, iso(due))
        self.assertEqual(ok["response_breached"], False)
        self.assertEqual(parse(ok["responded_at"]), due)
        bad = seen(late, iso(due + datetime.timedelta(seconds=1)))
        self.assertEqual(bad["response_breached"], True)

    def test_a_typed_first_contact_is_not_an_answer(self):
        # The clock runs until she is seen: only a contact answers it.
        r = refer(priority="emergency", received_at=now_iso(hours=-1))
        assert_problem(move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n",
                            first_contact_at=now_iso()), 400, "/first_contact_at")


class Flags(unittest.TestCase):
    def flags(self, **over):
        return refer(**over)["flags"]

    def test_nine_month_window(self):
        # Delivered 15 January 2025: 15 October 2025 is inside, the 16th outside.
        inside = self.flags(service_user=postnatal("2025-01-15"),
                            received_at="2025-10-15T12:00:00Z")
        outside = self.flags(service_user=postnatal("2025-01-15"),
                             received_at="2025-10-16T12:00:00Z")
        self.assertFalse(inside["discuss_individually"])
        self.assertTrue(outside["discuss_individually"])

    def test_24_month_window_for_the_maternity_experience(self):
        for criterion in ("tokophobia_birth_trauma_ptsd", "perinatal_loss_trauma",
                          "maternity_experience_illness"):
            with self.subTest(criterion=criterion):
                inside = self.flags(service_user=postnatal("2024-01-15"),
                                    criteria=[criterion], received_at="2026-01-15T12:00:00Z")
                outside = self.flags(service_user=postnatal("2024-01-15"),
                                     criteria=[criterion], received_at="2026-01-16T12:00:00Z")
                self.assertFalse(inside["discuss_individually"])
                self.assertTrue(outside["discuss_individually"])
        # Another criterion keeps the 9-month window.
        self.assertTrue(self.flags(service_user=postnatal("2024-01-15"),
                                   criteria=["previous_perinatal_illness"],
                                   received_at="2026-01-15T12:00:00Z")["discuss_individually"])

    def test_a_pregnancy_loss_starts_the_window_as_a_delivery_does(self):
        # Seed 002: 24 months for difficulties arising from the maternity
        # experience; the MMHS's perinatal loss pathway is one of them.
        def loss(days_ago):
            return service_user_body(perinatal_status={
                "stage": "pregnancy_loss", "loss_date": today(-days_ago),
                "loss_gestation_weeks": 20})
        for days_ago, criteria, outside in ((365, ["perinatal_loss_trauma"], False),
                                            (800, ["perinatal_loss_trauma"], True),
                                            (365, ["previous_perinatal_illness"], True),
                                            (200, ["previous_perinatal_illness"], False)):
            with self.subTest(days_ago=days_ago, criteria=criteria):
                r = refer(service_user=loss(days_ago), criteria=criteria)
                self.assertEqual(r["flags"]["discuss_individually"], outside)

    def test_pregnant_is_never_outside_the_window(self):
        self.assertFalse(self.flags()["discuss_individually"])

    def test_under_18_on_the_day_received(self):
        born = "2008-06-10"
        woman = service_user_body(date_of_birth=born)
        day_before = self.flags(service_user=woman, received_at="2026-06-09T12:00:00Z")
        birthday = self.flags(service_user=woman, received_at="2026-06-10T12:00:00Z")
        self.assertTrue(day_before["discuss_with_camhs"])
        self.assertFalse(birthday["discuss_with_camhs"])

    def test_born_on_29_february_she_is_18_on_1_march(self):
        woman = service_user_body(date_of_birth="2008-02-29")
        for received, under_18 in (("2026-02-28T12:00:00Z", True),
                                   ("2026-03-01T12:00:00Z", False)):
            with self.subTest(received=received):
                self.assertEqual(self.flags(service_user=woman, received_at=received)
                                 ["discuss_with_camhs"], under_18)

    def test_open_to_another_mental_health_team(self):
        self.assertFalse(self.flags()["offer_joint_working"])
        self.assertTrue(self.flags(open_to_other_mental_health_team=True)["offer_joint_working"])
        # Known to our own CMHT: an open referral there (recorded by that team,
        # not through this API, which refers only to perinatal and maternal
        # mental health teams) offers joint working here.
        first = refer(tok=token("admin"))
        db_exec("update referrals set team_id = '%s' where id = '%s'" % (CMHT, first["id"]))
        body = referral_body(service_user_id=first["service_user_id"])
        del body["service_user"]
        again = post("/v1/referrals", body, token=token("admin"))
        self.assertEqual(again.status, 201, again)
        self.assertTrue(again.body["flags"]["offer_joint_working"])


class Workflow(unittest.TestCase):
    def test_the_whole_pathway_with_history(self):
        r = refer()
        steps = [
            ("triaged", dict(duty_clinician_id=DUTY, notes="Duty triage: urgent MDT")),
            ("mdt_review", dict(meeting_date=datetime.date.today().isoformat())),
            ("accepted", dict(pathway="perinatal", allocated_clinician_id=NURSE)),
            ("discharged", {}),
        ]
        version = 1
        seen(r, now_iso(seconds=2))
        version += 1  # the contact answered it
        for to, fields in steps:
            if to == "discharged":
                discharge_plan(r["id"], follow_up="Well; GP to continue", referred_to="GP")
                version += 1  # the referral shows its plan
            resp = move(r["id"], to, **fields)
            self.assertEqual(resp.status, 201, resp)
            version += 1
            self.assertEqual(resp.body["status"], to)
            self.assertEqual(resp.headers["etag"], '"%d"' % version)
        done = get("/v1/referrals/" + r["id"], token=token("clinician")).body
        self.assertEqual(done["outcome"]["pathway"], "perinatal")
        self.assertEqual(done["outcome"]["allocated_clinician_id"], NURSE)
        self.assertEqual(done["discharge_plan"]["follow_up"], "Well; GP to continue")
        self.assertEqual(done["discharge_plan"]["referred_to"], "GP")
        h = get("/v1/referrals/%s/transitions" % r["id"], token=token("clinician")).body["items"]
        self.assertEqual([(t["from"], t["to"]) for t in h],
                         [(None, "received"), ("received", "triaged"), ("triaged", "mdt_review"),
                          ("mdt_review", "accepted"), ("accepted", "discharged")])
        self.assertEqual(h[1]["notes"], "Duty triage: urgent MDT")
        self.assertTrue(all(t["by"] and t["at"] and t["by_role"] for t in h))

    def test_illegal_steps_are_409_naming_the_next_states(self):
        r = refer()
        body = assert_problem(move(r["id"], "accepted", pathway="perinatal",
                                   allocated_clinician_id=NURSE), 409)
        self.assertIn("triaged, unable_to_engage, withdrawn", body["detail"])
        assert_problem(move(r["id"], "received"), 409)
        # Staying put is a correction (PATCH), not a transition.
        assert_problem(move(r["id"], "received", priority="emergency", priority_reason="x"), 409)
        self.assertEqual(move(r["id"], "withdrawn", reason="moved away").status, 201)
        body = assert_problem(move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n"), 409)
        self.assertIn("no further steps", body["detail"])
        self.assertEqual(db_count("select count(*) from workflow_transitions where record_id = "
                                  "'%s'" % r["id"]), 2)

    def test_each_outcome_needs_what_it_records(self):
        r = refer()
        assert_problem(move(r["id"], "triaged", notes="n"), 422, "/duty_clinician_id")
        assert_problem(move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n",
                            pathway="mmhs"), 422, "/pathway")
        assert_problem(move(r["id"], "triaged", duty_clinician_id="00000000-0000-4000-8000-"
                            "00000000ffff", notes="n"), 422, "/duty_clinician_id")
        self.assertEqual(move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n").status, 201)
        assert_problem(move(r["id"], "mdt_review"), 422, "/meeting_date")
        assert_problem(move(r["id"], "mdt_review", meeting_date="2000-01-01"), 422,
                       "/meeting_date")
        self.assertEqual(move(r["id"], "mdt_review", meeting_date=datetime.date.today()
                              .isoformat()).status, 201)
        assert_problem(move(r["id"], "accepted", pathway="perinatal"), 422,
                       "/allocated_clinician_id")
        assert_problem(move(r["id"], "signposted"), 422, "/signposted_to")
        assert_problem(move(r["id"], "referred_on"), 422, "/referred_to")
        assert_problem(move(r["id"], "declined"), 422, "/reason")
        self.assertEqual(move(r["id"], "signposted", signposted_to="Steps2Wellbeing").status, 201)
        self.assertEqual(get("/v1/referrals/" + r["id"], token=token("clinician"))
                         .body["outcome"]["signposted_to"], "Steps2Wellbeing")

    def test_discharge_needs_a_discharge_plan(self):
        r = refer()
        move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        seen(r, now_iso(seconds=2))
        move(r["id"], "mdt_review", meeting_date=datetime.date.today().isoformat())
        move(r["id"], "accepted", pathway="mmhs", allocated_clinician_id=NURSE)
        # The plan is its own record now: without one the step is refused
        # (409, naming where to record it), and the step carries no plan.
        body = assert_problem(move(r["id"], "discharged"), 409)
        self.assertIn("/v1/referrals/%s/discharge-plan" % r["id"], body["detail"])
        assert_problem(move(r["id"], "discharged", discharge_plan={"summary": "Recovered"}),
                       400, "/discharge_plan")
        discharge_plan(r["id"])
        self.assertEqual(move(r["id"], "discharged").status, 201)

    def test_unable_to_engage_needs_a_risk_assessment(self):
        r = refer()
        assert_problem(move(r["id"], "unable_to_engage"), 422, "/risk_assessment")
        assert_problem(move(r["id"], "unable_to_engage",
                            risk_assessment={"risk_level": "severe", "summary": "s",
                                             "actions": "a"}), 400,
                       "/risk_assessment/risk_level")
        ok = move(r["id"], "unable_to_engage",
                  risk_assessment={"risk_level": "moderate", "summary": "No answer to 3 calls",
                                   "actions": "Letter to GP; HV informed"},
                  onward_referral={"agency": "Children's social care", "reason": "safeguarding"})
        self.assertEqual(ok.status, 201, ok)
        self.assertEqual(ok.body["risk_assessment"]["risk_level"], "moderate")
        self.assertEqual(ok.body["onward_referral"]["agency"], "Children's social care")
        # Closed without contact, as the response-times report counts it.
        self.assertTrue(ok.body["closed_without_contact"])

    def test_concurrent_transitions_exactly_one_wins(self):
        r = refer()

        def attempt(_):
            return move(r["id"], "triaged", duty_clinician_id=DUTY, notes="race").status

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(attempt, range(8)))
        self.assertEqual(results.count(201), 1, results)
        self.assertEqual(results.count(409), 7, results)
        self.assertEqual(db_count("select count(*) from workflow_transitions where record_id = "
                                  "'%s' and to_state = 'triaged'" % r["id"]), 1)

    def test_stale_if_match_is_412(self):
        r = refer()
        resp = post("/v1/referrals/%s/transitions" % r["id"],
                    {"to": "triaged", "duty_clinician_id": DUTY, "notes": "n"},
                    token=token("clinician"), headers={"If-Match": '"7"'})
        assert_problem(resp, 412)


class Scope(unittest.TestCase):
    def test_referrer_sees_only_its_own_and_only_the_status(self):
        mine = mint("referrer", sub="gp-practice-mine")
        theirs = mint("referrer", sub="gp-practice-theirs")
        r = refer(tok=mine)
        self.assertNotIn("reason", r)  # the status view, from the first answer on
        own = get("/v1/submitted-referrals/" + r["id"], token=mine)
        self.assertEqual(own.status, 200, own)
        self.assertEqual(set(own.body), {"id", "team_id", "priority", "received_at", "due_at",
                                          "status", "responded_at", "version", "updated_at"})
        assert_problem(get("/v1/submitted-referrals/" + r["id"], token=theirs), 404)
        listed = get("/v1/submitted-referrals?limit=200", token=theirs).body["items"]
        self.assertNotIn(r["id"], [x["id"] for x in listed])
        mine_listed = all_items("/v1/submitted-referrals", mine)
        self.assertIn(r["id"], [x["id"] for x in mine_listed])
        self.assertTrue(all("reason" not in x for x in mine_listed))
        # The whole referral, its steps and its history are the team's.
        assert_problem(get("/v1/referrals/" + r["id"], token=mine), 403)
        assert_problem(get("/v1/referrals", token=mine), 403)
        assert_problem(post("/v1/referrals", referral_body(), token=mine), 403)
        assert_problem(move(r["id"], "withdrawn", tok=mine, reason="x"), 403)
        assert_problem(get("/v1/referrals/%s/transitions" % r["id"], token=mine), 403)
        body = referral_body()
        del body["service_user"]
        body["service_user_id"] = r["id"]
        assert_problem(post("/v1/submitted-referrals", body, token=mine), 422,
                       "/service_user_id")
        assert_problem(post("/v1/submitted-referrals",
                            referral_body(received_at="2026-01-01T09:00:00Z"), token=mine),
                       422, "/received_at")
        # The team's clinician reads the same referral whole.
        whole = get("/v1/referrals/" + r["id"], token=token("clinician"))
        self.assertEqual(whole.status, 200, whole)
        self.assertIn("reason", whole.body)

    def test_clinician_refers_to_another_team_as_a_referrer_does(self):
        body = referral_body(team_id=MMHS)
        before = db_count("select count(*) from referrals")
        assert_problem(post("/v1/referrals", body, token=token("clinician")), 422, "/team_id")
        self.assertEqual(db_count("select count(*) from referrals"), before)
        sent = post("/v1/submitted-referrals", body, token=token("clinician"))
        self.assertEqual(sent.status, 201, sent)
        self.assertNotIn("reason", sent.body)
        self.assertNotIn("service_user_id", sent.body)
        # MMHS's referral now: its clinicians read it, the sender does not.
        assert_problem(get("/v1/submitted-referrals/" + sent.body["id"],
                           token=token("clinician")), 404)
        mmhs = mint("clinician", team=MMHS)
        status = get("/v1/submitted-referrals/" + sent.body["id"], token=mmhs)
        self.assertEqual((status.status, status.body["status"]), (200, "received"))
        self.assertIn("reason", get("/v1/referrals/" + sent.body["id"], token=mmhs).body)
        # To its own team, the whole referral either way round.
        self.assertIn("reason", refer())

    def test_clinician_sees_only_referrals_to_its_teams(self):
        r = refer(tok=token("admin"), team_id=MMHS)
        assert_problem(get("/v1/referrals/" + r["id"], token=token("clinician")), 404)
        assert_problem(move(r["id"], "withdrawn", reason="x"), 404)
        assert_problem(get("/v1/referrals/%s/transitions" % r["id"], token=token("clinician")),
                       404)
        mmhs = mint("clinician", team=MMHS)
        self.assertEqual(get("/v1/referrals/" + r["id"], token=mmhs).status, 200)
        self.assertNotIn(r["id"], [x["id"] for x in get(
            "/v1/referrals?team=%s&limit=200" % MMHS, token=token("clinician")).body["items"]])

    def test_other_roles_refused(self):
        for role in ("liaison", "commissioner"):
            assert_problem(get("/v1/referrals", token=token(role)), 403)
            assert_problem(post("/v1/referrals", referral_body(), token=token(role)), 403)


class Lists(unittest.TestCase):
    def test_overdue_sorted_by_due_time_and_leaves_once_answered(self):
        now = datetime.datetime.now(UTC).replace(microsecond=0)
        old_emergency = refer(tok=token("admin"), priority="emergency", team_id=MMHS,
                              received_at=iso(now - datetime.timedelta(hours=6)))
        old_routine = refer(tok=token("admin"), team_id=MMHS,
                            received_at=iso(now - datetime.timedelta(days=29)))
        fresh = refer(tok=token("admin"), priority="emergency", team_id=MMHS,
                      received_at=iso(now - datetime.timedelta(hours=3)))
        admin = token("admin")
        listed = all_items("/v1/referrals?overdue=true&team=%s" % MMHS, admin)
        ids = [x["id"] for x in listed]
        self.assertIn(old_emergency["id"], ids)
        self.assertIn(old_routine["id"], ids)
        self.assertNotIn(fresh["id"], ids)
        dues = [x["due_at"] for x in listed]
        self.assertEqual(dues, sorted(dues, key=parse))
        self.assertTrue(all(x["overdue"] for x in listed))
        seen(old_emergency, iso(now))
        ids = [x["id"] for x in get("/v1/referrals?overdue=true&team=%s&limit=200" % MMHS,
                                    token=admin).body["items"]]
        self.assertNotIn(old_emergency["id"], ids)

    def test_each_combination_of_filters_answers_by_its_own(self):
        # A list's statement holds only the filters a request gives, and is
        # prepared on each connection the first time it runs there: asked in
        # turn, many times (past PostgreSQL's switch to a cached generic
        # plan), on whichever workers, each combination answers by its own.
        admin = token("admin")
        mine = {refer(tok=admin, source=src, team_id=MMHS,
                      received_at="2025-03-0%dT10:00:00Z" % day)["id"]: (src, day)
                for src, day in (("psychiatric_liaison", 1), ("psychiatric_liaison", 3),
                                 ("gp", 2), ("gp", 4))}
        base = "/v1/referrals?limit=200&team=%s&received_from=2025-03-01&received_to=2025-03-04" % MMHS
        asks = {
            "": {i for i in mine},
            "&source=gp": {i for i, (src, _) in mine.items() if src == "gp"},
            "&source=psychiatric_liaison&received_from=2025-03-02":
                {i for i, (src, day) in mine.items() if src == "psychiatric_liaison" and day >= 2},
        }
        for _ in range(12):
            for extra, want in asks.items():
                r = get(base + extra if "received_from" not in extra else
                        base.replace("&received_from=2025-03-01", "") + extra, token=admin)
                self.assertEqual(r.status, 200, r)
                got = {x["id"] for x in r.body["items"]} & set(mine)
                self.assertEqual(got, want, extra)

    def test_filters_and_cursor_paging(self):
        admin = token("admin")
        source = "crisis_team"
        made = {refer(tok=admin, source=source, team_id=MMHS,
                      received_at="2025-02-0%dT10:00:00Z" % d)["id"] for d in range(1, 6)}
        seen, cursor = [], None
        while True:
            q = ("/v1/referrals?team=%s&source=%s&received_from=2025-02-01&received_to=2025-02-05"
                 "&limit=2" % (MMHS, source))
            r = get(q + ("&cursor=" + cursor if cursor else ""), token=admin)
            self.assertEqual(r.status, 200, r)
            seen += [x["id"] for x in r.body["items"]]
            cursor = r.body["next_cursor"]
            if not cursor:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue(made <= set(seen))
        got = [x for x in seen if x in made]
        received = [get("/v1/referrals/" + i, token=admin).body["received_at"] for i in got]
        self.assertEqual(received, sorted(received, reverse=True))
        only = get("/v1/referrals?status=received&priority=routine&limit=5", token=admin)
        self.assertTrue(all(x["status"] == "received" and x["priority"] == "routine"
                            for x in only.body["items"]))
        for bad in ("status=open", "priority=urgent", "team=abc", "overdue=yes",
                    "received_from=2025-13-01", "cursor=xyz", "limit=0", "colour=red",
                    "source=pharmacy", "worklist=everything", "worklist=true",
                    # each view parameter is checked, whichever view is chosen
                    "overdue=yes&worklist=duty", "overdue=true&worklist=bogus",
                    "worklist=false"):
            with self.subTest(bad=bad):
                assert_problem(get("/v1/referrals?" + bad, token=admin), 400)
        self.assertEqual(get("/v1/referrals?overdue=false&worklist=duty", token=admin).status,
                         200)

    def test_a_cursor_belongs_to_its_list_and_filters(self):
        # Api.md: a cursor is only for the list (and filters) that returned
        # it; another list's would be read as this one's sort key.
        admin = token("admin")
        for _ in range(3):
            refer()
        page = get("/v1/referrals?status=received&priority=routine&limit=1", token=admin)
        self.assertEqual(page.status, 200, page)
        cursor = page.body["next_cursor"]
        self.assertTrue(cursor)
        # The same list, its parameters in another order: the next page.
        more = get("/v1/referrals?limit=1&priority=routine&status=received&cursor=" + cursor,
                   token=admin)
        self.assertEqual(more.status, 200, more)
        self.assertNotEqual(more.body["items"][0]["id"], page.body["items"][0]["id"])
        for other in ("/v1/referrals?status=triaged&priority=routine",
                      "/v1/referrals?status=received",
                      "/v1/contacts?limit=5"):
            with self.subTest(other=other):
                assert_problem(get(other + "&cursor=" + cursor, token=admin), 400, "cursor")


def now_iso(**delta):
    return iso(datetime.datetime.now(UTC).replace(microsecond=0) + datetime.timedelta(**delta))


def under_18_woman():
    born = (datetime.date.today() - datetime.timedelta(days=17 * 365)).isoformat()
    return service_user_body(date_of_birth=born)


def correct(ref, body, etag, tok=None):
    return patch("/v1/referrals/" + ref, body, token=tok or token("clinician"), etag=etag)


class DutyDecides(unittest.TestCase):
    """Seed 002: the duty clinician "will triage, signpost, give advice,
    accept referrals"; flagged referrals go through the MDT first."""

    def triaged(self, **over):
        r = refer(**over)
        self.assertEqual(move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n").status, 201)
        return r

    def test_triage_may_decide_each_outcome(self):
        outcomes = [("accepted", dict(pathway="perinatal", allocated_clinician_id=NURSE)),
                    ("signposted", dict(signposted_to="Steps2Wellbeing")),
                    ("advice_given", dict(advice="Continue sertraline; review in 6 weeks.")),
                    ("referred_on", dict(referred_to="Adult CMHT")),
                    ("declined", dict(reason="No perinatal need."))]
        for to, fields in outcomes:
            with self.subTest(to=to):
                r = self.triaged()
                resp = move(r["id"], to, **fields)
                self.assertEqual(resp.status, 201, resp)
                self.assertEqual(resp.body["status"], to)
        # Advice closes the referral: no further steps, advice recorded.
        body = assert_problem(move(r["id"], "mdt_review", meeting_date=today()), 409)
        self.assertIn("no further steps", body["detail"])

    def test_advice_needs_the_advice(self):
        r = self.triaged()
        assert_problem(move(r["id"], "advice_given"), 422, "/advice")
        ok = move(r["id"], "advice_given", advice="Seen by GP; no referral needed.")
        self.assertEqual(ok.body["outcome"]["advice"], "Seen by GP; no referral needed.")
        self.assertTrue(ok.body["closed_without_contact"])

    def test_flagged_referral_goes_through_the_mdt(self):
        flagged = self.triaged(open_to_other_mental_health_team=True)
        body = assert_problem(move(flagged["id"], "accepted", pathway="perinatal",
                                   allocated_clinician_id=NURSE), 409)
        self.assertIn("MDT", body["detail"])
        assert_problem(move(flagged["id"], "declined", reason="x"), 409)
        # Not flagged: triage may accept or decline.
        plain = self.triaged()
        self.assertEqual(move(plain["id"], "declined", reason="x").status, 201)
        # Through the MDT the flagged one may be accepted (with its arrangement).
        self.assertEqual(move(flagged["id"], "mdt_review", meeting_date=today()).status, 201)
        ok = move(flagged["id"], "accepted", pathway="perinatal", allocated_clinician_id=NURSE,
                  co_working={"arrangement": "co_working", "other_team": "North CMHT",
                              "agreed_on": today()})
        self.assertEqual(ok.status, 201, ok)
        self.assertEqual(ok.body["outcome"]["co_working"]["other_team"], "North CMHT")

    def test_under_18_flag_and_outside_window_need_the_mdt_too(self):
        young = self.triaged(service_user=under_18_woman())
        self.assertTrue(young["flags"]["discuss_with_camhs"])
        body = assert_problem(move(young["id"], "accepted", pathway="perinatal",
                                   allocated_clinician_id=NURSE), 409)
        self.assertIn("under 18", body["detail"])
        late = self.triaged(service_user=postnatal("2024-01-01"))
        self.assertTrue(late["flags"]["discuss_individually"])
        assert_problem(move(late["id"], "declined", reason="x"), 409)


class Acceptance(unittest.TestCase):
    def at_mdt(self, **over):
        r = refer(**over)
        move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        self.assertEqual(move(r["id"], "mdt_review", meeting_date=today()).status, 201)
        return r

    def test_under_18_needs_the_camhs_discussion(self):
        r = self.at_mdt(service_user=under_18_woman())
        body = assert_problem(move(r["id"], "accepted", pathway="perinatal",
                                   allocated_clinician_id=NURSE), 409)
        self.assertIn("camhs_discussion", body["detail"])
        assert_problem(move(r["id"], "accepted", pathway="perinatal", allocated_clinician_id=NURSE,
                            camhs_discussion={"date": today(), "with_whom": "CAMHS duty",
                                              "outcome": "phone call"}), 400,
                       "/camhs_discussion/outcome")
        ok = move(r["id"], "accepted", pathway="perinatal", allocated_clinician_id=NURSE,
                  camhs_discussion={"date": today(), "with_whom": "CAMHS duty",
                                    "outcome": "joint_working"})
        self.assertEqual(ok.status, 201, ok)
        self.assertEqual(ok.body["outcome"]["camhs_discussion"]["outcome"], "joint_working")

    def test_the_camhs_discussion_and_the_agreement_are_not_in_the_future(self):
        r = self.at_mdt(service_user=under_18_woman())
        assert_problem(move(r["id"], "accepted", pathway="perinatal", allocated_clinician_id=NURSE,
                            camhs_discussion={"date": today(3), "with_whom": "CAMHS duty",
                                              "outcome": "joint_working"}), 422,
                       "/camhs_discussion/date")
        r = self.at_mdt(open_to_other_mental_health_team=True)
        assert_problem(move(r["id"], "accepted", pathway="perinatal", allocated_clinician_id=NURSE,
                            co_working={"arrangement": "co_working", "other_team": "North CMHT",
                                        "agreed_on": today(3)}), 422, "/co_working/agreed_on")

    def test_adult_needs_no_camhs_discussion(self):
        r = self.at_mdt()
        self.assertEqual(move(r["id"], "accepted", pathway="perinatal",
                              allocated_clinician_id=NURSE).status, 201)

    def test_open_to_another_team_records_the_arrangement(self):
        r = self.at_mdt(open_to_other_mental_health_team=True)
        body = assert_problem(move(r["id"], "accepted", pathway="perinatal",
                                   allocated_clinician_id=NURSE), 409)
        self.assertIn("co_working", body["detail"])
        assert_problem(move(r["id"], "accepted", pathway="perinatal", allocated_clinician_id=NURSE,
                            co_working={"arrangement": "full_care_transfer"}), 400,
                       "/co_working/other_team")

    def test_full_care_transfer_from_another_trust_is_i2(self):
        body = referral_body(source="cmht", open_to_other_mental_health_team=True)
        r = post("/v1/submitted-referrals", body, token=token("referrer")).body
        self.assertEqual(r.get("source_code") or db_exec(
            "select source_code from referrals where id = '%s'" % r["id"]), "I1")
        move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        move(r["id"], "mdt_review", meeting_date=today())
        ok = move(r["id"], "accepted", pathway="perinatal", allocated_clinician_id=NURSE,
                  co_working={"arrangement": "full_care_transfer", "other_team": "Wessex CMHT",
                              "agreed_on": today()})
        self.assertEqual(ok.status, 201, ok)
        self.assertEqual(ok.body["source_code"], "I2")
        h = get("/v1/referrals/%s/transitions" % r["id"], token=token("clinician")).body["items"]
        self.assertEqual(h[-1]["details"]["co_working"]["arrangement"], "full_care_transfer")

    def test_one_criterion_needed_to_accept(self):
        body = referral_body(source="self", channel="telephone")
        del body["criteria"]
        del body["referrer"]
        r = post("/v1/submitted-referrals", body, token=token("referrer"))
        self.assertEqual(r.status, 201, r)
        move(r.body["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        assert_problem(move(r.body["id"], "accepted", pathway="perinatal",
                            allocated_clinician_id=NURSE), 422, "/criteria")
        ok = move(r.body["id"], "accepted", pathway="perinatal", allocated_clinician_id=NURSE,
                  criteria=["complex_illness_in_perinatal_period"])
        self.assertEqual(ok.status, 201, ok)
        self.assertEqual(ok.body["criteria"], ["complex_illness_in_perinatal_period"])


class MbuDischarge(unittest.TestCase):
    """Seed 002: "will be seen by the Perinatal Mental Health Team on discharge"."""

    def mbu(self, **over):
        return refer(source="mbu_discharge", criteria=["mbu_discharge"], **over)

    def test_never_outside_the_window(self):
        self.assertFalse(self.mbu(service_user=postnatal("2024-01-01"))["flags"]
                         ["discuss_individually"])
        self.assertTrue(refer(service_user=postnatal("2024-01-01"))["flags"]
                        ["discuss_individually"])

    def test_received_as_routine(self):
        assert_problem(post("/v1/referrals", referral_body(
            source="mbu_discharge", priority="emergency"), token=token("clinician")),
            422, "/priority")
        self.assertEqual(self.mbu()["priority"], "routine")

    def test_cannot_be_signposted_referred_on_or_declined(self):
        r = self.mbu()
        move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        for to, fields in (("signposted", dict(signposted_to="x")),
                           ("referred_on", dict(referred_to="x")),
                           ("declined", dict(reason="x")),
                           ("advice_given", dict(advice="x"))):
            with self.subTest(to=to):
                body = assert_problem(move(r["id"], to, **fields), 409)
                self.assertIn("always seen", body["detail"])
        self.assertEqual(move(r["id"], "accepted", pathway="perinatal",
                              allocated_clinician_id=NURSE).status, 201)

    def test_the_mdt_cannot_close_it_with_advice_either(self):
        r = self.mbu()
        move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        self.assertEqual(move(r["id"], "mdt_review", meeting_date=today()).status, 201)
        body = assert_problem(move(r["id"], "advice_given", advice="x"), 409)
        self.assertIn("always seen", body["detail"])
        # Advice is still the MDT's to give on any other referral.
        other = refer()
        move(other["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        move(other["id"], "mdt_review", meeting_date=today())
        self.assertEqual(move(other["id"], "advice_given", advice="x").status, 201)


class Corrections(unittest.TestCase):
    """Triage (or a PATCH while open) may correct the priority, with a reason,
    and the criteria; the due time follows and the history keeps it."""

    def test_upgrade_at_triage_is_due_four_hours_after_the_change(self):
        r = refer(received_at=now_iso(days=-3))
        before = datetime.datetime.now(UTC)
        ok = move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n", priority="emergency",
                  priority_reason="Voices telling her to harm the baby.")
        self.assertEqual(ok.status, 201, ok)
        due = parse(ok.body["due_at"])
        self.assertTrue(before + datetime.timedelta(hours=4) - datetime.timedelta(seconds=5)
                        <= due <= datetime.datetime.now(UTC) + datetime.timedelta(hours=4))
        h = get("/v1/referrals/%s/transitions" % r["id"], token=token("clinician")).body["items"]
        self.assertEqual(h[-1]["details"]["priority"], "emergency")

    def test_patch_while_open_and_downgrade_is_28_days_after_receipt(self):
        # Within its 4 hours (a downgrade after them: the next test).
        received = now_iso(hours=-1)
        r = refer(priority="emergency", received_at=received)
        assert_problem(correct(r["id"], {"priority": "routine"}, '"1"'), 422, "/priority_reason")
        assert_problem(correct(r["id"], {"priority": "emergency", "priority_reason": "x"}, '"1"'),
                       422, "/priority")
        assert_problem(patch("/v1/referrals/" + r["id"], {"priority": "routine",
                                                          "priority_reason": "x"},
                             token=token("clinician")), 428)
        assert_problem(correct(r["id"], {"priority": "routine", "priority_reason": "x"}, '"9"'),
                       412)
        assert_problem(correct(r["id"], {"to": "triaged"}, '"1"'), 400, "/to")
        ok = correct(r["id"], {"priority": "routine", "priority_reason": "Settled since the call."},
                     '"1"')
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(ok.headers["etag"], '"2"')
        self.assertEqual(parse(ok.body["due_at"]), parse(psql(
            "select to_json(referral_due_at('%s'::timestamptz, 'routine')) #>> '{}'"
            % received)))
        h = get("/v1/referrals/%s/transitions" % r["id"], token=token("clinician")).body["items"]
        self.assertEqual((h[-1]["from"], h[-1]["to"]), ("received", "received"))
        self.assertEqual(h[-1]["details"]["priority_reason"], "Settled since the call.")

    def test_a_downgrade_past_due_keeps_its_breach(self):
        # An emergency not seen within its 4 hours was breached; calling it
        # routine the next day does not give it 28 days.
        r = refer(priority="emergency", received_at=now_iso(hours=-30))
        self.assertTrue(r["response_breached"])
        ok = correct(r["id"], {"priority": "routine", "priority_reason": "Settled overnight."},
                     '"1"')
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(ok.body["due_at"], r["due_at"])
        self.assertTrue(ok.body["response_breached"])

    def test_changed_criteria_move_the_window_flag(self):
        # Delivered a year ago: inside the 24 months of a difficulty arising
        # from the maternity experience, outside the 9 months of the others.
        r = refer(service_user=postnatal(today(-365)), criteria=["maternity_experience_illness"])
        self.assertFalse(r["flags"]["discuss_individually"])
        ok = move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n",
                  criteria=["previous_perinatal_illness"])
        self.assertEqual(ok.status, 201, ok)
        self.assertTrue(ok.body["flags"]["discuss_individually"])
        body = assert_problem(move(r["id"], "accepted", pathway="perinatal",
                                   allocated_clinician_id=NURSE), 409)
        self.assertIn("outside the window", body["detail"])
        # Corrected back to a maternity-experience criterion: inside again,
        # and triage may accept.
        etag = get("/v1/referrals/" + r["id"], token=token("clinician")).headers["etag"]
        ok = correct(r["id"], {"criteria": ["tokophobia_birth_trauma_ptsd"]}, etag)
        self.assertEqual(ok.status, 200, ok)
        self.assertFalse(ok.body["flags"]["discuss_individually"])
        self.assertEqual(move(r["id"], "accepted", pathway="perinatal",
                              allocated_clinician_id=NURSE).status, 201)

    def test_criteria_changed_at_acceptance_still_need_the_mdt(self):
        # The step to accepted may carry criteria; those that put her
        # outside the window make it a flagged referral there and then,
        # which triage alone cannot accept (issue 9 item 1).
        r = refer(service_user=postnatal(today(-365)), criteria=["maternity_experience_illness"])
        self.assertEqual(move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n").status, 201)
        body = assert_problem(move(r["id"], "accepted", pathway="perinatal",
                                   allocated_clinician_id=NURSE,
                                   criteria=["previous_perinatal_illness"]), 409)
        self.assertIn("MDT", body["detail"])
        now = get("/v1/referrals/" + r["id"], token=token("clinician")).body
        self.assertEqual((now["status"], now["flags"]["discuss_individually"]),
                         ("triaged", False))

    def test_an_upgrade_past_due_keeps_its_breach(self):
        # Issue 9 item 4: past due with no contact is a breach; making it an
        # emergency afterwards does not give it 4 more hours.
        r = refer(received_at=now_iso(days=-35))
        self.assertTrue(r["response_breached"])
        ok = correct(r["id"], {"priority": "emergency", "priority_reason": "Worse today."},
                     '"1"')
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(ok.body["due_at"], r["due_at"])
        self.assertTrue(ok.body["overdue"])
        self.assertTrue(ok.body["response_breached"])

    def test_criteria_corrected_and_closed_referrals_not(self):
        r = refer()
        ok = correct(r["id"], {"criteria": ["preconception_advice"]}, '"1"')
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(ok.body["reason_code"], "27")
        move(r["id"], "withdrawn", reason="x")
        body = assert_problem(correct(r["id"], {"criteria": ["smi_pregnant"]}, '"3"'), 409)
        self.assertIn("no longer", body["detail"])
        assert_problem(correct(r["id"], {"criteria": ["smi_pregnant"]}, '"3"',
                               tok=token("referrer")), 403)


class ClockAndCodes(unittest.TestCase):
    def test_accepted_but_unseen_stays_on_the_clock(self):
        r = refer(tok=token("admin"), team_id=MMHS, priority="emergency",
                  received_at=now_iso(hours=-6))
        admin = token("admin")
        move(r["id"], "triaged", tok=admin, duty_clinician_id=DUTY, notes="n")
        ok = move(r["id"], "accepted", tok=admin, pathway="mmhs", allocated_clinician_id=NURSE)
        self.assertTrue(ok.body["overdue"])
        self.assertTrue(ok.body["response_breached"])
        ids = [x["id"] for x in all_items("/v1/referrals?overdue=true&team=%s" % MMHS, admin)]
        self.assertIn(r["id"], ids)
        # Discharge without having seen her: only through unable_to_engage.
        body = assert_problem(move(r["id"], "discharged", tok=admin), 409)
        self.assertIn("unable_to_engage", body["detail"])

    def test_closed_without_contact_is_neither_met_nor_breached(self):
        r = refer(priority="emergency", received_at=now_iso(hours=-6))
        move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        ok = move(r["id"], "signposted", signposted_to="Steps2Wellbeing")
        self.assertTrue(ok.body["closed_without_contact"])
        self.assertIsNone(ok.body["response_breached"])
        self.assertFalse(ok.body["overdue"])

    def test_team_must_be_perinatal_or_mmhs(self):
        for team in (MBU, CMHT):
            assert_problem(post("/v1/referrals", referral_body(team_id=team),
                                token=token("admin")), 422, "/team_id")
        self.assertEqual(post("/v1/referrals", referral_body(team_id=MMHS),
                              token=token("admin")).status, 201)

    def test_source_and_reason_codes_never_null(self):
        internal = refer(source="crisis_team")
        self.assertEqual(internal["source_code"], "P1")
        self.assertEqual(internal["reason_code"], "13")
        self.assertEqual(refer(source="other")["source_code"], "M7")
        self.assertEqual(refer(criteria=["preconception_advice"])["reason_code"], "27")
        external = post("/v1/submitted-referrals", referral_body(source="psychiatric_liaison"),
                        token=token("referrer"))
        self.assertEqual(db_exec("select source_code from referrals where id = '%s'"
                                 % external.body["id"]), "I1")


class WorkingLists(unittest.TestCase):
    def ids(self, worklist, team=PERINATAL):
        return [x["id"] for x in all_items(
            "/v1/referrals?worklist=%s&team=%s" % (worklist, team), token("admin"))]

    def test_duty_mdt_and_caseload(self):
        new = refer()
        flagged = refer(open_to_other_mental_health_team=True)
        move(flagged["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        quiet = refer()
        move(quiet["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        seen(quiet, now_iso(seconds=2))
        at_mdt = refer()
        move(at_mdt["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        seen(at_mdt, now_iso(seconds=2))
        move(at_mdt["id"], "mdt_review", meeting_date=today())
        accepted = refer()
        move(accepted["id"], "triaged", duty_clinician_id=DUTY, notes="n")
        seen(accepted, now_iso(seconds=2))
        move(accepted["id"], "accepted", pathway="perinatal", allocated_clinician_id=NURSE)
        duty = self.ids("duty")
        self.assertIn(new["id"], duty)
        self.assertIn(flagged["id"], duty)
        self.assertNotIn(quiet["id"], duty)
        self.assertNotIn(accepted["id"], duty)
        mdt = self.ids("mdt")
        self.assertIn(at_mdt["id"], mdt)
        self.assertNotIn(new["id"], mdt)
        caseload = self.ids("caseload")
        self.assertIn(accepted["id"], caseload)
        self.assertNotIn(at_mdt["id"], caseload)
        assert_problem(get("/v1/referrals?worklist=duty&overdue=true", token=token("admin")), 400)

    def test_worklists_show_summaries_unless_asked_for_full_records(self):
        woman = service_user_body()
        r = refer(service_user=woman)
        items = all_items("/v1/referrals?worklist=duty", token("clinician"))
        item = next(x for x in items if x["id"] == r["id"])
        self.assertEqual(set(item), {"id", "service_user_id", "team_id", "woman", "priority",
                                     "status", "received_at", "due_at", "overdue",
                                     "response_breached", "flags", "open_alerts", "version"})
        self.assertEqual(item["woman"], {"nhs_number": woman["nhs_number"],
                                         "given_name": woman["given_name"],
                                         "family_name": woman["family_name"]})
        full = all_items("/v1/referrals?worklist=duty&view=full", token("clinician"))
        self.assertEqual(next(x for x in full if x["id"] == r["id"])["reason"], r["reason"])
        assert_problem(get("/v1/referrals?worklist=duty&view=everything",
                           token=token("clinician")), 400, "view")
        # The default list is full records; a referrer has no working list.
        self.assertIn("reason", get("/v1/referrals?limit=1", token=token("clinician"))
                      .body["items"][0])
        assert_problem(get("/v1/referrals?worklist=duty&limit=200", token=mint("referrer")),
                       403)


class IdentityCheck(unittest.TestCase):
    """The woman given inline: a clinician who knows an NHS number cannot
    reach another team's woman by referring her with made-up details."""

    def setUp(self):
        # Registered by the MMHS team: out of the demo (perinatal) team's scope.
        self.real = service_user_body(family_name="E2E-Real-" + nhs_number()[:4],
                                      postcode="BH1 1AA", date_of_birth="1988-08-08")
        r = post("/v1/service-users", self.real, token=mint("clinician", team=MMHS))
        self.assertEqual(r.status, 201, r)
        self.woman = r.body

    def wrong(self, **over):
        return dict(self.real, family_name="Madeup", date_of_birth="1990-01-01", **over)

    def test_wrong_details_are_held_and_reveal_nothing(self):
        r = post("/v1/referrals", referral_body(service_user=self.wrong(postcode="DT1 2JY")),
                 token=token("clinician"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["status"], "identity_check")
        self.assertIsNone(r.body["service_user_id"])
        for secret in (self.real["family_name"], "1988-08-08", "BH1 1AA", self.woman["id"]):
            self.assertNotIn(secret, r.raw.decode())
        assert_problem(get("/v1/service-users/" + self.woman["id"], token=token("clinician")),
                       404)
        # No second record with her NHS number.
        self.assertEqual(db_count("select count(*) from service_users where nhs_number = '%s'"
                                  % self.real["nhs_number"]), 1)
        # Held: no triage until an admin has resolved it.
        body = assert_problem(move(r.body["id"], "triaged", duty_clinician_id=DUTY, notes="n"),
                              409)
        self.assertIn("received", body["detail"])
        self.assertIn(r.body["id"], [x["id"] for x in all_items(
            "/v1/referrals?worklist=duty", token("clinician"))])

    def test_a_held_referral_withdrawn_stays_attached_to_no_woman(self):
        # The clinician who made it may withdraw it; that is not a resolution
        # and gives no one her record.
        r = post("/v1/referrals", referral_body(service_user=self.wrong()),
                 token=token("clinician"))
        self.assertEqual(r.status, 201, r)
        w = move(r.body["id"], "withdrawn", reason="Wrong details")
        self.assertEqual(w.status, 201, w)
        self.assertIsNone(w.body["service_user_id"])
        self.assertNotIn(self.woman["id"], w.raw.decode())
        assert_problem(get("/v1/service-users/" + self.woman["id"], token=token("clinician")),
                       404)
        self.assertEqual(db_count("select count(*) from service_user_teams where "
                                  "service_user_id = '%s'" % self.woman["id"]), 1)

    def test_matching_details_attach_and_update_her_status(self):
        newer = dict(self.real, perinatal_status={"stage": "postnatal",
                                                  "delivery_date": today(-3)})
        r = post("/v1/referrals", referral_body(service_user=newer), token=token("clinician"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["status"], "received")
        self.assertEqual(r.body["service_user_id"], self.woman["id"])
        seen = get("/v1/service-users/" + self.woman["id"], token=token("admin")).body
        self.assertEqual(seen["perinatal_status"]["stage"], "postnatal")
        # An older date given does not overwrite the newer one.
        older = dict(self.real, perinatal_status={"stage": "pregnant",
                                                  "estimated_due_date": today(30)})
        self.assertEqual(refer(service_user=older)["service_user_id"], self.woman["id"])
        self.assertEqual(get("/v1/service-users/" + self.woman["id"], token=token("admin"))
                         .body["perinatal_status"]["stage"], "postnatal")

    def test_in_scope_woman_is_matched_whatever_the_spelling(self):
        mine = create_service_user().body
        r = refer(service_user=dict(service_user_body(nhs_number=mine["nhs_number"]),
                                    family_name="Typo"))
        self.assertEqual(r["service_user_id"], mine["id"])

    def test_admin_attaches_once_confirmed(self):
        held = post("/v1/referrals", referral_body(service_user=self.wrong()),
                    token=token("clinician")).body
        assert_problem(move(held["id"], "received", resolution="attach"), 403)
        assert_problem(move(held["id"], "received", tok=token("admin")), 422, "/resolution")
        assert_problem(move(held["id"], "received", tok=token("admin"), resolution="correct"),
                       422, "/service_user")
        ok = move(held["id"], "received", tok=token("admin"), resolution="attach")
        self.assertEqual(ok.status, 201, ok)
        self.assertEqual(ok.body["service_user_id"], self.woman["id"])
        self.assertEqual(ok.body["status"], "received")
        # Her referral's team may now see her.
        self.assertEqual(get("/v1/service-users/" + self.woman["id"],
                             token=token("clinician")).status, 200)
        h = get("/v1/referrals/%s/transitions" % held["id"], token=token("admin")).body["items"]
        self.assertEqual([(t["from"], t["to"]) for t in h],
                         [(None, "identity_check"), ("identity_check", "received")])
        self.assertEqual(db_count("select count(*) from audit_events where resource_id = '%s' "
                                  "and action = 'transition' and role = 'admin' and outcome = 'ok'"
                                  % held["id"]), 1)

    def test_attached_referral_takes_her_flags(self):
        # Held, the flags come from the details given (a practice the
        # organisation does not cover); attached, from her record (J82001,
        # covered).
        held = post("/v1/referrals", referral_body(
            service_user=self.wrong(gp_practice_code="Z99990")), token=token("clinician")).body
        self.assertTrue(held["flags"]["gp_outside_area"])
        ok = move(held["id"], "received", tok=token("admin"), resolution="attach")
        self.assertEqual(ok.status, 201, ok)
        self.assertFalse(ok.body["flags"]["gp_outside_area"])

    def test_admin_corrects_the_details(self):
        held = post("/v1/referrals", referral_body(service_user=self.wrong()),
                    token=token("clinician")).body
        corrected = service_user_body()
        ok = move(held["id"], "received", tok=token("admin"), resolution="correct",
                  service_user=corrected)
        self.assertEqual(ok.status, 201, ok)
        self.assertNotEqual(ok.body["service_user_id"], self.woman["id"])
        self.assertEqual(db_count("select count(*) from service_users where nhs_number = '%s'"
                                  % corrected["nhs_number"]), 1)
        self.assertEqual(db_count("select count(*) from service_users where nhs_number = '%s'"
                                  % self.real["nhs_number"]), 1)
        self.assertEqual(get("/v1/service-users/" + self.woman["id"],
                             token=token("clinician")).status, 404)


if __name__ == "__main__":
    main()
