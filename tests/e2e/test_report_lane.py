"""Reports cannot take every worker (issue 10, no starvation): the report
lane runs one report at a time, and at most three report requests (the one
running and two waiting) hold a worker; the others are answered 503 with
Retry-After at once, so clinical requests keep the remaining workers.

A process of its own (4 workers, reports allowed 1 % of the clock): its
lane's budget is spent by reports one after another, after which every
report waits about 2 s for its turn, then six reports are sent at once and
a clinical request must still be answered promptly."""

import threading
import time
import unittest

import fcgi
from e2e import AppProcess, main, mint

REPORT = "/v1/reports/activity?year=2026&quarter=1"


class ReportLane(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.app = AppProcess("lane", PERINATAL_WORKERS="4", PERINATAL_REPORT_SHARE_PCT="1")
        cls.sock = cls.app.sock

    @classmethod
    def tearDownClass(cls):
        cls.app.stop()

    def test_a_burst_of_reports_leaves_workers_for_clinical_requests(self):
        commissioner, admin = mint("commissioner", ttl=600), mint("admin", ttl=600)
        # Spend the lane's 1 s burst: at 1 % of the clock, a report that
        # finds it spent waits 100 times its own time (at most 5 s).
        deadline = time.time() + 60
        while True:
            self.assertLess(time.time(), deadline, "the lane's budget was never spent")
            start = time.time()
            status, raw = fcgi.get(REPORT, self.sock, commissioner, timeout=15)
            self.assertEqual(status, 200, raw[:300])
            if time.time() - start > 0.5:
                break
        answers = []

        def report():
            answers.append(fcgi.get(REPORT, self.sock, commissioner, timeout=30))

        burst = [threading.Thread(target=report) for _ in range(6)]
        for t in burst:
            t.start()
        time.sleep(0.3)  # all six have reached the process
        start = time.time()
        status, raw = fcgi.get("/v1/teams", self.sock, admin, timeout=15)
        took = time.time() - start
        self.assertEqual(status, 200, raw[:300])
        self.assertLess(took, 0.5, "a clinical request waited behind the reports")
        for t in burst:
            t.join(timeout=60)
        statuses = sorted(s for s, _ in answers)
        self.assertEqual(len(statuses), 6)
        refused = [raw for s, raw in answers if s == 503]
        self.assertGreaterEqual(len(refused), 3, statuses)
        for raw in refused:
            self.assertIn(b"Retry-After: 5", raw)
            self.assertIn(b"application/problem+json", raw)
        self.assertTrue(all(s in (200, 503) for s in statuses), statuses)


if __name__ == "__main__":
    main()
