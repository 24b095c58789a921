"""The MH6 report (issue 15 point 2; seed 000, "Perinatal specific
involvement and support for partners/significant others"), end to end on a
hand-built data set in an organisation of its own, the right answer worked
out here. Cohort: partners and significant others of the women admitted to
the MBU in the quarter (admission day in it, England), with her consent to
involve the partner in force on the quarter's last day; offers made on a day
of the stay. Each quarter gives the counts its milestone names (Q1 offers by
support type and group; Q2 all of Group I and 1+ of Group II; Q3 with Group
III and the numbers accepting; Q4 with Group IV); exact counts; the
milestone's status is whether the quarter was submitted."""

import csv
import io
import unittest

import e2e
from e2e import assert_problem, get, mint, post, psql
from test_reports_wiring import MbuOrg

REPORTS = "/v1/reports/"
GROUP_I = ["seen_by_senior_clinician_within_week", "ward_reviews_and_meetings",
           "further_discussions_welcome", "joint_activities",
           "written_and_electronic_information"]


class Mh6Org(MbuOrg):
    """Partners, her consents, partner offers and contacts written as rows."""

    def __init__(self):
        super().__init__()
        self.senior = psql(
            "INSERT INTO staff (organisation_id, team_id, name, profession, seniority, "
            "created_by) VALUES ('%s', '%s', 'E2E Consultant', 'psychiatrist', 'consultant', "
            "'e2e') RETURNING id" % (self.id, self.team))

    def partner(self, woman, consent_on=None, relationship="partner"):
        p = psql("INSERT INTO partners (organisation_id, service_user_id, name, relationship, "
                 "created_by) VALUES ('%s', '%s', 'E2E Partner', '%s', 'e2e') RETURNING id"
                 % (self.id, woman, relationship))
        if consent_on:
            self.consent(woman, p, consent_on)
        return p

    def consent(self, woman, partner, on, decision="given"):
        psql("INSERT INTO consents (organisation_id, service_user_id, partner_id, scope, "
             "decision, decided_on, created_by) VALUES ('%s', '%s', '%s', "
             "'partner_involvement', '%s', '%s', 'e2e')"
             % (self.id, woman, partner, decision, on))

    def offer(self, woman, partner, item, on, support_type="emotional", accepted=None):
        psql("INSERT INTO partner_offers (organisation_id, service_user_id, partner_id, "
             "support_type, mh6_item, offered_on, accepted_on, created_by) VALUES "
             "('%s', '%s', '%s', '%s', '%s', '%s', %s, 'e2e')"
             % (self.id, woman, partner, support_type, item, on,
                "NULL" if accepted is None else "'%s'" % accepted))

    def offers(self, woman, partner, items, on, **kw):
        for item in items:
            self.offer(woman, partner, item, on, **kw)

    def seen(self, woman, partner, at):
        """An attended contact naming the partner, held by the consultant."""
        psql("INSERT INTO contacts (organisation_id, service_user_id, team_id, staff_id, at, "
             "service, mode, attendance, woman_present, partner_present, partner_ids, "
             "created_by) VALUES ('%s', '%s', '%s', '%s', timestamptz '%s', 'perinatal_team', "
             "'face_to_face', 'attended', true, true, ARRAY['%s']::uuid[], 'e2e')"
             % (self.id, woman, self.team, self.senior, at, partner))


def figures(body):
    return {(f["figure"], f["category"]): f["value"] for f in body["figures"]}


class Mh6(unittest.TestCase):
    """Financial year 2024/25: Q1 April-June 2024, Q2 July-September, Q3
    October-December (BST ends 27 October), Q4 January-March 2025."""

    @classmethod
    def setUpClass(cls):
        o = cls.o = Mh6Org()
        # --- Q1 (April-June 2024) ---
        # P4: her admission on Q1's last day (the day before Q2): Q1 only.
        # Group I offered as information, Group II as emotional support.
        d = o.woman()
        o.admission(d, "2024-06-30", discharged_on="2024-07-20")
        p4 = o.partner(d, "2024-06-30")
        o.offers(d, p4, GROUP_I, "2024-06-30", support_type="informational")
        o.offer(d, p4, "family_sessions", "2024-07-02")
        # Admitted the day before Q1 (Q4 of 2023/24): not in Q1.
        z = o.woman()
        o.admission(z, "2024-03-31", discharged_on="2024-04-10")
        pz = o.partner(z, "2024-03-31")
        o.offers(z, pz, GROUP_I + ["family_sessions"], "2024-04-01", support_type="practical")

        # --- Q2 (July-September 2024) ---
        # P1: admitted on the first day, all of Group I and one of Group II:
        # counted. A second admission in the quarter: still one partner.
        # P7: her sister, consented, offered nothing: in the cohort only.
        a = o.woman()
        o.admission(a, "2024-07-01", discharged_on="2024-07-31")
        o.admission(a, "2024-09-01", discharged_on="2024-09-10")
        p1 = o.partner(a, "2024-07-01")
        o.offers(a, p1, GROUP_I + ["family_sessions"], "2024-07-02")
        o.partner(a, "2024-07-01", relationship="sibling")
        # P2: all of Group I but joint activities, and couple sessions: not.
        b = o.woman()
        o.admission(b, "2024-08-01", discharged_on="2024-08-20")
        p2 = o.partner(b, "2024-08-01")
        o.offers(b, p2, [i for i in GROUP_I if i != "joint_activities"] + ["couple_sessions"],
                 "2024-08-02")
        # P3: admitted on the last day; seen by the consultant on the 7th day
        # after (23:30 BST, 22:30 UTC), the other items and partner support
        # after the quarter, during the stay: counted.
        c = o.woman()
        o.admission(c, "2024-09-30", discharged_on="2024-10-20")
        p3 = o.partner(c, "2024-09-30")
        o.offers(c, p3, GROUP_I[1:] + ["partner_support_sessions"], "2024-10-02")
        o.seen(c, p3, "2024-10-07T23:30:00+01:00")
        # P10: the same, seen 00:30 BST on the 8th day (still the 7th in
        # UTC): too late, Group I incomplete: not counted.
        c2 = o.woman()
        o.admission(c2, "2024-09-30", discharged_on="2024-10-20")
        p10 = o.partner(c2, "2024-09-30")
        o.offers(c2, p10, GROUP_I[1:] + ["partner_support_sessions"], "2024-10-02")
        o.seen(c2, p10, "2024-10-08T00:30:00+01:00")
        # P5: consented, offered all of Group I and II, then she withdrew her
        # consent in the quarter: not in the cohort.
        e = o.woman()
        o.admission(e, "2024-07-10", discharged_on="2024-08-30")
        p5 = o.partner(e, "2024-07-10")
        o.offers(e, p5, GROUP_I + ["family_sessions"], "2024-07-10")
        o.consent(e, p5, "2024-08-01", "withdrawn")
        # P6: she never consented: not in the cohort (no offer can be made).
        f = o.woman()
        o.admission(f, "2024-07-15", discharged_on="2024-07-30")
        p6 = o.partner(f)
        with _raises():
            o.offer(f, p6, "family_sessions", "2024-07-16")
        # P8: her admission entered in error: not in the cohort.
        g = o.woman()
        o.admission(g, "2024-08-05", voided=True)
        p8 = o.partner(g, "2024-08-05")
        o.offers(g, p8, GROUP_I + ["family_sessions"], "2024-08-05")
        # P9: all of Group I on admission, family sessions the day before it:
        # not during the stay, not counted (in the cohort).
        h = o.woman()
        o.admission(h, "2024-08-10", discharged_on="2024-08-30")
        p9 = o.partner(h, "2024-08-01")
        o.offers(h, p9, GROUP_I, "2024-08-10")
        o.offer(h, p9, "family_sessions", "2024-08-09")

        # --- Q3 (October-December 2024) ---
        # P11: all of Group I, II and III offered, II and III accepted:
        # counted; accepting II and III.
        k = o.woman()
        o.admission(k, "2024-10-01", discharged_on="2024-11-30")
        p11 = o.partner(k, "2024-10-01")
        o.offers(k, p11, GROUP_I, "2024-10-01")
        o.offer(k, p11, "couple_sessions", "2024-10-03", accepted="2024-10-04")
        o.offer(k, p11, "parent_infant_activities", "2024-10-03", accepted="2024-10-03")
        # P12: all of Group I (one accepted) and II (not accepted), no III: not
        # counted; accepting I.
        m = o.woman()
        o.admission(m, "2024-11-15", discharged_on="2024-12-31")
        p12 = o.partner(m, "2024-11-15")
        o.offers(m, p12, GROUP_I[1:], "2024-11-15")
        o.offer(m, p12, GROUP_I[0], "2024-11-15", accepted="2024-11-16")
        o.offer(m, p12, "family_sessions", "2024-11-20")
        # P13: all of Group I and III (accepted), no II: not counted;
        # accepting III.
        n = o.woman()
        o.admission(n, "2024-12-31")
        p13 = o.partner(n, "2024-12-31")
        o.offers(n, p13, GROUP_I, "2024-12-31")
        o.offer(n, p13, "practical_parenting_support", "2025-01-02", support_type="practical",
                accepted="2025-01-03")

        # --- Q4 (January-March 2025) ---
        # P14: all four groups, IV accepted: counted; accepting IV.
        # P15: Groups I, II and III, no IV: not counted.
        s = o.woman()
        o.admission(s, "2025-01-01", discharged_on="2025-03-31")
        p14 = o.partner(s, "2025-01-01")
        o.offers(s, p14, GROUP_I + ["family_sessions", "parent_infant_activities"],
                 "2025-01-02")
        o.offer(s, p14, "meeting_recovered_patients", "2025-03-31", accepted="2025-03-31")
        t = o.woman()
        o.admission(t, "2025-03-31", discharged_on="2025-04-02")
        p15 = o.partner(t, "2025-03-31")
        o.offers(t, p15, GROUP_I + ["family_sessions", "parent_infant_activities"],
                 "2025-03-31")

    def report(self, quarter, token=None, **params):
        r = self.o.report("mh6", 2024, quarter, token=token, **params)
        self.assertEqual(r.status, 200, r)
        return r

    def test_q1_offers_recorded_by_type_and_group(self):
        r = self.report(1)
        self.assertFalse(r.body["suppression"]["applied"])  # exact counts
        # P4 only (the admission of 31 March belongs to 2023/24).
        self.assertEqual(figures(r.body), {
            ("partners", "all"): 1,
            ("partners_offered_support", "emotional"): 1,
            ("partners_offered_support", "practical"): 0,
            ("partners_offered_support", "informational"): 1,
            ("partners_offered_group", "I"): 1, ("partners_offered_group", "II"): 1,
            ("partners_offered_group", "III"): 0, ("partners_offered_group", "IV"): 0})
        for f in r.body["figures"]:
            self.assertIn(f["figure"], r.body["definitions"])
        self.assertIn("consent", r.body["cohort"])
        self.assertEqual(r.body["milestone"]["quarter"], 1)
        self.o.assert_no_personal_data(r.raw.decode())
        prior = figures(self.o.report("mh6", 2023, 4).body)
        self.assertEqual(prior[("partners", "all")], 1)
        self.assertEqual(prior[("partners_offered_group_i_all_and_groups_ii_iii_iv", "all")], 0)

    def test_q2_all_of_group_i_and_one_of_group_ii(self):
        # Cohort: P1, P7, P2, P3, P10, P9 (not P4: Q1; P5: withdrawn; P6:
        # never consented; P8: entered in error). Counted: P1 and P3.
        self.assertEqual(figures(self.report(2).body), {
            ("partners", "all"): 6,
            ("partners_offered_group_i_all_and_group_ii", "all"): 2})

    def test_q3_adds_group_iii_and_acceptances(self):
        self.assertEqual(figures(self.report(3).body), {
            ("partners", "all"): 3,
            ("partners_offered_group_i_all_and_groups_ii_iii", "all"): 1,
            ("partners_accepting", "I"): 1, ("partners_accepting", "II"): 1,
            ("partners_accepting", "III"): 2})

    def test_q4_adds_group_iv(self):
        self.assertEqual(figures(self.report(4).body), {
            ("partners", "all"): 2,
            ("partners_offered_group_i_all_and_groups_ii_iii_iv", "all"): 1,
            ("partners_accepting", "I"): 0, ("partners_accepting", "II"): 0,
            ("partners_accepting", "III"): 0, ("partners_accepting", "IV"): 1})

    def test_seen_within_a_week_means_within_the_week(self):
        # Seed 000, Group I: "Seen within 1 week of admission by a senior
        # clinician". Recorded on the 7th day after admission: counted; on
        # the 8th: Group I is not complete.
        o = Mh6Org()
        for seen_on, counted in (("2023-07-08", 1), ("2023-07-09", 0)):
            with self.subTest(seen_on=seen_on):
                w = o.woman()
                o.admission(w, "2023-07-01", discharged_on="2023-08-20")
                p = o.partner(w, "2023-07-01")
                o.offers(w, p, GROUP_I[1:] + ["family_sessions"], "2023-07-02")
                o.offer(w, p, GROUP_I[0], seen_on)
        got = figures(o.report("mh6", 2023, 2).body)
        self.assertEqual((got[("partners", "all")],
                          got[("partners_offered_group_i_all_and_group_ii", "all")]), (2, 1))

    def test_consent_withdrawn_after_the_quarter_does_not_change_it(self):
        o = Mh6Org()
        w = o.woman()
        o.admission(w, "2023-05-01", discharged_on="2023-05-20")
        p = o.partner(w, "2023-05-01")
        o.offers(w, p, GROUP_I + ["family_sessions"], "2023-05-02")
        got = figures(o.report("mh6", 2023, 1).body)
        self.assertEqual(got[("partners", "all")], 1)
        o.consent(w, p, "2023-07-01", "withdrawn")
        self.assertEqual(figures(o.report("mh6", 2023, 1).body)[("partners", "all")], 1)
        o.consent(w, p, "2023-06-30", "withdrawn")  # dated in the quarter
        self.assertEqual(figures(o.report("mh6", 2023, 1).body)[("partners", "all")], 0)
        got = figures(o.report("mh6", 2023, 2).body)
        self.assertEqual(got[("partners", "all")], 0)

    def test_milestone_status_is_whether_the_quarter_was_submitted(self):
        o = Mh6Org()
        w = o.woman()
        o.admission(w, "2023-10-01")
        p = o.partner(w, "2023-10-01")
        o.offers(w, p, GROUP_I + ["family_sessions", "recovery_narratives"], "2023-10-02")
        before = o.report("mh6", 2023, 3).body["milestone"]
        self.assertEqual((before["status"], before["submissions"], before["weighting_percent"]),
                         ("not_submitted", 0, 25))
        self.assertEqual(before["figures"], ["partners",
                                             "partners_offered_group_i_all_and_groups_ii_iii",
                                             "partners_accepting"])
        s = post(REPORTS + "mh6/submissions", {"year": 2023, "quarter": 3}, token=o.admin)
        self.assertEqual(s.status, 201, s)
        self.assertEqual(s.body["document"]["milestone"]["status"], "submitted")
        self.assertEqual(figures(s.body["document"])[("partners", "all")], 1)
        after = o.report("mh6", 2023, 3).body["milestone"]
        self.assertEqual((after["status"], after["submissions"]), ("submitted", 1))
        # Another quarter is not submitted by it.
        self.assertEqual(o.report("mh6", 2023, 4).body["milestone"]["status"], "not_submitted")
        g = get(REPORTS + "mh6/submissions/" + s.body["id"], token=o.commissioner)
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.body["document"]["milestone"]["status"], "submitted")

    def test_csv_columns(self):
        r = self.report(1, format="csv")
        self.assertTrue(r.headers["content-type"].startswith("text/csv"), r.headers)
        rows = list(csv.reader(io.StringIO(r.raw.decode("utf-8"), newline="")))
        self.assertEqual(rows[0], [
            "report", "financial_year", "quarter", "period_start", "period_end", "figure",
            "breakdown", "category", "national_code", "kind", "value", "numerator",
            "denominator", "suppressed", "definition"])
        body = [dict(zip(rows[0], row)) for row in rows[1:]]
        self.assertEqual(len(body), 8)
        row = [x for x in body if x["figure"] == "partners_offered_support"
               and x["category"] == "informational"][0]
        self.assertEqual((row["report"], row["financial_year"], row["quarter"],
                          row["period_start"], row["period_end"], row["breakdown"],
                          row["kind"], row["value"], row["suppressed"]),
                         ("mh6", "2024/25", "1", "2024-04-01", "2024-06-30", "support_type",
                          "count", "1", "false"))
        self.assertIn("informational", row["definition"])
        self.assertIn("partners_offered_group,mh6_group,III,,count,0,", r.raw.decode())

    def test_commissioner_and_admin_allowed_clinician_403(self):
        o = self.o
        self.assertEqual(o.report("mh6", 2024, 2, token=o.admin).status, 200)
        self.assertEqual(o.report("mh6", 2024, 2, token=o.admin, suppress="false").status, 200)
        assert_problem(o.report("mh6", 2024, 2, token=mint("clinician", org=o.id, team=o.team)),
                       403)
        before = e2e.db_count("select count(*) from report_submissions where "
                              "organisation_id = '%s'" % o.id)
        assert_problem(post(REPORTS + "mh6/submissions", {"year": 2024, "quarter": 2},
                            token=o.commissioner), 403)
        self.assertEqual(e2e.db_count("select count(*) from report_submissions where "
                                      "organisation_id = '%s'" % o.id), before)


class _raises:
    """The partner with no consent: the database refuses the offer."""

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        assert kind is RuntimeError, "an offer without her consent was stored"
        return True


if __name__ == "__main__":
    unittest.main()
