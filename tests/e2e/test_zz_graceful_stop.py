"""Graceful stop: a request the application has begun when SIGTERM arrives
is finished and answered; only then does the process exit.

The test speaks FastCGI to the application's socket directly (as nginx
would), sends a POST's headers and half its body, sends SIGTERM, then the
rest of the body, and expects a complete 201. Then it restarts the app for
the tests that follow."""

import json
import os
import socket
import time
import unittest

import fcgi

from e2e import STATE_DIR, db_count, main, nhs_number, service_user_body, stack, token

LISTEN = os.environ.get("PERINATAL_LISTEN", "")
PID_FILE = os.path.join(STATE_DIR, "run", "api.pid")

class GracefulStop(unittest.TestCase):
    def test_in_flight_request_finishes(self):
        # The local stack's unix socket and pid file are prerequisites: without
        # them this fails rather than skips, so a run cannot pass unchecked.
        self.assertTrue(LISTEN.startswith("/"), "PERINATAL_LISTEN=%r is not a unix socket" % LISTEN)
        self.assertTrue(os.path.exists(PID_FILE), "no pid file at %s" % PID_FILE)
        nhs = nhs_number()
        body = json.dumps(service_user_body(nhs_number=nhs)).encode()
        params = {
            "REQUEST_METHOD": "POST", "REQUEST_URI": "/v1/service-users",
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": "Bearer " + token("clinician"),
            "HTTP_X_REQUEST_ID": "graceful-stop-test",
        }
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(20)
        s.connect(LISTEN)
        fcgi.begin(s, params)
        half = len(body) // 2
        s.sendall(fcgi.record(fcgi.STDIN, body[:half]))
        time.sleep(0.3)  # a worker has accepted the request and waits for the body
        pid = int(open(PID_FILE).read().strip())
        os.kill(pid, 15)
        time.sleep(0.5)
        self.assertTrue(os.path.exists("/proc/%d" % pid), "the app exited mid-request")
        s.sendall(fcgi.record(fcgi.STDIN, body[half:]))
        s.sendall(fcgi.record(fcgi.STDIN, b""))
        out = fcgi.read_response(s, time.time() + 15)
        s.close()
        head = out.split(b"\r\n\r\n", 1)[0].decode()
        self.assertIn("Status: 201", head, out[:500])
        self.assertEqual(db_count("select count(*) from service_users where nhs_number = '%s'"
                                  % nhs), 1)
        for _ in range(100):  # then it stops
            if not os.path.exists("/proc/%d" % pid) or \
                    open("/proc/%d/stat" % pid).read().split()[2] == "Z":
                break
            time.sleep(0.1)
        else:
            self.fail("the app did not exit after finishing its request")

    @classmethod
    def tearDownClass(cls):
        stack("app-restart")


if __name__ == "__main__":
    main()
