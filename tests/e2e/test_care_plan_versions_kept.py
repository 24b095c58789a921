"""A care plan changes only with its next version, in the database too
(db/046): the version row keeps the one before, so a write that kept the
version number would have lost what the plan said."""

import unittest

import e2e
from e2e import psql

import test_care_plans


def refused(sql):
    try:
        psql(sql)
    except RuntimeError:
        return True
    return False


class Versions(unittest.TestCase):
    def test_a_care_plan_changes_only_with_its_next_version(self):
        plan = test_care_plans.create_plan().body
        self.assertTrue(refused("UPDATE care_plans SET goals = '{Overwritten}' WHERE id = '%s'"
                                % plan["id"]))
        self.assertFalse(refused("UPDATE care_plans SET goals = '{Rewritten}', "
                                 "version = version + 1 WHERE id = '%s'" % plan["id"]))
        self.assertEqual(psql("select count(*) from care_plan_versions where care_plan_id = '%s'"
                              % plan["id"]), "2")


if __name__ == "__main__":
    e2e.main()
