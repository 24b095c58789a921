"""The activity report counts a quarter's referrals by her perinatal stage
and ethnic category as recorded now (issue 15 items 4 and 9). Both are kept
on each referral for speed (db/028_report_referral_facts.sql) and must
follow her record: a correction made through the API shows in the next
report, a referral moved to another woman counts under hers, and a value
written on the referral by hand is replaced by her record's. Each case in an
organisation of its own, in Q2 of 2025/26 (July to September 2025)."""

import unittest

import e2e
from e2e import get, mint, patch, psql
from test_reports import Org

AUGUST = "2025-08-10T10:00:00+01:00"


class FactsOrg(Org):
    def __init__(self):
        super().__init__()
        self.clinician = mint("clinician", org=self.id, team=self.team, ttl=3600)

    def in_team(self, woman):
        psql("INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason) "
             "VALUES ('%s', '%s', '%s', 'registration')" % (woman, self.team, self.id))

    def correct(self, woman, body):
        url = "/v1/service-users/" + woman
        r = get(url, token=self.clinician)
        assert r.status == 200, r
        r = patch(url, body, token=self.clinician, etag=r.headers["etag"])
        assert r.status == 200, r

    def counts(self, breakdown):
        """{category: exact count} of one breakdown of the referrals."""
        figures, _ = self.figures("activity", 2025, 2, exact=True)
        return {k[2]: v for k, v in figures.items()
                if k[0] == "referrals" and k[1] == breakdown and v}


class ReportFactsFollowHerRecord(unittest.TestCase):

    def test_ethnic_category_corrected_through_the_api(self):
        o = FactsOrg()
        w = o.woman("postnatal")
        o.in_team(w)
        o.referral(w, AUGUST)
        o.referral(w, AUGUST, source="midwife")
        self.assertEqual(o.counts("ethnic_category"), {"not_recorded": 2})
        o.correct(w, {"ethnic_category": "black_african"})
        self.assertEqual(o.counts("ethnic_category"), {"black_african": 2})
        o.correct(w, {"ethnic_category": "white_irish"})
        self.assertEqual(o.counts("ethnic_category"), {"white_irish": 2})
        o.correct(w, {"ethnic_category": None})
        self.assertEqual(o.counts("ethnic_category"), {"not_recorded": 2})

    def test_stage_changed_through_the_api(self):
        o = FactsOrg()
        w = o.woman("pre_conception", "asian_indian")
        other = o.woman("postnatal", "white_british")
        o.in_team(w)
        o.referral(w, AUGUST)
        o.referral(other, AUGUST)
        self.assertEqual(o.counts("perinatal_stage"), {"pre_conception": 1, "postnatal": 1})
        o.correct(w, {"perinatal_status": {"stage": "pregnant",
                                           "estimated_due_date": e2e.today(200)}})
        self.assertEqual(o.counts("perinatal_stage"), {"pregnant": 1, "postnatal": 1})
        # Her other facts and the other woman's are untouched.
        self.assertEqual(o.counts("ethnic_category"), {"asian_indian": 1, "white_british": 1})

    def test_referral_moved_to_another_woman_counts_under_hers(self):
        o = FactsOrg()
        x = o.woman("postnatal", "white_british")
        y = o.woman("pregnant", "chinese")
        rid = o.referral(x, AUGUST)
        self.assertEqual(o.counts("ethnic_category"), {"white_british": 1})
        # As resolving an identity check does: the referral names her.
        psql("UPDATE referrals SET service_user_id = '%s' WHERE id = '%s'" % (y, rid))
        self.assertEqual(o.counts("ethnic_category"), {"chinese": 1})
        self.assertEqual(o.counts("perinatal_stage"), {"pregnant": 1})

    def test_a_value_written_on_the_referral_is_hers(self):
        o = FactsOrg()
        w = o.woman("postnatal", "white_british")
        rid = o.referral(w, AUGUST)
        psql("UPDATE referrals SET woman_ethnic_category = 'chinese', "
             "woman_perinatal_stage = 'pregnant' WHERE id = '%s'" % rid)
        self.assertEqual(o.counts("ethnic_category"), {"white_british": 1})
        self.assertEqual(o.counts("perinatal_stage"), {"postnatal": 1})
        self.assertEqual(psql("SELECT woman_ethnic_category || ' ' || woman_perinatal_stage "
                              "FROM referrals WHERE id = '%s'" % rid), "white_british postnatal")


class CaseloadIslands(unittest.TestCase):
    """The caseload counts each woman once from her spans kept merged
    (report_caseload_islands): overlapping spans are one, and a span
    entered in error leaves the islands its other spans make."""

    def caseload(self, o, quarter):
        figures, _ = o.figures("activity", 2025, quarter, exact=True)
        return figures[("caseload", "all", "all", None)]

    def test_overlapping_spans_then_one_voided(self):
        o = Org()
        w, v = o.woman(), o.woman()
        june = "2025-06-01T10:00:00+01:00"

        def accepted(woman, at, closed=None):
            rid = o.referral(woman, june, status="discharged" if closed else "accepted",
                             responded=june)
            o.transition(rid, "triaged", "accepted", at)
            if closed:
                o.transition(rid, "accepted", "discharged", closed)
            return rid

        accepted(w, "2025-08-01T10:00:00+01:00", closed="2025-10-05T10:00:00+01:00")
        second = accepted(w, "2025-09-01T10:00:00+01:00")
        # v: one span ends the instant the next begins (touching: one island).
        accepted(v, "2025-07-01T10:00:00+01:00", closed="2025-11-01T10:00:00Z")
        accepted(v, "2025-11-01T10:00:00Z")
        self.assertEqual(self.caseload(o, 2), 2)  # 30 September: w (twice), v
        self.assertEqual(self.caseload(o, 3), 2)  # 31 December: w's second, v's second
        psql("UPDATE referrals SET voided_at = now(), voided_by = 'e2e', void_reason = 'E2E' "
             "WHERE id = '%s'" % second)
        self.assertEqual(self.caseload(o, 2), 2)  # w's first still covers it
        self.assertEqual(self.caseload(o, 3), 1)  # v only


if __name__ == "__main__":
    unittest.main()
