"""Nested contact lists (issue 9): GET /v1/referrals/{referral_id}/contacts and
GET /v1/service-users/{service_user_id}/contacts list the contacts of one
referral or one woman, as the ?referral= and ?service_user= filters do, with
the same scope: a parent the caller cannot read (another team's woman,
another organisation's, none) is 404 and audited naming her; a read names
her even when the page is empty."""

import unittest
import uuid

import e2e
from e2e import assert_problem, get, post, psql, token
from test_contacts import body, cli_a, cli_b, referral

CONTACTS = "/v1/contacts"


def ids(resp):
    assert resp.status == 200, resp
    return [c["id"] for c in resp.body["items"]]


def audited(resp, outcome):
    rid = resp.headers["x-request-id"]
    return psql("select service_user_ids from audit_events where request_id = %s and "
                "action = 'list' and resource = 'contact' and outcome = %s"
                % (e2e.sql_quote(rid), e2e.sql_quote(outcome)))


class Nested(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ref = referral(days_ago=5)
        cls.woman = cls.ref["service_user_id"]
        cls.first = []
        for _ in range(3):
            r = post(CONTACTS, body(cls.ref), token=cli_a())
            assert r.status == 201, r
            cls.first.append(r.body["id"])
        # Hers, but for no referral.
        r = post(CONTACTS, body(cls.ref, referral_id=None), token=cli_a())
        assert r.status == 201, r
        cls.second = r.body["id"]
        cls.ref_url = "/v1/referrals/%s/contacts" % cls.ref["id"]
        cls.su_url = "/v1/service-users/%s/contacts" % cls.woman

    def test_a_referrals_contacts_are_the_filter(self):
        for tok in (cli_a(), token("admin")):
            nested = ids(get(self.ref_url + "?limit=200", token=tok))
            self.assertEqual(sorted(nested), sorted(self.first))
            self.assertEqual(nested, ids(get(CONTACTS + "?limit=200&referral=" + self.ref["id"],
                                             token=tok)))

    def test_a_womans_contacts_are_the_filter(self):
        nested = ids(get(self.su_url + "?limit=200", token=cli_a()))
        self.assertEqual(sorted(nested), sorted(self.first + [self.second]))
        self.assertEqual(nested, ids(get(CONTACTS + "?limit=200&service_user=" + self.woman,
                                         token=cli_a())))

    def test_paging_and_filters_apply(self):
        page = get(self.su_url + "?limit=2", token=cli_a())
        self.assertEqual(len(ids(page)), 2)
        rest = get(self.su_url + "?limit=2&cursor=" + page.body["next_cursor"], token=cli_a())
        self.assertEqual(len(ids(rest)), 2)
        self.assertIsNone(rest.body["next_cursor"])
        self.assertEqual(ids(get(self.su_url + "?mode=video", token=cli_a())), [])
        assert_problem(get(self.su_url + "?colour=red", token=cli_a()), 400)

    def test_out_of_scope_parent_is_404_and_audited(self):
        # Team B's clinician: the woman is not linked to team B.
        self.assertEqual(ids(get(CONTACTS + "?referral=" + self.ref["id"], token=cli_b())), [])
        for url in (self.ref_url, self.su_url):
            with self.subTest(url=url):
                r = get(url, token=cli_b())
                assert_problem(r, 404)
                self.assertEqual(audited(r, "not_found"), "{%s}" % self.woman)
        e2e.ensure_other_org()
        theirs = token("admin", org=e2e.OTHER_ORG)
        for url in (self.ref_url, self.su_url):
            assert_problem(get(url, token=theirs), 404)

    def test_unknown_or_malformed_parent_404(self):
        for parent in (str(uuid.uuid4()), "not-a-uuid"):
            for base in ("/v1/referrals/%s/contacts", "/v1/service-users/%s/contacts"):
                with self.subTest(url=base % parent):
                    assert_problem(get(base % parent, token=token("admin")), 404)

    def test_roles(self):
        for role in ("referrer", "liaison", "commissioner"):
            for url in (self.ref_url, self.su_url):
                with self.subTest(role=role, url=url):
                    assert_problem(get(url, token=token(role)), 403)

    def test_read_is_audited_naming_her_even_when_empty(self):
        r = get(self.su_url, token=cli_a())
        self.assertEqual(audited(r, "ok"), "{%s}" % self.woman)
        fresh = referral(days_ago=2)
        r = get("/v1/referrals/%s/contacts" % fresh["id"], token=cli_a())
        self.assertEqual(ids(r), [])
        self.assertEqual(audited(r, "ok"), "{%s}" % fresh["service_user_id"])


if __name__ == "__main__":
    e2e.main()
