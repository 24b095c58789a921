"""Teams and staff: admins manage them, clinicians read them; names unique
per organisation; staff belong to a team of their own organisation."""

import unittest
import uuid

import e2e
from e2e import assert_problem, get, mint, patch, post, token

TEAMS = "/v1/teams"
STAFF = "/v1/staff"


def team_name():
    return "E2E team " + uuid.uuid4().hex[:12]


def walk(path, tok):
    items, cursor = [], None
    for _ in range(1000):
        url = path + ("&" if "?" in path else "?") + "limit=200"
        if cursor:
            url += "&cursor=" + cursor
        r = get(url, token=tok)
        assert r.status == 200, r
        items += r.body["items"]
        cursor = r.body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("list did not end")


class Teams(unittest.TestCase):
    def create(self, name=None, type_="perinatal_community", tok=None):
        r = post(TEAMS, {"name": name or team_name(), "type": type_}, token=tok or token("admin"))
        self.assertEqual(r.status, 201, r)
        return r

    def test_create_201(self):
        name = team_name()
        r = self.create(name)
        self.assertEqual(r.headers.get("location"), TEAMS + "/" + r.body["id"])
        self.assertEqual(r.headers.get("etag"), '"1"')
        self.assertEqual(r.body["name"], name)
        self.assertEqual(r.body["type"], "perinatal_community")
        self.assertEqual(r.body["national_code"], "C02")
        self.assertEqual(r.body["organisation_id"], e2e.DEMO_ORG)
        self.assertEqual(r.body["version"], 1)
        g = get(r.headers["location"], token=token("admin"))
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.body, r.body)
        self.assertEqual(g.headers.get("etag"), '"1"')

    def test_national_code_null_for_types_without_one(self):
        r = self.create(type_="maternity")
        self.assertIsNone(r.body["national_code"])

    def test_duplicate_name_409(self):
        name = team_name()
        self.create(name)
        r = post(TEAMS, {"name": name, "type": "mbu"}, token=token("admin"))
        self.assertEqual(assert_problem(r, 409)["type"], "urn:perinatal:problem:conflict")
        self.assertEqual(e2e.db_count("select count(*) from teams where name = %s"
                                      % e2e.sql_quote(name)), 1)

    def test_same_name_in_another_organisation(self):
        e2e.ensure_other_org()
        name = team_name()
        self.create(name)
        r = post(TEAMS, {"name": name, "type": "mbu"}, token=mint("admin", org=e2e.OTHER_ORG))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["organisation_id"], e2e.OTHER_ORG)
        assert_problem(get(r.headers["location"], token=token("admin")), 404)

    def test_invalid_bodies_400(self):
        name = team_name()
        for body, pointer in (({"name": name, "type": "space_station"}, "/type"),
                              ({"name": "", "type": "mbu"}, "/name"),
                              ({"name": "x" * 201, "type": "mbu"}, "/name"),
                              ({"name": name}, "/type"),
                              ({"type": "mbu"}, "/name"),
                              ({"name": name, "type": "mbu", "national_code": "C02"},
                               "/national_code"),
                              ({"name": name, "type": "mbu", "id": str(uuid.uuid4())}, "/id"),
                              ({"name": name, "type": "mbu", "colour": "red"}, "/colour")):
            with self.subTest(pointer=pointer, body=body):
                assert_problem(post(TEAMS, body, token=token("admin")), 400, pointer)
        self.assertEqual(e2e.db_count("select count(*) from teams where name = %s"
                                      % e2e.sql_quote(name)), 0)

    def test_list_filter_type(self):
        mine = self.create(type_="mbu").body
        items = walk(TEAMS + "?type=mbu", token("admin"))
        self.assertTrue(items)
        self.assertTrue(all(t["type"] == "mbu" for t in items), items)
        ids = [t["id"] for t in items]
        self.assertIn(mine["id"], ids)
        self.assertIn("00000000-0000-4000-8000-0000000000a3", ids)
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(ids), len(set(ids)))

    def test_list_filter_type_invalid_400(self):
        for bad in ("space_station", "", "MBU"):
            assert_problem(get(TEAMS + "?type=" + bad, token=token("admin")), 400, "type")
        assert_problem(get(TEAMS + "?kind=mbu", token=token("admin")), 400, "kind")

    def test_list_only_own_organisation(self):
        items = walk(TEAMS, token("admin"))
        self.assertTrue(all(t["organisation_id"] == e2e.DEMO_ORG for t in items))
        self.assertTrue(set(e2e.DEMO_TEAMS) <= {t["id"] for t in items})

    def test_patch_with_if_match(self):
        team = self.create().body
        url = TEAMS + "/" + team["id"]
        assert_problem(patch(url, {"name": team_name()}, token=token("admin")), 428)
        new = team_name()
        r = patch(url, {"name": new, "type": "mmhs"}, token=token("admin"), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("etag"), '"2"')
        self.assertEqual((r.body["name"], r.body["type"], r.body["national_code"],
                          r.body["version"]), (new, "mmhs", "F02", 2))
        r = patch(url, {"name": team_name()}, token=token("admin"), etag='"1"')
        assert_problem(r, 412)
        self.assertEqual(r.headers.get("etag"), '"2"')
        assert_problem(patch(url, {"type": "nope"}, token=token("admin"), etag='"2"'), 400,
                       "/type")
        assert_problem(patch(url, {"name": None}, token=token("admin"), etag='"2"'), 400,
                       "/name")
        self.assertEqual(get(url, token=token("admin")).body["name"], new)

    def test_patch_to_duplicate_name_409(self):
        a = self.create().body
        b = self.create().body
        r = patch(TEAMS + "/" + b["id"], {"name": a["name"]}, token=token("admin"), etag='"1"')
        assert_problem(r, 409)

    def test_get_unknown_and_malformed_404(self):
        assert_problem(get(TEAMS + "/" + str(uuid.uuid4()), token=token("admin")), 404)
        assert_problem(get(TEAMS + "/team-a1", token=token("admin")), 404)


class Staff(unittest.TestCase):
    def body(self, **over):
        b = {"name": "E2E " + uuid.uuid4().hex[:10], "profession": "nurse",
             "team_id": e2e.DEMO_TEAMS[1]}
        b.update(over)
        return b

    def count(self, name):
        return e2e.db_count("select count(*) from staff where name = %s" % e2e.sql_quote(name))

    def test_create_201(self):
        body = self.body()
        r = post(STAFF, body, token=token("admin"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers.get("location"), STAFF + "/" + r.body["id"])
        self.assertEqual(r.headers.get("etag"), '"1"')
        for k, v in body.items():
            self.assertEqual(r.body[k], v)
        self.assertIs(r.body["active"], True)
        g = get(r.headers["location"], token=token("clinician"))
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.body, r.body)

    def test_unknown_team_422(self):
        body = self.body(team_id=str(uuid.uuid4()))
        r = post(STAFF, body, token=token("admin"))
        assert_problem(r, 422, "/team_id")
        self.assertEqual(self.count(body["name"]), 0)

    def test_team_of_another_organisation_422(self):
        e2e.ensure_other_org()
        other_admin = mint("admin", org=e2e.OTHER_ORG)
        theirs = post(TEAMS, {"name": team_name(), "type": "mbu"}, token=other_admin)
        self.assertEqual(theirs.status, 201, theirs)
        body = self.body(team_id=theirs.body["id"])
        assert_problem(post(STAFF, body, token=token("admin")), 422, "/team_id")
        self.assertEqual(self.count(body["name"]), 0)

    def test_invalid_bodies_400(self):
        for over, pointer in (({"team_id": "a1"}, "/team_id"),
                              ({"profession": "wizard"}, "/profession"),
                              ({"active": "yes"}, "/active"),
                              ({"version": 2}, "/version"),
                              ({"name": ""}, "/name")):
            with self.subTest(pointer):
                body = self.body(**over)
                assert_problem(post(STAFF, body, token=token("admin")), 400, pointer)
                self.assertEqual(self.count(body["name"]), 0)

    def test_list_filter_team_id(self):
        team = e2e.DEMO_TEAMS[2]
        mine = post(STAFF, self.body(team_id=team), token=token("admin")).body
        items = walk(STAFF + "?team_id=" + team, token("clinician"))
        self.assertTrue(all(s["team_id"] == team for s in items), items)
        ids = [s["id"] for s in items]
        self.assertIn(mine["id"], ids)
        self.assertIn("00000000-0000-4000-8000-0000000000b5", ids)
        self.assertNotIn("00000000-0000-4000-8000-0000000000b1", ids)
        r = get(STAFF + "?team_id=" + str(uuid.uuid4()), token=token("admin"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, {"items": [], "next_cursor": None})

    def test_list_filter_team_id_invalid_400(self):
        for bad in ("a1", "", "00000000-0000-4000-8000-0000000000a"):
            assert_problem(get(STAFF + "?team_id=" + bad, token=token("admin")), 400, "team_id")

    def test_patch(self):
        r = post(STAFF, self.body(), token=token("admin"))
        url = r.headers["location"]
        r = patch(url, {"active": False, "team_id": e2e.DEMO_TEAMS[3]}, token=token("admin"),
                  etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.body["active"], False)
        self.assertEqual(r.body["team_id"], e2e.DEMO_TEAMS[3])
        self.assertEqual(r.headers.get("etag"), '"2"')
        r = patch(url, {"team_id": str(uuid.uuid4())}, token=token("admin"), etag='"2"')
        assert_problem(r, 422, "/team_id")
        assert_problem(patch(url, {"active": True}, token=token("admin"), etag='"1"'), 412)


class ProfessionAndSeniority(unittest.TestCase):
    """Issue 9, item 11: psychotherapist, and a seniority from a fixed list
    (optional: staff recorded before it was asked have none) to evidence
    "seen by a senior clinician" (MH6)."""

    def create(self, **over):
        body = {"name": "E2E " + uuid.uuid4().hex[:10], "profession": "psychologist",
                "team_id": e2e.DEMO_TEAMS[0]}
        body.update(over)
        return post(STAFF, body, token=token("admin"))

    def test_psychotherapist(self):
        r = self.create(profession="psychotherapist")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["profession"], "psychotherapist")
        assert_problem(self.create(profession="therapist"), 400, "/profession")

    def test_every_seniority(self):
        for seniority in ("trainee", "practitioner", "senior_practitioner", "consultant"):
            with self.subTest(seniority):
                r = self.create(seniority=seniority)
                self.assertEqual(r.status, 201, r)
                self.assertEqual(r.body["seniority"], seniority)
                g = get(r.headers["location"], token=token("clinician"))
                self.assertEqual(g.body["seniority"], seniority)

    def test_outside_the_list_400(self):
        for bad in ("senior", "Consultant", "band_7", "", 3):
            with self.subTest(bad=bad):
                body_name = "E2E " + uuid.uuid4().hex[:10]
                assert_problem(self.create(name=body_name, seniority=bad), 400, "/seniority")
                self.assertEqual(e2e.db_count("select count(*) from staff where name = %s"
                                              % e2e.sql_quote(body_name)), 0)

    def test_optional_and_nullable(self):
        r = self.create()
        self.assertEqual(r.status, 201, r)
        self.assertIsNone(r.body["seniority"])
        # A record without one can still be changed, and gain or lose it.
        url = r.headers["location"]
        r = patch(url, {"name": "E2E renamed " + uuid.uuid4().hex[:6]}, token=token("admin"),
                  etag='"1"')
        self.assertEqual(r.status, 200, r)
        r = patch(url, {"seniority": "senior_practitioner"}, token=token("admin"), etag='"2"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["seniority"], "senior_practitioner")
        r = patch(url, {"seniority": None}, token=token("admin"), etag='"3"')
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.body["seniority"])
        assert_problem(patch(url, {"seniority": "consultant"}, token=token("clinician"),
                             etag='"4"'), 403)

    def test_database_refuses_outside_the_list(self):
        r = self.create(seniority="trainee")
        with self.assertRaises(RuntimeError) as cm:
            e2e.db_exec("UPDATE staff SET seniority = 'senior' WHERE id = '%s'" % r.body["id"])
        self.assertIn("staff_seniority_check", str(cm.exception))
        e2e.db_exec("UPDATE staff SET profession = 'psychotherapist' WHERE id = '%s'"
                    % r.body["id"])


class ClinicianAccess(unittest.TestCase):
    def test_clinician_reads_teams_and_staff(self):
        t = token("clinician")
        self.assertEqual(get(TEAMS, token=t).status, 200)
        self.assertEqual(get(TEAMS + "/" + e2e.DEMO_TEAM, token=t).status, 200)
        self.assertEqual(get(STAFF, token=t).status, 200)
        self.assertEqual(get(STAFF + "/00000000-0000-4000-8000-0000000000b1", token=t).status,
                         200)

    def test_clinician_cannot_create_or_change(self):
        t = token("clinician")
        name = team_name()
        assert_problem(post(TEAMS, {"name": name, "type": "mbu"}, token=t), 403)
        assert_problem(post(STAFF, {"name": name, "profession": "nurse",
                                    "team_id": e2e.DEMO_TEAM}, token=t), 403)
        assert_problem(patch(TEAMS + "/" + e2e.DEMO_TEAM, {"name": name}, token=t, etag='"1"'),
                       403)
        assert_problem(patch(STAFF + "/00000000-0000-4000-8000-0000000000b1", {"name": name},
                             token=t, etag='"1"'), 403)
        self.assertEqual(e2e.db_count("select count(*) from teams where name = %s"
                                      % e2e.sql_quote(name)), 0)
        self.assertEqual(e2e.db_count("select count(*) from staff where name = %s"
                                      % e2e.sql_quote(name)), 0)


if __name__ == "__main__":
    e2e.main()
