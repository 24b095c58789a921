"""Health-visiting liaison updates (issue 12, points 1, 2 and 4), end to end.

In: a liaison token posts an update about a woman by NHS number; a resend is
stored once (200 with the first record), another body under the same sender
id is 409 unless it supersedes the current update (kept with its history); a
failing check digit is 422 with nothing stored; a woman not known to the
service is accepted all the same (202, the same answer) and held unmatched
until she is registered; a safeguarding or risk concern on an attached
update raises an alert. A liaison token reads back only what it sent, and
never a woman's record.

Out: her team posts an update for the health-visiting service while her
consent is in force (else 409); the liaison token reads them as a feed in
commit order that never skips an update committed late (shown with a second
connection holding an uncommitted insert), and acknowledges each."""

import subprocess
import time
import unittest
import uuid

import e2e
from e2e import assert_problem, get, post, token

IN = "/v1/liaison-updates"
NO_SUCH_ID = "00000000-0000-4000-8000-00000000dead"
TEAM_A, TEAM_B = e2e.DEMO_TEAMS[0], e2e.DEMO_TEAMS[1]


def hv(sub="e2e-hv-system-1", org=None):
    return token("liaison", sub=sub, org=org)


def cli_a():
    return token("clinician", team=TEAM_A)


def cli_b():
    return token("clinician", team=TEAM_B)


def update_body(nhs, **over):
    b = {"sender_record_id": "HV-" + uuid.uuid4().hex[:12], "nhs_number": nhs,
         "contact_date": e2e.today(-2), "contact_type": "new_birth_visit",
         "concerns": {"codes": ["maternal_mental_health"], "text": "Low mood, tearful."},
         "infant": {"name": "Baby E2E", "date_of_birth": e2e.today(-14)}}
    b.update(over)
    return b


def woman(consent=False, tok=None):
    """A woman registered by team A (consent to share with health visiting
    as given)."""
    body = e2e.service_user_body()
    r = post("/v1/service-users", body, token=tok or cli_a())
    assert r.status == 201, r
    if consent:
        e2e.give_consent(r.body["id"], "share_with_health_visiting", tok or cli_a())
    return r.body


def nested(w):
    return "/v1/service-users/%s/liaison-updates" % w["id"]


def stored(sender_record_id):
    return e2e.db_count("select count(*) from liaison_updates where sender_record_id = %s"
                        % e2e.sql_quote(sender_record_id))


def alerts(woman_id):
    return e2e.db_count("select count(*) from alerts where source = 'liaison_update' and "
                        "service_user_id = '%s'" % woman_id)


def out_body(**over):
    b = {"direction": "out", "summary": "Seen at home; mood improving on treatment.",
         "plan": "Fortnightly perinatal team visits.", "contact_point": "Duty worker 01305 000000"}
    b.update(over)
    return b


class Inbound(unittest.TestCase):
    def test_known_and_unknown_women_get_the_same_answer(self):
        known = woman()
        a = post(IN, update_body(known["nhs_number"]), token=hv())
        b = post(IN, update_body(e2e.nhs_number()), token=hv())
        self.assertEqual(a.status, 202, a)
        self.assertEqual(b.status, 202, b)
        self.assertEqual(sorted(a.body), sorted(b.body))
        self.assertEqual(sorted(a.headers), sorted(b.headers))
        for r in (a, b):
            self.assertNotIn("service_user_id", r.body)
            self.assertNotIn("matched_at", r.body)
            self.assertEqual(r.headers["location"], IN + "/" + r.body["id"])
        # Behind the answer: one attached, one held.
        self.assertEqual(e2e.psql("select service_user_id from liaison_updates where id = '%s'"
                                  % a.body["id"]), known["id"])
        self.assertEqual(e2e.psql("select coalesce(service_user_id::text, 'none') from "
                                  "liaison_updates where id = '%s'" % b.body["id"]), "none")
        # Each receipt is audited, in the same commit: naming her when known.
        for r, women in ((a, "{%s}" % known["id"]), (b, "{}")):
            self.assertEqual(e2e.psql(
                "select service_user_ids::text from audit_events where resource = "
                "'liaison_update' and action = 'create' and resource_id = '%s'"
                % r.body["id"]), women)

    def test_resend_is_stored_once_and_answers_the_first_record(self):
        body = update_body(e2e.nhs_number())
        first = post(IN, body, token=hv())
        self.assertEqual(first.status, 202, first)
        again = post(IN, body, token=hv())
        self.assertEqual(again.status, 200, again)
        self.assertEqual(again.body, first.body)
        self.assertEqual(stored(body["sender_record_id"]), 1)
        # The same sender id from another sending system is its own update.
        other = post(IN, body, token=hv("e2e-hv-system-2"))
        self.assertEqual(other.status, 202, other)
        self.assertNotEqual(other.body["id"], first.body["id"])

    def test_other_body_is_409_unless_it_supersedes(self):
        body = update_body(e2e.nhs_number())
        first = post(IN, body, token=hv()).body
        changed = dict(body, contact_type="other")
        assert_problem(post(IN, changed, token=hv()), 409)
        self.assertEqual(stored(body["sender_record_id"]), 1)
        amended = post(IN, dict(changed, supersedes=first["id"]), token=hv())
        self.assertEqual(amended.status, 202, amended)
        self.assertEqual(amended.body["supersedes"], first["id"])
        self.assertEqual(amended.body["contact_type"], "other")
        self.assertEqual(stored(body["sender_record_id"]), 2)
        # The history: the first is kept, superseded.
        old = get(IN + "/" + first["id"], token=hv())
        self.assertEqual(old.status, 200, old)
        self.assertIsNotNone(old.body["superseded_at"])
        # Naming the superseded one again is stale: 409.
        third = dict(changed, contact_type="antenatal_contact", supersedes=first["id"])
        assert_problem(post(IN, third, token=hv()), 409)
        # Resending the amendment is a resend.
        self.assertEqual(post(IN, dict(changed, supersedes=first["id"]), token=hv()).status, 200)
        # supersedes under a sender id never received: 422.
        assert_problem(post(IN, update_body(e2e.nhs_number(), supersedes=first["id"]),
                            token=hv()), 422, "/supersedes")
        self.assertEqual(stored(body["sender_record_id"]), 2)

    def test_check_digit_422_and_nothing_stored(self):
        body = update_body(e2e.invalid_nhs_number())
        assert_problem(post(IN, body, token=hv()), 422, "/nhs_number")
        self.assertEqual(stored(body["sender_record_id"]), 0)
        good = update_body(e2e.nhs_number())
        self.assertEqual(post(IN, good, token=hv()).status, 202)
        for bad in ("123456789", "12345678901", "abcdefghij"):
            body = update_body(bad)
            assert_problem(post(IN, body, token=hv()), 400, "/nhs_number")
            self.assertEqual(stored(body["sender_record_id"]), 0)
        body = update_body(e2e.nhs_number(), infant={"nhs_number": e2e.invalid_nhs_number()})
        assert_problem(post(IN, body, token=hv()), 422, "/infant/nhs_number")
        self.assertEqual(stored(body["sender_record_id"]), 0)

    def test_bad_input_400_or_422_with_pointer(self):
        nhs = e2e.nhs_number()
        for over, status, pointer in (
                ({"contact_type": "home_visit"}, 400, "/contact_type"),
                ({"concerns": {"codes": ["worry"]}}, 400, "/concerns/codes/0"),
                ({"contact_date": e2e.today(3)}, 422, "/contact_date"),
                ({"colour": "blue"}, 400, "/colour"),
                ({"sender_record_id": ""}, 400, "/sender_record_id")):
            body = update_body(nhs, **over)
            with self.subTest(over=over):
                assert_problem(post(IN, body, token=hv()), status, pointer)
        self.assertEqual(e2e.db_count("select count(*) from liaison_updates where nhs_number = "
                                      "'%s'" % nhs), 0)

    def test_unmatched_held_then_attached_on_registration_with_alert(self):
        nhs = e2e.nhs_number()
        r = post(IN, update_body(nhs, concerns={"codes": ["safeguarding", "risk"],
                                                "text": "Concern for infant."}), token=hv())
        self.assertEqual(r.status, 202, r)
        uid = r.body["id"]
        held = self.unmatched_ids()
        self.assertIn(uid, held)
        assert_problem(get(IN + "?matched=false", token=hv()), 400, "matched")
        # She is registered: the update is attached and raises its alerts.
        body = e2e.service_user_body(nhs_number=nhs)
        w = post("/v1/service-users", body, token=cli_a())
        self.assertEqual(w.status, 201, w)
        self.assertNotIn(uid, self.unmatched_ids())
        self.assertEqual(alerts(w.body["id"]), 2)
        mine = get(nested(w.body), token=cli_a())
        self.assertEqual(mine.status, 200, mine)
        self.assertEqual([u["id"] for u in mine.body["items"]], [uid])
        self.assertEqual(mine.body["items"][0]["service_user_id"], w.body["id"])
        # Other team's clinician: she is not theirs (404, as for a woman who
        # does not exist).
        assert_problem(get(nested(w.body), token=cli_b()), 404)
        # The sender's view did not change: nothing says she is now known.
        self.assertEqual(get(IN + "/" + uid, token=hv()).body, r.body)

    def test_a_corrected_nhs_number_takes_her_updates_to_their_woman(self):
        # Registered with a mistyped number (the real owner's, not yet
        # registered): the update for that number attached to her. Her
        # number corrected, it is held again; its woman registered, it is
        # hers, with its alert.
        typed, right = e2e.nhs_number(), e2e.nhs_number()
        w = post("/v1/service-users", e2e.service_user_body(nhs_number=typed), token=cli_a())
        self.assertEqual(w.status, 201, w)
        r = post(IN, update_body(typed, concerns={"codes": ["safeguarding"], "text": "C."}),
                 token=hv())
        self.assertEqual(r.status, 202, r)
        uid = r.body["id"]
        self.assertEqual([u["id"] for u in get(nested(w.body), token=cli_a()).body["items"]],
                         [uid])
        fixed = e2e.patch("/v1/service-users/" + w.body["id"], {"nhs_number": right},
                          token=cli_a(), etag=w.headers["etag"])
        self.assertEqual(fixed.status, 200, fixed)
        self.assertEqual(get(nested(w.body), token=cli_a()).body["items"], [])
        self.assertIn(uid, self.unmatched_ids())
        m = post("/v1/service-users", e2e.service_user_body(nhs_number=typed), token=cli_a())
        self.assertEqual(m.status, 201, m)
        self.assertEqual([u["id"] for u in get(nested(m.body), token=cli_a()).body["items"]],
                         [uid])
        self.assertEqual(alerts(m.body["id"]), 1)

    def test_received_while_she_is_being_registered_is_attached(self):
        # Her registration is being committed (a transaction holds her new
        # row) when the update arrives: the receipt waits for it, and the
        # update is hers, not held unmatched for good.
        nhs = e2e.nhs_number()
        r = e2e.answered_while_held(
            "e2e-registration-holder",
            "INSERT INTO service_users (organisation_id, nhs_number, given_name, family_name, "
            "date_of_birth, perinatal_stage, delivery_date, created_by) VALUES ('%s', '%s', "
            "'Held', 'Registration', '1990-01-01', 'postnatal', current_date - 20, 'e2e')"
            % (e2e.DEMO_ORG, nhs),
            lambda: post(IN, update_body(nhs, concerns={"codes": ["safeguarding"],
                                                        "text": "C."}), token=hv()))
        self.assertEqual(r.status, 202, r)
        self.assertEqual(e2e.psql(
            "select count(*) from liaison_updates l join service_users s on "
            "s.id = l.service_user_id where l.id = '%s' and s.nhs_number = '%s'"
            % (r.body["id"], nhs)), "1")
        self.assertEqual(e2e.db_count(
            "select count(*) from alerts a join service_users s on s.id = a.service_user_id "
            "where s.nhs_number = '%s'" % nhs), 1)

    def test_received_while_her_number_is_being_corrected_is_not_hers(self):
        # Her number is being corrected (a transaction holds the change)
        # when an update for her old number arrives: the receipt waits for
        # it, and the update, about whoever has the old number, is held
        # unmatched, not put in her record.
        typed, right = e2e.nhs_number(), e2e.nhs_number()
        w = post("/v1/service-users", e2e.service_user_body(nhs_number=typed), token=cli_a())
        self.assertEqual(w.status, 201, w)
        r = e2e.answered_while_held(
            "e2e-correction-holder",
            "UPDATE service_users SET nhs_number = '%s' WHERE id = '%s'" % (right, w.body["id"]),
            lambda: post(IN, update_body(typed, concerns={"codes": ["safeguarding"],
                                                          "text": "C."}), token=hv()))
        self.assertEqual(r.status, 202, r)
        self.assertEqual(e2e.psql("select coalesce(service_user_id::text, 'none') from "
                                  "liaison_updates where id = '%s'" % r.body["id"]), "none")
        self.assertEqual(alerts(w.body["id"]), 0)

    def test_registering_many_women_at_once_takes_a_bounded_number_of_locks(self):
        # A bulk registration (a loader, a data migration) in one
        # transaction: the lock that serialises her registration with a
        # receipt is one of 1,024 stripes, so 1,500 women take at most 1,024
        # locks. One lock per number ran out of the lock table ("out of
        # shared memory") at about 13,000 women.
        values = ",".join(
            "('%s', '%s', 'Bulk', 'Registration', '1990-01-01', 'postnatal', "
            "current_date - 20, 'e2e')" % (e2e.DEMO_ORG, e2e.nhs_number()) for _ in range(1500))
        script = (
            "BEGIN;\n"
            "INSERT INTO service_users (organisation_id, nhs_number, given_name, family_name, "
            "date_of_birth, perinatal_stage, delivery_date, created_by) VALUES " + values
            + " ON CONFLICT DO NOTHING;\n"
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid = pg_backend_pid();\n"
            "ROLLBACK;\n")
        out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                              e2e.MIGRATE_DATABASE_URL], input=script, capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertLessEqual(int(out.stdout.strip()), 1024)

    def unmatched_ids(self):
        ids, cursor = [], None
        for _ in range(200):
            path = IN + "?matched=false&limit=200" + ("&cursor=" + cursor if cursor else "")
            r = get(path, token=token("admin"))
            self.assertEqual(r.status, 200, r)
            ids += [u["id"] for u in r.body["items"]]
            for u in r.body["items"]:
                self.assertIsNone(u["service_user_id"])
            cursor = r.body["next_cursor"]
            if not cursor:
                return ids
        self.fail("the list did not end")

    def test_alerts_only_for_safeguarding_or_risk_and_once_per_chain(self):
        w = woman()
        body = update_body(w["nhs_number"], concerns={"codes": ["infant_health"]})
        self.assertEqual(post(IN, body, token=hv()).status, 202)
        self.assertEqual(alerts(w["id"]), 0)
        body = update_body(w["nhs_number"], concerns={"codes": ["risk"], "text": "Said she "
                                                      "had thoughts of harming herself."})
        first = post(IN, body, token=hv())
        self.assertEqual(first.status, 202)
        self.assertEqual(alerts(w["id"]), 1)
        amended = dict(body, supersedes=first.body["id"], contact_type="other")
        self.assertEqual(post(IN, amended, token=hv()).status, 202)
        self.assertEqual(alerts(w["id"]), 1)
        self.assertEqual(post(IN, body, token=hv()).status, 200)
        self.assertEqual(alerts(w["id"]), 1)

    def test_an_amendment_naming_another_woman_raises_her_alert(self):
        # The update was about the wrong woman: amended to name the right
        # one, the safeguarding concern reaches her teams as well.
        a, b = woman(), woman()
        body = update_body(a["nhs_number"], concerns={"codes": ["safeguarding"],
                                                      "text": "Concern for the baby."})
        first = post(IN, body, token=hv())
        self.assertEqual(first.status, 202, first)
        amended = dict(body, supersedes=first.body["id"], nhs_number=b["nhs_number"])
        self.assertEqual(post(IN, amended, token=hv()).status, 202)
        self.assertEqual((alerts(a["id"]), alerts(b["id"])), (1, 1))
        # Amended again, still about her: no second alert.
        again = dict(amended, supersedes=e2e.psql(
            "select id from liaison_updates where sender_record_id = %s and superseded_at "
            "is null" % e2e.sql_quote(body["sender_record_id"])), contact_type="other")
        self.assertEqual(post(IN, again, token=hv()).status, 202)
        self.assertEqual((alerts(a["id"]), alerts(b["id"])), (1, 1))

    def test_liaison_reads_only_what_it_sent_never_her_record(self):
        w = woman()
        mine = post(IN, update_body(w["nhs_number"]), token=hv()).body
        self.assertEqual(get(IN + "/" + mine["id"], token=hv()).status, 200)
        assert_problem(get(IN + "/" + mine["id"], token=hv("e2e-hv-other")), 404)
        assert_problem(get(IN + "/" + mine["id"], token=hv(org=e2e.OTHER_ORG)), 404)
        assert_problem(get(IN + "/" + NO_SUCH_ID, token=hv()), 404)
        assert_problem(get(IN + "/not-an-id", token=hv()), 404)
        listed = self.sent_ids(hv("e2e-hv-other"))
        self.assertNotIn(mine["id"], listed)
        self.assertIn(mine["id"], self.sent_ids(hv()))
        for path in ("/v1/service-users/" + w["id"], nested(w), "/v1/service-users"):
            assert_problem(get(path, token=hv()), 403)
        assert_problem(e2e.lookup(w["nhs_number"], token=hv()), 403)
        # Audited: the read names her.
        self.assertGreaterEqual(e2e.db_count(
            "select count(*) from audit_events where resource = 'liaison_update' and action = "
            "'read' and resource_id = '%s' and '%s' = any (service_user_ids)"
            % (mine["id"], w["id"])), 1)

    def sent_ids(self, tok):
        ids, cursor = [], None
        for _ in range(500):
            r = get(IN + "?limit=200" + ("&cursor=" + cursor if cursor else ""), token=tok)
            self.assertEqual(r.status, 200, r)
            ids += [u["id"] for u in r.body["items"]]
            cursor = r.body["next_cursor"]
            if not r.body["items"]:
                return ids
        self.fail("the list did not end")

    def test_wrong_roles_403(self):
        body = update_body(e2e.nhs_number())
        for role in ("clinician", "admin", "referrer", "commissioner"):
            with self.subTest(role=role):
                assert_problem(post(IN, body, token=token(role)), 403)
        self.assertEqual(stored(body["sender_record_id"]), 0)
        for role in ("clinician", "referrer", "commissioner"):
            with self.subTest(role=role):
                assert_problem(get(IN, token=token(role)), 403)
                assert_problem(get(IN + "/" + NO_SUCH_ID, token=token(role)), 403)


class Outbound(unittest.TestCase):
    def test_consent_needed_409_and_nothing_sent(self):
        w = woman(consent=False)
        assert_problem(post(nested(w), out_body(), token=cli_a()), 409)
        self.assertEqual(e2e.db_count("select count(*) from liaison_updates where "
                                      "service_user_id = '%s'" % w["id"]), 0)
        # Consent given: the same request is sent.
        e2e.give_consent(w["id"], "share_with_health_visiting", cli_a())
        sent = post(nested(w), out_body(), token=cli_a())
        self.assertEqual(sent.status, 201, sent)
        self.assertEqual(sent.body["direction"], "out")
        self.assertEqual(sent.body["service_user_id"], w["id"])

    def test_scope_and_roles_of_the_nested_collection(self):
        w = woman(consent=True)
        assert_problem(post(nested(w), out_body(), token=cli_b()), 404)
        assert_problem(post(nested(w), out_body(), token=token("admin")), 403)
        assert_problem(post(nested(w), out_body(), token=hv()), 403)
        e2e.ensure_other_org()
        assert_problem(get(nested(w), token=token("admin", org=e2e.OTHER_ORG)), 404)
        assert_problem(post(nested(w), out_body(summary=""), token=cli_a()), 400, "/summary")
        assert_problem(post(nested(w), out_body(direction="in"), token=cli_a()), 400,
                       "/direction")
        self.assertEqual(e2e.db_count("select count(*) from liaison_updates where "
                                      "service_user_id = '%s'" % w["id"]), 0)
        sent = post(nested(w), out_body(), token=cli_a()).body
        self.assertEqual(get(nested(w) + "/" + sent["id"], token=token("admin")).status, 200)
        assert_problem(get(nested(w) + "/" + sent["id"], token=cli_b()), 404)

    def feed_to_end(self, tok, cursor=None):
        """Every update of the out feed after cursor: (ids, last cursor)."""
        ids = []
        for _ in range(500):
            r = get(IN + "?direction=out&limit=200" + ("&cursor=" + cursor if cursor else ""),
                    token=tok)
            self.assertEqual(r.status, 200, r)
            ids += [u["id"] for u in r.body["items"]]
            if not r.body["items"]:
                return ids, cursor
            cursor = r.body["next_cursor"]
        self.fail("the feed did not end")

    def test_feed_and_acknowledgement(self):
        w = woman(consent=True)
        sent = post(nested(w), out_body(), token=cli_a()).body
        ids, _ = self.wait_in_feed(hv(), sent["id"])
        item = get(IN + "/" + sent["id"], token=hv())
        self.assertEqual(item.status, 200, item)
        self.assertEqual(item.body["nhs_number"], w["nhs_number"])
        self.assertNotIn("service_user_id", item.body)
        ack = post(IN + "/%s/acknowledgement" % sent["id"], None, token=hv())
        self.assertEqual(ack.status, 200, ack)
        self.assertIsNotNone(ack.body["acknowledged_at"])
        again = post(IN + "/%s/acknowledgement" % sent["id"], None, token=hv())
        self.assertEqual(again.status, 200, again)
        self.assertEqual(again.body["acknowledged_at"], ack.body["acknowledged_at"])
        seen = get(nested(w) + "/" + sent["id"], token=cli_a()).body
        self.assertIsNotNone(seen["acknowledged"])
        # Another organisation's system, and inbound updates, are not its to
        # acknowledge; the roles that are not liaison may not.
        assert_problem(post(IN + "/%s/acknowledgement" % sent["id"], None,
                            token=hv(org=e2e.OTHER_ORG)), 404)
        inbound = post(IN, update_body(e2e.nhs_number()), token=hv()).body
        assert_problem(post(IN + "/%s/acknowledgement" % inbound["id"], None, token=hv()), 404)
        for role in ("clinician", "admin", "referrer", "commissioner"):
            assert_problem(post(IN + "/%s/acknowledgement" % sent["id"], None,
                                token=token(role)), 403)
        other_org_ids, _ = self.feed_to_end(hv(org=e2e.OTHER_ORG))
        self.assertNotIn(sent["id"], other_org_ids)

    def test_consent_withdrawn_before_it_is_read_stops_it(self):
        # Her consent governs what leaves: withdrawn after the update was
        # posted, the health-visiting system can no longer read it.
        w = woman(consent=True)
        sent = post(nested(w), out_body(), token=cli_a()).body
        self.wait_in_feed(hv(), sent["id"])
        r = post("/v1/service-users/%s/consents" % w["id"],
                 {"scope": "share_with_health_visiting", "decision": "withdrawn",
                  "on": e2e.today(0)}, token=cli_a())
        self.assertEqual(r.status, 201, r)
        assert_problem(get(IN + "/" + sent["id"], token=hv()), 404)
        assert_problem(post(IN + "/%s/acknowledgement" % sent["id"], None, token=hv()), 404)
        ids, _ = self.feed_to_end(hv())
        self.assertNotIn(sent["id"], ids)
        # Her team and the admin still see what was sent.
        self.assertEqual(get(nested(w) + "/" + sent["id"], token=cli_a()).status, 200)
        self.assertEqual(get(IN + "/" + sent["id"], token=token("admin")).status, 200)

    def test_a_withdrawal_being_recorded_is_waited_for(self):
        # Her withdrawal is being recorded (its transaction holds her row)
        # when her team posts an update: the post waits for it, then sees
        # it (409), rather than reading her consents from before the wait.
        w = woman(consent=True)
        r = e2e.answered_while_held(
            "e2e-consent-holder",
            "INSERT INTO consents (organisation_id, service_user_id, scope, decision, "
            "decided_on, created_by) VALUES ('%s', '%s', 'share_with_health_visiting', "
            "'withdrawn', current_date, 'e2e')" % (w["organisation_id"], w["id"]),
            lambda: post(nested(w), out_body(), token=cli_a()))
        assert_problem(r, 409)

    def wait_in_feed(self, tok, wanted, cursor=None):
        deadline = time.monotonic() + 10
        found = []
        while time.monotonic() < deadline:
            ids, cursor = self.feed_to_end(tok, cursor)
            found += ids
            if wanted in found:
                return found, cursor
            time.sleep(0.1)
        self.fail("%s never reached the feed" % wanted)

    def test_feed_never_skips_an_update_committed_late(self):
        w = woman(consent=True)
        first = post(nested(w), out_body(), token=cli_a()).body
        _, cursor = self.wait_in_feed(hv(), first["id"])
        # A second connection inserts an update and holds it uncommitted.
        holder = e2e.HeldTransaction(
            "e2e-liaison-holder",
            "INSERT INTO liaison_updates (organisation_id, direction, service_user_id, "
            "nhs_number, summary, contact_point, created_by) VALUES ('%s', 'out', '%s', '%s', "
            "'Committed late', 'Duty', 'e2e-holder')"
            % (w["organisation_id"], w["id"], w["nhs_number"]))
        try:
            # An update committed after the held one began: not served yet,
            # since the held one could still commit below it.
            later = post(nested(w), out_body(summary="Committed early"), token=cli_a()).body
            page = get(IN + "?direction=out&cursor=" + cursor, token=hv())
            self.assertEqual(page.status, 200, page)
            self.assertEqual(page.body["items"], [])
            self.assertTrue(holder.commit())
        finally:
            holder.close()
        held = e2e.psql("select id from liaison_updates where created_by = 'e2e-holder' and "
                        "service_user_id = '%s'" % w["id"])
        found, _ = self.wait_in_feed(hv(), later["id"], cursor)
        self.assertIn(held, found)
        self.assertLess(found.index(held), found.index(later["id"]))

    def test_bad_list_parameters(self):
        for q in ("direction=sideways", "acknowledged=maybe", "cursor=bm90LWEtY3Vyc29y",
                  "colour=blue", "limit=0"):
            with self.subTest(q=q):
                assert_problem(get(IN + "?" + q, token=hv()), 400)


if __name__ == "__main__":
    e2e.main()
