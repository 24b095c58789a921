"""Revocation reaches every application process: a second perinatal-api
process is started beside the stack's (its own socket, the same database),
a token is used there (so it sits in that process's verified-token cache),
revoked through nginx (the first process), and must be refused by the
second within 5 seconds."""

import time
import unittest

import fcgi
from e2e import AppProcess, main, mint, post, token


class EveryProcess(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.app = AppProcess("second", PERINATAL_WORKERS="2")
        cls.sock = cls.app.sock

    @classmethod
    def tearDownClass(cls):
        cls.app.stop()

    def test_revoked_token_refused_by_the_other_process_within_5_seconds(self):
        jti = "two-processes-" + str(time.time())
        tok = mint("admin", args=["--jti", jti])
        self.assertEqual(fcgi.get("/v1/teams", self.sock, tok)[0], 200)
        self.assertEqual(fcgi.get("/v1/teams", self.sock, tok)[0], 200)  # cached now
        r = post("/v1/revoked-tokens", {"jti": jti, "reason": "lost laptop"},
                 token=token("admin"))
        self.assertEqual(r.status, 201, r)
        start = time.time()
        while time.time() - start < 5:
            if fcgi.get("/v1/teams", self.sock, tok)[0] == 401:
                break
            time.sleep(0.1)
        else:
            self.fail("the second process still accepts the revoked token after 5 s")
        # Another token of the same caller is unaffected.
        self.assertEqual(fcgi.get("/v1/teams", self.sock, mint("admin"))[0], 200)


if __name__ == "__main__":
    main()
