"""The serving process holds only the app role's conninfo: the schema
owner's (PERINATAL_MIGRATE_DATABASE_URL, used by `perinatal-api migrate`)
is not in its environment, so code running in it cannot switch off the
audit trail's append-only triggers (api.md: the application's database
role can insert into it and never change or delete it)."""

import os
import unittest

import e2e


def serving_processes():
    """(pid, environment) of each perinatal-api process of this stack."""
    log_dir = os.path.join(e2e.STATE_DIR, "log")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
            if not argv[0].endswith(b"perinatal-api"):
                continue
            with open("/proc/%s/environ" % pid, "rb") as f:
                env = dict(x.split(b"=", 1) for x in f.read().split(b"\0") if b"=" in x)
        except OSError:
            continue
        if env.get(b"PERINATAL_LOG_FILE", b"").startswith(log_dir.encode()):
            yield pid, env


class AppEnvironment(unittest.TestCase):
    def test_the_owner_conninfo_is_not_in_the_serving_process(self):
        found = list(serving_processes())
        self.assertTrue(found, "no perinatal-api process of this stack")
        for pid, env in found:
            self.assertIn(b"PERINATAL_DATABASE_URL", env)
            self.assertNotIn(b"PERINATAL_MIGRATE_DATABASE_URL", env, pid)


if __name__ == "__main__":
    e2e.main()
