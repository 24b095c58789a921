"""Rate limit: a burst past the per-client limit answers 429 (never 503) as
a problem document with Retry-After. Named to run last: it empties this
client's bucket, and waits at the end until the bucket has refilled so that
whatever runs after it is not refused."""

import concurrent.futures
import os
import re
import threading
import time
import unittest

import e2e
from e2e import assert_problem


def parse_rate(s):
    """'50r/s' or '600r/m' -> requests per second."""
    m = re.fullmatch(r"(\d+)r/([sm])", s.strip())
    if not m:
        raise ValueError("PERINATAL_RATE_LIMIT %r is not NNr/s or NNr/m" % s)
    n = int(m.group(1))
    return n if m.group(2) == "s" else n / 60.0


RATE = parse_rate(os.environ.get("PERINATAL_RATE_LIMIT", "200r/s"))
BURST = int(os.environ.get("PERINATAL_RATE_BURST", "400"))


def refill():
    """Waits until this client's bucket is full again (BURST at RATE/s)."""
    time.sleep(min(BURST / RATE + 0.5, 15))


class RateLimit(unittest.TestCase):
    def setUp(self):
        # The tests before this one may have used part of the burst.
        refill()

    def tearDown(self):
        refill()

    def test_burst_gets_429(self):
        stop = threading.Event()
        limited = []
        statuses = {}
        lock = threading.Lock()

        def hammer(_):
            conn = e2e.connection(timeout=10)
            try:
                for _ in range(2000):
                    if stop.is_set():
                        return
                    r = e2e.request("GET", "/healthz", conn=conn, retry_429=False)
                    with lock:
                        statuses[r.status] = statuses.get(r.status, 0) + 1
                    if r.status == 429:
                        limited.append(r)
                        stop.set()
                        return
                    if r.headers.get("connection", "").lower() == "close":
                        conn.close()
                        conn = e2e.connection(timeout=10)
            finally:
                conn.close()

        deadline_requests = int(BURST + RATE * 10 + 200)
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            list(ex.map(hammer, range(8)))
        elapsed = time.monotonic() - started
        self.assertTrue(limited, "no 429 after %s in %.1f s (limit %s r/s, burst %d)"
                        % (statuses, elapsed, RATE, BURST))
        self.assertLessEqual(sum(statuses.values()), deadline_requests * 8)
        self.assertNotIn(503, statuses, statuses)
        # The burst itself is honoured: at least BURST requests got through.
        self.assertGreaterEqual(statuses.get(200, 0), BURST, statuses)
        r = limited[0]
        body = assert_problem(r, 429)
        self.assertEqual(body["title"], "Too Many Requests")
        self.assertIn("retry-after", r.headers)
        self.assertTrue(r.headers["retry-after"].isdigit(), r.headers["retry-after"])
        self.assertEqual(r.headers.get("strict-transport-security"), "max-age=63072000")
        e2e.assert_no_server_version(r.headers)
        self.assertNotIn(b"<html", r.raw.lower())


if __name__ == "__main__":
    e2e.main()
