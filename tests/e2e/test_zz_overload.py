"""Overload is 503, not 502: when the application cannot take more work (its
socket's backlog is full), nginx answers 503 application/problem+json with
Retry-After. The test fills the backlog with half-open connections (bounded:
at most 4096, local socket only), asks through nginx, then lets go and sees
the API answer again."""

import time
import unittest

import e2e
import fcgi
from e2e import assert_problem


class Overload(unittest.TestCase):
    def test_full_backlog_is_503_with_retry_after(self):
        listen = e2e.required_path("PERINATAL_LISTEN")
        held = fcgi.fill_backlog(listen)
        try:
            workers = fcgi.app_workers(e2e.required_path("PERINATAL_APP_LOG"))
            self.assertGreater(len(held), workers, "backlog of %d connections?" % len(held))
            r = e2e.get("/v1/teams", token=e2e.token("admin"), retry_429=False, timeout=20)
        finally:
            for s in held:
                s.close()
        body = assert_problem(r, 503)
        self.assertEqual(body["status"], 503)
        self.assertEqual(body["title"], "Service Unavailable")
        self.assertTrue(r.headers.get("retry-after", "").isdigit(), r.headers)
        self.assertIn("x-request-id", r.headers)
        e2e.assert_no_server_version(r.headers)
        self.assertNotIn(b"<html", r.raw.lower())
        # Let go: the workers drop the closed connections and serve again.
        deadline = time.monotonic() + 15
        while True:
            status = e2e.get("/readyz", retry_429=False).status
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(status, 200)


if __name__ == "__main__":
    e2e.main()
