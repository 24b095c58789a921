"""A stop answers what is queued (graceful stop): requests nginx has already
sent, waiting on the unix socket while every worker is busy, are answered
before the process exits, not reset (nginx would answer 502, and a POST is
not retried).

A process of its own (1 worker, a 2 s read timeout): a request whose body
stops half way holds the worker, a complete request waits behind it,
SIGTERM arrives; once the read timeout frees the worker, the waiting
request is answered and the process exits."""

import signal
import socket
import time
import unittest

import fcgi
from e2e import AppProcess, main


class StopDrains(unittest.TestCase):
    def test_queued_request_answered_before_exit(self):
        app = AppProcess("drain", PERINATAL_WORKERS="1", PERINATAL_FCGI_TIMEOUT_S="2")
        sock, proc = app.sock, app.proc
        try:
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
            app.stop()


if __name__ == "__main__":
    main()
