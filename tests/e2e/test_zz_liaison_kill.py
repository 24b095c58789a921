"""Liaison updates survive the application being killed (issue 12, point
3): acknowledged = stored.

Several health-visiting senders post new updates as fast as they can; in
the middle of the run the application is killed with SIGKILL (its
supervisor starts it again). Every update that was answered 2xx must be
stored, under the id the answer gave; an update whose answer was lost can be
sent again safely (200 when it had been stored after all, 202 when not),
and each sender record id is then stored exactly once."""

import os
import signal
import sys
import threading
import time
import unittest
import uuid

import e2e
from e2e import STATE_DIR, post, token

IN = "/v1/liaison-updates"
PID_FILE = os.path.join(STATE_DIR, "run", "api.pid")
SENDERS = 6
RUN_SECONDS = 6.0
KILL_AFTER = 2.0


def body(run, sender, n):
    return {"sender_record_id": "kill-%s-%d-%d" % (run, sender, n),
            "nhs_number": e2e.nhs_number(), "contact_date": e2e.today(-1),
            "contact_type": "six_to_eight_week_review",
            "concerns": {"codes": ["risk"], "text": "Kill test"}}


class KilledMidRun(unittest.TestCase):
    def test_every_acknowledged_update_is_stored(self):
        self.assertTrue(os.path.exists(PID_FILE), "no pid file at %s" % PID_FILE)
        run = uuid.uuid4().hex[:10]
        tokens = [token("liaison", sub="e2e-kill-hv-%d" % i) for i in range(SENDERS)]
        acked, unanswered, lock = {}, [], threading.Lock()
        start = time.monotonic()
        kill_time = [None]

        def sender(i):
            n = 0
            while time.monotonic() - start < RUN_SECONDS:
                n += 1
                b = body(run, i, n)
                try:
                    r = post(IN, b, token=tokens[i], timeout=10)
                except OSError:
                    r = None
                with lock:
                    if r is not None and 200 <= r.status < 300:
                        acked[b["sender_record_id"]] = (r.body["id"], time.monotonic())
                    else:
                        unanswered.append((i, b))
                if r is None or r.status >= 500:
                    time.sleep(0.05)

        threads = [threading.Thread(target=sender, args=(i,)) for i in range(SENDERS)]
        for t in threads:
            t.start()
        time.sleep(KILL_AFTER)
        old = int(open(PID_FILE).read().strip())
        os.kill(old, signal.SIGKILL)
        kill_time[0] = time.monotonic()
        for t in threads:
            t.join(timeout=120)
        e2e.stack("wait-ready", "30")
        self.assertNotEqual(int(open(PID_FILE).read().strip()), old, "the app was not replaced")
        before = [k for k, (_, at) in acked.items() if at < kill_time[0]]
        after = [k for k, (_, at) in acked.items() if at > kill_time[0]]
        sys.stderr.write("liaison kill: %d acknowledged before the kill, %d after, %d unanswered\n"
                         % (len(before), len(after), len(unanswered)))
        self.assertGreater(len(before), 10, "too few updates before the kill")
        self.assertGreater(len(after), 10, "too few updates after the restart")

        # Acknowledged = stored, under the id answered.
        ids = "','".join(i for i, _ in acked.values())
        stored = e2e.db_count("select count(*) from liaison_updates where id in ('%s')" % ids)
        self.assertEqual(stored, len(acked), "%d acknowledged, %d stored" % (len(acked), stored))

        # What got no answer is sent again: stored once whatever happened.
        for i, b in unanswered:
            r = post(IN, b, token=tokens[i])
            self.assertIn(r.status, (200, 202), r)
        self.assertEqual(e2e.db_count(
            "select count(*) from liaison_updates where sender_record_id like 'kill-%s-%%'" % run),
            len(acked) + len(unanswered))
        self.assertEqual(e2e.db_count(
            "select count(distinct sender_record_id) from liaison_updates where "
            "sender_record_id like 'kill-%s-%%'" % run), len(acked) + len(unanswered))


if __name__ == "__main__":
    e2e.main()
