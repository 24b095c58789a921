"""Staff training records (MH11 counts the MBU's trained clinical staff):
nested under a member of staff, admins record and change them, clinicians
read them; completed_on not in the future, valid_until after completed_on;
another organisation's records and staff are not there."""

import datetime
import json
import unittest
import uuid
import zoneinfo

import e2e
from e2e import assert_problem, get, mint, patch, post, token

STAFF = "/v1/staff"
NO_SUCH_ID = "00000000-0000-4000-8000-00000000dead"


def london_today():
    return datetime.datetime.now(zoneinfo.ZoneInfo("Europe/London")).date().isoformat()


def tomorrow():
    """The first day the app counts as the future (Europe/London): e2e.today(1),
    unless London is already on that day (an hour before midnight UTC in
    summer time)."""
    return e2e.today(2) if london_today() == e2e.today(1) else e2e.today(1)


def new_staff(tok=None, team_id=None):
    r = post(STAFF, {"name": "E2E training " + uuid.uuid4().hex[:10], "profession": "nurse",
                     "team_id": team_id or e2e.DEMO_TEAMS[2]}, token=tok or token("admin"))
    assert r.status == 201, r
    return r.body["id"]


def training(staff_id):
    return "%s/%s/training" % (STAFF, staff_id)


def body(**over):
    b = {"course": "E2E course " + uuid.uuid4().hex[:10], "provider": "E2E provider",
         "completed_on": e2e.today(-10), "valid_until": e2e.today(355)}
    b.update(over)
    return {k: v for k, v in b.items() if v is not Ellipsis}


def count(course):
    return e2e.db_count("select count(*) from staff_training where course = %s"
                        % e2e.sql_quote(course))


class Create(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.staff = new_staff()
        cls.url = training(cls.staff)

    def create(self, b, tok=None, headers=None):
        return post(self.url, b, token=tok or token("admin"), headers=headers)

    def test_create_201_and_read_as_clinician(self):
        b = body()
        r = self.create(b)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers.get("location"), self.url + "/" + r.body["id"])
        self.assertEqual(r.headers.get("etag"), '"1"')
        for k, v in b.items():
            self.assertEqual(r.body[k], v, k)
        self.assertEqual(r.body["staff_id"], self.staff)
        self.assertEqual(r.body["organisation_id"], e2e.DEMO_ORG)
        self.assertEqual(r.body["version"], 1)
        self.assertEqual(set(r.body), {"id", "staff_id", "course", "provider", "completed_on",
                                       "valid_until", "qualifies_for", "evidence_reference",
                                       "organisation_id", "version",
                                       "created_at", "updated_at"})
        g = get(r.headers["location"], token=token("clinician"))
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.body, r.body)
        self.assertEqual(g.headers.get("etag"), '"1"')
        items = get(self.url + "?limit=200", token=token("clinician"))
        self.assertEqual(items.status, 200, items)
        self.assertIn(r.body["id"], [i["id"] for i in items.body["items"]])

    def test_optional_fields_absent_or_null(self):
        for b in (body(provider=..., valid_until=...), body(provider=None, valid_until=None)):
            with self.subTest(body=b):
                r = self.create(b)
                self.assertEqual(r.status, 201, r)
                self.assertIsNone(r.body["provider"])
                self.assertIsNone(r.body["valid_until"])

    def test_completed_on_today_201_tomorrow_422(self):
        # e2e.today(0) is never after London's today; tomorrow() always is.
        ok = self.create(body(completed_on=e2e.today(0), valid_until=None))
        self.assertEqual(ok.status, 201, ok)
        b = body(completed_on=tomorrow(), valid_until=None)
        assert_problem(self.create(b), 422, "/completed_on")
        self.assertEqual(count(b["course"]), 0)

    def test_valid_until_must_be_after_completed_on(self):
        done = e2e.today(-10)
        for until in (done, e2e.today(-11)):
            with self.subTest(valid_until=until):
                b = body(completed_on=done, valid_until=until)
                assert_problem(self.create(b), 422, "/valid_until")
                self.assertEqual(count(b["course"]), 0)
        r = self.create(body(completed_on=done, valid_until=e2e.today(-9)))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["valid_until"], e2e.today(-9))

    def test_lengths_on_both_sides(self):
        for field in ("course", "provider"):
            with self.subTest(field=field, length=200):
                r = self.create(body(**{field: "x" * 199 + uuid.uuid4().hex[:1]}))
                self.assertEqual(r.status, 201, r)
                self.assertEqual(len(r.body[field]), 200)
            for bad in ("", "x" * 201):
                with self.subTest(field=field, length=len(bad)):
                    assert_problem(self.create(body(**{field: bad})), 400, "/" + field)

    def test_invalid_bodies_400(self):
        for over, pointer in (({"colour": "red"}, "/colour"),
                              ({"id": str(uuid.uuid4())}, "/id"),
                              ({"staff_id": self.staff}, "/staff_id"),
                              ({"organisation_id": e2e.DEMO_ORG}, "/organisation_id"),
                              ({"version": 2}, "/version"),
                              ({"course": ...}, "/course"),
                              ({"completed_on": ...}, "/completed_on"),
                              ({"course": None}, "/course"),
                              ({"completed_on": "2026-13-01"}, "/completed_on"),
                              ({"completed_on": "yesterday"}, "/completed_on"),
                              ({"valid_until": 20300101}, "/valid_until")):
            with self.subTest(pointer=pointer, over=over):
                b = body(**over)
                assert_problem(self.create(b), 400, pointer)
                if "course" in b and isinstance(b["course"], str):
                    self.assertEqual(count(b["course"]), 0)
        assert_problem(post(self.url, b"{not json", token=token("admin")), 400)

    def test_unknown_staff_404(self):
        b = body()
        r = post(training(str(uuid.uuid4())), b, token=token("admin"))
        assert_problem(r, 404)
        r = post(training(NO_SUCH_ID), b, token=token("admin"))
        assert_problem(r, 404)
        self.assertEqual(count(b["course"]), 0)

    def test_non_uuid_staff_404(self):
        b = body()
        for bad in ("b1", "not-a-uuid", NO_SUCH_ID[:-1]):
            with self.subTest(staff_id=bad):
                assert_problem(post(training(bad), b, token=token("admin")), 404)
                assert_problem(get(training(bad), token=token("admin")), 404)
                assert_problem(get(training(bad) + "/" + str(uuid.uuid4()),
                                   token=token("admin")), 404)
        self.assertEqual(count(b["course"]), 0)

    def test_idempotency_key_replays_the_same_record(self):
        b = body()
        raw = json.dumps(b).encode()
        h = {"Idempotency-Key": "e2e-" + str(uuid.uuid4())}
        first = self.create(raw, headers=h)
        self.assertEqual(first.status, 201, first)
        self.assertNotIn("idempotent-replayed", first.headers)
        again = self.create(raw, headers=h)
        self.assertEqual(again.status, 201, again)
        self.assertEqual(again.headers.get("idempotent-replayed"), "true")
        self.assertEqual(again.body, first.body)
        self.assertEqual(again.headers.get("location"), first.headers["location"])
        self.assertEqual(again.headers.get("etag"), first.headers["etag"])
        self.assertEqual(count(b["course"]), 1)
        other = body()
        r = assert_problem(self.create(other, headers=h), 422)
        self.assertEqual(r["type"], "urn:perinatal:problem:idempotency-key-reused")
        self.assertEqual(count(other["course"]), 0)


class Read(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.staff = new_staff()
        cls.url = training(cls.staff)
        cls.records = []
        for i in range(3):
            r = post(cls.url, body(), token=token("admin"))
            assert r.status == 201, r
            cls.records.append(r.body)

    def test_list_pages_with_limit_1(self):
        ids, cursor = [], None
        for _ in range(10):
            r = get(self.url + "?limit=1" + ("&cursor=" + cursor if cursor else ""),
                    token=token("clinician"))
            self.assertEqual(r.status, 200, r)
            self.assertLessEqual(len(r.body["items"]), 1)
            ids += [i["id"] for i in r.body["items"]]
            self.assertTrue(all(i["staff_id"] == self.staff for i in r.body["items"]))
            cursor = r.body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(ids, sorted(rec["id"] for rec in self.records))

    def test_list_whole_page(self):
        r = get(self.url + "?limit=3", token=token("admin"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["items"], sorted(self.records, key=lambda x: x["id"]))
        self.assertIsNone(r.body["next_cursor"])
        r = get(self.url + "?limit=2", token=token("admin"))
        self.assertEqual(len(r.body["items"]), 2)
        self.assertIsNotNone(r.body["next_cursor"])

    def test_list_bad_query_400(self):
        for query, pointer in (("limit=0", "limit"), ("limit=201", "limit"),
                               ("limit=x", "limit"), ("cursor=nonsense", "cursor"),
                               ("course=x", "course"), ("team_id=" + e2e.DEMO_TEAM, "team_id")):
            with self.subTest(query=query):
                assert_problem(get(self.url + "?" + query, token=token("admin")), 400, pointer)
        self.assertEqual(get(self.url + "?limit=200", token=token("admin")).status, 200)

    def test_list_of_unknown_staff_is_empty(self):
        r = get(training(str(uuid.uuid4())), token=token("admin"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, {"items": [], "next_cursor": None})

    def test_get_unknown_or_under_another_member_of_staff_404(self):
        rec = self.records[0]
        assert_problem(get(self.url + "/" + str(uuid.uuid4()), token=token("admin")), 404)
        assert_problem(get(self.url + "/c1", token=token("admin")), 404)
        other = training(new_staff())
        assert_problem(get(other + "/" + rec["id"], token=token("admin")), 404)
        assert_problem(patch(other + "/" + rec["id"], {"course": "moved"},
                             token=token("admin"), etag='"1"'), 404)
        self.assertEqual(get(self.url + "/" + rec["id"], token=token("admin")).body, rec)


class OtherOrganisation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        e2e.ensure_other_org()
        cls.admin_b = mint("admin", org=e2e.OTHER_ORG, ttl=3600)
        cls.staff = new_staff()
        cls.url = training(cls.staff)
        r = post(cls.url, body(), token=token("admin"))
        assert r.status == 201, r
        cls.record = r.body

    def test_cannot_read_ours_404(self):
        assert_problem(get(self.url + "/" + self.record["id"], token=self.admin_b), 404)
        r = get(self.url, token=self.admin_b)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, {"items": [], "next_cursor": None})

    def test_cannot_create_under_our_staff_404(self):
        b = body()
        assert_problem(post(self.url, b, token=self.admin_b), 404)
        self.assertEqual(count(b["course"]), 0)

    def test_cannot_patch_ours_404(self):
        assert_problem(patch(self.url + "/" + self.record["id"], {"course": "theirs"},
                             token=self.admin_b, etag='"1"'), 404)
        self.assertEqual(get(self.url + "/" + self.record["id"], token=token("admin")).body,
                         self.record)

    def test_theirs_invisible_to_us(self):
        team = post("/v1/teams", {"name": "E2E training " + uuid.uuid4().hex[:10],
                                  "type": "mbu"}, token=self.admin_b)
        self.assertEqual(team.status, 201, team)
        their_staff = new_staff(self.admin_b, team.body["id"])
        r = post(training(their_staff), body(), token=self.admin_b)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["organisation_id"], e2e.OTHER_ORG)
        assert_problem(get(r.headers["location"], token=token("admin")), 404)
        assert_problem(post(training(their_staff), body(), token=token("admin")), 404)


class Roles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.staff = new_staff()
        cls.url = training(cls.staff)
        r = post(cls.url, body(), token=token("admin"))
        assert r.status == 201, r
        cls.record = r.body

    def test_referrer_commissioner_liaison_403(self):
        item = self.url + "/" + self.record["id"]
        b = body()
        for role in ("referrer", "commissioner", "liaison"):
            tok = token(role)
            with self.subTest(role=role):
                assert_problem(post(self.url, b, token=tok), 403)
                assert_problem(get(self.url, token=tok), 403)
                assert_problem(get(item, token=tok), 403)
                assert_problem(patch(item, {"course": b["course"]}, token=tok, etag='"1"'), 403)
        self.assertEqual(count(b["course"]), 0)
        self.assertEqual(get(item, token=token("admin")).body, self.record)

    def test_clinician_reads_but_cannot_create_or_patch(self):
        tok = token("clinician")
        item = self.url + "/" + self.record["id"]
        self.assertEqual(get(item, token=tok).status, 200)
        self.assertEqual(get(self.url, token=tok).status, 200)
        b = body()
        assert_problem(post(self.url, b, token=tok), 403)
        assert_problem(patch(item, {"course": b["course"]}, token=tok, etag='"1"'), 403)
        self.assertEqual(count(b["course"]), 0)
        self.assertEqual(get(item, token=token("admin")).body, self.record)


class Patch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.staff = new_staff()
        cls.url = training(cls.staff)

    def create(self, **over):
        r = post(self.url, body(**over), token=token("admin"))
        self.assertEqual(r.status, 201, r)
        return r.headers["location"], r.body

    def test_patch_with_if_match(self):
        url, rec = self.create()
        assert_problem(patch(url, {"course": "E2E renamed"}, token=token("admin")), 428)
        r = patch(url, {"provider": "E2E other provider", "valid_until": None},
                  token=token("admin"), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("etag"), '"2"')
        self.assertEqual((r.body["provider"], r.body["valid_until"], r.body["version"]),
                         ("E2E other provider", None, 2))
        for k in ("id", "staff_id", "course", "completed_on", "organisation_id", "created_at"):
            self.assertEqual(r.body[k], rec[k], k)
        r2 = patch(url, {"course": "E2E stale"}, token=token("admin"), etag='"1"')
        assert_problem(r2, 412)
        self.assertEqual(r2.headers.get("etag"), '"2"')
        g = get(url, token=token("admin"))
        self.assertEqual(g.body, r.body)
        self.assertEqual(g.headers.get("etag"), '"2"')

    def test_patch_valid_until_boundary(self):
        done = e2e.today(-10)
        url, _ = self.create(completed_on=done, valid_until=e2e.today(100))
        for until in (done, e2e.today(-11)):
            with self.subTest(valid_until=until):
                assert_problem(patch(url, {"valid_until": until}, token=token("admin"),
                                     etag='"1"'), 422, "/valid_until")
        r = patch(url, {"valid_until": e2e.today(-9)}, token=token("admin"), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["valid_until"], e2e.today(-9))

    def test_patch_completed_on_past_valid_until_422(self):
        url, _ = self.create(completed_on=e2e.today(-10), valid_until=e2e.today(-5))
        assert_problem(patch(url, {"completed_on": e2e.today(-5)}, token=token("admin"),
                             etag='"1"'), 422, "/valid_until")
        r = patch(url, {"completed_on": e2e.today(-6)}, token=token("admin"), etag='"1"')
        self.assertEqual(r.status, 200, r)

    def test_patch_completed_on_in_future_422(self):
        url, _ = self.create(completed_on=e2e.today(-10), valid_until=None)
        assert_problem(patch(url, {"completed_on": tomorrow()}, token=token("admin"),
                             etag='"1"'), 422, "/completed_on")
        r = patch(url, {"completed_on": e2e.today(0)}, token=token("admin"), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["completed_on"], e2e.today(0))

    def test_patch_invalid_400(self):
        url, rec = self.create()
        for over, pointer in (({"colour": "red"}, "/colour"),
                              ({"id": str(uuid.uuid4())}, "/id"),
                              ({"staff_id": new_staff()}, "/staff_id"),
                              ({"version": 5}, "/version"),
                              ({"course": None}, "/course"),
                              ({"course": ""}, "/course"),
                              ({"completed_on": "2026-02-30x"}, "/completed_on")):
            with self.subTest(pointer=pointer, over=over):
                assert_problem(patch(url, over, token=token("admin"), etag='"1"'), 400,
                               pointer)
        self.assertEqual(get(url, token=token("admin")).body, rec)


if __name__ == "__main__":
    e2e.main()
