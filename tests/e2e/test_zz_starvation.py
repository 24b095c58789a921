"""No starvation: a client that opens the FastCGI socket and sends half a
record is dropped after the read timeout (PERINATAL_FCGI_TIMEOUT_S, 10 s by
default), so (workers + 4) such connections stop ordinary requests through
nginx for at most that long, and the process is unharmed.

Without the timeout every worker waits for ever (libfcgi reads a started
request with no timeout) and requests through nginx end in 504 after 30 s."""

import os
import time
import unittest

import e2e
import fcgi

TIMEOUT = int(os.environ.get("PERINATAL_FCGI_TIMEOUT_S", "10"))


def app_pid():
    with open(os.path.join(e2e.STATE_DIR, "run", "api.pid")) as f:
        return int(f.read().strip())


class Starvation(unittest.TestCase):
    def test_half_open_connections_are_dropped_after_the_timeout(self):
        listen = e2e.required_path("PERINATAL_LISTEN")
        workers = fcgi.app_workers(e2e.required_path("PERINATAL_APP_LOG"))
        pid = app_pid()
        self.assertEqual(e2e.get("/healthz", retry_429=False).status, 200)
        held = []
        try:
            started = time.monotonic()
            for _ in range(workers + 4):
                held.append(fcgi.half_open(listen))
            time.sleep(0.5)  # each worker has accepted one and waits in its read
            r = e2e.get("/healthz", retry_429=False, timeout=TIMEOUT + 20)
            elapsed = time.monotonic() - started
            self.assertEqual(r.status, 200, r)
            # Starved for real (every worker was held) ...
            self.assertGreater(elapsed, TIMEOUT - 1, "answered in %.1f s: no worker was held"
                               % elapsed)
            # ... and answered again within the timeout + 1 s.
            self.assertLessEqual(elapsed, TIMEOUT + 1, "answered after %.1f s" % elapsed)
            # The server closed the first connections it held.
            closed = 0
            for s in held[:workers]:
                try:
                    closed += s.recv(1) == b""
                except OSError:
                    closed += 1
            self.assertEqual(closed, workers)
        finally:
            for s in held:
                s.close()
        # Unharmed: the same process serves at once.
        for _ in range(5):
            t = time.monotonic()
            self.assertEqual(e2e.get("/readyz", retry_429=False).status, 200)
            self.assertLess(time.monotonic() - t, 2)
        self.assertEqual(app_pid(), pid)

    def test_a_request_whose_body_stops_is_answered_400(self):
        """A body that stops halfway: the read times out and the request is
        answered 400 (a short read), freeing the worker."""
        listen = e2e.required_path("PERINATAL_LISTEN")
        import socket
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT + 10)
        s.connect(listen)
        try:
            fcgi.begin(s, {"REQUEST_METHOD": "POST", "REQUEST_URI": "/v1/service-users",
                           "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "100",
                           "HTTP_AUTHORIZATION": "Bearer " + e2e.token("clinician")})
            s.sendall(fcgi.record(fcgi.STDIN, b'{"given_name":'))
            started = time.monotonic()
            out = fcgi.read_response(s, time.time() + TIMEOUT + 10)
            elapsed = time.monotonic() - started
        finally:
            s.close()
        self.assertEqual(fcgi.status_of(out), 400, out[:300])
        self.assertLessEqual(elapsed, TIMEOUT + 1)


if __name__ == "__main__":
    e2e.main()
