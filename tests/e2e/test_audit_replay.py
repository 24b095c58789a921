"""An idempotent replay is audited like the original: its row names the
woman and the record (issue 10, item 6)."""

import unittest
import uuid

from e2e import db_count, main, post, referral_body, service_user_body, token


class ReplayAudit(unittest.TestCase):
    def check(self, path, body, woman_of):
        headers = {"Idempotency-Key": "replay-" + uuid.uuid4().hex}
        first = post(path, body, token=self.tok, headers=headers)
        self.assertEqual(first.status, 201, first)
        again = post(path, body, token=self.tok, headers=headers)
        self.assertEqual(again.status, 201, again)
        self.assertEqual(again.headers.get("idempotent-replayed"), "true")
        rid = again.headers["x-request-id"]
        self.assertEqual(db_count(
            "select count(*) from audit_events where request_id = '%s' and action = 'create' "
            "and resource_id = '%s' and service_user_ids = array['%s']::uuid[]"
            % (rid, first.body["id"], woman_of(first.body))), 1)

    def setUp(self):
        self.tok = token("clinician")

    def test_replayed_registration_names_her(self):
        self.check("/v1/service-users", service_user_body(), lambda b: b["id"])

    def test_replayed_referral_names_her(self):
        self.check("/v1/referrals", referral_body(), lambda b: b["service_user_id"])


if __name__ == "__main__":
    main()
