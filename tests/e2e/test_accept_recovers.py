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
import subprocess
import tempfile
import threading
import time
import unittest

import fcgi
from e2e import main, required_path


class AcceptRecovers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        api_bin = required_path("PERINATAL_API_BIN")
        cls.dir = tempfile.mkdtemp(prefix="perinatal-accept-")
        cls.sock = os.path.join(cls.dir, "api-accept.sock")
        env = dict(os.environ, PERINATAL_LISTEN=cls.sock, PERINATAL_WORKERS="2",
                   PERINATAL_SOCKET_MODE="0600")
        cls.log_path = os.path.join(cls.dir, "api-accept.log")
        cls.log = open(cls.log_path, "w")
        cls.proc = subprocess.Popen([api_bin], env=env, stdout=cls.log, stderr=cls.log)
        for _ in range(100):
            if os.path.exists(cls.sock):
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the process did not start")

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=30)
        cls.log.close()

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
        with open(self.log_path) as log:
            self.assertIn("cannot accept a connection", log.read())


if __name__ == "__main__":
    main()
