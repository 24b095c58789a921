"""Contacts (issue 9, items 4, 13, 14), end to end: a care contact with a
woman, scoped through her team links and audited, entered in error like a
referral; the first attended contact with her present, in a mode that
counts, answers the referral it names (referrals.responded_at), recomputed
when a contact changes or is entered in error; a contact names a referral
of the same woman only, is not before its receipt, and has no outcome
while in the future. Each rule on both sides of its boundary."""

import concurrent.futures
import datetime
import random
import unittest
import uuid
import zoneinfo

import e2e
from e2e import assert_problem, get, patch, post, psql, token

CONTACTS = "/v1/contacts"
NO_SUCH_ID = "00000000-0000-4000-8000-00000000dead"
DUTY = "00000000-0000-4000-8000-0000000000b1"
TEAM_A, TEAM_B = e2e.DEMO_TEAMS[0], e2e.DEMO_TEAMS[1]


def cli_a():
    return token("clinician", team=TEAM_A)


def cli_b():
    return token("clinician", team=TEAM_B)


def ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")) if s else None


def iso(d):
    return d.astimezone(datetime.timezone.utc).isoformat()


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def referral(days_ago=3, tok=None):
    """A routine referral to team A received days_ago, its woman inline."""
    received = now() - datetime.timedelta(days=days_ago)
    return e2e.refer(tok or cli_a(), team_id=TEAM_A, received_at=iso(received))


def body(ref, **over):
    """A counting contact answering ref: attended by telephone, her present,
    a day after receipt."""
    b = {"service_user_id": ref["service_user_id"], "referral_id": ref["id"],
         "team_id": TEAM_A, "staff_id": DUTY,
         "at": iso(ts(ref["received_at"]) + datetime.timedelta(days=1)),
         "duration_minutes": 45, "service": "perinatal_team", "mode": "telephone",
         "present": {"woman": True, "partner": False, "infant": False},
         "attendance": "attended", "note": "E2E contact " + uuid.uuid4().hex[:8]}
    b.update(over)
    return {k: v for k, v in b.items() if v is not Ellipsis}


def create(b, tok=None, **kw):
    return post(CONTACTS, b, token=tok or cli_a(), **kw)


def created(b, tok=None):
    r = create(b, tok)
    assert r.status == 201, r
    return r.body


def answer(ref):
    """The referral's responded_at (read as an admin), as a datetime."""
    r = get("/v1/referrals/" + ref["id"], token=token("admin"))
    assert r.status == 200, r
    return ts(r.body["responded_at"])


def audit_rows(contact_id, action, outcome="ok"):
    return e2e.db_count("select count(*) from audit_events where resource = 'contact' and "
                        "resource_id = '%s' and action = '%s' and outcome = '%s'"
                        % (contact_id, action, outcome))


def void(contact, tok=None, reason="Recorded for the wrong day"):
    return post("%s/%s/entered-in-error" % (CONTACTS, contact["id"]), {"reason": reason},
                token=tok or cli_a())


class Record(unittest.TestCase):
    def test_create_read_and_audit(self):
        ref = referral()
        b = body(ref)
        r = create(b)
        self.assertEqual(r.status, 201, r)
        c = r.body
        self.assertEqual(r.headers.get("location"), CONTACTS + "/" + c["id"])
        self.assertEqual(r.headers.get("etag"), '"1"')
        for k, v in b.items():
            if k == "at":
                self.assertEqual(ts(c[k]), ts(v))
            else:
                self.assertEqual(c[k], v, k)
        self.assertEqual(c["migrated"], False)
        self.assertIsNone(c["entered_in_error"])
        self.assertEqual(c["organisation_id"], e2e.DEMO_ORG)
        self.assertEqual(audit_rows(c["id"], "create"), 1)
        for tok in (cli_a(), token("admin")):
            g = get(r.headers["location"], token=tok)
            self.assertEqual(g.status, 200, g)
            self.assertEqual(g.body, c)
        self.assertEqual(audit_rows(c["id"], "read"), 2)

    def test_create_and_its_audit_row_are_written_together(self):
        """A create with no Idempotency-Key is one statement that writes the
        contact and its audit row (naming her and the contact); a create
        the database refuses writes neither, only the refusal's row."""
        ref = referral()
        r = create(body(ref))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(psql(
            "select string_agg(service_user_ids::text || ' ' || request_id, ',') "
            "from audit_events where resource = 'contact' and action = 'create' "
            "and resource_id = '%s'" % r.body["id"]),
            "{%s} %s" % (ref["service_user_id"], r.headers["x-request-id"]))
        note = "E2E refused " + uuid.uuid4().hex[:8]
        refused = create(body(ref, mode="unknown", note=note))
        assert_problem(refused, 422, "/mode")
        self.assertEqual(e2e.db_count("select count(*) from contacts where note = '%s'" % note), 0)
        self.assertEqual(psql(
            "select string_agg(outcome || ' ' || coalesce(resource_id::text, '-'), ',') "
            "from audit_events where request_id = '%s'" % refused.headers["x-request-id"]),
            "rejected -")

    def test_planned_contact_has_no_outcome_and_nobody_present(self):
        ref = referral()
        c = created(body(ref, at=iso(now() + datetime.timedelta(days=7)), attendance=...,
                         present=...))
        self.assertIsNone(c["attendance"])
        self.assertEqual(c["present"], {"woman": False, "partner": False, "infant": False})
        self.assertIsNone(answer(ref))

    def test_validation(self):
        ref = referral()
        assert_problem(create(body(ref, mode="carrier_pigeon")), 400, "/mode")
        assert_problem(create(body(ref, service="cmht")), 400, "/service")
        assert_problem(create(body(ref, attendance="late")), 400, "/attendance")
        assert_problem(create(body(ref, id=NO_SUCH_ID)), 400, "/id")
        assert_problem(create(body(ref, migrated=True)), 400, "/migrated")
        assert_problem(create(body(ref, duration_minutes=0)), 400, "/duration_minutes")
        self.assertEqual(create(body(ref, duration_minutes=1)).status, 201)
        assert_problem(create(body(ref, service_user_id=...)), 400, "/service_user_id")
        assert_problem(create(body(ref, present={"woman": True, "dog": True})), 400,
                       "/present/dog")

    def test_unknown_mode_is_for_migrated_contacts_only(self):
        ref = referral()
        assert_problem(create(body(ref, mode="unknown")), 422, "/mode")
        self.assertEqual(create(body(ref, mode="video")).status, 201)

    def test_someone_present_only_when_attended(self):
        ref = referral()
        nobody = {"woman": False, "partner": False, "infant": False}
        assert_problem(create(body(ref, present=nobody)), 422, "/present")
        assert_problem(create(body(ref, present=...)), 422, "/present")
        assert_problem(create(body(ref, attendance="did_not_attend")), 422, "/present")
        self.assertEqual(create(body(ref, attendance="did_not_attend", present=nobody)).status,
                         201)
        self.assertEqual(create(body(ref, present={"infant": True})).status, 201)

    def test_team_and_staff_of_the_organisation(self):
        ref = referral()
        assert_problem(create(body(ref, team_id=NO_SUCH_ID)), 422, "/team_id")
        assert_problem(create(body(ref, staff_id=NO_SUCH_ID)), 422, "/staff_id")
        self.assertEqual(create(body(ref, team_id=None, staff_id=None)).status, 201)

    def test_patch_with_if_match(self):
        ref = referral()
        c = created(body(ref))
        url = CONTACTS + "/" + c["id"]
        assert_problem(patch(url, {"note": "x"}, token=cli_a()), 428)
        assert_problem(patch(url, {"note": "x"}, token=cli_a(), etag='"7"'), 412)
        r = patch(url, {"note": "Corrected note", "duration_minutes": None}, token=cli_a(),
                  etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["note"], "Corrected note")
        self.assertIsNone(r.body["duration_minutes"])
        self.assertEqual(r.headers.get("etag"), '"2"')
        self.assertEqual(audit_rows(c["id"], "update"), 1)
        # A contact stays with its woman.
        other = referral()
        assert_problem(patch(url, {"service_user_id": other["service_user_id"]}, token=cli_a(),
                             etag='"2"'), 422, "/service_user_id")
        assert_problem(patch(url, {"mode": "unknown"}, token=cli_a(), etag='"2"'), 422, "/mode")

    def test_admins_read_clinicians_write(self):
        ref = referral()
        assert_problem(create(body(ref), tok=token("admin")), 403)
        c = created(body(ref))
        assert_problem(patch(CONTACTS + "/" + c["id"], {"note": "x"}, token=token("admin"),
                             etag='"1"'), 403)
        self.assertEqual(get(CONTACTS + "/" + c["id"], token=token("admin")).status, 200)


class Scope(unittest.TestCase):
    """Another team's clinician: her contacts are not there."""

    def test_other_team_gets_404_like_a_missing_id(self):
        ref = referral()
        c = created(body(ref))
        url = CONTACTS + "/" + c["id"]
        mine = assert_problem(get(url, token=cli_b()), 404)
        ctrl = assert_problem(get(CONTACTS + "/" + NO_SUCH_ID, token=cli_b()), 404)
        self.assertEqual(mine["detail"], ctrl["detail"])
        self.assertEqual(audit_rows(c["id"], "read", "not_found"), 1)
        assert_problem(patch(url, {"note": "x"}, token=cli_b(), etag='"1"'), 404)
        assert_problem(void(c, tok=cli_b()), 404)
        self.assertEqual(get(url, token=cli_a()).body["version"], 1)
        # Not in its lists, even when it asks for her by id.
        for q in ("?limit=200", "?service_user=" + ref["service_user_id"],
                  "?referral=" + ref["id"]):
            r = get(CONTACTS + q, token=cli_b())
            self.assertEqual(r.status, 200, r)
            self.assertNotIn(c["id"], [i["id"] for i in r.body["items"]])
        # A clinician of both teams sees it.
        both = token("clinician", team=[TEAM_A, TEAM_B])
        self.assertEqual(get(url, token=both).status, 200)

    def test_other_team_cannot_record_a_contact_with_her(self):
        ref = referral()
        mine = assert_problem(create(body(ref, referral_id=None, team_id=TEAM_B), tok=cli_b()),
                              422, "/service_user_id")
        ctrl = assert_problem(create(body(ref, referral_id=None, service_user_id=NO_SUCH_ID),
                                     tok=cli_b()), 422, "/service_user_id")
        self.assertEqual(mine["errors"], ctrl["errors"])
        self.assertEqual(e2e.db_count("select count(*) from contacts where service_user_id = '%s'"
                                      % ref["service_user_id"]), 0)

    def test_another_organisation_sees_nothing(self):
        e2e.ensure_other_org()
        ref = referral()
        c = created(body(ref))
        other_admin = token("admin", org=e2e.OTHER_ORG)
        assert_problem(get(CONTACTS + "/" + c["id"], token=other_admin), 404)


class Answering(unittest.TestCase):
    """The first attended contact with her present, in a counting mode,
    answers the referral, whichever service held it."""

    def test_attended_with_her_present_answers(self):
        ref = referral()
        self.assertIsNone(answer(ref))
        b = body(ref)
        created(b)
        self.assertEqual(answer(ref), ts(b["at"]))
        r = get("/v1/referrals/" + ref["id"], token=cli_a())
        self.assertGreater(r.body["version"], ref["version"])
        self.assertEqual(r.body["response_breached"], False)
        self.assertEqual(r.body["overdue"], False)

    def test_counting_and_non_counting_modes(self):
        for mode in ("face_to_face", "home_visit", "telephone", "video"):
            ref = referral()
            created(body(ref, mode=mode))
            self.assertIsNotNone(answer(ref), mode)
        ref = referral()
        created(body(ref, mode="joint_midwifery_clinic"))
        self.assertIsNone(answer(ref))

    def test_the_setting_decides_which_modes_count(self):
        # The vocabulary's answers_referral is the setting (as the owner).
        ref = referral()
        psql("update vocabulary set answers_referral = true "
             "where domain = 'contact_mode' and code = 'joint_midwifery_clinic'")
        try:
            created(body(ref, mode="joint_midwifery_clinic"))
        finally:
            psql("update vocabulary set answers_referral = false "
                 "where domain = 'contact_mode' and code = 'joint_midwifery_clinic'")
        self.assertIsNotNone(answer(ref))

    def test_did_not_attend_and_cancelled_do_not_answer(self):
        ref = referral()
        nobody = {"woman": False, "partner": False, "infant": False}
        for outcome in ("did_not_attend", "cancelled_by_her", "cancelled_by_service"):
            created(body(ref, attendance=outcome, present=nobody))
        self.assertIsNone(answer(ref))

    def test_partner_only_does_not_answer_her_presence_does(self):
        ref = referral()
        created(body(ref, present={"partner": True, "infant": True}))
        self.assertIsNone(answer(ref))
        b = body(ref, present={"woman": True, "partner": True},
                 at=iso(ts(ref["received_at"]) + datetime.timedelta(days=2)))
        created(b)
        self.assertEqual(answer(ref), ts(b["at"]))

    def test_whichever_service_held_it(self):
        ref = referral()
        b = body(ref, service="crisis_team", team_id=None, staff_id=None)
        created(b)
        self.assertEqual(answer(ref), ts(b["at"]))

    def test_a_contact_naming_no_referral_answers_none(self):
        ref = referral()
        created(body(ref, referral_id=None))
        self.assertIsNone(answer(ref))

    def test_the_earliest_answers(self):
        ref = referral(days_ago=10)
        later = body(ref, at=iso(ts(ref["received_at"]) + datetime.timedelta(days=5)))
        created(later)
        self.assertEqual(answer(ref), ts(later["at"]))
        earlier = body(ref, at=iso(ts(ref["received_at"]) + datetime.timedelta(days=1)))
        created(earlier)
        self.assertEqual(answer(ref), ts(earlier["at"]))
        version = get("/v1/referrals/" + ref["id"], token=token("admin")).body["version"]
        created(body(ref, at=iso(ts(ref["received_at"]) + datetime.timedelta(days=3))))
        self.assertEqual(answer(ref), ts(earlier["at"]))
        # A later contact changes nothing of the referral, its ETag included.
        self.assertEqual(get("/v1/referrals/" + ref["id"], token=token("admin")).body["version"],
                         version)

    def test_concurrent_contacts_answer_with_the_earliest(self):
        # Contacts of one referral recorded at once are counted one after the
        # other (the referral's row is locked): whichever commits last, the
        # answer is the earliest of them.
        for _ in range(3):
            ref = referral(days_ago=10)
            hours = list(range(1, 9))
            random.shuffle(hours)
            bodies = [body(ref, at=iso(ts(ref["received_at"]) + datetime.timedelta(hours=h)))
                      for h in hours]
            with concurrent.futures.ThreadPoolExecutor(len(bodies)) as pool:
                statuses = list(pool.map(lambda b: create(b).status, bodies))
            self.assertEqual(statuses, [201] * len(bodies))
            self.assertEqual(answer(ref), ts(ref["received_at"]) + datetime.timedelta(hours=1))

    def test_late_answer_is_a_breach(self):
        # An emergency referral is due 4 hours after receipt.
        received = now() - datetime.timedelta(days=1)
        ref = e2e.refer(cli_a(), team_id=TEAM_A, priority="emergency", received_at=iso(received))
        created(body(ref, at=iso(received + datetime.timedelta(hours=5))))
        r = get("/v1/referrals/" + ref["id"], token=cli_a())
        self.assertEqual(r.body["response_breached"], True)
        ref = e2e.refer(cli_a(), team_id=TEAM_A, priority="emergency", received_at=iso(received))
        created(body(ref, at=iso(received + datetime.timedelta(hours=3))))
        r = get("/v1/referrals/" + ref["id"], token=cli_a())
        self.assertEqual(r.body["response_breached"], False)

    def test_another_womans_referral_is_422(self):
        ref, other = referral(), referral()
        assert_problem(create(body(ref, referral_id=other["id"])), 422, "/referral_id")
        assert_problem(create(body(ref, referral_id=NO_SUCH_ID)), 422, "/referral_id")
        self.assertIsNone(answer(other))
        self.assertEqual(create(body(ref)).status, 201)

    def test_another_teams_referral_is_not_answered_from_here(self):
        # Scoped like every record about her: team B has her in its care
        # too, but cannot see (so cannot answer) team A's referral.
        ref = referral()
        psql("INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason) "
             "VALUES ('%s', '%s', '%s', 'registration')"
             % (ref["service_user_id"], TEAM_B, e2e.DEMO_ORG))
        assert_problem(create(body(ref, team_id=TEAM_B), tok=cli_b()), 422, "/referral_id")
        self.assertIsNone(answer(ref))
        theirs = created(body(ref, team_id=TEAM_B, referral_id=None), tok=cli_b())
        assert_problem(patch(CONTACTS + "/" + theirs["id"], {"referral_id": ref["id"]},
                             token=cli_b(), etag='"1"'), 422, "/referral_id")
        self.assertIsNone(answer(ref))

    def test_a_referral_entered_in_error_is_not_named(self):
        ref = referral()
        r = post("/v1/referrals/%s/entered-in-error" % ref["id"], {"reason": "Duplicate."},
                 token=cli_a())
        self.assertEqual(r.status, 200, r)
        assert_problem(create(body(ref)), 422, "/referral_id")

    def test_a_referral_closed_without_contact_is_not_answered_afterwards(self):
        # Issue 9 item 4: closed without any contact, it is neither met nor
        # breached; a contact held after the closure does not answer it.
        ref = referral(days_ago=40)
        r = post("/v1/referrals/%s/transitions" % ref["id"], {"to": "withdrawn",
                                                              "reason": "Moved away."},
                 token=cli_a())
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.body["closed_without_contact"])
        psql("UPDATE workflow_transitions SET at = now() - interval '2 days' WHERE "
             "record_id = '%s' AND to_state = 'withdrawn'" % ref["id"])
        assert_problem(create(body(ref, at=iso(now() - datetime.timedelta(days=1)))), 409)
        now_ref = get("/v1/referrals/" + ref["id"], token=cli_a()).body
        self.assertEqual((now_ref["closed_without_contact"], now_ref["response_breached"]),
                         (True, None))
        # One held before the closure (recorded late) answers it.
        created(body(ref))
        self.assertIsNotNone(answer(ref))

    def test_a_planned_contact_held_after_the_closure_does_not_answer_it(self):
        # Planned before the referral was closed without contact, marked
        # attended afterwards: it is not the referral's answer (409), and
        # the referral stays closed without contact.
        ref = referral(days_ago=10)
        planned = created(body(ref, at=iso(now() - datetime.timedelta(days=1)),
                               attendance=Ellipsis, present=Ellipsis))
        r = post("/v1/referrals/%s/transitions" % ref["id"], {"to": "withdrawn",
                                                              "reason": "Moved away."},
                 token=cli_a())
        self.assertEqual(r.status, 201, r)
        psql("UPDATE workflow_transitions SET at = now() - interval '2 days' WHERE "
             "record_id = '%s' AND to_state = 'withdrawn'" % ref["id"])
        held = patch(CONTACTS + "/" + planned["id"], {
            "attendance": "attended", "present": {"woman": True, "partner": False,
                                                  "infant": False}},
            token=cli_a(), etag='"%s"' % planned["version"])
        assert_problem(held, 409)
        now_ref = get("/v1/referrals/" + ref["id"], token=cli_a()).body
        self.assertEqual((now_ref["closed_without_contact"], now_ref["responded_at"]),
                         (True, None))

    def test_a_discharged_referral_keeps_an_attended_contact(self):
        # Issue 9 item 4: discharge with no attended contact only through
        # unable_to_engage; the contact it was discharged on cannot go.
        ref = referral()
        seen = created(body(ref))
        url = "/v1/referrals/%s" % ref["id"]
        for step in ({"to": "triaged", "duty_clinician_id": DUTY, "notes": "n"},
                     {"to": "accepted", "pathway": "perinatal",
                      "allocated_clinician_id": "00000000-0000-4000-8000-0000000000b2"}):
            r = post(url + "/transitions", step, token=cli_a())
            self.assertEqual(r.status, 201, r)
        r = post(url + "/discharge-plan", {"follow_up": "GP review.", "relapse_signs": "Sleep."},
                 token=cli_a())
        self.assertEqual(r.status, 201, r)
        r = post(url + "/transitions", {"to": "discharged"}, token=cli_a())
        self.assertEqual(r.status, 201, r)
        assert_problem(void(seen), 409)
        assert_problem(patch(CONTACTS + "/" + seen["id"], {"attendance": "did_not_attend",
                                                           "present": {"woman": False}},
                             token=cli_a(), etag='"1"'), 409)
        self.assertEqual(answer(ref), ts(seen["at"]))
        # A second attended contact: the first may then go.
        created(body(ref, at=iso(ts(seen["at"]) + datetime.timedelta(hours=1))))
        self.assertEqual(void(seen).status, 200)

    def test_not_before_receipt(self):
        ref = referral()
        received = ts(ref["received_at"])
        assert_problem(create(body(ref, at=iso(received - datetime.timedelta(seconds=1)))),
                       422, "/at")
        self.assertIsNone(answer(ref))
        created(body(ref, at=ref["received_at"]))
        self.assertEqual(answer(ref), received)
        # A contact that names no referral may be older (she was seen before).
        self.assertEqual(create(body(ref, referral_id=None,
                                     at=iso(received - datetime.timedelta(days=30)))).status, 201)

    def test_no_outcome_in_the_future(self):
        ref = referral()
        future = iso(now() + datetime.timedelta(hours=1))
        assert_problem(create(body(ref, at=future)), 422, "/attendance")
        c = created(body(ref, at=future, attendance=..., present=...))
        assert_problem(patch(CONTACTS + "/" + c["id"],
                             {"attendance": "attended", "present": {"woman": True}},
                             token=cli_a(), etag='"1"'), 422, "/attendance")
        self.assertIsNone(answer(ref))
        # Just past: fine.
        self.assertEqual(create(body(ref, at=iso(now() - datetime.timedelta(minutes=1))))
                         .status, 201)

    def test_a_planned_contact_answers_once_held(self):
        ref = referral()
        c = created(body(ref, attendance=..., present=...))
        self.assertIsNone(answer(ref))
        r = patch(CONTACTS + "/" + c["id"], {"attendance": "attended",
                                              "present": {"woman": True}},
                  token=cli_a(), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(answer(ref), ts(c["at"]))
        # And no longer when corrected to a DNA.
        r = patch(CONTACTS + "/" + c["id"], {"attendance": "did_not_attend",
                                              "present": {"woman": False}},
                  token=cli_a(), etag='"2"')
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(answer(ref))

    def test_moving_a_contact_to_another_referral_recomputes_both(self):
        woman_ref = referral(days_ago=5)
        # A second referral of the same woman, by her id.
        rb = e2e.referral_body(TEAM_A, service_user_id=woman_ref["service_user_id"],
                               received_at=woman_ref["received_at"])
        del rb["service_user"]
        r = post("/v1/referrals", rb, token=cli_a())
        self.assertEqual(r.status, 201, r)
        second = r.body
        c = created(body(woman_ref))
        self.assertIsNotNone(answer(woman_ref))
        r = patch(CONTACTS + "/" + c["id"], {"referral_id": second["id"]}, token=cli_a(),
                  etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(answer(woman_ref))
        self.assertEqual(answer(second), ts(c["at"]))

    def test_entered_in_error_recomputes(self):
        ref = referral(days_ago=10)
        first = created(body(ref, at=iso(ts(ref["received_at"]) + datetime.timedelta(days=1))))
        second = created(body(ref, at=iso(ts(ref["received_at"]) + datetime.timedelta(days=2))))
        self.assertEqual(answer(ref), ts(first["at"]))
        r = void(first)
        self.assertEqual(r.status, 200, r)
        self.assertIsNotNone(r.body["entered_in_error"])
        self.assertEqual(audit_rows(first["id"], "void"), 1)
        self.assertEqual(answer(ref), ts(second["at"]))
        self.assertEqual(void(second).status, 200)
        self.assertIsNone(answer(ref))
        # Gone from reads and lists, but an admin's include=voided.
        assert_problem(get(CONTACTS + "/" + first["id"], token=cli_a()), 404)
        assert_problem(void(first), 404)
        ids = [i["id"] for i in get(CONTACTS + "?referral=" + ref["id"], token=cli_a())
               .body["items"]]
        self.assertEqual(ids, [])
        r = get(CONTACTS + "?include=voided&referral=" + ref["id"], token=token("admin"))
        self.assertEqual(sorted(i["id"] for i in r.body["items"]),
                         sorted([first["id"], second["id"]]))
        assert_problem(get(CONTACTS + "?include=voided", token=cli_a()), 403)

    def test_answered_referral_still_moves_through_its_workflow(self):
        ref = referral()
        created(body(ref))
        answered = answer(ref)
        url = "/v1/referrals/%s/transitions" % ref["id"]
        r = post(url, {"to": "triaged", "duty_clinician_id": DUTY, "notes": "Seen by phone"},
                 token=cli_a())
        self.assertEqual(r.status, 201, r)
        self.assertEqual(ts(r.body["responded_at"]), answered)
        # A step cannot carry a typed first contact: only contacts answer.
        assert_problem(post(url, {"to": "mdt_review", "meeting_date": e2e.today(),
                                  "first_contact_at": iso(now())}, token=cli_a()),
                       400, "/first_contact_at")
        self.assertEqual(answer(ref), answered)


class Lists(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ref = referral(days_ago=20)
        base = ts(cls.ref["received_at"])
        cls.contacts = [created(body(cls.ref, at=iso(base + datetime.timedelta(days=d)),
                                     team_id=TEAM_A if d % 2 else TEAM_B))
                        for d in (1, 2, 3, 4, 5)]

    def ids(self, query, tok=None):
        r = get(CONTACTS + query, token=tok or cli_a())
        self.assertEqual(r.status, 200, r)
        return [i["id"] for i in r.body["items"]], r.body["next_cursor"]

    def test_newest_first_with_a_cursor(self):
        q = "?referral=%s&limit=2" % self.ref["id"]
        seen, cursor = [], None
        while True:
            ids, cursor = self.ids(q + ("&cursor=" + cursor if cursor else ""))
            seen += ids
            if not cursor:
                break
        self.assertEqual(seen, [c["id"] for c in reversed(self.contacts)])

    def test_filters(self):
        all_ids = [c["id"] for c in reversed(self.contacts)]
        ids, _ = self.ids("?service_user=" + self.ref["service_user_id"])
        self.assertEqual(ids, all_ids)
        ids, _ = self.ids("?referral=%s&team=%s" % (self.ref["id"], TEAM_B))
        self.assertEqual(ids, [self.contacts[3]["id"], self.contacts[1]["id"]])
        london = zoneinfo.ZoneInfo("Europe/London")
        day = lambda c: ts(c["at"]).astimezone(london).date().isoformat()  # noqa: E731
        ids, _ = self.ids("?referral=%s&from=%s&to=%s" % (self.ref["id"], day(self.contacts[1]),
                                                          day(self.contacts[3])))
        self.assertEqual(ids, [self.contacts[3]["id"], self.contacts[2]["id"],
                               self.contacts[1]["id"]])
        ids, _ = self.ids("?referral=%s&mode=video" % self.ref["id"])
        self.assertEqual(ids, [])

    def test_list_is_audited_naming_her(self):
        r = get(CONTACTS + "?referral=" + self.ref["id"], token=cli_a())
        rid = r.headers["x-request-id"]
        women = psql("select service_user_ids from audit_events where request_id = %s and "
                     "action = 'list'" % e2e.sql_quote(rid))
        self.assertEqual(women, "{%s}" % self.ref["service_user_id"])

    def test_bad_parameters_are_400(self):
        for q in ("?referral=nope", "?from=2026-02-30", "?mode=pigeon", "?colour=red",
                  "?cursor=bm90LWEtY3Vyc29y"):
            assert_problem(get(CONTACTS + q, token=cli_a()), 400)


if __name__ == "__main__":
    e2e.main()
