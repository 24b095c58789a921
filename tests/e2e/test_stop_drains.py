"""A stop answers what is queued (graceful stop): requests nginx has already
sent, waiting on the unix socket while every worker is busy, are answered
before the process exits, not reset (nginx would answer 502, and a POST is
not retried).

A process of its own (1 worker, a 2 s read timeout): a request whose body
stops half way holds the worker, a complete request waits behind it,
SIGTERM arrives; once the read timeout frees the worker, the waiting
request is answered and the process exits."""

import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import fcgi
from e2e import main, required_path


class StopDrains(unittest.TestCase):
    def test_queued_request_answered_before_exit(self):
        api_bin = required_path("PERINATAL_API_BIN")
        folder = tempfile.mkdtemp(prefix="perinatal-drain-")
        sock = os.path.join(folder, "api-drain.sock")
        env = dict(os.environ, PERINATAL_LISTEN=sock, PERINATAL_WORKERS="1",
                   PERINATAL_FCGI_TIMEOUT_S="2", PERINATAL_SOCKET_MODE="0600")
        with open(os.path.join(folder, "api-drain.log"), "w") as log:
            proc = subprocess.Popen([api_bin], env=env, stdout=log, stderr=log)
            try:
                for _ in range(100):
                    if os.path.exists(sock):
                        break
                    time.sleep(0.05)
                self.assertEqual(fcgi.get("/healthz", sock)[0], 200)
                # The one worker waits for the rest of this body.
                holder = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                holder.settimeout(15)
                holder.connect(sock)
                fcgi.begin(holder, {"REQUEST_METHOD": "POST", "REQUEST_URI": "/healthz",
                                    "QUERY_STRING": "", "CONTENT_TYPE": "application/json",
                                    "CONTENT_LENGTH": "100"})
                holder.sendall(fcgi.record(fcgi.STDIN, b"{"))
                time.sleep(0.3)
                waiting = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                waiting.settimeout(15)
                waiting.connect(sock)
                waiting.sendall(fcgi.head({"REQUEST_METHOD": "GET", "REQUEST_URI": "/healthz",
                                           "QUERY_STRING": ""}) + fcgi.record(fcgi.STDIN, b""))
                proc.send_signal(signal.SIGTERM)
                try:
                    raw = fcgi.read_response(waiting, time.time() + 15)
                except OSError as e:  # reset: the queued request was dropped
                    raw = repr(e).encode()
                waiting.close()
                holder.close()
                self.assertEqual(fcgi.status_of(raw), 200, raw[:300])
                self.assertEqual(proc.wait(timeout=15), 0)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()


if __name__ == "__main__":
    main()
