"""Indicator reports for commissioners (issue 15), end to end: response
times and activity on hand-built data sets in organisations of their own,
each expected figure worked out here from the rows inserted; NHS England's
small-number rule on every count (0, 4, 5, 7, 8, 12, 13) and percentage (at
4 and 5); NHS financial-year quarters with England's dates; roles; JSON and
CSV; frozen quarters (submissions), append-only; every pull audited; no
personal data in any answer."""

import csv
import datetime
import io
import unittest
import uuid
import zoneinfo

import e2e
from e2e import assert_problem, get, mint, post, psql

REPORTS = "/v1/reports/"
UTC = datetime.timezone.utc


def q(s):
    return "NULL" if s is None else e2e.sql_quote(s)


class Org:
    """An organisation of its own, with one team and one member of staff,
    so that its reports count only what a test puts in it."""

    def __init__(self):
        self.id = str(uuid.uuid4())
        self.team = str(uuid.uuid4())
        self.staff = str(uuid.uuid4())
        psql("INSERT INTO organisations (id, name) VALUES ('%s', 'E2E reports %s');"
             "INSERT INTO teams (id, organisation_id, name, type, created_by) VALUES "
             "('%s', '%s', 'Perinatal', 'perinatal_community', 'e2e');"
             "INSERT INTO staff (id, organisation_id, team_id, name, profession, created_by) "
             "VALUES ('%s', '%s', '%s', 'E2E Nurse', 'nurse', 'e2e')"
             % (self.id, self.id[:8], self.team, self.id, self.staff, self.id, self.team))
        self.women = []
        self.commissioner = mint("commissioner", org=self.id, ttl=3600)
        self.admin_sub = "e2e-admin-" + uuid.uuid4().hex[:8]
        self.admin = mint("admin", org=self.id, sub=self.admin_sub, ttl=3600)

    def woman(self, stage="postnatal", ethnic=None):
        family = "Reportee-" + uuid.uuid4().hex[:8]
        nhs = e2e.nhs_number()
        row = psql(
            "INSERT INTO service_users (organisation_id, nhs_number, given_name, family_name, "
            "date_of_birth, perinatal_stage, estimated_due_date, delivery_date, ethnic_category, "
            "created_by) VALUES ('%s', '%s', 'Ada', '%s', '1991-02-03', '%s', %s, %s, %s, 'e2e') "
            "RETURNING id" % (self.id, nhs, family, stage,
                              "'2026-01-10'" if stage == "pregnant" else "NULL",
                              "'2025-01-10'" if stage == "postnatal" else "NULL", q(ethnic)))
        self.women.append((row, nhs, family))
        return row

    def referral(self, woman, received, priority="routine", source="gp", status="received",
                 responded=None, voided=False):
        """received/responded: timestamps with an offset. Returns the id. The
        row is written as it would stand at its status (an INSERT runs no
        workflow trigger)."""
        extra = {
            "accepted": {"pathway": "'perinatal'", "allocated_clinician_id": q(self.staff)},
            # Inserted at its status: the discharge-plan rule holds a move
            # to discharged (an UPDATE), which this is not.
            "discharged": {"pathway": "'perinatal'", "allocated_clinician_id": q(self.staff)},
            "unable_to_engage": {"risk_assessment": "'{}'"},
        }.get(status, {})
        if voided:
            extra.update({"voided_at": "now()", "voided_by": "'e2e'", "void_reason": "'E2E'"})
        return psql(
            "INSERT INTO referrals (organisation_id, service_user_id, team_id, source, channel, "
            "received_at, priority, criteria, reason, referrer_name, due_at, responded_at, "
            "flag_discuss_individually, flag_discuss_with_camhs, flag_offer_joint_working, "
            "status, submitted_by, submitted_by_role, source_code%s) "
            "SELECT '%s', '%s', '%s', '%s', 'letter', t, '%s', '{smi_pregnant}', 'E2E', "
            "'Dr E2E', referral_due_at(t, '%s'), %s, false, false, false, '%s', 'e2e', "
            "'clinician', referral_source_code('%s', 'clinician')%s "
            "FROM (SELECT timestamptz %s AS t) x RETURNING id"
            % ("".join(", " + k for k in extra), self.id, woman, self.team, source, priority,
               priority, "NULL" if responded is None else "timestamptz " + q(responded), status,
               source, "".join(", " + v for v in extra.values()), q(received)))

    def transition(self, referral, from_state, to_state, at):
        psql("INSERT INTO workflow_transitions (workflow, record_id, from_state, to_state, at, "
             "by_sub, by_role) VALUES ('referral', '%s', '%s', '%s', timestamptz '%s', 'e2e', "
             "'clinician')" % (referral, from_state, to_state, at))

    def contact(self, woman, at, attendance="attended", present=True, voided=False):
        psql("INSERT INTO contacts (organisation_id, service_user_id, team_id, at, service, mode, "
             "attendance, woman_present, partner_present, created_by, voided_at, voided_by, "
             "void_reason) VALUES ('%s', '%s', '%s', timestamptz '%s', 'perinatal_team', "
             "'telephone', '%s', %s, %s, 'e2e', %s, %s, %s)"
             % (self.id, woman, self.team, at, attendance,
                "true" if present and attendance == "attended" else "false",
                "true" if not present and attendance == "attended" else "false",
                "now()" if voided else "NULL", "'e2e'" if voided else "NULL",
                "'E2E'" if voided else "NULL"))

    def report(self, name, year, quarter, token=None, headers=None, **params):
        query = "&".join(["year=%d" % year, "quarter=%d" % quarter]
                         + ["%s=%s" % kv for kv in params.items()])
        return get(REPORTS + name + "?" + query, token=token or self.commissioner,
                   headers=headers)

    def figures(self, name, year, quarter, exact=False):
        """{(figure, breakdown, category, national_code): value}"""
        r = self.report(name, year, quarter, token=self.admin if exact else None,
                        **({"suppress": "false"} if exact else {}))
        assert r.status == 200, r
        return {(f["figure"], f["breakdown"], f["category"], f["national_code"]): f["value"]
                for f in r.body["figures"]}, r

    def assert_no_personal_data(self, text):
        for woman, nhs, family in self.women:
            for s in (woman, nhs, family, "1991-02-03"):
                assert s not in text, "a report names %s" % s


def activity_org():
    """Q2 of 2025/26 (July to September 2025), received in the quarter:
    sources gp 0, health_visitor 4, midwife 5, self 7, family 8,
    social_care 12, other 13 (49 in all); 9 emergency, 40 routine; 37 still
    received, 12 declined; women X (postnatal, white_british) 20 referrals,
    Y (pregnant, no ethnic category) 13, Z (pre_conception, asian_indian) 16.
    Around it: a voided referral, and referrals either side of the
    quarter's edges in England's time."""
    o = Org()
    x = o.woman("postnatal", "white_british")
    y = o.woman("pregnant")
    z = o.woman("pre_conception", "asian_indian")
    owners = [x] * 20 + [y] * 13 + [z] * 16
    sources = (["health_visitor"] * 4 + ["midwife"] * 5 + ["self"] * 7 + ["family"] * 8
               + ["social_care"] * 12 + ["other"] * 13)
    for i, source in enumerate(sources):
        received = "2025-08-%02dT10:00:00+01:00" % (1 + i % 28)
        if source == "other" and i == len(sources) - 1:
            received = "2025-07-01T00:30:00+01:00"  # 23:30 UTC on 30 June: Q2 in England
        if source == "other" and i == len(sources) - 2:
            received = "2025-09-30T23:59:00+01:00"  # still Q2
        o.referral(owners[i], received, priority="emergency" if i % 5 == 0 and i < 45 else
                   "routine", source=source, status="declined" if i % 4 == 1 else "received")
    # Outside the cohort: the day before and after in England, voided.
    o.referral(x, "2025-06-30T23:30:00+01:00", source="gp")
    o.referral(x, "2025-10-01T00:00:00+01:00", source="gp")
    o.referral(x, "2025-08-05T10:00:00+01:00", source="gp", voided=True)
    return o


class Quarters(unittest.TestCase):
    """NHS financial-year quarters; days are England's."""

    @classmethod
    def setUpClass(cls):
        cls.o = Org()
        w = cls.o.woman()
        # 00:30 BST on 1 July 2026 is 23:30 UTC on 30 June: Q2 of 2026/27.
        cls.o.referral(w, "2026-06-30T23:30:00Z", source="self")
        # 23:30 BST on 30 June: Q1.
        cls.o.referral(w, "2026-06-30T22:30:00Z", source="family")
        # February 2026 is Q4 of 2025/26.
        cls.o.referral(w, "2026-02-10T12:00:00Z", source="midwife")

    def count(self, year, quarter, source):
        figures, r = self.o.figures("activity", year, quarter, exact=True)
        return figures[("referrals", "source", source, {"self": "B1", "family": "B2",
                                                          "midwife": "A4"}[source])], r

    def test_bst_midnight_belongs_to_the_quarter_it_starts(self):
        self.assertEqual(self.count(2026, 2, "self")[0], 1)
        self.assertEqual(self.count(2026, 1, "self")[0], 0)
        self.assertEqual(self.count(2026, 1, "family")[0], 1)
        self.assertEqual(self.count(2026, 2, "family")[0], 0)

    def test_q4_is_january_to_march_of_the_next_calendar_year(self):
        n, r = self.count(2025, 4, "midwife")
        self.assertEqual(n, 1)
        self.assertEqual(r.body["period"], {"start": "2026-01-01", "end": "2026-03-31",
                                            "time_zone": "Europe/London"})
        self.assertEqual(r.body["financial_year"], "2025/26")
        self.assertEqual(self.count(2025, 1, "midwife")[0], 0)
        r = self.o.report("activity", 2026, 1)
        self.assertEqual(r.body["period"]["start"], "2026-04-01")
        self.assertEqual(r.body["period"]["end"], "2026-06-30")

    def test_quarter_not_started_is_422(self):
        assert_problem(self.o.report("activity", 2199, 1), 422, "quarter")

    def test_bad_parameters_are_400(self):
        o = self.o
        assert_problem(get(REPORTS + "activity?quarter=1", token=o.commissioner), 400, "year")
        assert_problem(get(REPORTS + "activity?year=2025", token=o.commissioner), 400,
                       "quarter")
        assert_problem(o.report("activity", 2025, 5), 400, "quarter")
        assert_problem(o.report("activity", 2025, 0), 400, "quarter")
        assert_problem(o.report("activity", 1999, 1), 400, "year")
        assert_problem(get(REPORTS + "activity?year=2025x&quarter=1", token=o.commissioner),
                       400, "year")
        assert_problem(o.report("activity", 2025, 1, team=o.team), 400, "team")
        assert_problem(o.report("activity", 2025, 1, format="xml"), 400, "format")
        assert_problem(o.report("activity", 2025, 1, suppress="no"), 400, "suppress")


class Suppression(unittest.TestCase):
    """Activity in Q2 2025/26 (see activity_org): every count suppressed by
    NHS England's rule, totals included; exact for an admin who asks."""

    @classmethod
    def setUpClass(cls):
        cls.o = activity_org()
        cls.shown, cls.r = cls.o.figures("activity", 2025, 2)
        cls.exact, _ = cls.o.figures("activity", 2025, 2, exact=True)

    def test_counts_0_4_5_7_8_12_13(self):
        # source: exact -> shown
        cases = {("gp", "A1"): (0, "*"), ("health_visitor", "A2"): (4, "*"),
                 ("midwife", "A4"): (5, 5), ("self", "B1"): (7, 5), ("family", "B2"): (8, 10),
                 ("social_care", "C1"): (12, 10), ("other", "M7"): (13, 15)}
        for (source, code), (exact, shown) in cases.items():
            key = ("referrals", "source", source, code)
            self.assertEqual(self.exact[key], exact, source)
            self.assertEqual(self.shown[key], shown, source)

    def test_total_is_rounded_too(self):
        key = ("referrals", "all", "all", None)
        self.assertEqual(self.exact[key], 49)
        self.assertEqual(self.shown[key], 50)

    def test_sources_without_a_national_code_are_listed_with_none(self):
        for source in ("cmht", "mbu_discharge", "psychiatric_liaison", "crisis_team"):
            self.assertEqual(self.shown[("referrals", "source", source, None)], "*")

    def test_priority_with_national_codes(self):
        # i % 5 == 0 for i < 45: 0, 5, ..., 40 -> 9 emergency; 40 routine.
        self.assertEqual(self.exact[("referrals", "priority", "emergency", "1")], 9)
        self.assertEqual(self.shown[("referrals", "priority", "emergency", "1")], 10)
        self.assertEqual(self.exact[("referrals", "priority", "routine", "3")], 40)
        self.assertEqual(self.shown[("referrals", "priority", "routine", "3")], 40)

    def test_outcome(self):
        # i % 4 == 1 among 0..48: 1, 5, ..., 45 -> 12 declined, 37 received.
        self.assertEqual(self.exact[("referrals", "outcome", "declined", None)], 12)
        self.assertEqual(self.shown[("referrals", "outcome", "declined", None)], 10)
        self.assertEqual(self.exact[("referrals", "outcome", "received", None)], 37)
        self.assertEqual(self.shown[("referrals", "outcome", "received", None)], 35)
        self.assertEqual(self.shown[("referrals", "outcome", "accepted", None)], "*")

    def test_perinatal_stage(self):
        for stage, exact, shown in (("postnatal", 20, 20), ("pregnant", 13, 15),
                                    ("pre_conception", 16, 15), ("pregnancy_loss", 0, "*"),
                                    ("not_recorded", 0, "*")):
            self.assertEqual(self.exact[("referrals", "perinatal_stage", stage, None)], exact)
            self.assertEqual(self.shown[("referrals", "perinatal_stage", stage, None)], shown)

    def test_ethnic_category_with_national_codes(self):
        for cat, code, exact, shown in (("white_british", "A", 20, 20),
                                        ("asian_indian", "H", 16, 15),
                                        ("not_recorded", None, 13, 15),
                                        ("black_african", "N", 0, "*"),
                                        ("not_stated", "Z", 0, "*")):
            key = ("referrals", "ethnic_category", cat, code)
            self.assertEqual(self.exact[key], exact, cat)
            self.assertEqual(self.shown[key], shown, cat)

    def test_the_document_states_cohort_rule_and_definitions(self):
        b = self.r.body
        self.assertEqual(b["report"], "activity")
        self.assertIn("received in the quarter", b["cohort"])
        self.assertTrue(b["suppression"]["applied"])
        self.assertIn("nearest 5", b["suppression"]["rule"])
        for f in ("referrals", "caseload", "people_seen"):
            self.assertIn(f, b["definitions"])
        exact = self.o.report("activity", 2025, 2, token=self.o.admin, suppress="false").body
        self.assertFalse(exact["suppression"]["applied"])

    def test_no_personal_data(self):
        for r in (self.r, self.o.report("activity", 2025, 2, format="csv"),
                  self.o.report("activity", 2025, 2, token=self.o.admin, suppress="false")):
            self.o.assert_no_personal_data(r.raw.decode("utf-8"))


class Caseload(unittest.TestCase):
    """Caseload at the end of Q2 2025/26 (30 September 2025, England) and the
    people seen in the year to it."""

    @classmethod
    def setUpClass(cls):
        o = cls.o = Org()
        w1, w2, w3, w4, w5, w6, w7 = (o.woman() for _ in range(7))
        june = "2025-06-01T10:00:00+01:00"

        def accepted(woman, at, closed=None, closed_to="discharged"):
            status = "accepted" if closed is None else closed_to
            rid = o.referral(woman, june, status=status, responded=june)
            o.transition(rid, "triaged", "accepted", at)
            if closed:
                o.transition(rid, "accepted", closed_to, closed)
            return rid

        accepted(w1, "2025-08-01T10:00:00+01:00")  # on the caseload
        accepted(w1, "2025-08-02T10:00:00+01:00")  # the same woman: once
        accepted(w2, "2025-08-01T10:00:00+01:00", closed="2025-09-15T10:00:00+01:00")
        accepted(w3, "2025-09-01T10:00:00+01:00", closed="2025-10-05T10:00:00+01:00")  # yes
        accepted(w4, "2025-10-02T10:00:00+01:00")  # after the end
        accepted(w5, "2025-10-01T00:30:00+01:00")  # 23:30 UTC on 30 Sept: after, in England
        accepted(w6, "2025-08-01T10:00:00+01:00", closed="2025-09-20T10:00:00+01:00",
                 closed_to="unable_to_engage")
        # Accepted, then entered in error: on no caseload.
        voided = accepted(w7, "2025-08-01T10:00:00+01:00")
        psql("UPDATE referrals SET voided_at = now(), voided_by = 'e2e', void_reason = 'E2E' "
             "WHERE id = '%s'" % voided)
        # Seen in the year to 30 September 2025 (from 1 October 2024, England):
        o.contact(w1, "2025-03-01T10:00:00Z")
        o.contact(w1, "2025-04-01T10:00:00Z")  # the same woman: once
        o.contact(w2, "2024-09-30T23:30:00Z")  # 00:30 BST 1 October 2024: in
        o.contact(w3, "2025-05-01T10:00:00Z", attendance="did_not_attend")
        o.contact(w4, "2025-09-30T23:30:00Z")  # 00:30 BST 1 October 2025: out
        o.contact(w5, "2025-05-01T10:00:00Z", present=False)  # her partner only
        o.contact(w6, "2025-05-01T10:00:00Z", voided=True)
        o.contact(w6, "2024-09-30T22:30:00Z")  # 23:30 BST 30 September 2024: out

    def test_caseload_at_quarter_end(self):
        exact, _ = self.o.figures("activity", 2025, 2, exact=True)
        shown, _ = self.o.figures("activity", 2025, 2)
        self.assertEqual(exact[("caseload", "all", "all", None)], 2)  # w1, w3
        self.assertEqual(shown[("caseload", "all", "all", None)], "*")
        # At the end of Q3 (31 December 2025): w1, w4, w5.
        exact, _ = self.o.figures("activity", 2025, 3, exact=True)
        self.assertEqual(exact[("caseload", "all", "all", None)], 3)

    def test_people_seen_in_the_previous_year(self):
        exact, _ = self.o.figures("activity", 2025, 2, exact=True)
        self.assertEqual(exact[("people_seen", "all", "all", None)], 2)  # w1, w2
        # To 30 June 2025 (from 1 July 2024): w1, w2, w6's unvoided contact.
        exact, _ = self.o.figures("activity", 2025, 1, exact=True)
        self.assertEqual(exact[("people_seen", "all", "all", None)], 3)


def response_org():
    """Q3 of 2025/26 (due October to December 2025):
    emergency: 4 met -> every figure "*", 4 / 4 -> "*";
    routine: 5 met (one received in September, due in October), 3 breached,
    2 open past due, 1 closed without contact -> total 11 -> 10; 5 / 10 -> 50%;
    all: 9 met -> 10, total 15 -> 15, 9 / 14 -> 64%.
    Also a voided met routine referral (not counted), and in Q4 (due
    January to March 2026) routine 4 met, 6 breached -> 4 / 10 -> "*"."""
    o = Org()
    w = o.woman()
    for day in (1, 2, 3, 4):
        o.referral(w, "2025-11-%02dT10:00:00Z" % day, priority="emergency",
                   responded="2025-11-%02dT13:59:00Z" % day)  # due 14:00
    o.referral(w, "2025-09-20T10:00:00+01:00", responded="2025-10-01T10:00:00+01:00")
    for day in (1, 2, 3, 4):
        # Due 28 days later at 10:00 in England (GMT by then): met at 10:00.
        due = datetime.datetime(2025, 10, day, 10, 0, tzinfo=UTC) + datetime.timedelta(days=28)
        o.referral(w, "2025-10-%02dT10:00:00+01:00" % day, responded=due.isoformat())
    for day in (5, 6, 7):
        due = datetime.datetime(2025, 10, day, 10, 0, tzinfo=UTC) + datetime.timedelta(days=28)
        o.referral(w, "2025-10-%02dT10:00:00+01:00" % day,
                   responded=(due + datetime.timedelta(minutes=1)).isoformat())  # breached
    o.referral(w, "2025-10-10T10:00:00+01:00", status="triaged")
    o.referral(w, "2025-10-11T10:00:00+01:00", status="accepted")
    o.referral(w, "2025-10-12T10:00:00+01:00", status="declined")
    o.referral(w, "2025-10-13T10:00:00+01:00", responded="2025-10-14T10:00:00+01:00",
               voided=True)
    for day in range(1, 11):
        received = datetime.datetime(2026, 1, day, 10, 0, tzinfo=UTC)
        late = datetime.timedelta(days=1 if day <= 4 else 29)
        o.referral(w, received.isoformat(), responded=(received + late).isoformat())
    return o


class ResponseTimes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.o = response_org()
        cls.shown, cls.r = cls.o.figures("response-times", 2025, 3)
        cls.exact, _ = cls.o.figures("response-times", 2025, 3, exact=True)

    def check(self, category, code, figure, exact, shown):
        key = (figure, "priority", category, code)
        self.assertEqual(self.exact[key], exact, key)
        self.assertEqual(self.shown[key], shown, key)

    def test_emergency(self):
        self.check("emergency", "1", "met", 4, "*")
        self.check("emergency", "1", "breached", 0, "*")
        self.check("emergency", "1", "total", 4, "*")
        self.check("emergency", "1", "met_percentage", 100.0, "*")  # 4 / 4

    def test_routine(self):
        self.check("routine", "3", "met", 5, 5)
        self.check("routine", "3", "breached", 3, "*")
        self.check("routine", "3", "open_past_due", 2, "*")
        self.check("routine", "3", "open_not_yet_due", 0, "*")
        self.check("routine", "3", "closed_without_contact", 1, "*")
        self.check("routine", "3", "total", 11, 10)
        self.check("routine", "3", "met_percentage", 50.0, 50)  # 5 / (5 + 3 + 2)

    def test_all(self):
        self.check("all", None, "met", 9, 10)
        self.check("all", None, "total", 15, 15)
        self.check("all", None, "met_percentage", 64.3, 64)  # 9 / 14

    def test_percentage_numerator_and_denominator(self):
        f = [f for f in self.r.body["figures"] if f["figure"] == "met_percentage"
             and f["category"] == "routine"][0]
        self.assertEqual((f["kind"], f["numerator"], f["denominator"]), ("percentage", 5, 10))

    def test_numerator_under_5_is_starred(self):
        exact, _ = self.o.figures("response-times", 2025, 4, exact=True)
        shown, _ = self.o.figures("response-times", 2025, 4)
        key = ("met_percentage", "priority", "routine", "3")
        self.assertEqual(exact[key], 40.0)  # 4 / 10
        self.assertEqual(shown[key], "*")
        self.assertEqual(shown[("breached", "priority", "routine", "3")], 5)  # 6
        self.assertEqual(shown[("total", "priority", "routine", "3")], 10)

    def test_cohort_stated(self):
        self.assertIn("due in the", self.r.body["cohort"])
        self.assertIn("closed_without_contact", self.r.body["definitions"])


class ThroughTheApi(unittest.TestCase):
    """The figures follow what clinicians record through the API: a
    referral, the contact that answers it, its acceptance."""

    def test_referral_answered_by_a_contact_and_accepted(self):
        o = Org()
        cli = mint("clinician", org=o.id, team=o.team, ttl=3600)
        ref = e2e.refer(cli, team_id=o.team, received_at="2025-10-15T10:00:00+01:00")
        late = e2e.refer(cli, team_id=o.team, received_at="2025-10-16T10:00:00+01:00")
        for r, at in ((ref, "2025-10-20T10:00:00+01:00"), (late, "2025-11-20T10:00:00Z")):
            c = post("/v1/contacts", {
                "service_user_id": r["service_user_id"], "referral_id": r["id"],
                "team_id": o.team, "staff_id": o.staff, "at": at, "service": "perinatal_team",
                "mode": "telephone", "present": {"woman": True, "partner": False,
                                                 "infant": False},
                "attendance": "attended"}, token=cli)
            self.assertEqual(c.status, 201, c)
        for step in ({"to": "triaged", "duty_clinician_id": o.staff, "notes": "Duty triage"},
                     {"to": "accepted", "pathway": "perinatal",
                      "allocated_clinician_id": o.staff}):
            t = post("/v1/referrals/%s/transitions" % ref["id"], step, token=cli)
            self.assertEqual(t.status, 201, t)
        exact, _ = o.figures("response-times", 2025, 3, exact=True)
        self.assertEqual(exact[("met", "priority", "routine", "3")], 1)
        self.assertEqual(exact[("breached", "priority", "routine", "3")], 1)
        # Accepted today: on the caseload at the end of the current quarter.
        today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/London")).date()
        year = today.year if today.month >= 4 else today.year - 1
        quarter = ((today.month - 4) % 12) // 3 + 1
        exact, _ = o.figures("activity", year, quarter, exact=True)
        self.assertEqual(exact[("caseload", "all", "all", None)], 1)
        exact, _ = o.figures("activity", 2025, 3, exact=True)
        self.assertEqual(exact[("referrals", "all", "all", None)], 2)
        self.assertEqual(exact[("caseload", "all", "all", None)], 0)


class RolesAndAudit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.o = Org()

    def audit(self, resource, outcome="ok"):
        return e2e.db_count("select count(*) from audit_events where organisation_id = '%s' "
                            "and resource = '%s' and outcome = '%s'"
                            % (self.o.id, resource, outcome))

    def test_commissioner_and_admin_read_others_do_not(self):
        o = self.o
        self.assertEqual(o.report("response-times", 2025, 1).status, 200)
        self.assertEqual(o.report("response-times", 2025, 1, token=o.admin).status, 200)
        for role in ("clinician", "referrer", "liaison"):
            tok = mint(role, org=o.id, team=o.team if role == "clinician" else None)
            assert_problem(o.report("response-times", 2025, 1, token=tok), 403)

    def test_exact_figures_are_for_admins_only(self):
        o = self.o
        assert_problem(o.report("activity", 2025, 1, suppress="false"), 403)
        self.assertEqual(o.report("activity", 2025, 1, token=o.admin, suppress="false").status,
                         200)
        self.assertEqual(o.report("activity", 2025, 1, suppress="true").status, 200)

    def test_every_pull_is_audited(self):
        o = self.o
        before = (self.audit("report:activity"), self.audit("report:activity:exact"),
                  self.audit("report", "forbidden"))
        o.report("activity", 2024, 3)
        o.report("activity", 2024, 3, format="csv")
        o.report("activity", 2024, 3, token=o.admin, suppress="false")
        o.report("activity", 2024, 3, suppress="false")  # refused
        self.assertEqual((self.audit("report:activity"), self.audit("report:activity:exact"),
                          self.audit("report", "forbidden")),
                         (before[0] + 2, before[1] + 1, before[2] + 1))

    def test_unknown_reports_are_404(self):
        body = assert_problem(self.o.report("nonsense", 2025, 1), 404)
        self.assertEqual(body["detail"], "No such report.")

    def test_only_the_callers_organisation(self):
        # The demo organisation's referrals are not this one's.
        exact, r = self.o.figures("activity", 2025, 2, exact=True)
        self.assertEqual(r.body["organisation_id"], self.o.id)
        self.assertEqual(exact[("referrals", "all", "all", None)], 0)


def r_text(o):
    return o.report("response-times", 2025, 3, format="csv").raw.decode("utf-8")


class Csv(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.o = response_org()

    def rows(self, r):
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["content-type"].startswith("text/csv"), r.headers)
        text = r.raw.decode("utf-8")
        self.assertTrue(text.endswith("\r\n"))
        self.assertNotIn("\n", text.replace("\r\n", ""))  # CRLF only, no bare LF
        return list(csv.reader(io.StringIO(text, newline="")))

    def test_accept_text_csv_and_format_csv_agree(self):
        a = self.o.report("response-times", 2025, 3, headers={"Accept": "text/csv"})
        b = self.o.report("response-times", 2025, 3, format="csv")
        self.assertEqual(self.rows(a), self.rows(b))

    def test_one_header_row_and_national_codes_as_a_column(self):
        rows = self.rows(self.o.report("response-times", 2025, 3, format="csv"))
        header = rows[0]
        self.assertEqual(header[:11], ["report", "financial_year", "quarter", "period_start",
                                       "period_end", "figure", "breakdown", "category",
                                       "national_code", "kind", "value"])
        self.assertEqual(header.count("report"), 1)
        body = [dict(zip(header, row)) for row in rows[1:]]
        self.assertEqual(len(body), len(self.o.report("response-times", 2025, 3)
                                        .body["figures"]))
        met = [x for x in body if x["figure"] == "met" and x["category"] == "routine"][0]
        self.assertEqual((met["national_code"], met["value"], met["quarter"],
                          met["financial_year"]), ("3", "5", "3", "2025/26"))
        pct = [x for x in body if x["figure"] == "met_percentage"
               and x["category"] == "emergency"][0]
        self.assertEqual(pct["value"], "*")
        # A definition holds commas: quoted, and read back whole.
        late = [x for x in body if x["figure"] == "open_past_due"][0]
        self.assertIn(",", late["definition"])
        self.assertIn(',"Not answered, still open', r_text(self.o))

    def test_accept_the_api_cannot_give_is_406(self):
        for accept in ("text/html", "application/xml", "text/csv;q=0, application/json;q=0"):
            assert_problem(self.o.report("response-times", 2025, 3,
                                         headers={"Accept": accept}), 406)
        r = self.o.report("response-times", 2025, 3,
                          headers={"Accept": "text/html, application/json;q=0.5"})
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["content-type"].startswith("application/json"))


class Submissions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.o = response_org()

    def submit(self, year=2025, quarter=3, token=None, **body):
        body.update({"year": year, "quarter": quarter})
        return post(REPORTS + "response-times/submissions", body, token=token or self.o.admin)

    def test_freeze_correct_and_read_back(self):
        o = self.o
        report = o.report("response-times", 2025, 3).body
        r = self.submit(note="Q3 return")
        self.assertEqual(r.status, 201, r)
        first = r.body
        self.assertEqual(r.headers["location"],
                         REPORTS + "response-times/submissions/" + first["id"])
        self.assertEqual((first["sequence"], first["previous_id"], first["difference"],
                          first["submitted_by"], first["note"]),
                         (1, None, None, o.admin_sub, "Q3 return"))
        self.assertEqual(first["document"]["figures"], report["figures"])
        self.assertTrue(first["document"]["suppression"]["applied"])
        # A correction: one more routine referral met in October -> met 6 (5),
        # total 12 (10), 6 / 11 = 55%; all: met 10, total 16 (15), 10 / 15 = 67%.
        o.referral(o.women[0][0], "2025-10-20T10:00:00+01:00",
                   responded="2025-10-21T10:00:00+01:00")
        second = self.submit().body
        self.assertEqual((second["sequence"], second["previous_id"]), (2, first["id"]))
        changed = {(d["figure"], d["category"]): (d["previous"], d["current"])
                   for d in second["difference"]}
        self.assertEqual(changed[("met_percentage", "routine")], (50, 55))
        self.assertEqual(changed[("met_percentage", "all")], (64, 67))
        self.assertNotIn(("met", "routine"), changed)  # 6 is still shown as 5
        # The first stays as it was, for commissioners too.
        g = get(REPORTS + "response-times/submissions/" + first["id"], token=o.commissioner)
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.body, first)
        lst = get(REPORTS + "response-times/submissions?year=2025&quarter=3",
                  token=o.commissioner)
        self.assertEqual([i["id"] for i in lst.body["items"]], [second["id"], first["id"]])
        self.assertEqual(lst.body["items"][0]["changed_figures"], len(second["difference"]))
        csv_r = get(REPORTS + "response-times/submissions/%s?format=csv" % first["id"],
                    token=o.commissioner)
        self.assertEqual(csv_r.status, 200)
        self.assertTrue(csv_r.raw.startswith(b"report,financial_year,"))
        o.assert_no_personal_data(csv_r.raw.decode() + lst.raw.decode() + g.raw.decode())

    def test_a_retry_with_its_idempotency_key_submits_once(self):
        # api.md: the same key with the same body returns the first result;
        # with another body, 422. A retried submission would otherwise be a
        # correction nobody made.
        def count():
            return e2e.db_count("select count(*) from report_submissions where "
                                "organisation_id = '%s' and year = 2024 and "
                                "quarter = 4" % self.o.id)
        before = count()
        key = {"Idempotency-Key": "submit-" + uuid.uuid4().hex}
        body = {"year": 2024, "quarter": 4, "note": "Q4 return"}
        first = post(REPORTS + "response-times/submissions", body, token=self.o.admin,
                     headers=key)
        self.assertEqual(first.status, 201, first)
        again = post(REPORTS + "response-times/submissions", body, token=self.o.admin,
                     headers=key)
        self.assertEqual(again.status, 201, again)
        self.assertEqual(again.body, first.body)
        self.assertEqual(again.headers["location"], first.headers["location"])
        self.assertEqual(again.headers.get("idempotent-replayed"), "true")
        self.assertEqual(count(), before + 1)
        assert_problem(post(REPORTS + "response-times/submissions", dict(body, note="Other"),
                            token=self.o.admin, headers=key), 422)
        self.assertEqual(count(), before + 1)

    def test_only_admins_submit(self):
        assert_problem(self.submit(token=self.o.commissioner), 403)

    def test_a_quarter_not_ended_is_422_and_nothing_stored(self):
        before = e2e.db_count("select count(*) from report_submissions where "
                              "organisation_id = '%s'" % self.o.id)
        assert_problem(self.submit(year=2199, quarter=1), 422, "/quarter")
        assert_problem(self.submit(quarter=5), 400, "/quarter")
        assert_problem(post(REPORTS + "nonsense/submissions", {"year": 2025, "quarter": 1},
                            token=self.o.admin), 404)
        self.assertEqual(e2e.db_count("select count(*) from report_submissions where "
                                      "organisation_id = '%s'" % self.o.id), before)

    def test_snapshots_are_append_only(self):
        sid = self.submit(year=2025, quarter=2).body["id"]
        for sql in ("UPDATE report_submissions SET note = 'x' WHERE id = '%s'" % sid,
                    "DELETE FROM report_submissions WHERE id = '%s'" % sid,
                    "TRUNCATE report_submissions"):
            with self.assertRaises(RuntimeError):
                psql(sql)
        self.assertEqual(e2e.db_count("select count(*) from report_submissions where id = '%s'"
                                      % sid), 1)

    def test_another_organisations_submission_is_404(self):
        sid = self.submit(year=2025, quarter=1).body["id"]
        other = Org()
        assert_problem(get(REPORTS + "response-times/submissions/" + sid,
                           token=other.commissioner), 404)
        assert_problem(get(REPORTS + "activity/submissions/" + sid,
                           token=self.o.commissioner), 404)
        self.assertEqual(get(REPORTS + "response-times/submissions", token=other.commissioner)
                         .body["items"], [])


if __name__ == "__main__":
    e2e.main()
