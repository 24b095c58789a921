"""Operations: supervision (a crashed application is back within 2 s, under
the test stack, `scripts/up --detach` and `scripts/up` in the foreground),
and backups (`scripts/stack backup`, then `restore` into a fresh cluster,
where every table, the audit trail included, reads back the same and the
restored stack serves the records).

The second stack has its own state directory (<state>/ops, made afresh) and
port (this stack's + 1); it runs the same build and is stopped at the end."""

import os
import shlex
import shutil
import signal
import ssl
import subprocess
import time
import unittest
import uuid

import e2e
import test_staff_training as training

REPO = os.environ.get("PERINATAL_REPO") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
OPS_DIR = os.path.join(e2e.STATE_DIR, "ops")
# The second stack's port: the test port + 1 unless set (on a machine where
# test stacks have consecutive ports, + 1 is another stack's).
OPS_PORT = int(os.environ.get("PERINATAL_OPS_HTTPS_PORT") or e2e.PORT + 1)
BACKUP = os.path.join(e2e.STATE_DIR, "backups", "e2e-operations.dump")


def ops_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERINATAL_")}
    env.update(PERINATAL_STATE_DIR=OPS_DIR, PERINATAL_HTTPS_PORT=str(OPS_PORT),
               PERINATAL_BUILD_DIR=os.environ["PERINATAL_BUILD_DIR"],
               PERINATAL_SKIP_BUILD="1", PERINATAL_SKIP_PACKAGES="1", PERINATAL_PG_FAST="1")
    return env


def run(args, env=None, timeout=180):
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(args), out.returncode,
                                                         out.stdout[-3000:], out.stderr[-3000:]))
    return out.stdout


def ops_stack(*args):
    return run([os.path.join(REPO, "scripts", "stack")] + list(args), env=ops_env())


def readyz(port, timeout=2):
    conn = e2e.http.client.HTTPSConnection(e2e.HOST, port, context=ops_context(port),
                                           timeout=timeout)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status
    except OSError:
        return 0
    finally:
        conn.close()


def ops_context(port):
    """The verifying context for this stack or the second one's certificate."""
    if port == e2e.PORT:
        return e2e.ssl_context()
    return ssl.create_default_context(cafile=os.path.join(OPS_DIR, "tls", "cert.pem"))


def admin_url(env_text):
    """The superuser conninfo for database perinatal, from `scripts/stack env`."""
    env = {}
    for line in env_text.splitlines():
        if line.startswith("export "):
            k, _, v = line[len("export "):].partition("=")
            env[k] = shlex.split(v)[0] if v else ""
    return "host=%s port=%s dbname=perinatal user=postgres" % (
        env["PERINATAL_PG_SOCKET_DIR"], env["PERINATAL_PG_PORT"])


def app_pid(state_dir):
    with open(os.path.join(state_dir, "run", "api.pid")) as f:
        return int(f.read().strip())


def kill_and_time_recovery(test, state_dir, port):
    """kill -9 of the application; seconds until /readyz answers 200 again."""
    old = app_pid(state_dir)
    test.assertEqual(readyz(port), 200)
    os.kill(old, signal.SIGKILL)
    killed = time.monotonic()
    while time.monotonic() - killed < 10:
        if readyz(port, timeout=1) == 200:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - killed
    test.assertNotEqual(app_pid(state_dir), old)
    return elapsed


def table_digests(url):
    """Every table of the public schema: (row count, md5 of its rows)."""
    tables = e2e.psql("SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables "
                      "WHERE schemaname = 'public'", url=url).split()
    out = {}
    for t in tables:
        out[t] = e2e.psql("SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' "
                          "ORDER BY x::text)), '') FROM %s x" % t, url=url)
    return out


class Operations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.path.exists(os.path.join(OPS_DIR, "stack.env")):
            subprocess.run([os.path.join(REPO, "scripts", "down")], env=ops_env(),
                           capture_output=True, timeout=120)
        shutil.rmtree(OPS_DIR, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        subprocess.run([os.path.join(REPO, "scripts", "down")], env=ops_env(),
                       capture_output=True, timeout=120)

    def test_1_crash_of_the_test_stack_app_is_repaired_within_2s(self):
        elapsed = kill_and_time_recovery(self, e2e.STATE_DIR, e2e.PORT)
        self.assertLessEqual(elapsed, 2.0, "back after %.2f s" % elapsed)

    def test_2_backup_restores_into_a_fresh_cluster(self):
        # One record of every kind (the earlier tests made more), each read
        # once so that the audit trail names it.
        admin = e2e.token("admin")
        su = e2e.create_service_user(e2e.token("clinician")).body
        self.assertEqual(e2e.get("/v1/service-users/" + su["id"], token=admin).status, 200)
        ref = e2e.refer()
        self.assertEqual(e2e.get("/v1/referrals/" + ref["id"], token=admin).status, 200)
        staff = training.new_staff()
        r = e2e.post(training.training(staff), training.body(), token=admin)
        self.assertEqual(r.status, 201, r)
        r = e2e.post("/v1/revoked-tokens", {"jti": str(uuid.uuid4()), "reason": "backup test"},
                     token=admin)
        self.assertEqual(r.status, 201, r)
        here = admin_url(run([os.path.join(REPO, "scripts", "stack"), "env"]))
        original = table_digests(here)
        for t in ("service_users", "service_user_teams", "referrals", "teams", "staff",
                  "staff_training", "workflow_transitions", "audit_events", "revoked_tokens",
                  "vocabulary", "schema_migrations"):
            self.assertIn(t, original)
            self.assertNotEqual(original[t].split()[0], "0", "no rows in %s to back up" % t)
        if os.path.exists(BACKUP):
            os.unlink(BACKUP)
        run([os.path.join(REPO, "scripts", "stack"), "backup", BACKUP])
        self.assertEqual(os.stat(BACKUP).st_mode & 0o077, 0, "backup readable by others")
        self.assertEqual(table_digests(here), original,
                         "the database changed while the digests were taken")

        ops_stack("restore", BACKUP)  # makes the cluster: a fresh machine
        self.assertEqual(table_digests(admin_url(ops_stack("env"))), original)

        # The restored records served by a stack on the restored cluster.
        run([os.path.join(REPO, "scripts", "up"), "--detach"], env=ops_env())
        ops_token = ops_stack("token", "admin").strip()
        conn = e2e.http.client.HTTPSConnection(e2e.HOST, OPS_PORT, context=ops_context(OPS_PORT),
                                               timeout=10)
        for path in ("/v1/service-users/" + su["id"], "/v1/referrals/" + ref["id"], "/v1/teams",
                     "/v1/staff/%s/training" % staff, "/v1/referrals/%s/transitions" % ref["id"],
                     "/v1/audit?service_user=" + su["id"]):
            conn.request("GET", path, headers={"Authorization": "Bearer " + ops_token})
            resp = conn.getresponse()
            body = resp.read()
            self.assertEqual(resp.status, 200, (path, body[:300]))
            if path.startswith("/v1/audit"):
                self.assertIn(su["id"].encode(), body)
        conn.close()

    def test_3_crash_under_up_detach_is_repaired_within_2s(self):
        if readyz(OPS_PORT) != 200:
            run([os.path.join(REPO, "scripts", "up"), "--detach"], env=ops_env())
        try:
            elapsed = kill_and_time_recovery(self, OPS_DIR, OPS_PORT)
            self.assertLessEqual(elapsed, 2.0, "back after %.2f s" % elapsed)
        finally:
            run([os.path.join(REPO, "scripts", "down")], env=ops_env())

    def test_4_crash_under_up_in_the_foreground_is_repaired_within_2s(self):
        up = subprocess.Popen([os.path.join(REPO, "scripts", "up")], env=ops_env(),
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while readyz(OPS_PORT) != 200:
                self.assertIsNone(up.poll(), "scripts/up exited")
                self.assertLess(time.monotonic(), deadline, "scripts/up not ready in 120 s")
                time.sleep(0.5)
            elapsed = kill_and_time_recovery(self, OPS_DIR, OPS_PORT)
            self.assertLessEqual(elapsed, 2.0, "back after %.2f s" % elapsed)
            time.sleep(3)  # scripts/up polls every 2 s: it must not have given up
            self.assertIsNone(up.poll(), "scripts/up stopped after the crash")
            self.assertEqual(readyz(OPS_PORT), 200)
            # A second scripts/up for the same state directory is refused,
            # and leaves the first one's stack running.
            second = subprocess.run([os.path.join(REPO, "scripts", "up"), "--detach"],
                                    env=ops_env(), capture_output=True, text=True, timeout=60)
            self.assertNotEqual(second.returncode, 0, second.stdout)
            self.assertIn("already running", second.stderr)
            self.assertIsNone(up.poll(), "the second scripts/up stopped the first")
            self.assertEqual(readyz(OPS_PORT), 200)
        finally:
            # Ctrl-C twice: the second must not cut the stop short.
            up.send_signal(signal.SIGINT)
            time.sleep(0.3)
            if up.poll() is None:
                up.send_signal(signal.SIGINT)
            try:
                up.wait(90)
            except subprocess.TimeoutExpired:
                up.kill()
                raise
        self.assertNotEqual(readyz(OPS_PORT), 200)
        self.assertFalse(os.path.exists(os.path.join(OPS_DIR, "pgdata", "postmaster.pid")),
                         "PostgreSQL still running after Ctrl-C twice")
        self.assertFalse(os.path.exists(os.path.join(OPS_DIR, "running.pid")))


if __name__ == "__main__":
    e2e.main()
