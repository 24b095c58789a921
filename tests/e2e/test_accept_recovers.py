"""A worker survives a failed accept (issue 10, no starvation): when the
process runs out of file descriptors for a moment, accept() fails with
EMFILE, which libfcgi does not retry. Each worker used to leave its loop
then, silently, and once all had, the process stayed up with its socket
open and answered nothing. Now the workers wait and accept again.

A process of its own (2 workers), three times over: its descriptor limit
is lowered to what it has open, a request is sent (it cannot be accepted),
the limit is put back, and the request must be answered. Each time costs
the old loop at least one worker, so by the third nobody answers."""

import os
import resource
import threading
import time
import unittest

import fcgi
from e2e import AppProcess, main


class AcceptRecovers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.app = AppProcess("accept", PERINATAL_WORKERS="2")
        cls.sock, cls.proc = cls.app.sock, cls.app.proc

    @classmethod
    def tearDownClass(cls):
        cls.app.stop()

    def test_workers_accept_again_once_descriptors_are_free(self):
        self.assertEqual(fcgi.get("/healthz", self.sock)[0], 200)
        pid = self.proc.pid
        limits = resource.prlimit(pid, resource.RLIMIT_NOFILE)
        for episode in range(3):
            # A new descriptor takes the lowest free number, which must be
            # under the limit: the limit at that number leaves none.
            taken = {int(fd) for fd in os.listdir("/proc/%d/fd" % pid)}
            lowest_free = min(set(range(len(taken) + 1)) - taken)
            answers = []
            resource.prlimit(pid, resource.RLIMIT_NOFILE, (lowest_free, limits[1]))
            try:
                waiting = threading.Thread(target=lambda: answers.append(
                    fcgi.get("/healthz", self.sock, timeout=10)[0]))
                waiting.start()
                time.sleep(0.5)  # the workers meet EMFILE meanwhile
            finally:
                resource.prlimit(pid, resource.RLIMIT_NOFILE, limits)
            waiting.join(timeout=15)
            self.assertEqual(answers, [200], "episode %d: the request waiting at the socket "
                             "was not answered" % episode)
        self.assertIsNone(self.proc.poll())
        self.assertIn("cannot accept a connection", self.app.log())


if __name__ == "__main__":
    main()
