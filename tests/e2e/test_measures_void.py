"""Outcome measures entered in error (issue 16, open points): a clinician of
her team marks an administration with a reason; it leaves her series, is no
episode's baseline (the next valid administration is) and no first or last
of the outcomes report's pairs; an alert it raised stays open on the duty
list; the mark is audited; admins may not mark; once only. And the
instrument table's citations and sign-off flags (db/029)."""

import datetime
import json
import random
import unittest

import e2e
from e2e import assert_problem, get, post, token
from test_measures import (EPDS, GAD7, PHQ9, TEAM_A, body, cli_a, cli_b, iso, now,
                           scored, spread, transition, url)


def void(sid, mid, tok=None, reason="Keyed against the wrong woman."):
    return post("%s/%s/entered-in-error" % (url(sid), mid), {"reason": reason},
                token=tok or cli_a())


def accepted_woman(accepted_at):
    ref = e2e.refer(cli_a(), team_id=TEAM_A)
    transition(ref["id"], "triaged", "accepted", accepted_at)
    return ref


class Series(unittest.TestCase):
    def test_voided_first_administration_moves_the_baseline(self):
        ref = accepted_woman(now() - datetime.timedelta(days=30))
        sid = ref["service_user_id"]
        day = lambda n: iso(now() - datetime.timedelta(days=30 - n))  # noqa: E731
        # The first scores item 10 at 1: an alert; the others avoid it.
        first_scores = spread(EPDS, 19, avoid={10})
        first_scores[10] = 1
        first = scored(sid, body(EPDS, first_scores, completed_at=day(1)))
        self.assertEqual(len(first["alerts"]), 1)
        second = scored(sid, body(EPDS, spread(EPDS, 16, avoid={10}), completed_at=day(5)))
        third = scored(sid, body(EPDS, spread(EPDS, 13, avoid={10}), completed_at=day(9)))
        # Before: everything is counted from the first (20).
        self.assertEqual((third["change"]["baseline_id"], third["change"]["change"],
                          third["change"]["reliable_change"]),
                         (first["id"], -7, "improved"))
        r = void(sid, first["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["etag"], '"2"')
        self.assertEqual(r.body["entered_in_error"]["reason"], "Keyed against the wrong woman.")
        # After: it is out of her series, and the second (16) is the baseline:
        # 16 -> 13 is 3 points, under the EPDS's 4.
        items = get(url(sid) + "?instrument=epds", token=cli_a()).body["items"]
        self.assertEqual([x["id"] for x in items], [second["id"], third["id"]])
        self.assertEqual([(x["change"]["baseline_id"], x["change"]["change"],
                           x["change"]["reliable_change"]) for x in items],
                         [(second["id"], 0, None), (second["id"], -3, "no_reliable_change")])
        self.assertEqual(get(url(sid) + "/" + third["id"], token=cli_a())
                         .body["change"]["baseline_id"], second["id"])
        # Hidden from clinicians; an admin still reads it, marked; nothing deleted.
        assert_problem(get(url(sid) + "/" + first["id"], token=cli_a()), 404)
        assert_problem(get(url(sid) + "/" + first["id"], token=token("admin")), 404)
        seen = get(url(sid) + "/" + first["id"] + "?include=voided", token=token("admin"))
        self.assertEqual(seen.status, 200, seen)
        self.assertIsNotNone(seen.body["entered_in_error"]["at"])
        self.assertEqual(seen.body["scores"]["total"], 20)
        listed = get(url(sid) + "?include=voided", token=token("admin")).body["items"]
        self.assertEqual(len(listed), 3)
        self.assertIsNone(listed[1]["entered_in_error"])
        self.assertEqual(e2e.db_count("select count(*) from measures where id = '%s'"
                                      % first["id"]), 1)
        # The alert it raised stays open on the duty list until acknowledged.
        alert_id = first["alerts"][0]["id"]
        a = get("/v1/alerts/" + alert_id, token=cli_a())
        self.assertEqual(a.status, 200, a)
        self.assertEqual(a.body["status"], "open")
        duty = get("/v1/alerts?status=open&service_user=" + sid, token=cli_a())
        self.assertEqual(duty.status, 200, duty)
        self.assertEqual([x["id"] for x in duty.body["items"]], [alert_id])
        self.assertEqual(e2e.db_count(
            "select count(*) from alerts where id = '%s' and acknowledged_at is null"
            % alert_id), 1)
        # Audited, naming her.
        self.assertEqual(e2e.db_count(
            "select count(*) from audit_events where action = 'void' and outcome = 'ok' "
            "and resource = 'measure' and resource_id = '%s' and service_user_ids = "
            "array['%s']::uuid[]" % (first["id"], sid)), 1)

    def test_voided_later_administration_leaves_the_baseline(self):
        ref = accepted_woman(now() - datetime.timedelta(days=30))
        sid = ref["service_user_id"]
        day = lambda n: iso(now() - datetime.timedelta(days=30 - n))  # noqa: E731
        first = scored(sid, body(PHQ9, spread(PHQ9, 14, avoid={9}), completed_at=day(1)))
        wrong = scored(sid, body(PHQ9, spread(PHQ9, 2, avoid={9}), completed_at=day(3)))
        last = scored(sid, body(PHQ9, spread(PHQ9, 8, avoid={9}), completed_at=day(6)))
        self.assertEqual(void(sid, wrong["id"]).status, 200)
        items = get(url(sid) + "?instrument=phq9", token=cli_a()).body["items"]
        self.assertEqual([x["id"] for x in items], [first["id"], last["id"]])
        # 14 -> 8: 6 points, the PHQ-9's threshold: improved.
        self.assertEqual((items[1]["change"]["baseline_id"], items[1]["change"]["change"],
                          items[1]["change"]["reliable_change"]),
                         (first["id"], -6, "improved"))


class WhoAndHowOften(unittest.TestCase):
    def setUp(self):
        self.sid = e2e.refer(cli_a(), team_id=TEAM_A)["service_user_id"]
        self.m = scored(self.sid, body(GAD7, spread(GAD7, 7)))

    def test_admin_may_not_and_other_team_cannot_see_it(self):
        assert_problem(void(self.sid, self.m["id"], tok=token("admin")), 403)
        assert_problem(void(self.sid, self.m["id"], tok=token("referrer")), 403)
        assert_problem(void(self.sid, self.m["id"], tok=cli_b()), 404)
        # Still there for her team.
        self.assertEqual(get(url(self.sid) + "/" + self.m["id"], token=cli_a()).status, 200)
        self.assertEqual(e2e.db_count(
            "select count(*) from measures where id = '%s' and voided_at is null"
            % self.m["id"]), 1)

    def test_reason_required(self):
        r = post("%s/%s/entered-in-error" % (url(self.sid), self.m["id"]), {}, token=cli_a())
        assert_problem(r, 400, "/reason")
        assert_problem(void(self.sid, self.m["id"], reason=""), 400, "/reason")
        self.assertEqual(e2e.db_count(
            "select count(*) from measures where id = '%s' and voided_at is null"
            % self.m["id"]), 1)

    def test_once_only(self):
        self.assertEqual(void(self.sid, self.m["id"]).status, 200)
        # Already marked: it no longer exists for a clinician (as every
        # record entered in error); the first mark is kept.
        assert_problem(void(self.sid, self.m["id"], reason="Again."), 404)
        self.assertEqual(e2e.psql("select void_reason || '/' || version from measures "
                                  "where id = '%s'" % self.m["id"]),
                         "Keyed against the wrong woman./2")

    def test_the_app_may_mark_never_rewrite(self):
        # The application's role may update the mark only, never the
        # responses or the scores of an administration.
        def may(column):
            return e2e.psql("select has_column_privilege('perinatal_app', 'measures', '%s', "
                            "'UPDATE')" % column)
        self.assertEqual([may(c) for c in ("responses", "scores", "total", "instrument",
                                           "completed_at", "alert_ids")], ["f"] * 6)
        self.assertEqual([may(c) for c in ("voided_at", "voided_by", "void_reason")],
                         ["t"] * 3)


class Report(unittest.TestCase):
    def test_voided_administrations_leave_the_pairs(self):
        year = random.randint(1985, 1999)
        qs, qe = datetime.date(year, 1, 1), datetime.date(year, 3, 31)
        start = datetime.datetime(year, 1, 5, 12, tzinfo=datetime.timezone.utc)

        def episode(totals):
            ref = accepted_woman(start)
            transition(ref["id"], "accepted", "discharged", start + datetime.timedelta(days=40))
            return ref["service_user_id"], [
                scored(ref["service_user_id"], body(
                    EPDS, spread(EPDS, t, avoid={10}),
                    completed_at=iso(start + datetime.timedelta(days=n + 1))))["id"]
                for n, t in enumerate(totals)]

        def figures():
            rep = json.loads(e2e.psql("select report_outcomes('%s', '%s', '%s')"
                                      % (e2e.DEMO_ORG, qs, qe)))
            return {f["figure"]: f.get("count", f.get("numerator"))
                    for f in rep["figures"] if f["category"] == "epds"}

        a, a_ids = episode([20, 17, 16])  # -4: reliably improved
        b, b_ids = episode([14, 18])      # +4: reliably deteriorated
        self.assertEqual(figures(), {"women_paired": 2, "mean_change": 0,
                                     "reliably_improved": 1, "no_reliable_change": 0,
                                     "reliably_deteriorated": 1})
        # Her first entered in error: 17 -> 16 is -1, no reliable change.
        self.assertEqual(void(a, a_ids[0]).status, 200)
        self.assertEqual(figures(), {"women_paired": 2, "mean_change": 3,
                                     "reliably_improved": 0, "no_reliable_change": 1,
                                     "reliably_deteriorated": 1})
        # Her last entered in error: one administration left, no pair.
        self.assertEqual(void(b, b_ids[1]).status, 200)
        self.assertEqual(figures(), {"women_paired": 1, "mean_change": -1,
                                     "reliably_improved": 0, "no_reliable_change": 1,
                                     "reliably_deteriorated": 0})


class Sources(unittest.TestCase):
    def test_every_threshold_cited_and_flagged(self):
        by = {i["code"]: i for i in get("/v1/instruments", token=cli_a()).body["items"]}
        # The figures, checked against their sources (unchanged by db/029).
        self.assertEqual({c: (by[c]["reliable_change"] or {}).get("points") for c in by},
                         {"epds": 4, "phq9": 6, "gad7": 4, "core10": 6, "pbq": None})
        for code, cite in (("epds", "Matthey S (2004)"), ("phq9", "Gyani A"),
                           ("gad7", "Gyani A"), ("core10", "CORE-10 User Manual")):
            rc = by[code]["reliable_change"]
            self.assertIn(cite, rc["source"])
            self.assertTrue(rc["needs_local_signoff"], code)
        # PHQ-9 and GAD-7: no published prorating rule: refused, and said so.
        for code in ("phq9", "gad7"):
            self.assertEqual(by[code]["missing_items"]["rule"], "all_required")
            self.assertIn("No published prorating rule", by[code]["missing_items"]["source"])
        self.assertIn("CORE System Trust", by["core10"]["missing_items"]["source"])
        bands = {b["from_score"]: b for b in by["core10"]["scales"][0]["bands"]}
        self.assertEqual(sorted(bands), [0, 6, 11, 15, 20, 25])
        self.assertIn("clinical cut-off 11", bands[11]["source"])
        # The healthy/low split is where secondary sources disagree.
        self.assertEqual({f for f, b in bands.items() if b["needs_local_signoff"]}, {0, 6})


if __name__ == "__main__":
    e2e.main()
