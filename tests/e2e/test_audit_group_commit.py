"""Group commit of audit rows (api/store/audit_batch.c).

Concurrent reads' audit rows are committed together (several rows share a
transaction, hence an xmin, and /metrics counts fewer commits than rows),
and the guarantee is unchanged: under read load PostgreSQL's postmaster is
killed with SIGKILL and started again, and every request that was answered
200 has its audit row (matched by request id) once it is back.

The load goes straight to the application's FastCGI socket (as nginx would),
so nginx's rate limit does not shape it; it is bounded (a few threads, a few
seconds) and local."""

import concurrent.futures
import os
import signal
import socket
import sys
import threading
import time
import unittest
import uuid

import fcgi

from e2e import STATE_DIR, create_service_user, db_count, main, psql, stack, token

LISTEN = os.environ.get("PERINATAL_LISTEN", "")
PGDATA = os.path.join(STATE_DIR, "pgdata")


def read(path, tok, request_id, timeout=15):
    """GET through the FastCGI socket with an X-Request-Id; the status (0
    when no answer came)."""
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": path, "QUERY_STRING": "",
              "HTTP_AUTHORIZATION": "Bearer " + tok, "HTTP_X_REQUEST_ID": request_id}
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(LISTEN)
        s.sendall(fcgi.head(params) + fcgi.record(fcgi.STDIN, b""))  # one write, as nginx
        return fcgi.status_of(fcgi.read_response(s, time.time() + timeout))
    except OSError:
        return 0
    finally:
        s.close()


def metric(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(LISTEN)
    try:
        s.sendall(fcgi.head({"REQUEST_METHOD": "GET", "REQUEST_URI": "/metrics",
                             "QUERY_STRING": ""}) + fcgi.record(fcgi.STDIN, b""))
        raw = fcgi.read_response(s, time.time() + 10)
    finally:
        s.close()
    for line in raw.decode().splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    raise AssertionError("no %s in /metrics" % name)


def rows_with_prefix(prefix):
    out = psql("select request_id from audit_events where request_id like '%s%%'" % prefix)
    return out.split()


class GroupCommit(unittest.TestCase):
    def setUp(self):
        self.assertTrue(LISTEN.startswith("/"), "PERINATAL_LISTEN=%r is not a unix socket" % LISTEN)
        created = create_service_user()
        self.path = created.headers["location"]
        self.token = token("clinician")

    def test_concurrent_reads_share_commits(self):
        prefix = "gc-share-" + uuid.uuid4().hex[:12]
        commits0 = metric("perinatal_audit_commits_total")
        rows0 = metric("perinatal_audit_rows_total")
        sent, shared = [], 0
        for rnd in range(5):  # under concurrency one round suffices; bounded anyway
            ids = ["%s-%d-%d" % (prefix, rnd, i) for i in range(64)]
            with concurrent.futures.ThreadPoolExecutor(32) as ex:
                statuses = list(ex.map(lambda rid: read(self.path, self.token, rid), ids))
            self.assertEqual(set(statuses), {200}, statuses)
            sent += ids
            shared = db_count(
                "select count(*) from (select xmin from audit_events where request_id like"
                " '%s%%' group by xmin having count(*) > 1) s" % prefix)
            if shared:
                break
        self.assertGreater(shared, 0, "no two reads' rows were committed together")
        # One row per read, no more, no fewer.
        self.assertEqual(sorted(rows_with_prefix(prefix)), sorted(sent))
        commits = metric("perinatal_audit_commits_total") - commits0
        rows = metric("perinatal_audit_rows_total") - rows0
        self.assertGreaterEqual(rows, len(sent))
        self.assertLess(commits, rows)

    def test_every_200_has_its_row_after_postgres_is_killed(self):
        prefix = "gc-kill-" + uuid.uuid4().hex[:12]
        results, lock, stop = [], threading.Lock(), threading.Event()

        def reader(n):
            i = 0
            while not stop.is_set():
                rid = "%s-%d-%d" % (prefix, n, i)
                i += 1
                status = read(self.path, self.token, rid)
                with lock:
                    results.append((rid, status, time.monotonic()))
                if status != 200:
                    time.sleep(0.02)  # the database is away: do not spin

        threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
        for th in threads:
            th.start()
        try:
            time.sleep(1.5)
            with open(os.path.join(PGDATA, "postmaster.pid")) as f:
                postmaster = int(f.readline())
            killed_at = time.monotonic()
            os.kill(postmaster, signal.SIGKILL)
            # Until the killed postmaster has been reaped (it is a zombie
            # until its parent waits for it) its pid file looks alive, and
            # until its backends have left a new one refuses to start: both
            # are waited for, bounded.
            deadline = time.monotonic() + 60
            while os.path.exists("/proc/%d" % postmaster) and time.monotonic() < deadline:
                time.sleep(0.1)
            while True:
                try:
                    stack("pg-start")
                    if psql("select 1") == "1":
                        break
                except RuntimeError:
                    if time.monotonic() > deadline:
                        raise
                time.sleep(0.5)
            restarted_at = time.monotonic()
            time.sleep(2)
        finally:
            stop.set()
            for th in threads:
                th.join(60)
        statuses = {s for _, s, _ in results}
        self.assertLessEqual(statuses, {200, 503}, statuses)
        ok = [rid for rid, s, _ in results if s == 200]
        before = [rid for rid, s, t in results if s == 200 and t < killed_at]
        after = [rid for rid, s, t in results if s == 200 and t > restarted_at]
        self.assertTrue(before and after, (len(before), len(after)))
        sys.stderr.write("%d answered 200 (%d before the kill, %d after the restart), %d 503\n"
                         % (len(ok), len(before), len(after),
                            sum(1 for _, s, _ in results if s == 503)))
        found = set(rows_with_prefix(prefix))
        missing = [rid for rid in ok if rid not in found]
        self.assertEqual(missing, [], "%d of %d answers 200 have no audit row"
                         % (len(missing), len(ok)))


if __name__ == "__main__":
    main()
