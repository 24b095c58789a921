"""Alerts (issues 16 and 9), end to end: the duty list (GET /v1/alerts) of
the open alerts of the women linked to the caller's teams, by team; the
acknowledgement by a clinician with what was done, once (a second is 409);
and the out-of-hours flag: an alert not acknowledged by the end of the duty
day after it was raised (by her teams' duty hours, default Monday to Friday
09:00-17:00 Europe/London, seed 002) is overdue. Each boundary on both
sides: Friday 16:59 and 17:01, the weekend, British Summer Time."""

import unittest
import uuid

import e2e
from e2e import assert_problem, get, post, psql, token

TEAM_A, TEAM_B, TEAM_D = e2e.DEMO_TEAMS[0], e2e.DEMO_TEAMS[1], e2e.DEMO_TEAMS[3]
NO_SUCH_ID = "00000000-0000-4000-8000-00000000dead"
ALERTS = "/v1/alerts"


def cli_a():
    return token("clinician", team=TEAM_A)


def cli_b():
    return token("clinician", team=TEAM_B)


def woman(team=TEAM_A):
    return e2e.refer(token("clinician", team=team), team_id=team)["service_user_id"]


def raise_alert(sid, raised_at=None, reason="Safeguarding concern in a liaison update"):
    """An alert as the liaison updates raise it (raise_alert), optionally
    raised at a given time: its id."""
    aid = psql("select raise_alert(organisation_id, id, 'liaison_update', '%s', '%s', 'e2e') "
               "from service_users where id = '%s'" % (uuid.uuid4(), reason, sid))
    if raised_at:
        e2e.db_exec("update alerts set raised_at = '%s' where id = '%s'" % (raised_at, aid))
    return aid


def due(team, at):
    """duty_day_end(team, at) in UTC, as text."""
    return psql("set timezone = 'UTC'; select to_char(duty_day_end(%s, '%s'), "
                "'YYYY-MM-DD HH24:MI')" % ("'%s'" % team if team else "NULL", at))


def ack(aid, tok=None, action="Rang her; crisis team visited at 19:00", **kw):
    return post("%s/%s/acknowledgements" % (ALERTS, aid), {"action_taken": action},
                token=tok or cli_a(), **kw)


class DutyDay(unittest.TestCase):
    """duty_day_end by hand: 2026-11-27 is a Friday (GMT); 2026-07-03 a
    Friday in British Summer Time."""

    def test_default_hours(self):
        cases = [
            ("2026-11-27 16:59+00", "2026-11-27 17:00"),  # Friday before the end
            ("2026-11-27 17:01+00", "2026-11-30 17:00"),  # Friday after: Monday
            ("2026-11-27 17:00+00", "2026-11-30 17:00"),  # at the end: the next day
            ("2026-11-27 18:00+00", "2026-11-30 17:00"),  # Friday 18:00: Monday 17:00
            ("2026-11-28 10:00+00", "2026-11-30 17:00"),  # Saturday
            ("2026-11-29 23:59+00", "2026-11-30 17:00"),  # Sunday night
            ("2026-11-30 08:00+00", "2026-11-30 17:00"),  # Monday before duty
            ("2026-12-01 18:00+00", "2026-12-02 17:00"),  # Tuesday evening
            ("2026-07-03 16:59+01", "2026-07-03 16:00"),  # BST: 17:00 is 16:00 UTC
            ("2026-07-03 17:01+01", "2026-07-06 16:00"),
        ]
        for at, want in cases:
            self.assertEqual(due(None, at), want, at)
            self.assertEqual(due(str(uuid.uuid4()), at), want, at)  # a team without hours

    def test_team_hours(self):
        """A team with its own duty hours (here Saturday too, till 13:00)."""
        e2e.db_exec("delete from team_duty_hours where team_id = '%s'; "
                    "insert into team_duty_hours (team_id, weekday, starts, ends) "
                    "select '%s', d, '08:00', '18:00' from generate_series(1, 5) d; "
                    "insert into team_duty_hours values ('%s', 6, '09:00', '13:00')"
                    % (TEAM_D, TEAM_D, TEAM_D))
        try:
            self.assertEqual(due(TEAM_D, "2026-11-27 17:59+00"), "2026-11-27 18:00")
            self.assertEqual(due(TEAM_D, "2026-11-27 18:01+00"), "2026-11-28 13:00")
            self.assertEqual(due(TEAM_D, "2026-11-28 13:01+00"), "2026-11-30 18:00")
        finally:
            e2e.db_exec("delete from team_duty_hours where team_id = '%s'" % TEAM_D)


class DutyList(unittest.TestCase):
    def test_open_alerts_of_her_teams(self):
        sid = woman()
        aid = raise_alert(sid)
        r = get(ALERTS + "?service_user=" + sid, token=cli_a())
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["id"] for x in r.body["items"]], [aid])
        a = r.body["items"][0]
        self.assertEqual((a["status"], a["source"], a["overdue"]), ("open", "liaison_update",
                                                                    False))
        self.assertIsNone(a["acknowledgement"])
        self.assertEqual(len(a["crisis_route"]), 4)
        # Another team's clinician: not on its list, 404 by id.
        r = get(ALERTS + "?service_user=" + sid, token=cli_b())
        self.assertEqual(r.body["items"], [])
        assert_problem(get(ALERTS + "/" + aid, token=cli_b()), 404)
        # By team (an admin sees the organisation's).
        adm = token("admin")
        self.assertEqual([x["id"] for x in get(
            ALERTS + "?service_user=%s&team=%s" % (sid, TEAM_A), token=adm).body["items"]], [aid])
        self.assertEqual(get(ALERTS + "?service_user=%s&team=%s" % (sid, TEAM_B),
                             token=adm).body["items"], [])
        assert_problem(get(ALERTS + "?team=x", token=adm), 400, "team")
        assert_problem(get(ALERTS + "?status=closed", token=adm), 400, "status")
        # Read and list are audited, naming her.
        self.assertEqual(get(ALERTS + "/" + aid, token=cli_a()).status, 200)
        self.assertGreaterEqual(e2e.db_count(
            "select count(*) from audit_events where resource = 'alert' and action = 'list' "
            "and '%s' = any (service_user_ids)" % sid), 2)
        self.assertEqual(e2e.db_count(
            "select count(*) from audit_events where resource = 'alert' and resource_id = '%s' "
            "and action = 'read' and outcome = 'ok'" % aid), 1)

    def test_overdue_after_the_end_of_the_duty_day(self):
        sid = woman()
        # Raised on a past Friday at 17:01: due the Monday at 17:00, long past.
        late = raise_alert(sid, "2026-11-27 17:01+00")
        fresh = raise_alert(sid)
        items = {x["id"]: x for x in get(ALERTS + "?service_user=" + sid,
                                         token=cli_a()).body["items"]}
        self.assertEqual(e2e.db_count("select count(*) from alerts where id = '%s' and "
                                      "alert_json(alerts) ->> 'due_by' like '2026-11-30T17:00%%'"
                                      % late), 1)
        self.assertTrue(items[late]["overdue"])
        self.assertFalse(items[fresh]["overdue"])
        # The out-of-hours list: the overdue one only.
        r = get(ALERTS + "?overdue=true&service_user=" + sid, token=cli_a())
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["id"] for x in r.body["items"]], [late])
        self.assertEqual(len(get(ALERTS + "?overdue=false&service_user=" + sid,
                                 token=cli_a()).body["items"]), 2)
        assert_problem(get(ALERTS + "?overdue=yes", token=cli_a()), 400, "overdue")
        # Acknowledged, it is no longer overdue.
        self.assertEqual(ack(late).status, 201)
        self.assertFalse(get(ALERTS + "/" + late, token=cli_a()).body["overdue"])
        self.assertEqual(get(ALERTS + "?overdue=true&status=acknowledged&service_user=" + sid,
                             token=cli_a()).body["items"], [])


class Acknowledgement(unittest.TestCase):
    def test_once_with_what_was_done(self):
        sid = woman()
        aid = raise_alert(sid)
        r = ack(aid)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["status"], "acknowledged")
        self.assertEqual(r.body["acknowledgement"]["action_taken"],
                         "Rang her; crisis team visited at 19:00")
        self.assertTrue(r.body["acknowledgement"]["by"])
        self.assertEqual(r.headers.get("location"), ALERTS + "/" + aid)
        assert_problem(ack(aid, action="Again"), 409)
        self.assertEqual(psql("select action_taken from alerts where id = '%s'" % aid),
                         "Rang her; crisis team visited at 19:00")
        # Off the open list; on the acknowledged one.
        self.assertEqual(get(ALERTS + "?service_user=" + sid, token=cli_a()).body["items"], [])
        self.assertEqual([x["id"] for x in get(ALERTS + "?status=acknowledged&service_user=" +
                                               sid, token=cli_a()).body["items"]], [aid])
        self.assertEqual(e2e.db_count(
            "select count(*) from audit_events where resource = 'alert' and resource_id = '%s' "
            "and action = 'update'" % aid), 2)

    def test_refusals(self):
        sid = woman()
        aid = raise_alert(sid)
        assert_problem(post("%s/%s/acknowledgements" % (ALERTS, aid), {}, token=cli_a()), 400,
                       "/action_taken")
        assert_problem(ack(aid, action=""), 400, "/action_taken")
        assert_problem(ack(aid, tok=token("admin")), 403)
        assert_problem(ack(aid, tok=cli_b()), 404)
        assert_problem(ack(NO_SUCH_ID), 404)
        assert_problem(ack("not-an-id"), 404)
        self.assertEqual(psql("select status from alerts where id = '%s'" % aid), "open")
        self.assertEqual(e2e.db_count(
            "select count(*) from audit_events where resource = 'alert' and resource_id = '%s' "
            "and outcome = 'not_found'" % aid), 1)

    def test_idempotent_replay(self):
        sid = woman()
        aid = raise_alert(sid)
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = ack(aid, headers=key)
        self.assertEqual(first.status, 201, first)
        again = ack(aid, headers=key)
        self.assertEqual(again.status, 201, again)
        self.assertEqual(again.body["id"], aid)


if __name__ == "__main__":
    e2e.main()


class OnTheDutyList(unittest.TestCase):
    """Issue 9 item 12: the team's duty list (GET /v1/referrals?worklist=duty)
    carries her unacknowledged alerts: a referral that is on the caseload,
    seen and not due shows there while she has one, and leaves once it is
    acknowledged."""

    def duty(self):
        items = e2e.all_items("/v1/referrals?worklist=duty&team=%s" % TEAM_A, cli_a())
        return {x["id"]: x for x in items}

    def test_alert_puts_her_caseload_referral_on_the_duty_list(self):
        ref = e2e.refer(cli_a(), team_id=TEAM_A)
        e2e.db_exec("update referrals set status = 'accepted', responded_at = received_at "
                    "where id = '%s'" % ref["id"])
        self.assertNotIn(ref["id"], self.duty())
        aid = raise_alert(ref["service_user_id"])
        item = self.duty().get(ref["id"])
        self.assertIsNotNone(item, "her referral is on the duty list while the alert is open")
        self.assertEqual(item["open_alerts"], 1)
        self.assertEqual(ack(aid).status, 201)
        self.assertNotIn(ref["id"], self.duty())

    def test_closed_referral_stays_off(self):
        ref = e2e.refer(cli_a(), team_id=TEAM_A)
        e2e.db_exec("update referrals set status = 'discharged', responded_at = received_at "
                    "where id = '%s'" % ref["id"])
        raise_alert(ref["service_user_id"])
        self.assertNotIn(ref["id"], self.duty())

    def test_no_alert_counts_zero(self):
        ref = e2e.refer(cli_a(), team_id=TEAM_A)  # received: on the list anyway
        self.assertEqual(self.duty()[ref["id"]]["open_alerts"], 0)
