"""Staff training and supervision (issue 12, point 7; MH11, seed 001) and
teaching given to outside professionals (seed 002), end to end: a training
record names the intervention it qualifies for (coded; 422 for a code the
vocabulary does not have) and its evidence; supervision sessions by another
member of staff of the organisation, never themself; staff marked as
clinical staff of the mother and baby unit, listed by it; the MH11 count
(mh11_trained_mbu_staff) at its boundaries; teaching sessions by audience,
date and topic, delivered by staff of the organisation. Organisation data:
admins write, clinicians read, other organisations see nothing."""

import unittest
import uuid

import e2e
from e2e import assert_problem, get, mint, patch, post, token

STAFF = "/v1/staff"
TEACHING = "/v1/teaching-sessions"
MBU_TEAM = e2e.DEMO_TEAMS[2]


def new_staff(tok=None, team_id=None, **over):
    b = {"name": "E2E supervision " + uuid.uuid4().hex[:10], "profession": "nurse",
         "team_id": team_id or MBU_TEAM}
    b.update(over)
    r = post(STAFF, b, token=tok or token("admin"))
    assert r.status == 201, r
    return r.body


def training_url(staff_id):
    return "%s/%s/training" % (STAFF, staff_id)


def supervision_url(staff_id):
    return "%s/%s/supervision" % (STAFF, staff_id)


def training_body(**over):
    b = {"course": "E2E course " + uuid.uuid4().hex[:10], "completed_on": e2e.today(-10),
         "qualifies_for": "video_interaction_guidance", "evidence_reference": "CERT-1234"}
    b.update(over)
    return {k: v for k, v in b.items() if v is not Ellipsis}


def count(table, column, value):
    return e2e.db_count("select count(*) from %s where %s = %s"
                        % (table, column, e2e.sql_quote(value)))


def other_org_admin():
    e2e.ensure_other_org()
    return token("admin", org=e2e.OTHER_ORG)


class TrainingQualifiesFor(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.staff = new_staff()["id"]
        cls.url = training_url(cls.staff)

    def test_intervention_and_evidence_stored_and_read(self):
        b = training_body(qualifies_for="circle_of_security", evidence_reference="HR/2026/118")
        r = post(self.url, b, token=token("admin"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["qualifies_for"], "circle_of_security")
        self.assertEqual(r.body["evidence_reference"], "HR/2026/118")
        g = get(r.headers["location"], token=token("clinician"))
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.body, r.body)

    def test_optional_absent_or_null(self):
        for b in (training_body(qualifies_for=..., evidence_reference=...),
                  training_body(qualifies_for=None, evidence_reference=None)):
            with self.subTest(body=b):
                r = post(self.url, b, token=token("admin"))
                self.assertEqual(r.status, 201, r)
                self.assertIsNone(r.body["qualifies_for"])
                self.assertIsNone(r.body["evidence_reference"])

    def test_unknown_code_422_nothing_stored(self):
        for code in ("hypnotherapy", "CBT", "intervention"):
            with self.subTest(code=code):
                b = training_body(qualifies_for=code)
                assert_problem(post(self.url, b, token=token("admin")), 422, "/qualifies_for")
                self.assertEqual(count("staff_training", "course", b["course"]), 0)
        b = training_body(qualifies_for="cbt")
        self.assertEqual(post(self.url, b, token=token("admin")).status, 201)

    def test_malformed_400(self):
        for over, pointer in (({"qualifies_for": 7}, "/qualifies_for"),
                              ({"qualifies_for": ""}, "/qualifies_for"),
                              ({"evidence_reference": ""}, "/evidence_reference"),
                              ({"evidence_reference": "x" * 201}, "/evidence_reference")):
            with self.subTest(over=over):
                b = training_body(**over)
                assert_problem(post(self.url, b, token=token("admin")), 400, pointer)
                self.assertEqual(count("staff_training", "course", b["course"]), 0)
        r = post(self.url, training_body(evidence_reference="x" * 200), token=token("admin"))
        self.assertEqual(r.status, 201, r)

    def test_patch_unknown_code_422_then_known_200(self):
        r = post(self.url, training_body(), token=token("admin"))
        self.assertEqual(r.status, 201, r)
        url = r.headers["location"]
        assert_problem(patch(url, {"qualifies_for": "reiki"}, token=token("admin"), etag='"1"'),
                       422, "/qualifies_for")
        self.assertEqual(get(url, token=token("admin")).body, r.body)
        p = patch(url, {"qualifies_for": "watch_wait_wonder", "evidence_reference": None},
                  token=token("admin"), etag='"1"')
        self.assertEqual(p.status, 200, p)
        self.assertEqual((p.body["qualifies_for"], p.body["evidence_reference"]),
                         ("watch_wait_wonder", None))

    def test_filter_by_qualifies_for(self):
        staff = new_staff()["id"]
        url = training_url(staff)
        made = {}
        for code in ("baby_massage", "emdr", "baby_massage"):
            r = post(url, training_body(qualifies_for=code), token=token("admin"))
            self.assertEqual(r.status, 201, r)
            made.setdefault(code, []).append(r.body["id"])
        r = get(url + "?qualifies_for=baby_massage", token=token("clinician"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sorted(i["id"] for i in r.body["items"]), sorted(made["baby_massage"]))
        r = get(url + "?qualifies_for=emdr", token=token("clinician"))
        self.assertEqual([i["id"] for i in r.body["items"]], made["emdr"])
        r = get(url + "?qualifies_for=cbt", token=token("clinician"))
        self.assertEqual(r.body["items"], [])
        assert_problem(get(url + "?qualifies_for=reiki", token=token("clinician")), 400,
                       "qualifies_for")


class MbuClinicalStaff(unittest.TestCase):
    def test_default_false_set_on_create_and_patch_by_admin(self):
        s = new_staff()
        self.assertIs(s["mbu_clinical_staff"], False)
        t = new_staff(mbu_clinical_staff=True)
        self.assertIs(t["mbu_clinical_staff"], True)
        url = STAFF + "/" + s["id"]
        assert_problem(patch(url, {"mbu_clinical_staff": True}, token=token("clinician"),
                             etag='"1"'), 403)
        assert_problem(patch(url, {"mbu_clinical_staff": "yes"}, token=token("admin"),
                             etag='"1"'), 400, "/mbu_clinical_staff")
        r = patch(url, {"mbu_clinical_staff": True}, token=token("admin"), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.body["mbu_clinical_staff"], True)
        # Another field's patch keeps it.
        r = patch(url, {"seniority": "practitioner"}, token=token("admin"), etag='"2"')
        self.assertIs(r.body["mbu_clinical_staff"], True)
        r = patch(url, {"mbu_clinical_staff": False}, token=token("admin"), etag='"3"')
        self.assertIs(r.body["mbu_clinical_staff"], False)

    def test_list_filter(self):
        team = post("/v1/teams", {"name": "E2E MBU " + uuid.uuid4().hex[:10], "type": "mbu"},
                    token=token("admin"))
        self.assertEqual(team.status, 201, team)
        tid = team.body["id"]
        yes = new_staff(team_id=tid, mbu_clinical_staff=True)["id"]
        no = new_staff(team_id=tid)["id"]
        base = STAFF + "?limit=200&team_id=" + tid
        for value, want in (("true", [yes]), ("false", [no])):
            with self.subTest(value=value):
                r = get(base + "&mbu_clinical_staff=" + value, token=token("clinician"))
                self.assertEqual(r.status, 200, r)
                self.assertEqual([i["id"] for i in r.body["items"]], want)
        r = get(base, token=token("clinician"))
        self.assertEqual(sorted(i["id"] for i in r.body["items"]), sorted([yes, no]))
        for bad in ("yes", "1", "TRUE"):
            assert_problem(get(STAFF + "?mbu_clinical_staff=" + bad, token=token("admin")),
                           400, "mbu_clinical_staff")


class Mh11TrainedMbuStaff(unittest.TestCase):
    """mh11_trained_mbu_staff(org, day), each case in an organisation of its
    own so that nothing else is counted."""

    DAY = e2e.today(-30)

    def org(self):
        org = str(uuid.uuid4())
        e2e.db_exec("INSERT INTO organisations (id, name) VALUES ('%s', 'E2E MH11 %s')"
                    % (org, org[:8]))
        self.admin = mint("admin", org=org, ttl=3600)
        team = post("/v1/teams", {"name": "E2E MBU", "type": "mbu"}, token=self.admin)
        self.assertEqual(team.status, 201, team)
        self.team = team.body["id"]
        return org

    def staff(self, mbu=True, **over):
        return new_staff(self.admin, self.team, mbu_clinical_staff=mbu, **over)["id"]

    def trained(self, staff, completed_on, valid_until=None, code="video_interaction_guidance"):
        r = post(training_url(staff), training_body(completed_on=completed_on,
                                                    valid_until=valid_until,
                                                    qualifies_for=code), token=self.admin)
        self.assertEqual(r.status, 201, r)

    def mh11(self, org, day):
        return e2e.db_count("select mh11_trained_mbu_staff('%s', '%s')" % (org, day))

    def test_completed_on_the_day_counts_the_day_after_does_not(self):
        org = self.org()
        self.trained(self.staff(), e2e.today(-29))
        self.assertEqual(self.mh11(org, self.DAY), 0)
        self.assertEqual(self.mh11(org, e2e.today(-29)), 1)
        self.trained(self.staff(), self.DAY)
        self.assertEqual(self.mh11(org, self.DAY), 1)

    def test_valid_until_the_day_counts_the_day_before_does_not(self):
        org = self.org()
        self.trained(self.staff(), e2e.today(-100), valid_until=e2e.today(-31))
        self.assertEqual(self.mh11(org, self.DAY), 0)
        self.assertEqual(self.mh11(org, e2e.today(-31)), 1)
        self.trained(self.staff(), e2e.today(-100), valid_until=self.DAY)
        self.assertEqual(self.mh11(org, self.DAY), 1)
        self.trained(self.staff(), e2e.today(-100))  # no expiry
        self.assertEqual(self.mh11(org, self.DAY), 2)

    def test_only_mbu_clinical_active_staff_with_mother_infant_training_once_each(self):
        org = self.org()
        done = e2e.today(-60)
        self.trained(self.staff(mbu=False), done)
        self.trained(self.staff(), done, code="cbt")
        s = self.staff()
        self.trained(s, done, code=None)
        self.trained(self.staff(active=False), done)
        self.assertEqual(self.mh11(org, self.DAY), 0)
        self.trained(s, done, code="parent_infant_psychotherapy")
        self.trained(s, e2e.today(-50), code="baby_massage")
        self.assertEqual(self.mh11(org, self.DAY), 1)
        # Marking a member of staff as MBU clinical staff brings them in.
        other = self.staff(mbu=False)
        self.trained(other, done, code="gro_brain")
        self.assertEqual(self.mh11(org, self.DAY), 1)
        r = patch(STAFF + "/" + other, {"mbu_clinical_staff": True}, token=self.admin,
                  etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.mh11(org, self.DAY), 2)
        # Another organisation's count is its own.
        self.assertEqual(self.mh11(e2e.DEMO_ORG, "1901-01-01"), 0)


class Supervision(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.staff = new_staff()["id"]
        cls.supervisor = new_staff(profession="psychologist")["id"]
        cls.url = supervision_url(cls.staff)

    def body(self, **over):
        b = {"supervisor_id": self.supervisor, "supervised_on": e2e.today(-3),
             "intervention": "video_interaction_guidance",
             "notes": "E2E supervision " + uuid.uuid4().hex[:10]}
        b.update(over)
        return {k: v for k, v in b.items() if v is not Ellipsis}

    def create(self, b, tok=None):
        return post(self.url, b, token=tok or token("admin"))

    def stored(self, b):
        return count("staff_supervision", "notes", b["notes"])

    def test_create_201_read_by_clinician(self):
        b = self.body()
        r = self.create(b)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers.get("location"), self.url + "/" + r.body["id"])
        for k, v in b.items():
            self.assertEqual(r.body[k], v, k)
        self.assertEqual(r.body["staff_id"], self.staff)
        self.assertEqual(set(r.body), {"id", "staff_id", "supervisor_id", "supervised_on",
                                       "intervention", "notes", "organisation_id", "version",
                                       "created_at", "updated_at"})
        g = get(r.headers["location"], token=token("clinician"))
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.body, r.body)
        items = get(self.url + "?limit=200", token=token("clinician"))
        self.assertIn(r.body["id"], [i["id"] for i in items.body["items"]])

    def test_optional_intervention_and_notes(self):
        r = self.create(self.body(intervention=None, notes=...))
        self.assertEqual(r.status, 201, r)
        self.assertIsNone(r.body["intervention"])
        self.assertIsNone(r.body["notes"])

    def test_supervised_by_themself_422(self):
        b = self.body(supervisor_id=self.staff)
        assert_problem(self.create(b), 422, "/supervisor_id")
        self.assertEqual(self.stored(b), 0)

    def test_supervisor_not_of_the_organisation_422(self):
        their_team = post("/v1/teams", {"name": "E2E other " + uuid.uuid4().hex[:8],
                                        "type": "mbu"}, token=other_org_admin())
        self.assertEqual(their_team.status, 201, their_team)
        theirs = new_staff(other_org_admin(), their_team.body["id"])["id"]
        for supervisor in (theirs, str(uuid.uuid4())):
            with self.subTest(supervisor=supervisor):
                b = self.body(supervisor_id=supervisor)
                assert_problem(self.create(b), 422, "/supervisor_id")
                self.assertEqual(self.stored(b), 0)

    def test_unknown_intervention_422(self):
        b = self.body(intervention="reiki")
        assert_problem(self.create(b), 422, "/intervention")
        self.assertEqual(self.stored(b), 0)

    def test_notes_length_and_date(self):
        ok = self.body(notes="x" * 1990 + uuid.uuid4().hex[:10])
        r = self.create(ok)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(len(r.body["notes"]), 2000)
        for bad in ("", "y" * 2001):
            with self.subTest(length=len(bad)):
                assert_problem(self.create(self.body(notes=bad)), 400, "/notes")
        self.assertEqual(count("staff_supervision", "notes", "y" * 2001), 0)
        b = self.body(supervised_on=e2e.today(2))
        assert_problem(self.create(b), 422, "/supervised_on")
        self.assertEqual(self.stored(b), 0)
        self.assertEqual(self.create(self.body(supervised_on=e2e.today(0))).status, 201)
        for over, pointer in (({"supervisor_id": ...}, "/supervisor_id"),
                              ({"supervised_on": ...}, "/supervised_on"),
                              ({"supervisor_id": "s1"}, "/supervisor_id"),
                              ({"staff_id": self.supervisor}, "/staff_id")):
            with self.subTest(pointer=pointer):
                assert_problem(self.create(self.body(**over)), 400, pointer)

    def test_roles_and_scope(self):
        b = self.body()
        for role in ("clinician", "referrer", "commissioner", "liaison"):
            with self.subTest(role=role):
                assert_problem(self.create(b, token(role)), 403)
        self.assertEqual(self.stored(b), 0)
        for role in ("referrer", "commissioner", "liaison"):
            assert_problem(get(self.url, token=token(role)), 403)
        r = self.create(b)
        self.assertEqual(r.status, 201, r)
        item = r.headers["location"]
        assert_problem(patch(item, {"notes": "changed"}, token=token("clinician"), etag='"1"'),
                       403)
        theirs = other_org_admin()
        assert_problem(get(item, token=theirs), 404)
        assert_problem(post(self.url, self.body(), token=theirs), 404)
        self.assertEqual(get(self.url, token=theirs).body, {"items": [], "next_cursor": None})
        assert_problem(post(supervision_url(str(uuid.uuid4())), self.body(),
                            token=token("admin")), 404)

    def test_patch(self):
        r = self.create(self.body())
        self.assertEqual(r.status, 201, r)
        item = r.headers["location"]
        assert_problem(patch(item, {"supervisor_id": self.staff}, token=token("admin"),
                             etag='"1"'), 422, "/supervisor_id")
        assert_problem(patch(item, {"intervention": "reiki"}, token=token("admin"),
                             etag='"1"'), 422, "/intervention")
        other = new_staff()["id"]
        p = patch(item, {"supervisor_id": other, "intervention": "dbt"}, token=token("admin"),
                  etag='"1"')
        self.assertEqual(p.status, 200, p)
        self.assertEqual((p.body["supervisor_id"], p.body["intervention"], p.body["version"]),
                         (other, "dbt", 2))


class TeachingSessions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.staff = [new_staff()["id"], new_staff(profession="psychiatrist")["id"]]

    def body(self, **over):
        b = {"delivered_on": e2e.today(-7),
             "topic": "E2E perinatal mental state " + uuid.uuid4().hex[:10],
             "audience": ["midwives", "health_visitors"], "attendees": 24,
             "delivered_by": self.staff}
        b.update(over)
        return {k: v for k, v in b.items() if v is not Ellipsis}

    def create(self, b, tok=None):
        return post(TEACHING, b, token=tok or token("admin"))

    def stored(self, b):
        return count("teaching_sessions", "topic", b["topic"])

    def test_create_201_read_by_clinician(self):
        b = self.body(audience=["midwives", "health_visitors", "gps",
                                "community_psychiatric_nurses", "other"])
        r = self.create(b)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers.get("location"), TEACHING + "/" + r.body["id"])
        for k, v in b.items():
            self.assertEqual(r.body[k], v, k)
        self.assertEqual(r.body["organisation_id"], e2e.DEMO_ORG)
        g = get(r.headers["location"], token=token("clinician"))
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.body, r.body)
        items = get(TEACHING + "?limit=200", token=token("clinician"))
        self.assertEqual(items.status, 200, items)

    def test_bad_bodies_400_nothing_stored(self):
        for over, pointer in (({"audience": []}, "/audience"),
                              ({"audience": ["pharmacists"]}, "/audience/0"),
                              ({"audience": ["gps", "gps"]}, "/audience/1"),
                              ({"audience": "gps"}, "/audience"),
                              ({"attendees": 0}, "/attendees"),
                              ({"attendees": 10001}, "/attendees"),
                              ({"attendees": ...}, "/attendees"),
                              ({"delivered_by": []}, "/delivered_by"),
                              ({"delivered_by": ["s1"]}, "/delivered_by/0"),
                              ({"delivered_by": [self.staff[0], self.staff[0].upper()]},
                               "/delivered_by/1"),
                              ({"topic": ""}, "/topic"),
                              ({"topic": "t" * 201}, "/topic"),
                              ({"delivered_on": "2026-02-30"}, "/delivered_on")):
            with self.subTest(over=over):
                b = self.body(**over)
                assert_problem(self.create(b), 400, pointer)
                if isinstance(b.get("topic"), str) and b["topic"]:
                    self.assertEqual(self.stored(b), 0)
        for n in (1, 10000):
            self.assertEqual(self.create(self.body(attendees=n)).status, 201)

    def test_delivered_by_staff_of_the_organisation_422(self):
        their_team = post("/v1/teams", {"name": "E2E other " + uuid.uuid4().hex[:8],
                                        "type": "cmht"}, token=other_org_admin())
        theirs = new_staff(other_org_admin(), their_team.body["id"])["id"]
        for ids in ([theirs], [self.staff[0], str(uuid.uuid4())]):
            with self.subTest(ids=ids):
                b = self.body(delivered_by=ids)
                assert_problem(self.create(b), 422, "/delivered_by")
                self.assertEqual(self.stored(b), 0)

    def test_date_not_in_future(self):
        b = self.body(delivered_on=e2e.today(2))
        assert_problem(self.create(b), 422, "/delivered_on")
        self.assertEqual(self.stored(b), 0)
        self.assertEqual(self.create(self.body(delivered_on=e2e.today(0))).status, 201)

    def test_roles_scope_and_patch(self):
        b = self.body()
        for role in ("clinician", "referrer", "commissioner", "liaison"):
            with self.subTest(role=role):
                assert_problem(self.create(b, token(role)), 403)
        self.assertEqual(self.stored(b), 0)
        r = self.create(b)
        self.assertEqual(r.status, 201, r)
        item = r.headers["location"]
        assert_problem(patch(item, {"attendees": 3}, token=token("clinician"), etag='"1"'), 403)
        assert_problem(get(item, token=token("referrer")), 403)
        theirs = other_org_admin()
        assert_problem(get(item, token=theirs), 404)
        listed = get(TEACHING + "?limit=200", token=theirs)
        self.assertNotIn(r.body["id"], [i["id"] for i in listed.body["items"]])
        assert_problem(patch(item, {"delivered_by": [str(uuid.uuid4())]}, token=token("admin"),
                             etag='"1"'), 422, "/delivered_by")
        p = patch(item, {"attendees": 30, "audience": ["gps"]}, token=token("admin"),
                  etag='"1"')
        self.assertEqual(p.status, 200, p)
        self.assertEqual((p.body["attendees"], p.body["audience"], p.body["version"]),
                         (30, ["gps"], 2))


if __name__ == "__main__":
    e2e.main()
