"""Referrals end to end: receipt, the response clock, the computed flags at
their boundaries, the workflow and its history, the working lists, and who
may see what. Each rule is tested on both sides of its boundary."""

import concurrent.futures
import datetime
import unittest

from e2e import (DEMO_TEAMS, assert_problem, db_count, get, main, mint, nhs_number, post,
                 refer, referral_body, service_user_body, token)

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
        self.assertEqual(post("/v1/referrals", body, token=token("referrer")).status, 201)
        before = db_count("select count(*) from referrals")
        body["source"] = "gp"
        assert_problem(post("/v1/referrals", body, token=token("referrer")), 422, "/referrer")
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
        self.assertIsNone(on_time["response_breached"])
        ok = move(on_time["id"], "triaged", duty_clinician_id=DUTY, notes="called her",
                  first_contact_at=iso(due))
        self.assertEqual(ok.status, 201, ok)
        self.assertEqual(ok.body["response_breached"], False)
        self.assertEqual(parse(ok.body["responded_at"]), due)
        bad = move(late["id"], "triaged", duty_clinician_id=DUTY, notes="called her",
                   first_contact_at=iso(due + datetime.timedelta(seconds=1)))
        self.assertEqual(bad.status, 201, bad)
        self.assertEqual(bad.body["response_breached"], True)

    def test_first_contact_recorded_once_never_before_receipt_or_in_future(self):
        received = datetime.datetime.now(UTC).replace(microsecond=0) - datetime.timedelta(hours=1)
        r = refer(priority="emergency", received_at=iso(received))
        assert_problem(move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n",
                            first_contact_at=iso(received - datetime.timedelta(seconds=1))),
                       422, "/first_contact_at")
        assert_problem(move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n",
                            first_contact_at=iso(received + datetime.timedelta(hours=3))),
                       422, "/first_contact_at")
        ok = move(r["id"], "triaged", duty_clinician_id=DUTY, notes="n",
                  first_contact_at=iso(received))
        self.assertEqual(ok.status, 201, ok)
        assert_problem(move(r["id"], "mdt_review", meeting_date=received.date().isoformat(),
                            first_contact_at=iso(received)), 422, "/first_contact_at")


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

    def test_pregnant_is_never_outside_the_window(self):
        self.assertFalse(self.flags()["discuss_individually"])

    def test_under_18_on_the_day_received(self):
        born = "2008-06-10"
        woman = service_user_body(date_of_birth=born)
        day_before = self.flags(service_user=woman, received_at="2026-06-09T12:00:00Z")
        birthday = self.flags(service_user=woman, received_at="2026-06-10T12:00:00Z")
        self.assertTrue(day_before["discuss_with_camhs"])
        self.assertFalse(birthday["discuss_with_camhs"])

    def test_open_to_another_mental_health_team(self):
        self.assertFalse(self.flags()["offer_joint_working"])
        self.assertTrue(self.flags(open_to_other_mental_health_team=True)["offer_joint_working"])
        # Known to our own CMHT: an open referral there offers joint working here.
        woman = service_user_body()
        refer(tok=token("admin"), service_user=woman, team_id=CMHT)
        self.assertTrue(self.flags(service_user=woman)["offer_joint_working"])


class Workflow(unittest.TestCase):
    def test_the_whole_pathway_with_history(self):
        r = refer()
        steps = [
            ("triaged", dict(duty_clinician_id=DUTY, notes="Duty triage: urgent MDT")),
            ("mdt_review", dict(meeting_date=datetime.date.today().isoformat())),
            ("accepted", dict(pathway="perinatal", allocated_clinician_id=NURSE)),
            ("discharged", dict(discharge_plan={"summary": "Well; GP to continue",
                                                "referred_to": "GP"})),
        ]
        version = 1
        for to, fields in steps:
            resp = move(r["id"], to, **fields)
            self.assertEqual(resp.status, 201, resp)
            version += 1
            self.assertEqual(resp.body["status"], to)
            self.assertEqual(resp.headers["etag"], '"%d"' % version)
        done = get("/v1/referrals/" + r["id"], token=token("clinician")).body
        self.assertEqual(done["outcome"]["pathway"], "perinatal")
        self.assertEqual(done["outcome"]["allocated_clinician_id"], NURSE)
        self.assertEqual(done["discharge_plan"]["summary"], "Well; GP to continue")
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
        move(r["id"], "mdt_review", meeting_date=datetime.date.today().isoformat())
        move(r["id"], "accepted", pathway="mmhs", allocated_clinician_id=NURSE)
        assert_problem(move(r["id"], "discharged"), 422, "/discharge_plan")
        assert_problem(move(r["id"], "discharged", discharge_plan={}), 400,
                       "/discharge_plan/summary")
        self.assertEqual(move(r["id"], "discharged",
                              discharge_plan={"summary": "Recovered"}).status, 201)

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
        own = get("/v1/referrals/" + r["id"], token=mine)
        self.assertEqual(own.status, 200, own)
        self.assertEqual(set(own.body), {"id", "team_id", "priority", "received_at", "due_at",
                                          "status", "responded_at", "version", "updated_at"})
        assert_problem(get("/v1/referrals/" + r["id"], token=theirs), 404)
        listed = get("/v1/referrals?limit=200", token=theirs).body["items"]
        self.assertNotIn(r["id"], [x["id"] for x in listed])
        self.assertIn(r["id"], [x["id"] for x in get("/v1/referrals?limit=200",
                                                     token=mine).body["items"]])
        assert_problem(move(r["id"], "withdrawn", tok=mine, reason="x"), 403)
        assert_problem(get("/v1/referrals/%s/transitions" % r["id"], token=mine), 403)
        body = referral_body()
        del body["service_user"]
        body["service_user_id"] = r["id"]
        assert_problem(post("/v1/referrals", body, token=mine), 422, "/service_user_id")
        assert_problem(post("/v1/referrals", referral_body(received_at="2026-01-01T09:00:00Z"),
                            token=mine), 422, "/received_at")

    def test_clinician_sees_only_referrals_to_its_teams(self):
        r = refer(tok=token("admin"), team_id=MBU)
        assert_problem(get("/v1/referrals/" + r["id"], token=token("clinician")), 404)
        assert_problem(move(r["id"], "withdrawn", reason="x"), 404)
        assert_problem(get("/v1/referrals/%s/transitions" % r["id"], token=token("clinician")),
                       404)
        mbu = mint("clinician", team=MBU)
        self.assertEqual(get("/v1/referrals/" + r["id"], token=mbu).status, 200)
        self.assertNotIn(r["id"], [x["id"] for x in get(
            "/v1/referrals?team=%s&limit=200" % MBU, token=token("clinician")).body["items"]])

    def test_other_roles_refused(self):
        for role in ("liaison", "commissioner"):
            assert_problem(get("/v1/referrals", token=token(role)), 403)
            assert_problem(post("/v1/referrals", referral_body(), token=token(role)), 403)


class Lists(unittest.TestCase):
    def test_overdue_sorted_by_due_time_and_leaves_once_answered(self):
        now = datetime.datetime.now(UTC).replace(microsecond=0)
        old_emergency = refer(priority="emergency", team_id=MMHS,
                              received_at=iso(now - datetime.timedelta(hours=6)))
        old_routine = refer(team_id=MMHS, received_at=iso(now - datetime.timedelta(days=29)))
        fresh = refer(priority="emergency", team_id=MMHS,
                      received_at=iso(now - datetime.timedelta(hours=3)))
        admin = token("admin")
        items = get("/v1/referrals?overdue=true&team=%s&limit=200" % MMHS, token=admin)
        self.assertEqual(items.status, 200, items)
        ids = [x["id"] for x in items.body["items"]]
        self.assertIn(old_emergency["id"], ids)
        self.assertIn(old_routine["id"], ids)
        self.assertNotIn(fresh["id"], ids)
        dues = [x["due_at"] for x in items.body["items"]]
        self.assertEqual(dues, sorted(dues, key=parse))
        self.assertTrue(all(x["overdue"] for x in items.body["items"]))
        move(old_emergency["id"], "triaged", tok=admin, duty_clinician_id=DUTY, notes="late",
             first_contact_at=iso(now))
        ids = [x["id"] for x in get("/v1/referrals?overdue=true&team=%s&limit=200" % MMHS,
                                    token=admin).body["items"]]
        self.assertNotIn(old_emergency["id"], ids)

    def test_filters_and_cursor_paging(self):
        admin = token("admin")
        source = "crisis_team"
        made = {refer(tok=admin, source=source, team_id=MBU,
                      received_at="2025-02-0%dT10:00:00Z" % d)["id"] for d in range(1, 6)}
        seen, cursor = [], None
        while True:
            q = ("/v1/referrals?team=%s&source=%s&received_from=2025-02-01&received_to=2025-02-05"
                 "&limit=2" % (MBU, source))
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
                    "source=pharmacy"):
            assert_problem(get("/v1/referrals?" + bad, token=admin), 400)


if __name__ == "__main__":
    main()
