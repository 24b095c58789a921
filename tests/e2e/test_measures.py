"""Outcome measures (issue 16), end to end: the item responses only (each
the position of the chosen option), scored by the database from the
instrument table (EPDS, PHQ-9, GAD-7, CORE-10, PBQ 2006) in the same
transaction; a client-sent score is 400; missing items by each
instrument's rule (422 naming the items); a risk item scoring above 0
raises an alert, and the answer names it and the 24/7 crisis route; her
series with the change from her first administration in the episode and
whether it is reliable; the paired outcomes report (report_outcomes, in
SQL). Every case is worked by hand from the published scoring rules, each
boundary on both sides."""

import datetime
import json
import random
import unittest
import zoneinfo

import e2e
from e2e import assert_problem, get, post, token

TEAM_A, TEAM_B = e2e.DEMO_TEAMS[0], e2e.DEMO_TEAMS[1]
NO_SUCH_ID = "00000000-0000-4000-8000-00000000dead"

# The published rules, copied by hand (not read from the service): item
# count, highest position, the reverse-scored items (position 0 scores the
# most) and the risk items.
EPDS = dict(code="epds", version="1987", items=10, top=3, reverse={3, 5, 6, 7, 8, 9, 10},
            risk={10})
PHQ9 = dict(code="phq9", version="2001", items=9, top=3, reverse=set(), risk={9})
GAD7 = dict(code="gad7", version="2006", items=7, top=3, reverse=set(), risk=set())
CORE10 = dict(code="core10", version="2013", items=10, top=4, reverse={2, 3}, risk={6})
PBQ = dict(code="pbq", version="2006", items=25, top=5,
           reverse=set(range(1, 26)) - {1, 4, 8, 9, 11, 16, 22, 25}, risk={18, 24})
PBQ_SCALES = {
    "impaired_bonding": [1, 2, 6, 7, 8, 9, 10, 12, 13, 15, 16, 17],
    "rejection_and_anger": [3, 4, 5, 11, 14, 21, 23],
    "infant_focused_anxiety": [19, 20, 22, 25],
    "risk_of_abuse": [18, 24],
}


def cli_a():
    return token("clinician", team=TEAM_A)


def cli_b():
    return token("clinician", team=TEAM_B)


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def iso(d):
    return d.astimezone(datetime.timezone.utc).isoformat()


def woman():
    """A woman referred to team A: her id."""
    return e2e.refer(cli_a(), team_id=TEAM_A)["service_user_id"]


def positions(ins, scores):
    """The positions that give each item its score ({item: score}; items not
    named score 0), by the instrument's reverse scoring."""
    out = {}
    for i in range(1, ins["items"] + 1):
        s = scores.get(i, 0)
        if s is None:
            continue
        out[str(i)] = ins["top"] - s if i in ins["reverse"] else s
    return out


def spread(ins, total, avoid=()):
    """Item scores summing to total, filling items in order, avoiding some
    (the risk items, so that a band test raises no alert)."""
    scores, left = {}, total
    for i in range(1, ins["items"] + 1):
        if i in avoid:
            continue
        scores[i] = min(ins["top"], left)
        left -= scores[i]
    assert left == 0, "total %d does not fit" % total
    return scores


def body(ins, item_scores=None, resp=None, **over):
    b = {"instrument": ins["code"], "instrument_version": ins["version"],
         "completed_at": iso(now() - datetime.timedelta(hours=1)),
         "administration": "self_report",
         "responses": resp if resp is not None else positions(ins, item_scores or {})}
    b.update(over)
    return {k: v for k, v in b.items() if v is not Ellipsis}


def url(sid):
    return "/v1/service-users/%s/measures" % sid


def submit(sid, b, tok=None, **kw):
    return post(url(sid), b, token=tok or cli_a(), **kw)


def scored(sid, b, tok=None):
    r = submit(sid, b, tok)
    assert r.status == 201, r
    return r.body


def stored(sid):
    return e2e.db_count("select count(*) from measures where service_user_id = '%s'" % sid)


def alerts_of(measure_id):
    return e2e.db_count("select count(*) from alerts where source = 'measure' and "
                        "source_id = '%s'" % measure_id)


class Instruments(unittest.TestCase):
    def test_table_without_wording(self):
        r = get("/v1/instruments", token=cli_a())
        self.assertEqual(r.status, 200, r)
        by = {i["code"]: i for i in r.body["items"]}
        self.assertEqual(list(by), ["epds", "phq9", "gad7", "core10", "pbq"])
        for ins in (EPDS, PHQ9, GAD7, CORE10, PBQ):
            got = by[ins["code"]]
            self.assertEqual(got["version"], ins["version"])
            self.assertEqual(got["item_count"], ins["items"])
            self.assertEqual(got["positions"], {"min": 0, "max": ins["top"]})
            self.assertEqual({i["item"] for i in got["items"] if i["reverse_scored"]},
                             ins["reverse"], ins["code"])
            self.assertEqual({i["item"] for i in got["items"] if i["risk"]}, ins["risk"])
            self.assertTrue(got["scoring_source"])
            for i in got["items"]:
                self.assertTrue(i["source"])
                self.assertEqual(i["max_score_position"],
                                 0 if i["item"] in ins["reverse"] else ins["top"])
                self.assertNotIn("text", i)
                self.assertNotIn("wording", i)
        pbq = by["pbq"]
        self.assertEqual({s["scale"]: s["items"] for s in pbq["scales"][1:]}, PBQ_SCALES)
        self.assertTrue(all(b["needs_local_signoff"] for s in pbq["scales"][1:]
                            for b in s["bands"]))
        self.assertIsNone(pbq["reliable_change"])
        self.assertTrue(by["epds"]["reliable_change"]["needs_local_signoff"])
        self.assertEqual(by["core10"]["missing_items"]["rule"], "prorate_one")
        self.assertEqual(by["epds"]["missing_items"]["rule"], "all_required")
        # Clinicians and admins read it; not other roles, nor without a token.
        self.assertEqual(get("/v1/instruments", token=token("admin")).status, 200)
        assert_problem(get("/v1/instruments", token=token("referrer")), 403)
        assert_problem(get("/v1/instruments"), 401)
        assert_problem(get("/v1/instruments?page=2", token=cli_a()), 400, "page")


class Epds(unittest.TestCase):
    def test_minimum_and_maximum(self):
        sid = woman()
        m = scored(sid, body(EPDS, {}))
        self.assertEqual(m["scores"]["total"], 0)
        self.assertEqual(m["scores"]["band"], "below_threshold")
        self.assertEqual(m["alerts"], [])
        self.assertIsNone(m["crisis_route"])
        # Every item's top score: positions 3 for 1, 2, 4; 0 for the others.
        m = scored(sid, body(EPDS, {i: 3 for i in range(1, 11)}))
        self.assertEqual(m["responses"], {"1": 3, "2": 3, "3": 0, "4": 3, "5": 0, "6": 0,
                                          "7": 0, "8": 0, "9": 0, "10": 0})
        self.assertEqual(m["scores"]["total"], 30)
        self.assertEqual(m["scores"]["band"], "probable_depression")
        self.assertEqual(len(m["alerts"]), 1)

    def test_every_item_direction(self):
        """Position 2 scores 1 on a reverse-scored item (3, 5-10) and 2 on the
        others (1, 2, 4)."""
        sid = woman()
        base = positions(EPDS, {})
        for item in range(1, 10):  # item 10 below, with its alert
            resp = dict(base, **{str(item): 2})
            m = scored(sid, body(EPDS, resp=resp))
            self.assertEqual(m["scores"]["total"], 1 if item in EPDS["reverse"] else 2, item)

    def test_band_boundaries(self):
        sid = woman()
        for total, band in ((9, "below_threshold"), (10, "possible_depression"),
                            (12, "possible_depression"), (13, "probable_depression")):
            m = scored(sid, body(EPDS, spread(EPDS, total, avoid={10})))
            self.assertEqual((m["scores"]["total"], m["scores"]["band"]), (total, band))
            self.assertEqual(m["alerts"], [])

    def test_item_10_at_0_and_1(self):
        sid = woman()
        m = scored(sid, body(EPDS, {10: 0}))
        self.assertEqual(m["alerts"], [])
        self.assertEqual(alerts_of(m["id"]), 0)
        # Item 10 is reversed: "hardly ever" (position 2) scores 1.
        m = scored(sid, body(EPDS, {10: 1}))
        self.assertEqual(m["responses"]["10"], 2)
        self.assertEqual(m["scores"]["total"], 1)
        self.assertEqual(len(m["alerts"]), 1)
        a = m["alerts"][0]
        self.assertEqual((a["item"], a["score"]), (10, 1))
        self.assertEqual([c["service"] for c in m["crisis_route"]],
                         ["crisis_team", "psychiatric_liaison", "connection",
                          "access_mental_health"])
        self.assertEqual(alerts_of(m["id"]), 1)
        # On her teams' duty list, naming the measure.
        r = get("/v1/alerts?service_user=" + sid, token=cli_a())
        self.assertEqual(r.status, 200, r)
        self.assertEqual([(x["id"], x["source"], x["source_id"]) for x in r.body["items"]],
                         [(a["id"], "measure", m["id"])])
        self.assertIn("EPDS item 10", r.body["items"][0]["reason"])
        # And on reading it back.
        g = get(url(sid) + "/" + m["id"], token=cli_a())
        self.assertEqual(g.body["alerts"], m["alerts"])

    def test_every_item_required(self):
        sid = woman()
        b = body(EPDS, {4: None, 7: None})
        p = assert_problem(submit(sid, b), 422)
        self.assertEqual(sorted(e["pointer"] for e in p["errors"]),
                         ["/responses/4", "/responses/7"])
        b = body(EPDS, {})
        b["responses"]["10"] = None
        assert_problem(submit(sid, b), 422, "/responses/10")
        self.assertEqual(stored(sid), 0)


class Phq9(unittest.TestCase):
    def test_minimum_maximum_and_bands(self):
        sid = woman()
        m = scored(sid, body(PHQ9, {}))
        self.assertEqual((m["scores"]["total"], m["scores"]["band"]), (0, "minimal"))
        m = scored(sid, body(PHQ9, {i: 3 for i in range(1, 10)}))
        self.assertEqual((m["scores"]["total"], m["scores"]["band"]), (27, "severe"))
        for total, band in ((4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
                            (14, "moderate"), (15, "moderately_severe"),
                            (19, "moderately_severe"), (20, "severe")):
            m = scored(sid, body(PHQ9, spread(PHQ9, total, avoid={9})))
            self.assertEqual((m["scores"]["total"], m["scores"]["band"]), (total, band))
            self.assertEqual(m["alerts"], [])

    def test_item_9_at_0_and_1(self):
        sid = woman()
        m = scored(sid, body(PHQ9, {1: 3, 9: 0}))
        self.assertEqual(m["alerts"], [])
        m = scored(sid, body(PHQ9, {9: 1}))
        self.assertEqual([(a["item"], a["score"]) for a in m["alerts"]], [(9, 1)])
        self.assertTrue(m["crisis_route"])

    def test_missing_item_refused(self):
        sid = woman()
        assert_problem(submit(sid, body(PHQ9, {3: None})), 422, "/responses/3")
        self.assertEqual(stored(sid), 0)


class Gad7(unittest.TestCase):
    def test_minimum_maximum_and_bands(self):
        sid = woman()
        m = scored(sid, body(GAD7, {}))
        self.assertEqual((m["scores"]["total"], m["scores"]["band"]), (0, "minimal"))
        m = scored(sid, body(GAD7, {i: 3 for i in range(1, 8)}))
        self.assertEqual((m["scores"]["total"], m["scores"]["band"]), (21, "severe"))
        self.assertEqual(m["alerts"], [])  # no risk item
        for total, band in ((4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
                            (14, "moderate"), (15, "severe")):
            m = scored(sid, body(GAD7, spread(GAD7, total)))
            self.assertEqual((m["scores"]["total"], m["scores"]["band"]), (total, band))

    def test_missing_item_refused(self):
        sid = woman()
        assert_problem(submit(sid, body(GAD7, {7: None})), 422, "/responses/7")
        self.assertEqual(stored(sid), 0)


class Core10(unittest.TestCase):
    def test_minimum_maximum_and_reversed_items(self):
        sid = woman()
        m = scored(sid, body(CORE10, {}))
        self.assertEqual(m["responses"]["2"], 4)
        self.assertEqual((m["scores"]["total"], m["scores"]["band"]), (0, "healthy"))
        m = scored(sid, body(CORE10, {i: 4 for i in range(1, 11)}))
        self.assertEqual((m["scores"]["total"], m["scores"]["band"]), (40, "severe"))
        base = positions(CORE10, {})
        for item in (1, 2, 3, 4):
            m = scored(sid, body(CORE10, resp=dict(base, **{str(item): 3})))
            # Position 3 scores 1 on items 2 and 3 (reversed), 3 elsewhere.
            self.assertEqual(m["scores"]["total"], 1 if item in (2, 3) else 3, item)

    def test_band_boundaries(self):
        sid = woman()
        for total, band in ((5, "healthy"), (6, "low"), (10, "low"), (11, "mild"),
                            (14, "mild"), (15, "moderate"), (19, "moderate"),
                            (20, "moderately_severe"), (24, "moderately_severe"),
                            (25, "severe")):
            m = scored(sid, body(CORE10, spread(CORE10, total, avoid={6})))
            self.assertEqual((m["scores"]["total"], m["scores"]["band"]), (total, band))

    def test_item_6_at_0_and_1(self):
        sid = woman()
        self.assertEqual(scored(sid, body(CORE10, {1: 4}))["alerts"], [])
        m = scored(sid, body(CORE10, {6: 1}))
        self.assertEqual([(a["item"], a["score"]) for a in m["alerts"]], [(6, 1)])

    def test_one_missing_item_prorated_two_refused(self):
        sid = woman()
        # Item 1 missing, the nine others sum to 9: 9 x 10 / 9 = 10 (low).
        m = scored(sid, body(CORE10, {1: None, 4: 4, 5: 4, 7: 1}))
        self.assertEqual(m["scores"]["total"], 10)
        self.assertEqual(m["scores"]["band"], "low")
        self.assertTrue(m["scores"]["prorated"])
        self.assertEqual(m["scores"]["answered"], 9)
        # Sum 10 over nine: 11.1 (mild, across the cut-off).
        m = scored(sid, body(CORE10, {1: None, 4: 4, 5: 4, 7: 2}))
        self.assertEqual(m["scores"]["total"], 11.1)
        self.assertEqual(m["scores"]["band"], "mild")
        n = stored(sid)
        p = assert_problem(submit(sid, body(CORE10, {1: None, 10: None})), 422)
        self.assertEqual(sorted(e["pointer"] for e in p["errors"]),
                         ["/responses/1", "/responses/10"])
        self.assertEqual(stored(sid), n)

    def test_the_risk_item_is_never_prorated(self):
        # Item 6 (risk) left out: prorating would score it as the others'
        # mean with no alert. It must be answered; any other one item may
        # still be missing.
        sid = woman()
        n = stored(sid)
        answers = {i: 4 for i in range(1, 11)}
        answers[6] = None
        p = assert_problem(submit(sid, body(CORE10, answers)), 422)
        self.assertEqual([e["pointer"] for e in p["errors"]], ["/responses/6"])
        self.assertEqual(stored(sid), n)
        answers[6], answers[5] = 0, None
        self.assertTrue(scored(sid, body(CORE10, answers))["scores"]["prorated"])

class Pbq(unittest.TestCase):
    def test_minimum_maximum_and_every_item_direction(self):
        sid = woman()
        m = scored(sid, body(PBQ, {}))
        self.assertEqual(m["scores"]["total"], 0)
        self.assertEqual([(s["scale"], s["score"], s["band"]) for s in m["scores"]["scales"]],
                         [(k, 0, "normal") for k in PBQ_SCALES])
        m = scored(sid, body(PBQ, {i: 5 for i in range(1, 26)}))
        self.assertEqual(m["scores"]["total"], 125)
        self.assertEqual([(s["scale"], s["score"], s["band"]) for s in m["scores"]["scales"]],
                         [(k, 5 * len(v), "high") for k, v in PBQ_SCALES.items()])
        self.assertEqual(sorted(a["item"] for a in m["alerts"]), [18, 24])
        # Position 1 ("very often") scores 1 on an always-0 item, 4 on the
        # others.
        base = positions(PBQ, {})
        for item in range(1, 26):
            if item in PBQ["risk"]:
                continue
            m = scored(sid, body(PBQ, resp=dict(base, **{str(item): 1})))
            self.assertEqual(m["scores"]["total"], 4 if item in PBQ["reverse"] else 1, item)

    def test_scale_cut_offs(self):
        sid = woman()
        for scale, cut in (("impaired_bonding", 12), ("rejection_and_anger", 13),
                           ("infant_focused_anxiety", 10), ("risk_of_abuse", 2)):
            for total, band in ((cut - 1, "normal"), (cut, "high")):
                scores, left = {}, total
                for i in PBQ_SCALES[scale]:
                    scores[i] = min(5, left)
                    left -= scores[i]
                m = scored(sid, body(PBQ, scores))
                got = {s["scale"]: (s["score"], s["band"]) for s in m["scores"]["scales"]}
                self.assertEqual(got[scale], (total, band), scale)

    def test_risk_items_at_0_and_1(self):
        sid = woman()
        for item in (18, 24):
            self.assertEqual(scored(sid, body(PBQ, {item: 0, 1: 5}))["alerts"], [])
            m = scored(sid, body(PBQ, {item: 1}))
            # Always 5 - never 0: "rarely" (position 4) scores 1.
            self.assertEqual(m["responses"][str(item)], 4)
            self.assertEqual([(a["item"], a["score"]) for a in m["alerts"]], [(item, 1)])

    def test_version_and_missing_items(self):
        sid = woman()
        assert_problem(submit(sid, body(PBQ, {}, instrument_version="2001")), 422,
                       "/instrument_version")
        assert_problem(submit(sid, body(PBQ, {25: None})), 422, "/responses/25")
        self.assertEqual(stored(sid), 0)


class Input(unittest.TestCase):
    def test_client_sent_score_is_400(self):
        sid = woman()
        assert_problem(submit(sid, body(EPDS, {}, total=0)), 400, "/total")
        assert_problem(submit(sid, body(EPDS, {}, scores={"total": 0})), 400, "/scores")
        self.assertEqual(stored(sid), 0)

    def test_responses_are_positions_of_the_instrument(self):
        sid = woman()
        b = body(EPDS, {})
        b["responses"]["1"] = 4
        assert_problem(submit(sid, b), 422, "/responses/1")
        b = body(EPDS, {})
        b["responses"]["11"] = 0
        assert_problem(submit(sid, b), 422, "/responses/11")
        b = body(PBQ, {})
        b["responses"]["26"] = 0
        assert_problem(submit(sid, b), 400, "/responses/26")
        b = body(EPDS, {})
        b["responses"]["1"] = "often"
        assert_problem(submit(sid, b), 400, "/responses/1")
        assert_problem(submit(sid, body(EPDS, {}, instrument="bdi")), 400, "/instrument")
        assert_problem(submit(sid, body(EPDS, {}, administration="phone")), 400,
                       "/administration")
        assert_problem(submit(sid, body(EPDS, {}, responses=...)), 400, "/responses")
        self.assertEqual(stored(sid), 0)

    def test_contact_of_the_same_woman(self):
        sid, other = woman(), woman()
        c = post("/v1/contacts", {"service_user_id": other, "at": iso(now()),
                                  "service": "perinatal_team", "mode": "telephone"},
                 token=cli_a())
        self.assertEqual(c.status, 201, c)
        assert_problem(submit(sid, body(EPDS, {}, contact_id=c.body["id"])), 422, "/contact_id")
        assert_problem(submit(sid, body(EPDS, {}, staff_id=NO_SUCH_ID)), 422, "/staff_id")
        m = scored(other, body(EPDS, {}, contact_id=c.body["id"], administration="clinician"))
        self.assertEqual(m["contact_id"], c.body["id"])
        # Readable by contact (by care plan: test_cross_links.CarePlanKeys,
        # now that the plan must be one of hers).
        r = get(url(other) + "?contact=" + c.body["id"], token=cli_a())
        self.assertEqual([x["id"] for x in r.body["items"]], [m["id"]])
        self.assertEqual(get(url(sid) + "?contact=" + c.body["id"], token=cli_a())
                         .body["items"], [])

    def test_a_contact_she_missed_or_entered_in_error_is_not_named(self):
        sid = woman()

        def contact(**over):
            c = post("/v1/contacts", dict({"service_user_id": sid, "at": iso(now()),
                                           "service": "perinatal_team", "mode": "telephone"},
                                          **over), token=cli_a())
            self.assertEqual(c.status, 201, c)
            return c.body["id"]

        HER = {"woman": True, "partner": False, "infant": False}
        n = stored(sid)
        for missed in ("did_not_attend", "cancelled_by_her", "cancelled_by_service"):
            assert_problem(submit(sid, body(EPDS, {}, contact_id=contact(attendance=missed),
                                            administration="clinician")), 422, "/contact_id")
        voided = contact(attendance="attended", present=HER)
        r = post("/v1/contacts/" + voided + "/entered-in-error", {"reason": "Wrong woman"},
                 token=cli_a())
        self.assertEqual(r.status, 200, r)
        assert_problem(submit(sid, body(EPDS, {}, contact_id=voided,
                                        administration="clinician")), 422, "/contact_id")
        self.assertEqual(stored(sid), n)
        held = contact(attendance="attended", present=HER)
        self.assertEqual(scored(sid, body(EPDS, {}, contact_id=held,
                                          administration="clinician"))["contact_id"], held)

class NotInTheFuture(unittest.TestCase):
    def test_completed_in_the_future_is_refused(self):
        sid = woman()
        ahead = iso(now() + datetime.timedelta(days=1))
        b = body(EPDS, spread(EPDS, 10, avoid={10}), completed_at=ahead)
        assert_problem(submit(sid, b), 422, "/completed_at")
        self.assertEqual(e2e.db_count("select count(*) from measures where "
                                      "service_user_id = '%s'" % sid), 0)
        # A minute ahead (a clock a little fast) is taken.
        soon = iso(now() + datetime.timedelta(minutes=1))
        scored(sid, body(EPDS, spread(EPDS, 10, avoid={10}), completed_at=soon))


class SameTransaction(unittest.TestCase):
    def test_refused_administration_leaves_no_alert(self):
        """The alert is raised with its cause: a risk answer whose
        administration is refused (a contact of another woman) raises none."""
        sid, other = woman(), woman()
        c = post("/v1/contacts", {"service_user_id": other, "at": iso(now()),
                                  "service": "perinatal_team", "mode": "telephone"},
                 token=cli_a())
        assert_problem(submit(sid, body(EPDS, {10: 3}, contact_id=c.body["id"])), 422,
                       "/contact_id")
        self.assertEqual(e2e.db_count("select count(*) from alerts where service_user_id = "
                                      "'%s'" % sid), 0)
        self.assertEqual(stored(sid), 0)

    def test_database_scores_whoever_writes(self):
        """A row written without the API is scored by the trigger: a total
        written with it is replaced."""
        sid = woman()
        resp = json.dumps(positions(PHQ9, {1: 3, 2: 2, 9: 1}))
        mid = e2e.psql(
            "insert into measures (organisation_id, service_user_id, instrument, "
            "instrument_version, completed_at, administration, responses, scores, total, "
            "created_by) select organisation_id, id, 'phq9', '2001', now(), 'clinician', "
            "'%s', '{\"total\": 99}', 99, 'e2e' from service_users where id = '%s' "
            "returning id" % (resp, sid)).splitlines()[0]
        self.assertEqual(float(e2e.psql("select total from measures where id = '%s'" % mid)), 6)
        self.assertEqual(e2e.psql("select scores ->> 'band' from measures where id = '%s'"
                                  % mid), "mild")
        self.assertEqual(alerts_of(mid), 1)
        with self.assertRaises(RuntimeError):
            e2e.psql(
                "insert into measures (organisation_id, service_user_id, instrument, "
                "instrument_version, completed_at, administration, responses, scores, total, "
                "created_by) select organisation_id, id, 'epds', '1987', now(), 'clinician', "
                "'{}', '{}', 0, 'e2e' from service_users where id = '%s'" % sid)


class Scope(unittest.TestCase):
    def test_other_team_404_admin_reads_audited(self):
        sid = woman()
        m = scored(sid, body(EPDS, {}))
        assert_problem(submit(sid, body(EPDS, {}), tok=cli_b()), 404)
        assert_problem(get(url(sid) + "/" + m["id"], token=cli_b()), 404)
        assert_problem(submit(sid, body(EPDS, {}), tok=token("admin")), 403)
        self.assertEqual(get(url(sid) + "/" + m["id"], token=token("admin")).status, 200)
        assert_problem(get(url(sid) + "/" + NO_SUCH_ID, token=cli_a()), 404)
        self.assertEqual(e2e.db_count(
            "select count(*) from audit_events where resource = 'measure' and resource_id = "
            "'%s' and action in ('create', 'read')" % m["id"]), 3)
        self.assertEqual(e2e.db_count(
            "select count(*) from audit_events where resource = 'measure' and resource_id = "
            "'%s' and outcome = 'not_found'" % m["id"]), 1)


def transition(ref_id, frm, to, at):
    e2e.db_exec("insert into workflow_transitions (workflow, record_id, from_state, to_state, "
                "at, by_sub, by_role) values ('referral', '%s', '%s', '%s', '%s', 'e2e', "
                "'clinician')" % (ref_id, frm, to, iso(at)))


class Change(unittest.TestCase):
    def test_series_with_change_from_the_first_in_the_episode(self):
        ref = e2e.refer(cli_a(), team_id=TEAM_A)
        sid = ref["service_user_id"]
        t0 = now() - datetime.timedelta(days=60)
        transition(ref["id"], "triaged", "accepted", t0)
        day = lambda n: iso(t0 + datetime.timedelta(days=n))  # noqa: E731
        before = scored(sid, body(EPDS, spread(EPDS, 25, avoid={10}), completed_at=day(-5)))
        series = [(1, 18), (10, 15), (20, 14), (30, 22)]
        ids = [scored(sid, body(EPDS, spread(EPDS, t, avoid={10}), completed_at=day(d)))["id"]
               for d, t in series]
        scored(sid, body(GAD7, spread(GAD7, 10), completed_at=day(2)))
        r = get(url(sid) + "?instrument=epds", token=cli_a())
        self.assertEqual(r.status, 200, r)
        items = r.body["items"]
        self.assertEqual([x["id"] for x in items], [before["id"]] + ids)
        self.assertIsNone(items[0]["change"])  # before her episode
        got = [(x["scores"]["total"], x["change"]["change"], x["change"]["reliable_change"])
               for x in items[1:]]
        # Reliable change on the EPDS: 4 points (Matthey 2004).
        self.assertEqual(got, [(18, 0, None), (15, -3, "no_reliable_change"),
                               (14, -4, "improved"), (22, 4, "deteriorated")])
        self.assertTrue(all(x["change"]["baseline_id"] == ids[0] for x in items[1:]))
        self.assertEqual(items[1]["change"]["episode_referral_id"], ref["id"])
        # After her discharge a new episode starts its own baseline.
        transition(ref["id"], "accepted", "discharged", t0 + datetime.timedelta(days=31))
        later = scored(sid, body(EPDS, spread(EPDS, 9, avoid={10}), completed_at=day(40)))
        self.assertIsNone(later["change"])
        self.assertEqual(get(url(sid) + "/" + ids[3], token=cli_a()).body["change"]["change"], 4)
        assert_problem(get(url(sid) + "?instrument=bdi", token=cli_a()), 400, "instrument")

    def test_no_episode_from_a_referral_entered_in_error(self):
        ref = e2e.refer(cli_a(), team_id=TEAM_A)
        sid = ref["service_user_id"]
        t0 = now() - datetime.timedelta(days=60)
        transition(ref["id"], "triaged", "accepted", t0)
        day = lambda n: iso(t0 + datetime.timedelta(days=n))  # noqa: E731
        scored(sid, body(EPDS, spread(EPDS, 20, avoid={10}), completed_at=day(10)))
        second = scored(sid, body(EPDS, spread(EPDS, 8, avoid={10}), completed_at=day(20)))
        self.assertEqual(second["change"]["change"], -12)
        e2e.db_exec("update referrals set voided_at = now(), voided_by = 'e2e', "
                    "void_reason = 'E2E' where id = '%s'" % ref["id"])
        self.assertIsNone(get(url(sid) + "/" + second["id"], token=cli_a()).body["change"])


class Report(unittest.TestCase):
    def test_report_outcomes_paired(self):
        # A quarter of its own, long ago: nothing else falls in it.
        year = random.randint(2001, 2009)
        qs, qe = datetime.date(year, 1, 1), datetime.date(year, 3, 31)
        start = datetime.datetime(year, 1, 5, 12, tzinfo=datetime.timezone.utc)

        def episode(discharged, admins):
            ref = e2e.refer(cli_a(), team_id=TEAM_A)
            sid = ref["service_user_id"]
            transition(ref["id"], "triaged", "accepted", start)
            transition(ref["id"], "accepted", "discharged", discharged)
            for n, (ins, total) in enumerate(admins):
                avoid = ins["risk"]
                scored(sid, body(ins, spread(ins, total, avoid=avoid),
                                 completed_at=iso(start + datetime.timedelta(days=n + 1))))
            return sid

        # Discharged 31 March 23:30 in England (GMT or BST): in the quarter;
        # 1 April 00:30: outside.
        london = zoneinfo.ZoneInfo("Europe/London")
        last_evening = datetime.datetime(year, 3, 31, 23, 30, tzinfo=london)
        episode(last_evening, [(EPDS, 20), (PHQ9, 10), (EPDS, 12), (PHQ9, 12)])
        episode(last_evening - datetime.timedelta(days=10), [(EPDS, 14), (EPDS, 18)])
        episode(last_evening - datetime.timedelta(days=20), [(EPDS, 14)])
        episode(datetime.datetime(year, 4, 1, 0, 30, tzinfo=london), [(EPDS, 20), (EPDS, 0)])
        rep = json.loads(e2e.psql("select report_outcomes('%s', '%s', '%s')"
                                  % (e2e.DEMO_ORG, qs, qe)))
        got = {(f["figure"], f["category"]): f for f in rep["figures"]}
        self.assertEqual(got[("women_discharged", "all")]["count"], 3)
        self.assertEqual(sorted({c for _, c in got} - {"all"}),
                         sorted(["epds", "phq9", "gad7", "core10", "pbq"]))

        def figures(ins):
            return {f: (v.get("count"), v.get("numerator"), v.get("denominator"))
                    for (f, c), v in got.items() if c == ins}
        # EPDS: changes -8 and +4 (threshold 4): mean -2, one improved, one
        # deteriorated.
        self.assertEqual(figures("epds"), {
            "women_paired": (2, None, None), "mean_change": (None, -4, 2),
            "reliably_improved": (1, None, None), "no_reliable_change": (0, None, None),
            "reliably_deteriorated": (1, None, None)})
        # PHQ-9: +2 (threshold 6): unchanged.
        self.assertEqual(figures("phq9"), {
            "women_paired": (1, None, None), "mean_change": (None, 2, 1),
            "reliably_improved": (0, None, None), "no_reliable_change": (1, None, None),
            "reliably_deteriorated": (0, None, None)})
        # PBQ: no published reliable-change threshold: no such figures.
        self.assertEqual(set(figures("pbq")), {"women_paired", "mean_change"})
        self.assertEqual(figures("pbq")["women_paired"][0], 0)
        # Served at /v1/reports/outcomes: suppressed for a commissioner (3
        # women: "*"; a mean over fewer than 5: "*"), exact for an admin.
        r = e2e.get("/v1/reports/outcomes?year=%d&quarter=4" % (year - 1),
                    token=e2e.mint("commissioner", ttl=600))
        self.assertEqual(r.status, 200, r)
        pub = {(f["figure"], f["category"]): f["value"] for f in r.body["figures"]}
        self.assertEqual(pub[("women_discharged", "all")], "*")
        self.assertEqual(pub[("mean_change", "epds")], "*")
        r = e2e.get("/v1/reports/outcomes?year=%d&quarter=4&suppress=false" % (year - 1),
                    token=e2e.mint("admin", ttl=600))
        pub = {(f["figure"], f["category"]): f for f in r.body["figures"]}
        self.assertEqual(pub[("women_discharged", "all")]["value"], 3)
        self.assertEqual((pub[("mean_change", "epds")]["value"],
                          pub[("mean_change", "epds")]["numerator"]), (-2.0, -4))
        self.assertIsNone(pub[("mean_change", "gad7")]["value"])

    def test_mean_change_suppressed_only_by_its_count(self):
        """A mean change is shown, to a whole number, over 5 women or more
        even though its sum is negative (under 5); "*" over 4."""
        year = random.randint(2010, 2019)
        start = datetime.datetime(year, 1, 5, 12, tzinfo=datetime.timezone.utc)
        london = zoneinfo.ZoneInfo("Europe/London")
        discharged = datetime.datetime(year, 2, 1, 12, tzinfo=london)

        def woman(first, last):
            ref = e2e.refer(cli_a(), team_id=TEAM_A)
            sid = ref["service_user_id"]
            transition(ref["id"], "triaged", "accepted", start)
            transition(ref["id"], "accepted", "discharged", discharged)
            for n, total in enumerate((first, last)):
                scored(sid, body(EPDS, spread(EPDS, total, avoid=EPDS["risk"]),
                                 completed_at=iso(start + datetime.timedelta(days=n + 1))))

        def mean():
            r = e2e.get("/v1/reports/outcomes?year=%d&quarter=4" % (year - 1),
                        token=e2e.mint("commissioner", ttl=600))
            self.assertEqual(r.status, 200, r)
            return {(f["figure"], f["category"]): f for f in r.body["figures"]}[
                ("mean_change", "epds")]

        for _ in range(4):
            woman(20, 12)
        self.assertEqual(mean()["value"], "*")
        woman(20, 19)
        # (-8 x 4 - 1) / 5 = -6.6: -7; its numerator (a sum) is never shown.
        self.assertEqual((mean()["value"], mean()["numerator"], mean()["denominator"]),
                         (-7, "*", 5))


if __name__ == "__main__":
    e2e.main()
