"""No personal data in any log, whatever the status; logs not world-readable;
refusals do not grow the error log; rotation (scripts/stack rotate) loses no
line and the processes write to the new files.

A woman is registered with a name and NHS number made for this test; then
requests carry that NHS number and name in their query strings (the old
lookup form, and parameters the API refuses) while they meet: success, 400,
409 (a duplicate, whose database error names the number), 429 (a flood past
the rate limit), 503 from an application that is away (nginx's 502) and from
a full backlog, and 499 (a client that gives up). After a rotation every
file in the log folder is searched for the number, the name and the token.
Named to run after test_zz_graceful_stop; it waits for the rate limit's
bucket to refill before it ends."""

import concurrent.futures
import os
import socket
import stat
import threading
import time
import unittest

import e2e
import fcgi
from test_zz_rate_limit import refill

LOG_DIR = os.path.join(e2e.STATE_DIR, "log")


def log_files():
    return sorted(os.path.join(LOG_DIR, f) for f in os.listdir(LOG_DIR)
                  if os.path.isfile(os.path.join(LOG_DIR, f)))


def error_log_lines():
    with open(os.path.join(LOG_DIR, "nginx-error.log"), "rb") as f:
        return f.read().count(b"\n")


class Logs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        refill()
        cls.nhs = e2e.nhs_number()
        cls.name = "Zqlogtest" + str(int(time.time() * 1000) % 10**9)
        cls.tok = e2e.token("clinician")
        e2e.create_service_user(cls.tok, nhs_number=cls.nhs, family_name=cls.name)

    @classmethod
    def tearDownClass(cls):
        refill()

    def query(self):
        return "?nhs_number=%s&family_name=%s" % (self.nhs, self.name)

    def test_no_personal_data_in_any_log(self):
        q = self.query()
        statuses = {}

        def note(r):
            statuses[r.status] = statuses.get(r.status, 0) + 1

        # Success, refusals by the application, a duplicate (409: the
        # database's error names the key).
        note(e2e.lookup(self.nhs, token=self.tok))
        note(e2e.get("/v1/service-users?nhs_number=" + self.nhs, token=self.tok))
        note(e2e.get("/v1/teams" + q, token=self.tok))
        note(e2e.post("/v1/service-users", e2e.service_user_body(nhs_number=self.nhs,
                                                                  family_name=self.name),
                      token=self.tok))
        # A path shaped like an NHS number (not a UUID): redacted in the access log.
        note(e2e.get("/v1/service-users/" + self.nhs, token=self.tok))

        # 429: a flood past the rate limit, bounded.
        before = error_log_lines()
        stop = threading.Event()

        def flood(_):
            conn = e2e.connection(timeout=10)
            try:
                for _ in range(300):
                    if stop.is_set():
                        return
                    r = e2e.request("GET", "/healthz" + q, conn=conn, retry_429=False)
                    note(r)
                    if r.status == 429 and statuses.get(429, 0) >= 50:
                        stop.set()
                    if r.headers.get("connection", "").lower() == "close":
                        conn.close()
                        conn = e2e.connection(timeout=10)
            finally:
                conn.close()

        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            list(ex.map(flood, range(8)))
        self.assertGreaterEqual(statuses.get(429, 0), 50, statuses)
        self.assertEqual(error_log_lines(), before,
                         "the error log grew during %d refusals" % statuses.get(429, 0))
        refill()

        # 503: the application away (nginx's connect fails: 502 upstream).
        e2e.stack("app-stop")
        try:
            for _ in range(3):
                r = e2e.get("/v1/service-users" + q, token=self.tok, retry_429=False)
                note(r)
                e2e.assert_problem(r, 503)
        finally:
            e2e.stack("app-start")

        # 503: a full backlog; and 499: a client that gives up while every
        # worker is held.
        listen = e2e.required_path("PERINATAL_LISTEN")
        held = fcgi.fill_backlog(listen)
        try:
            # Top up what the workers took meanwhile, then ask: a full backlog
            # is 503. On a slow machine a worker may still free a slot first;
            # nginx's request then waits behind the held connections (up to
            # the FastCGI read timeout), so wait long enough for its answer.
            held += fcgi.fill_backlog(listen)
            note(e2e.get("/v1/service-users" + q, token=self.tok, retry_429=False, timeout=40))
        finally:
            for s in held:
                s.close()
        workers = fcgi.app_workers(e2e.required_path("PERINATAL_APP_LOG"))
        held = [fcgi.half_open(listen) for _ in range(workers)]
        try:
            raw = socket.create_connection((e2e.HOST, e2e.PORT), timeout=5)
            tls = e2e.ssl_context().wrap_socket(raw, server_hostname=e2e.HOST)
            tls.sendall(("GET /v1/service-users%s HTTP/1.1\r\nHost: %s\r\n"
                         "Authorization: Bearer %s\r\n\r\n" % (q, e2e.HOST, self.tok)).encode())
            time.sleep(1)
            tls.close()
        finally:
            for s in held:
                s.close()
        self.assertIn(503, statuses, statuses)

        # Rotation: flushes nginx's buffered access log, reopens every log.
        e2e.stack("rotate")
        self.assertEqual(e2e.get("/healthz", retry_429=False).status, 200)
        self.assertEqual(e2e.get("/readyz", retry_429=False).status, 200)
        e2e.stack("rotate")

        files = log_files()
        self.assertTrue(any(".log." in f for f in files), files)
        token_signature = self.tok.rsplit(".", 1)[1]
        found = []
        for path in files:
            with open(path, "rb") as f:
                data = f.read()
            for label, needle in (("NHS number", self.nhs), ("name", self.name),
                                  ("token", token_signature)):
                if needle.encode() in data:
                    found.append("%s in %s" % (label, os.path.basename(path)))
        self.assertEqual(found, [], "statuses %s" % statuses)
        # The 499 and the redacted path are in the access log, whole.
        access = b"".join(open(f, "rb").read() for f in files
                          if os.path.basename(f).startswith("nginx-access.log"))
        self.assertIn(b'"status":499', access)
        self.assertIn(b'"path":"[redacted]"', access)

    def test_logs_are_not_world_readable_and_rotation_reopens(self):
        e2e.stack("rotate")
        mode = stat.S_IMODE(os.stat(LOG_DIR).st_mode)
        self.assertEqual(mode & 0o007, 0, "log folder mode %o" % mode)
        for path in log_files():
            mode = stat.S_IMODE(os.stat(path).st_mode)
            self.assertEqual(mode & 0o007, 0, "%s mode %o" % (path, mode))
        app_log = e2e.required_path("PERINATAL_APP_LOG")
        size = os.path.getsize(app_log)
        self.assertEqual(e2e.get("/readyz", retry_429=False).status, 200)
        deadline = time.monotonic() + 5
        while os.path.getsize(app_log) == size and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertGreater(os.path.getsize(app_log), size,
                           "the application did not write to its new log after rotation")
        e2e.stack("rotate")  # nginx reopens, which writes its buffered lines
        access = os.path.join(LOG_DIR, "nginx-access.log")
        rotated = [f for f in log_files() if os.path.basename(f).startswith("nginx-access.log.")]
        self.assertTrue(rotated)
        with open(max(rotated), "rb") as f:
            self.assertIn(b'"path":"/readyz"', f.read())
        self.assertTrue(os.path.exists(access))


if __name__ == "__main__":
    e2e.main()
