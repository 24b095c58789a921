"""The clinical day is England's: the application refuses to start without
the time zone data for Europe/London, rather than take every date in UTC
(an hour off in summer: a date that is today in England would be refused
as in the future after midnight). glibc reads the zone's data from TZDIR
when it is set; an empty folder stands for an image without tzdata."""

import os
import subprocess
import tempfile
import unittest

from e2e import main, required_path


class TimeZone(unittest.TestCase):
    def test_refuses_to_start_without_the_zone_data(self):
        api_bin = required_path("PERINATAL_API_BIN")
        empty = tempfile.mkdtemp(prefix="perinatal-no-tzdata-")
        done = subprocess.run([api_bin, "migrate"], env=dict(os.environ, TZDIR=empty),
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn("no time zone data for Europe/London", done.stderr)
        # With it (the system's), the same command runs.
        done = subprocess.run([api_bin, "migrate"], capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)


if __name__ == "__main__":
    main()
