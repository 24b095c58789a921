"""PostgreSQL away: the application answers 503 (and /readyz 503) without
hammering the server, logs the outage once (not once per worker and
request), and is back with the database within its back-off bound (5 s)."""

import os
import time
import unittest

import e2e


def log_lines(path, start):
    with open(path, "rb") as f:
        f.seek(start)
        return f.read().decode("utf-8", "replace").splitlines()


class DatabaseOutage(unittest.TestCase):
    def test_outage_is_503_logged_once_and_recovers(self):
        app_log = e2e.required_path("PERINATAL_APP_LOG")
        self.assertEqual(e2e.get("/readyz", retry_429=False).status, 200)
        start = os.path.getsize(app_log)
        e2e.stack("pg-stop")
        try:
            statuses = []
            until = time.monotonic() + 3
            while time.monotonic() < until:  # about 30 requests, within the rate limit
                statuses.append(e2e.get("/readyz", retry_429=False).status)
                time.sleep(0.1)
            self.assertEqual(set(statuses), {503}, statuses)
        finally:
            e2e.stack("pg-start")
        t = time.monotonic()
        while e2e.get("/readyz", retry_429=False).status != 200:
            self.assertLess(time.monotonic() - t, 10, "not ready 10 s after the database")
            time.sleep(0.2)
        lines = [l for l in log_lines(app_log, start) if '"component":"db"' in l]
        begun = [l for l in lines if '"cannot connect"' in l or '"connection lost"' in l]
        self.assertLessEqual(len(begun), 2, "\n".join(lines[:20]))
        self.assertGreaterEqual(len(begun), 1)
        ended = [l for l in log_lines(app_log, start) if "database reachable again" in l]
        self.assertGreaterEqual(len(ended), 1)


if __name__ == "__main__":
    e2e.main()
