"""Entered in error: a clinician of the record's team marks a clinical record
(a referral, the first such record) with a reason; it is audited, hidden
from every list and read, still readable by admins with ?include=voided,
and nothing is deleted."""

import unittest

from e2e import (DEMO_TEAMS, assert_problem, db_count, get, main, mint, post, psql, refer,
                 token)

PERINATAL, MMHS, MBU, CMHT = DEMO_TEAMS


def void(ref_id, tok=None, **body):
    return post("/v1/referrals/%s/entered-in-error" % ref_id, body or {"reason": "Duplicate."},
                token=tok or token("clinician"))


class EnteredInError(unittest.TestCase):
    def test_the_mark_stays(self):
        # Who marked it and why cannot be cleared or rewritten, even by a
        # write the application itself could make.
        ref = refer()
        self.assertEqual(void(ref["id"]).status, 200)
        for sql in ("UPDATE referrals SET voided_at = NULL, voided_by = NULL, void_reason = NULL",
                    "UPDATE referrals SET void_reason = 'Something else'"):
            with self.subTest(sql=sql):
                with self.assertRaises(RuntimeError):
                    psql(sql + " WHERE id = '%s'" % ref["id"])
        self.assertEqual(db_count("select count(*) from referrals where id = '%s' and "
                                  "void_reason = 'Duplicate.'" % ref["id"]), 1)
        tables = psql("select count(*) from information_schema.columns c where "
                      "c.table_schema = 'public' and c.column_name = 'voided_at' and "
                      "c.table_name not in (select event_object_table from "
                      "information_schema.triggers where trigger_name like "
                      "'%_entered_in_error_final')")
        self.assertEqual(tables, "0")

    def test_hidden_from_clinicians_readable_by_admins(self):
        ref = refer()
        r = void(ref["id"], reason="Entered twice; see the other referral.")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["etag"], '"2"')
        self.assertEqual(r.body["entered_in_error"]["reason"],
                         "Entered twice; see the other referral.")
        clin = token("clinician")
        assert_problem(get("/v1/referrals/" + ref["id"], token=clin), 404)
        assert_problem(get("/v1/referrals/%s/transitions" % ref["id"], token=clin), 404)
        listed = get("/v1/referrals?service_user=" + ref["service_user_id"], token=clin)
        self.assertEqual(listed.status, 200, listed)
        self.assertNotIn(ref["id"], [i["id"] for i in listed.body["items"]])
        admin = token("admin")
        assert_problem(get("/v1/referrals/" + ref["id"], token=admin), 404)
        seen = get("/v1/referrals/%s?include=voided" % ref["id"], token=admin)
        self.assertEqual(seen.status, 200, seen)
        self.assertIsNotNone(seen.body["entered_in_error"]["at"])
        listed = get("/v1/referrals?include=voided&service_user=" + ref["service_user_id"],
                     token=admin)
        self.assertIn(ref["id"], [i["id"] for i in listed.body["items"]])
        # Nothing deleted.
        self.assertEqual(db_count("select count(*) from referrals where id = '%s'" % ref["id"]), 1)

    def test_a_record_not_entered_in_error_has_no_mark(self):
        ref = refer()
        self.assertIsNone(get("/v1/referrals/" + ref["id"], token=token("clinician"))
                          .body["entered_in_error"])

    def test_only_admins_ask_for_records_entered_in_error(self):
        ref = refer()
        assert_problem(get("/v1/referrals/%s?include=voided" % ref["id"],
                           token=token("clinician")), 403)
        assert_problem(get("/v1/referrals?include=voided", token=token("clinician")), 403)
        assert_problem(get("/v1/referrals?include=everything", token=token("admin")), 400)

    def test_reason_required(self):
        ref = refer()
        assert_problem(post("/v1/referrals/%s/entered-in-error" % ref["id"], {},
                            token=token("clinician")), 400, "/reason")
        assert_problem(void(ref["id"], reason=""), 400, "/reason")
        self.assertEqual(void(ref["id"], reason="x").status, 200)

    def test_only_a_clinician_of_its_team(self):
        ref = refer()
        assert_problem(void(ref["id"], tok=token("admin")), 403)
        assert_problem(void(ref["id"], tok=mint("clinician", team=CMHT)), 404)
        self.assertEqual(get("/v1/referrals/" + ref["id"], token=token("clinician")).status, 200)

    def test_once_only_and_no_change_after(self):
        ref = refer()
        self.assertEqual(void(ref["id"]).status, 200)
        assert_problem(void(ref["id"]), 404)
        r = post("/v1/referrals/%s/transitions" % ref["id"],
                 {"to": "withdrawn", "reason": "x"}, token=token("clinician"))
        assert_problem(r, 404)

    def test_audited(self):
        ref = refer()
        self.assertEqual(void(ref["id"]).status, 200)
        self.assertEqual(db_count(
            "select count(*) from audit_events where action = 'void' and outcome = 'ok' "
            "and resource_id = '%s' and service_user_ids = array['%s']::uuid[]"
            % (ref["id"], ref["service_user_id"])), 1)


if __name__ == "__main__":
    main()
