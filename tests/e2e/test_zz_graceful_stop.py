"""Graceful stop: a request the application has begun when SIGTERM arrives
is finished and answered; only then does the process exit.

The test speaks FastCGI to the application's socket directly (as nginx
would), sends a POST's headers and half its body, sends SIGTERM, then the
rest of the body, and expects a complete 201. Then it restarts the app for
the tests that follow."""

import json
import os
import socket
import struct
import time
import unittest

from e2e import STATE_DIR, db_count, main, nhs_number, service_user_body, stack, token

LISTEN = os.environ.get("PERINATAL_LISTEN", "")
PID_FILE = os.path.join(STATE_DIR, "run", "api.pid")

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6


def record(kind, content, request_id=1):
    return struct.pack("!BBHHBx", 1, kind, request_id, len(content), 0) + content


def name_value(name, value):
    name, value = name.encode(), value.encode()
    def length(n):
        return struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)
    return length(len(name)) + length(len(value)) + name + value


def read_response(sock, deadline):
    out, buf = b"", b""
    while time.time() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 8:
            _, kind, _, clen, plen = struct.unpack("!BBHHB", buf[:7])
            if len(buf) < 8 + clen + plen:
                break
            content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
            if kind == FCGI_STDOUT:
                out += content
            elif kind == FCGI_END_REQUEST:
                return out
    return out


class GracefulStop(unittest.TestCase):
    @unittest.skipUnless(LISTEN.startswith("/") and os.path.exists(PID_FILE),
                         "needs the local stack's unix socket and pid file")
    def test_in_flight_request_finishes(self):
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
        s.sendall(record(FCGI_BEGIN_REQUEST, struct.pack("!HB5x", 1, 0)))
        s.sendall(record(FCGI_PARAMS, b"".join(name_value(k, v) for k, v in params.items())))
        s.sendall(record(FCGI_PARAMS, b""))
        half = len(body) // 2
        s.sendall(record(FCGI_STDIN, body[:half]))
        time.sleep(0.3)  # a worker has accepted the request and waits for the body
        pid = int(open(PID_FILE).read().strip())
        os.kill(pid, 15)
        time.sleep(0.5)
        self.assertTrue(os.path.exists("/proc/%d" % pid), "the app exited mid-request")
        s.sendall(record(FCGI_STDIN, body[half:]))
        s.sendall(record(FCGI_STDIN, b""))
        out = read_response(s, time.time() + 15)
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
