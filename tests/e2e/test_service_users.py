"""Service users: create, read, scope, lists and lookup, strict input,
business rules, PATCH with ETags, and Idempotency-Key (also under
concurrency)."""

import concurrent.futures
import datetime
import json
import unittest
import uuid

import e2e
from e2e import (assert_problem, create_service_user, get, mint, nhs_number, patch, post,
                 request, service_user_body, today, token)

COLLECTION = "/v1/service-users"


def count_nhs(*numbers):
    return e2e.db_count("select count(*) from service_users where nhs_number in (%s)"
                        % ",".join(e2e.sql_quote(str(n)) for n in numbers))


def rows():
    return e2e.db_count("select count(*) from service_users")


class Create(unittest.TestCase):
    def test_create_201(self):
        body = service_user_body()
        r = post(COLLECTION, body, token=token("clinician"))
        self.assertEqual(r.status, 201, r)
        rec = r.body
        self.assertEqual(r.headers["content-type"].split(";")[0], "application/json")
        self.assertEqual(r.headers.get("location"), COLLECTION + "/" + rec["id"])
        self.assertEqual(r.headers.get("etag"), '"1"')
        uuid.UUID(rec["id"])
        for k in ("nhs_number", "given_name", "family_name", "date_of_birth",
                  "gp_practice_code", "postcode"):
            self.assertEqual(rec[k], body[k], k)
        # Derived from her consent records (none yet): read-only.
        self.assertEqual(rec["consent"], {"partner_involvement": False, "share_with_gp": False,
                                          "share_with_health_visiting": False,
                                          "share_with_maternity": False})
        self.assertEqual(rec["perinatal_status"], {
            "stage": "pregnant", "estimated_due_date": body["perinatal_status"]
            ["estimated_due_date"], "delivery_date": None, "infant_count": None,
            "loss_date": None, "loss_gestation_weeks": None})
        self.assertEqual(rec["version"], 1)
        self.assertEqual(rec["organisation_id"], e2e.DEMO_ORG)
        self.assertIsInstance(rec["age_years"], int)
        born, now = datetime.date(1992, 3, 14), datetime.date.fromisoformat(today())
        age = now.year - born.year - ((now.month, now.day) < (born.month, born.day))
        self.assertEqual(rec["age_years"], age)
        self.assertRegex(rec["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
        self.assertEqual(count_nhs(body["nhs_number"]), 1)

    def test_create_minimal_optional_fields_null(self):
        body = service_user_body()
        for k in ("gp_practice_code", "postcode"):
            del body[k]
        r = post(COLLECTION, body, token=token("admin"))
        self.assertEqual(r.status, 201, r)
        self.assertIsNone(r.body["gp_practice_code"])
        self.assertIsNone(r.body["postcode"])
        self.assertEqual(r.body["consent"], {"partner_involvement": False, "share_with_gp": False,
                                             "share_with_health_visiting": False,
                                             "share_with_maternity": False})

    def test_get_by_id(self):
        created = create_service_user()
        r = get(created.headers["location"], token=token("clinician"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("etag"), '"1"')
        self.assertEqual(r.body, created.body)

    def test_malformed_id_404(self):
        for bad in ("not-a-uuid", "1", "00000000-0000-4000-8000-00000000000", "%27%20or%201=1",
                    created_id_upper()):
            r = get(COLLECTION + "/" + bad, token=token("clinician"))
            assert_problem(r, 404)

    def test_unknown_id_404(self):
        assert_problem(get(COLLECTION + "/" + str(uuid.uuid4()), token=token("clinician")), 404)

    def test_sql_metacharacters_stored_verbatim(self):
        given = "O'Brien; DROP TABLE service_users;--"
        family = "Robert\"); DELETE FROM teams; -- \\ % _ $1 ' '' \u00e9\u0301 Si\u00e2n \U0001F600"
        r = post(COLLECTION, service_user_body(given_name=given, family_name=family),
                 token=token("clinician"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["given_name"], given)
        self.assertEqual(r.body["family_name"], family)
        g = get(r.headers["location"], token=token("clinician"))
        self.assertEqual((g.body["given_name"], g.body["family_name"]), (given, family))
        self.assertEqual(e2e.psql("select given_name from service_users where id = '%s'"
                                  % r.body["id"]), given)
        self.assertGreater(rows(), 0)
        self.assertGreater(e2e.db_count("select count(*) from teams"), 0)

    def test_length_counted_in_characters(self):
        # 100 characters of 2-byte UTF-8 fit; 101 do not.
        r = post(COLLECTION, service_user_body(given_name="\u00e9" * 100), token=token("admin"))
        self.assertEqual(r.status, 201, r)
        body = service_user_body(given_name="\u00e9" * 101)
        assert_problem(post(COLLECTION, body, token=token("admin")), 400, "/given_name")
        self.assertEqual(count_nhs(body["nhs_number"]), 0)

    def test_duplicate_nhs_number_409(self):
        created = create_service_user()
        r = post(COLLECTION, service_user_body(nhs_number=created.body["nhs_number"]),
                 token=token("admin"))
        self.assertEqual(assert_problem(r, 409)["type"], "urn:perinatal:problem:conflict")
        self.assertEqual(count_nhs(created.body["nhs_number"]), 1)

    def test_concurrent_creates_same_nhs_number(self):
        body = service_user_body()
        with concurrent.futures.ThreadPoolExecutor(10) as ex:
            results = list(ex.map(lambda _: post(COLLECTION, body, token=token("admin")),
                                  range(10)))
        self.assertEqual(sorted(r.status for r in results), [201] + [409] * 9,
                         [repr(r) for r in results if r.status not in (201, 409)])
        for r in results:
            if r.status == 409:
                assert_problem(r, 409)
        self.assertEqual(count_nhs(body["nhs_number"]), 1)

    def test_invalid_nhs_number_400(self):
        for bad in (e2e.invalid_nhs_number(), "123456789", "12345678901", "123 456 7890",
                    "abcdefghij", "", "1234567890"):
            body = service_user_body(nhs_number=bad)
            assert_problem(post(COLLECTION, body, token=token("clinician")), 400, "/nhs_number")
        self.assertEqual(count_nhs(e2e.invalid_nhs_number()), 0)


def created_id_upper():
    """A real id in upper case: ids are opaque, exactly as issued."""
    return str(uuid.uuid4()).upper()


class Scope(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        e2e.ensure_other_org()
        cls.other_admin = mint("admin", org=e2e.OTHER_ORG)

    def test_other_organisation_cannot_see_or_change(self):
        mine = create_service_user(token("clinician"))
        rid = mine.body["id"]
        other = self.other_admin
        assert_problem(get(COLLECTION + "/" + rid, token=other), 404)
        assert_problem(patch(COLLECTION + "/" + rid, {"given_name": "Eve"}, token=other,
                             etag='"1"'), 404)
        r = e2e.lookup(mine.body["nhs_number"], token=other)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["items"], [])
        self.assertEqual(get(COLLECTION + "/" + rid, token=token("clinician")).body["given_name"],
                         "Ada")

    def test_other_organisation_records_are_its_own(self):
        # The same NHS number may be recorded by each organisation.
        mine = create_service_user(token("clinician"))
        theirs = post(COLLECTION, service_user_body(nhs_number=mine.body["nhs_number"]),
                      token=self.other_admin)
        self.assertEqual(theirs.status, 201, theirs)
        self.assertEqual(theirs.body["organisation_id"], e2e.OTHER_ORG)
        assert_problem(get(theirs.headers["location"], token=token("clinician")), 404)
        listed = e2e.lookup(mine.body["nhs_number"], token=token("clinician")).body["items"]
        self.assertEqual([i["id"] for i in listed], [mine.body["id"]])

    def test_token_of_unknown_organisation(self):
        # A well-signed token naming an organisation the service does not
        # have: it may not create anything. Expected an authentication or
        # authorisation refusal (401/403), never a database error dressed as
        # a business rule (422) or a 409/500.
        t = mint("admin", org=str(uuid.uuid4()))
        body = service_user_body()
        r = post(COLLECTION, body, token=t)
        self.assertIn(r.status, (401, 403), r)
        assert_problem(r, r.status)
        self.assertEqual(count_nhs(body["nhs_number"]), 0)


def walk(tok, query="", limit=200, max_pages=1000):
    """Every item of the list, following next_cursor."""
    items, cursor = [], None
    for _ in range(max_pages):
        q = "limit=%d" % limit + ("&" + query if query else "")
        if cursor:
            q += "&cursor=" + cursor
        r = get(COLLECTION + "?" + q, token=tok)
        assert r.status == 200, r
        assert set(r.body) == {"items", "next_cursor"}, r.body.keys()
        items += r.body["items"]
        cursor = r.body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("list did not end")


class Lists(unittest.TestCase):
    def test_paging(self):
        mine = {create_service_user().body["id"] for _ in range(5)}
        full = walk(token("clinician"))
        ids = [i["id"] for i in full]
        self.assertEqual(len(ids), len(set(ids)), "duplicates across pages")
        self.assertTrue(mine <= set(ids))
        self.assertEqual(ids, sorted(ids), "not in a stable (id) order")
        # Small pages give the same sequence, page after page.
        r = get(COLLECTION + "?limit=3", token=token("clinician"))
        paged = []
        for _ in range(4):
            self.assertEqual(r.status, 200, r)
            self.assertLessEqual(len(r.body["items"]), 3)
            paged += [i["id"] for i in r.body["items"]]
            if r.body["next_cursor"] is None:
                break
            self.assertIsInstance(r.body["next_cursor"], str)
            r = get(COLLECTION + "?limit=3&cursor=" + r.body["next_cursor"],
                    token=token("clinician"))
        self.assertEqual(paged, ids[:len(paged)])
        self.assertGreater(len(paged), 3)

    def test_default_limit_50(self):
        in_org = e2e.db_count("select count(*) from service_users where organisation_id = '%s'"
                              % e2e.DEMO_ORG)
        for _ in range(max(0, 51 - in_org)):
            create_service_user()
        r = get(COLLECTION, token=token("admin"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.body["items"]), 50)
        self.assertIsNotNone(r.body["next_cursor"])

    def test_limit_bounds(self):
        for bad in ("0", "201", "-1", "abc", "", "1.5", "10abc", "99999999999999999999"):
            # A query parameter's pointer is its name (documented).
            assert_problem(get(COLLECTION + "?limit=" + bad, token=token("clinician")), 400,
                           "limit")
        for good in ("1", "200"):
            r = get(COLLECTION + "?limit=" + good, token=token("clinician"))
            self.assertEqual(r.status, 200, r)
            self.assertLessEqual(len(r.body["items"]), int(good))

    def test_invalid_cursor_400(self):
        for bad in ("garbage", "!!!!", e2e.b64url("not-a-uuid-but-36-characters-long-xx"),
                    e2e.b64url(str(uuid.uuid4()))[:-2], "a%20b"):
            assert_problem(get(COLLECTION + "?cursor=" + bad, token=token("clinician")), 400,
                           "cursor")
        # A query string that cannot be decoded at all: 400 without a pointer.
        assert_problem(get(COLLECTION + "?cursor=%00", token=token("clinician")), 400)

    def test_unknown_query_parameter_400(self):
        for q, name in (("foo=bar", "foo"), ("nhs=1", "nhs"), ("LIMIT=5", "LIMIT"),
                        ("limit=5&sort=name", "sort")):
            r = get(COLLECTION + "?" + q, token=token("clinician"))
            assert_problem(r, 400, name)

    def test_lookup_by_nhs_number(self):
        created = create_service_user()
        r = e2e.lookup(created.body["nhs_number"], token=token("clinician"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, {"items": [created.body], "next_cursor": None})

    def test_lookup_valid_not_found(self):
        while True:
            n = nhs_number()
            if count_nhs(n) == 0:
                break
        r = e2e.lookup(n, token=token("clinician"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, {"items": [], "next_cursor": None})

    def test_lookup_invalid_400(self):
        for bad in (e2e.invalid_nhs_number(), "123", "abcdefghij", "%27%3B--"):
            assert_problem(e2e.lookup(bad, token=token("clinician")), 400,
                           "/nhs_number")

    def test_nhs_number_never_in_a_url(self):
        created = create_service_user()
        assert_problem(get(COLLECTION + "?nhs_number=" + created.body["nhs_number"],
                           token=token("clinician")), 400, "nhs_number")


class StrictInput(unittest.TestCase):
    """Each refused body: 400 with errors[].pointer, and no row written."""

    def setUp(self):
        self.rows_before = rows()

    def tearDown(self):
        # Every request of this class is refused: not one row more.
        self.assertEqual(rows(), self.rows_before, "a refused request wrote a row")

    def refuse(self, raw, pointer=None, nhs=None, status=400):
        r = request("POST", COLLECTION, token=token("clinician"), body=raw)
        body = assert_problem(r, status, pointer)
        self.assertTrue(body.get("errors"), "no errors[] in %r" % (r,))
        self.assertEqual(body["type"], "urn:perinatal:problem:invalid-request")
        if nhs:
            self.assertEqual(count_nhs(nhs), 0)
        return body

    def raw_with(self, **over):
        body = service_user_body(**over)
        return body, json.dumps(body).encode()

    def test_unknown_field(self):
        body, _ = self.raw_with(favourite_colour="blue")
        self.refuse(json.dumps(body).encode(), "/favourite_colour", body["nhs_number"])

    def test_unknown_nested_field(self):
        body = service_user_body()
        body["perinatal_status"]["share_with_police"] = True
        self.refuse(json.dumps(body).encode(), "/perinatal_status/share_with_police",
                    body["nhs_number"])

    def test_consent_is_read_only(self):
        # Her consents are dated records now (/v1/service-users/{id}/consents).
        body = service_user_body(consent={"share_with_gp": True})
        self.refuse(json.dumps(body).encode(), "/consent", body["nhs_number"])

    def test_duplicate_key(self):
        body, raw = self.raw_with()
        raw = raw[:-1] + b', "given_name": "Eve"}'
        self.refuse(raw, "/given_name", body["nhs_number"])

    def test_duplicate_key_escaped(self):
        body, raw = self.raw_with()
        raw = raw[:-1] + b', "given_n\\u0061me": "Eve"}'
        self.refuse(raw, "/given_name", body["nhs_number"])

    def test_duplicate_nested_key(self):
        body, raw = self.raw_with()
        raw = raw.replace(b'"stage": "pregnant"', b'"stage": "pregnant", "stage": "postnatal"')
        self.refuse(raw, "/perinatal_status/stage", body["nhs_number"])

    def test_wrong_types(self):
        cases = [
            ({"given_name": 5}, "/given_name"),
            ({"given_name": ["Ada"]}, "/given_name"),
            ({"date_of_birth": 19920314}, "/date_of_birth"),
            ({"date_of_birth": "14/03/1992"}, "/date_of_birth"),
            ({"date_of_birth": "1992-02-30"}, "/date_of_birth"),
            ({"nhs_number": 9434765919}, "/nhs_number"),
            ({"consent": {"share_with_gp": "yes"}}, "/consent"),
            ({"consent": "yes"}, "/consent"),
            ({"perinatal_status": {"stage": "pregnant", "estimated_due_date": today(100),
                                   "infant_count": "2"}}, "/perinatal_status/infant_count"),
            ({"perinatal_status": {"stage": "postnatal", "delivery_date": today(-10),
                                   "infant_count": 2.0}}, "/perinatal_status/infant_count"),
            ({"perinatal_status": {"stage": "postnatal", "delivery_date": today(-10),
                                   "infant_count": 9}}, "/perinatal_status/infant_count"),
            ({"perinatal_status": {"stage": "expecting"}}, "/perinatal_status/stage"),
            ({"given_name": None}, "/given_name"),
            ({"given_name": ""}, "/given_name"),
            ({"given_name": "Ada\u0007"}, "/given_name"),
            ({"postcode": "dt1 2jy"}, "/postcode"),
            ({"gp_practice_code": "J8200"}, "/gp_practice_code"),
        ]
        for over, pointer in cases:
            with self.subTest(pointer=pointer, over=over):
                body, raw = self.raw_with(**over)
                self.refuse(raw, pointer, body["nhs_number"])

    def test_missing_required(self):
        for field in ("nhs_number", "given_name", "family_name", "date_of_birth",
                      "perinatal_status"):
            with self.subTest(field):
                body = service_user_body()
                del body[field]
                self.refuse(json.dumps(body).encode(), "/" + field, body.get("nhs_number"))

    def test_nested_100_deep(self):
        body, raw = self.raw_with()
        raw = raw[:-1] + b', "consent": ' + b"[" * 100 + b"]" * 100 + b"}"
        self.refuse(raw, None, body["nhs_number"])
        body, raw = self.raw_with()
        raw = raw[:-1] + b', "consent": ' + b'{"a":' * 100 + b"1" + b"}" * 100 + b"}"
        self.refuse(raw, None, body["nhs_number"])

    def test_over_long_string(self):
        body, raw = self.raw_with(family_name="F" * 101)
        self.refuse(raw, "/family_name", body["nhs_number"])
        body, raw = self.raw_with(family_name="F" * 60000)
        self.refuse(raw, "/family_name", body["nhs_number"])

    def test_invalid_utf8(self):
        body, raw = self.raw_with(given_name="ADA")
        for bad in (b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf5\x80\x80\x80"):
            with self.subTest(bad=bad):
                self.refuse(raw.replace(b"ADA", b"A" + bad + b"A"), None, body["nhs_number"])

    def test_lone_surrogate_escape(self):
        # "\ud800" decodes to no Unicode character: refused (I-JSON, RFC
        # 7493), not silently stored as U+FFFD.
        body, raw = self.raw_with(given_name="ADA")
        self.refuse(raw.replace(b"ADA", b"A\\ud800A"), None, body["nhs_number"])

    def test_nul_escape(self):
        body, raw = self.raw_with(given_name="ADA")
        self.refuse(raw.replace(b"ADA", b"A\\u0000A"), "/given_name", body["nhs_number"])

    def test_single_quotes(self):
        body, raw = self.raw_with()
        self.refuse(raw.replace(b'"given_name": "Ada"', b"'given_name': 'Ada'"), None,
                    body["nhs_number"])

    def test_nan_and_infinity(self):
        for word in (b"NaN", b"Infinity", b"-Infinity"):
            body, raw = self.raw_with()
            raw = raw.replace(b'"stage": "pregnant"', b'"stage": "postnatal", "infant_count": '
                              + word)
            self.refuse(raw, None, body["nhs_number"])

    def test_trailing_data(self):
        body, raw = self.raw_with()
        for tail in (b"x", b"{}", b",", b"\x00"):
            with self.subTest(tail=tail):
                self.refuse(raw + tail, None, body["nhs_number"])

    def test_not_an_object(self):
        body = service_user_body()
        for raw in (json.dumps([body]).encode(), b'"x"', b"null", b"1", b"", b" "):
            with self.subTest(raw=raw[:20]):
                self.refuse(raw)

    def test_syntax_errors(self):
        body, raw = self.raw_with()
        for bad in (raw[:-1], raw.replace(b"}", b",}", 1), b"{" + raw, raw.replace(b":", b"=", 1),
                    raw.replace(b'"Ada"', b'"A\x01da"'), raw.replace(b'"Ada"', b'"A\\xda"'),
                    raw.replace(b'"stage": "pregnant"', b'"stage": "pregnant", "infant_count": 01'),
                    raw.replace(b'"stage": "pregnant"', b'"stage": "pregnant", "infant_count": 1.')):
            with self.subTest(bad=bad[:60]):
                self.refuse(bad, None, body["nhs_number"])

    def test_server_owned_fields(self):
        owned = {"id": str(uuid.uuid4()), "version": 7, "created_at": "2020-01-01T00:00:00Z",
                 "updated_at": "2020-01-01T00:00:00Z", "age_years": 20,
                 "organisation_id": e2e.OTHER_ORG, "created_by": "mallory"}
        for field, value in owned.items():
            with self.subTest(field):
                body, raw = self.raw_with(**{field: value})
                self.refuse(raw, "/" + field, body["nhs_number"])

    def test_errors_list_every_field(self):
        body = service_user_body(given_name=5, postcode="nowhere", unknown=1)
        del body["family_name"]
        b = self.refuse(json.dumps(body).encode(), None, body["nhs_number"])
        pointers = {e["pointer"] for e in b["errors"]}
        self.assertTrue({"/given_name", "/postcode", "/unknown", "/family_name"} <= pointers,
                        pointers)


class Rules(unittest.TestCase):
    def refuse(self, body, pointer):
        r = post(COLLECTION, body, token=token("clinician"))
        b = assert_problem(r, 422, pointer)
        self.assertEqual(b["type"], "urn:perinatal:problem:rule-violated")
        self.assertEqual(count_nhs(body["nhs_number"]), 0)

    def test_pregnant_without_edd(self):
        self.refuse(service_user_body(perinatal_status={"stage": "pregnant"}),
                    "/perinatal_status/estimated_due_date")

    def test_pregnant_edd_too_far(self):
        self.refuse(service_user_body(perinatal_status={"stage": "pregnant",
                                                        "estimated_due_date": today(330)}),
                    "/perinatal_status/estimated_due_date")

    def test_pregnant_edd_long_past(self):
        # Six weeks past her due date at the most: a due date years ago is
        # a birth or a loss not yet recorded.
        self.refuse(service_user_body(perinatal_status={"stage": "pregnant",
                                                        "estimated_due_date": today(-43)}),
                    "/perinatal_status/estimated_due_date")
        r = post(COLLECTION, service_user_body(perinatal_status={
            "stage": "pregnant", "estimated_due_date": today(-41)}), token=token("clinician"))
        self.assertEqual(r.status, 201, r)

    def test_her_date_of_birth_stays_before_her_infants(self):
        w = post(COLLECTION, service_user_body(date_of_birth="1990-01-01", perinatal_status={
            "stage": "postnatal", "delivery_date": today(-20)}), token=token("clinician")).body
        r = post(COLLECTION + "/%s/infants" % w["id"], {"date_of_birth": today(-20)},
                 token=token("clinician"))
        self.assertEqual(r.status, 201, r)
        etag = get(COLLECTION + "/" + w["id"], token=token("clinician")).headers["etag"]
        # Her stage moved on too, so no delivery date holds her date of birth.
        assert_problem(patch(COLLECTION + "/" + w["id"], {
            "date_of_birth": today(-10),
            "perinatal_status": {"stage": "pre_conception", "delivery_date": None}},
            token=token("clinician"), etag=etag), 422, "/date_of_birth")
        ok = patch(COLLECTION + "/" + w["id"], {"date_of_birth": "1991-01-01"},
                   token=token("clinician"), etag=etag)
        self.assertEqual(ok.status, 200, ok)

    def test_a_consent_is_not_dated_before_her_birth(self):
        w = post(COLLECTION, service_user_body(date_of_birth="1990-01-01"),
                 token=token("clinician")).body
        url = COLLECTION + "/%s/consents" % w["id"]
        assert_problem(post(url, {"scope": "share_with_gp", "decision": "given",
                                  "on": "1989-12-31"}, token=token("clinician")), 422, "/on")
        self.assertEqual(post(url, {"scope": "share_with_gp", "decision": "given",
                                    "on": "1990-01-01"}, token=token("clinician")).status, 201)

    def test_pregnant_with_delivery_date(self):
        self.refuse(service_user_body(perinatal_status={
            "stage": "pregnant", "estimated_due_date": today(30), "delivery_date": today(-30)}),
            "/perinatal_status/delivery_date")

    def test_postnatal_delivery_in_future(self):
        self.refuse(service_user_body(perinatal_status={"stage": "postnatal",
                                                        "delivery_date": today(5)}),
                    "/perinatal_status/delivery_date")

    def test_postnatal_without_delivery_date(self):
        self.refuse(service_user_body(perinatal_status={"stage": "postnatal"}),
                    "/perinatal_status/delivery_date")

    def test_postnatal_delivery_before_birth(self):
        self.refuse(service_user_body(date_of_birth="1992-03-14", perinatal_status={
            "stage": "postnatal", "delivery_date": "1990-01-01"}),
            "/perinatal_status/delivery_date")

    def test_date_of_birth_in_future(self):
        self.refuse(service_user_body(date_of_birth=today(5)), "/date_of_birth")

    def test_pre_conception_with_edd(self):
        self.refuse(service_user_body(perinatal_status={"stage": "pre_conception",
                                                        "estimated_due_date": today(100)}),
                    "/perinatal_status")

    def test_valid_stages_accepted(self):
        for status in ({"stage": "pre_conception"},
                       {"stage": "postnatal", "delivery_date": today(-20)},
                       {"stage": "pregnant", "estimated_due_date": today(1)}):
            r = post(COLLECTION, service_user_body(perinatal_status=status), token=token("admin"))
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.body["perinatal_status"]["stage"], status["stage"])


def loss(when=None, weeks=14, **more):
    status = {"stage": "pregnancy_loss", "loss_date": when or today(-10),
              "loss_gestation_weeks": weeks}
    status.update(more)
    return status


class PregnancyLoss(unittest.TestCase):
    """The perinatal-loss pathway's stage (issue 9, item 11): the date of the
    loss (not in the future, after her birth) and the gestation in completed
    weeks (1 to 45), in the API's rules and the database's check alike."""

    def accept(self, **over):
        r = post(COLLECTION, service_user_body(**over), token=token("clinician"))
        self.assertEqual(r.status, 201, r)
        return r.body

    def refuse(self, pointer, **over):
        body = service_user_body(**over)
        r = post(COLLECTION, body, token=token("clinician"))
        b = assert_problem(r, 422, pointer)
        self.assertEqual(b["type"], "urn:perinatal:problem:rule-violated")
        self.assertEqual(count_nhs(body["nhs_number"]), 0)

    def test_recorded_and_shown(self):
        rec = self.accept(perinatal_status=loss(today(-10), 14))
        self.assertEqual(rec["perinatal_status"], {
            "stage": "pregnancy_loss", "estimated_due_date": None, "delivery_date": None,
            "infant_count": None, "loss_date": today(-10), "loss_gestation_weeks": 14})

    def test_loss_date_not_in_the_future(self):
        self.accept(perinatal_status=loss(today(0)))
        self.refuse("/perinatal_status/loss_date", perinatal_status=loss(today(2)))

    def test_loss_date_after_her_birth(self):
        self.refuse("/perinatal_status/loss_date", date_of_birth="1992-03-14",
                    perinatal_status=loss("1992-03-14"))
        self.accept(date_of_birth="1992-03-14", perinatal_status=loss("1992-03-15"))

    def test_gestation_bounds(self):
        self.refuse("/perinatal_status/loss_gestation_weeks", perinatal_status=loss(weeks=0))
        self.accept(perinatal_status=loss(weeks=1))
        self.accept(perinatal_status=loss(weeks=45))
        self.refuse("/perinatal_status/loss_gestation_weeks", perinatal_status=loss(weeks=46))
        self.refuse("/perinatal_status/loss_gestation_weeks", perinatal_status=loss(weeks=-3))

    def test_gestation_is_an_integer(self):
        for bad in ("14", 14.5, True):
            with self.subTest(bad=bad):
                body = service_user_body(perinatal_status=loss(weeks=bad))
                assert_problem(post(COLLECTION, body, token=token("clinician")), 400,
                               "/perinatal_status/loss_gestation_weeks")

    def test_both_required(self):
        self.refuse("/perinatal_status/loss_date",
                    perinatal_status={"stage": "pregnancy_loss", "loss_gestation_weeks": 10})
        self.refuse("/perinatal_status/loss_gestation_weeks",
                    perinatal_status={"stage": "pregnancy_loss", "loss_date": today(-3)})

    def test_other_stages_dates_absent(self):
        self.refuse("/perinatal_status", perinatal_status=loss(estimated_due_date=today(30)))
        self.refuse("/perinatal_status", perinatal_status=loss(delivery_date=today(-30)))

    def test_loss_fields_only_with_the_stage(self):
        self.refuse("/perinatal_status/loss_date", perinatal_status={
            "stage": "pregnant", "estimated_due_date": today(30), "loss_date": today(-3)})
        self.refuse("/perinatal_status/loss_gestation_weeks", perinatal_status={
            "stage": "postnatal", "delivery_date": today(-3), "loss_gestation_weeks": 30})
        self.refuse("/perinatal_status/loss_date", perinatal_status={
            "stage": "pre_conception", "loss_date": today(-3)})

    def test_patch_from_pregnant_and_back(self):
        rec = create_service_user().body
        url = COLLECTION + "/" + rec["id"]
        r = patch(url, {"perinatal_status": loss(today(-1), 20, estimated_due_date=None)},
                  token=token("clinician"), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["perinatal_status"]["stage"], "pregnancy_loss")
        self.assertIsNone(r.body["perinatal_status"]["estimated_due_date"])
        # Pregnant again: the loss's fields go (null), else 422.
        again = {"stage": "pregnant", "estimated_due_date": today(200)}
        assert_problem(patch(url, {"perinatal_status": again}, token=token("clinician"),
                             etag='"2"'), 422, "/perinatal_status/loss_date")
        again.update(loss_date=None, loss_gestation_weeks=None)
        r = patch(url, {"perinatal_status": again}, token=token("clinician"), etag='"2"')
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.body["perinatal_status"]["loss_date"])

    def test_in_a_referral_carrying_her_details(self):
        woman = service_user_body(perinatal_status=loss(today(-20), 30))
        r = post("/v1/referrals", e2e.referral_body(service_user=woman,
                                                   criteria=["perinatal_loss_trauma"]),
                 token=token("clinician"))
        self.assertEqual(r.status, 201, r)
        bad = service_user_body(perinatal_status=loss(today(-20), 46))
        assert_problem(post("/v1/referrals", e2e.referral_body(service_user=bad),
                            token=token("clinician")), 422,
                       "/service_user/perinatal_status/loss_gestation_weeks")

    def test_database_check_holds_the_same_bounds(self):
        rec = create_service_user(date_of_birth="1992-03-14").body

        def set_status(date, weeks, edd="NULL"):
            e2e.db_exec(
                "UPDATE service_users SET perinatal_stage = 'pregnancy_loss', "
                "estimated_due_date = %s, loss_date = %s, loss_gestation_weeks = %s "
                "WHERE id = '%s'" % (edd, date, weeks, rec["id"]))

        for date, weeks, edd in (("'2026-01-01'", 0, "NULL"), ("'2026-01-01'", 46, "NULL"),
                                 ("'1992-03-14'", 10, "NULL"), ("NULL", 10, "NULL"),
                                 ("'2026-01-01'", "NULL", "NULL"),
                                 ("'2026-01-01'", 10, "'2026-09-01'")):
            with self.subTest(date=date, weeks=weeks, edd=edd):
                with self.assertRaises(RuntimeError) as cm:
                    set_status(date, weeks, edd)
                self.assertIn("service_users_perinatal_status_check", str(cm.exception))
        set_status("'1992-03-15'", 1)
        set_status("'2026-01-01'", 45)
        with self.assertRaises(RuntimeError) as cm:
            e2e.db_exec("UPDATE service_users SET perinatal_stage = 'pregnant', "
                        "estimated_due_date = '2027-01-01' WHERE id = '%s'" % rec["id"])
        self.assertIn("service_users_loss_only_check", str(cm.exception))


class EthnicCategory(unittest.TestCase):
    """Her ethnic category (issue 9, item 11): optional, our word with the NHS
    Data Dictionary code beside it."""

    def test_stored_and_shown_with_its_code(self):
        for word, code in (("white_british", "A"), ("asian_pakistani", "J"),
                           ("other", "S"), ("not_stated", "Z"), ("not_known", "99")):
            with self.subTest(word=word):
                rec = create_service_user(ethnic_category=word).body
                self.assertEqual(rec["ethnic_category"], word)
                self.assertEqual(rec["ethnic_category_code"], code)
                got = get(COLLECTION + "/" + rec["id"], token=token("clinician"))
                self.assertEqual(got.body["ethnic_category_code"], code)

    def test_optional(self):
        rec = create_service_user().body
        self.assertIsNone(rec["ethnic_category"])
        self.assertIsNone(rec["ethnic_category_code"])
        rec = create_service_user(ethnic_category=None).body
        self.assertIsNone(rec["ethnic_category"])

    def test_unknown_word_or_a_code_400(self):
        for bad in ("white", "A", "99", "White_British", 1):
            with self.subTest(bad=bad):
                body = service_user_body(ethnic_category=bad)
                assert_problem(post(COLLECTION, body, token=token("clinician")), 400,
                               "/ethnic_category")
                self.assertEqual(count_nhs(body["nhs_number"]), 0)

    def test_code_is_the_servers(self):
        body = service_user_body(ethnic_category="white_irish", ethnic_category_code="B")
        assert_problem(post(COLLECTION, body, token=token("clinician")), 400,
                       "/ethnic_category_code")

    def test_patch_sets_and_removes(self):
        rec = create_service_user().body
        url = COLLECTION + "/" + rec["id"]
        r = patch(url, {"ethnic_category": "black_african"}, token=token("clinician"), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["ethnic_category_code"], "N")
        r = patch(url, {"ethnic_category": None}, token=token("clinician"), etag='"2"')
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.body["ethnic_category"])
        self.assertIsNone(r.body["ethnic_category_code"])


class Patch(unittest.TestCase):
    def setUp(self):
        self.rec = create_service_user().body
        self.url = COLLECTION + "/" + self.rec["id"]

    def test_without_if_match_428(self):
        b = assert_problem(patch(self.url, {"given_name": "Bea"}, token=token("clinician")), 428)
        self.assertEqual(b["type"], "urn:perinatal:problem:precondition-required")
        self.assertEqual(get(self.url, token=token("clinician")).body["given_name"], "Ada")

    def test_stale_412_names_current(self):
        r = patch(self.url, {"given_name": "Bea"}, token=token("clinician"), etag='"1"')
        self.assertEqual(r.status, 200, r)
        r = patch(self.url, {"given_name": "Cat"}, token=token("clinician"), etag='"1"')
        self.assertEqual(assert_problem(r, 412)["type"], "urn:perinatal:problem:precondition-failed")
        self.assertEqual(r.headers.get("etag"), '"2"')
        self.assertEqual(get(self.url, token=token("clinician")).body["given_name"], "Bea")

    def test_malformed_if_match_412(self):
        for bad in ('1', '"x"', '""', '"-1"', '"1'):
            assert_problem(patch(self.url, {"given_name": "Bea"}, token=token("clinician"),
                                 etag=bad), 412)

    def test_right_etag_200_and_increments(self):
        r = patch(self.url, {"given_name": "Bea"}, token=token("clinician"), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("etag"), '"2"')
        self.assertEqual(r.body["version"], 2)
        self.assertEqual(r.body["given_name"], "Bea")
        self.assertEqual(r.body["family_name"], self.rec["family_name"])
        self.assertEqual(r.body["created_at"], self.rec["created_at"])
        g = get(self.url, token=token("clinician"))
        self.assertEqual(g.headers.get("etag"), '"2"')
        self.assertEqual(g.body, r.body)
        r = patch(self.url, {"family_name": "Lovelace"}, token=token("admin"), etag='W/"2"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("etag"), '"3"')

    def test_merge_patch_content_type(self):
        r = patch(self.url, json.dumps({"postcode": "BH1 1AA"}).encode(), token=token("admin"),
                  etag='"1"', headers={"Content-Type": "application/merge-patch+json"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["postcode"], "BH1 1AA")
        # A merge patch is a PATCH's: a create sent as one is 415.
        r = post("/v1/service-users", json.dumps(service_user_body()).encode(),
                 token=token("clinician"),
                 headers={"Content-Type": "application/merge-patch+json"})
        self.assertEqual(r.status, 415, r)

    def test_unknown_field_400(self):
        r = patch(self.url, {"favourite_colour": "blue"}, token=token("clinician"), etag='"1"')
        assert_problem(r, 400, "/favourite_colour")
        r = patch(self.url, {"version": 5}, token=token("clinician"), etag='"1"')
        assert_problem(r, 400, "/version")
        self.assertEqual(get(self.url, token=token("clinician")).headers["etag"], '"1"')

    def test_null_on_required_field(self):
        # The code answers 400 (a null for a non-nullable field is refused by
        # the schema check of the patch itself, before the merge).
        for field in ("given_name", "nhs_number", "perinatal_status"):
            r = patch(self.url, {field: None}, token=token("clinician"), etag='"1"')
            assert_problem(r, 400, "/" + field)
        self.assertEqual(get(self.url, token=token("clinician")).headers["etag"], '"1"')

    def test_null_removes_optional_field(self):
        r = patch(self.url, {"postcode": None, "gp_practice_code": None},
                  token=token("clinician"), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.body["postcode"])
        self.assertIsNone(r.body["gp_practice_code"])

    def test_pregnant_to_postnatal(self):
        r = patch(self.url, {"perinatal_status": {"stage": "postnatal",
                                                  "delivery_date": today(-2),
                                                  "estimated_due_date": None}},
                  token=token("clinician"), etag='"1"')
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["perinatal_status"], {
            "stage": "postnatal", "estimated_due_date": None, "delivery_date": today(-2),
            "infant_count": None, "loss_date": None, "loss_gestation_weeks": None})
        self.assertEqual(r.body["consent"], self.rec["consent"])

    def test_patch_breaking_rule_422(self):
        # postnatal while keeping the due date: the merged record breaks a rule.
        r = patch(self.url, {"perinatal_status": {"stage": "postnatal",
                                                  "delivery_date": today(-2)}},
                  token=token("clinician"), etag='"1"')
        assert_problem(r, 422, "/perinatal_status/estimated_due_date")
        r = patch(self.url, {"date_of_birth": today(3)}, token=token("clinician"), etag='"1"')
        assert_problem(r, 422, "/date_of_birth")
        self.assertEqual(get(self.url, token=token("clinician")).headers["etag"], '"1"')

    def test_patch_to_duplicate_nhs_number_409(self):
        other = create_service_user().body
        r = patch(self.url, {"nhs_number": other["nhs_number"]}, token=token("clinician"),
                  etag='"1"')
        assert_problem(r, 409)

    def test_patch_unknown_and_malformed_id_404(self):
        for rid in (str(uuid.uuid4()), "nope"):
            assert_problem(patch(COLLECTION + "/" + rid, {"given_name": "X"},
                                 token=token("clinician"), etag='"1"'), 404)

    def test_concurrent_patches_one_wins(self):
        def one(i):
            return patch(self.url, {"given_name": "Racer%d" % i}, token=token("clinician"),
                         etag='"1"')
        with concurrent.futures.ThreadPoolExecutor(10) as ex:
            results = list(ex.map(one, range(10)))
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [200] + [412] * 9, [repr(r) for r in results])
        for r in results:
            if r.status == 412:
                assert_problem(r, 412)
        winner = [r for r in results if r.status == 200][0]
        g = get(self.url, token=token("clinician"))
        self.assertEqual(g.headers["etag"], '"2"')
        self.assertEqual(g.body["given_name"], winner.body["given_name"])


class Idempotency(unittest.TestCase):
    def key(self):
        return "e2e-" + str(uuid.uuid4())

    def test_same_key_same_body_replays(self):
        body = service_user_body()
        raw = json.dumps(body).encode()
        h = {"Idempotency-Key": self.key()}
        first = post(COLLECTION, raw, token=token("clinician"), headers=h)
        self.assertEqual(first.status, 201, first)
        self.assertNotIn("idempotent-replayed", first.headers)
        again = post(COLLECTION, raw, token=token("clinician"), headers=h)
        self.assertEqual(again.status, 201, again)
        self.assertEqual(again.headers.get("idempotent-replayed"), "true")
        self.assertEqual(again.body, first.body)
        self.assertEqual(again.headers.get("location"), first.headers["location"])
        self.assertEqual(again.headers.get("etag"), first.headers["etag"])
        self.assertEqual(count_nhs(body["nhs_number"]), 1)

    def test_same_key_different_body_422(self):
        body = service_user_body()
        h = {"Idempotency-Key": self.key()}
        self.assertEqual(post(COLLECTION, body, token=token("clinician"), headers=h).status, 201)
        other = service_user_body()
        b = assert_problem(post(COLLECTION, other, token=token("clinician"), headers=h), 422)
        self.assertEqual(b["type"], "urn:perinatal:problem:idempotency-key-reused")
        self.assertEqual(count_nhs(other["nhs_number"]), 0)
        # Byte for byte: the same JSON with other whitespace is another body.
        spaced = json.dumps(body, indent=1).encode()
        assert_problem(post(COLLECTION, spaced, token=token("clinician"), headers=h), 422)
        self.assertEqual(count_nhs(body["nhs_number"]), 1)

    def test_a_used_key_with_a_body_that_would_be_refused_is_422(self):
        # api.md: the same key with a different body is 422, whatever that
        # body holds; a client learns the key is spent, not a 400 about a
        # body that was never going to be read.
        body = service_user_body()
        h = {"Idempotency-Key": self.key()}
        self.assertEqual(post(COLLECTION, body, token=token("clinician"), headers=h).status, 201)
        for bad in (b'{"not": "a woman"}', b'{"given_name": ', b'[]'):
            with self.subTest(bad=bad):
                b = assert_problem(post(COLLECTION, bad, token=token("clinician"), headers=h),
                                   422)
                self.assertEqual(b["type"], "urn:perinatal:problem:idempotency-key-reused")

    def test_refused_request_does_not_keep_the_key(self):
        h = {"Idempotency-Key": self.key()}
        bad = service_user_body(perinatal_status={"stage": "pregnant"})
        assert_problem(post(COLLECTION, bad, token=token("clinician"), headers=h), 422)
        good = service_user_body()
        r = post(COLLECTION, good, token=token("clinician"), headers=h)
        self.assertEqual(r.status, 201, r)
        self.assertNotIn("idempotent-replayed", r.headers)

    def test_keys_are_per_caller(self):
        body = service_user_body()
        raw = json.dumps(body).encode()
        h = {"Idempotency-Key": self.key()}
        self.assertEqual(post(COLLECTION, raw, token=mint("clinician", sub="e2e-a"),
                              headers=h).status, 201)
        # Another caller, same key and body: not a replay; this NHS number
        # exists, so 409.
        r = post(COLLECTION, raw, token=mint("admin", sub="e2e-b-" + self.key()), headers=h)
        assert_problem(r, 409)

    def test_replay_never_crosses_organisations(self):
        # The same sub in two organisations (subs are only unique per
        # issuer's tenant): a replay must not hand one organisation's record
        # to the other.
        e2e.ensure_other_org()
        sub = "e2e-shared-" + self.key()
        raw = json.dumps(service_user_body()).encode()
        h = {"Idempotency-Key": self.key()}
        a = post(COLLECTION, raw, token=mint("admin", sub=sub), headers=h)
        self.assertEqual(a.status, 201, a)
        b = post(COLLECTION, raw, token=mint("admin", sub=sub, org=e2e.OTHER_ORG), headers=h)
        if isinstance(b.body, dict):
            self.assertNotEqual(b.body.get("organisation_id"), e2e.DEMO_ORG,
                                "organisation %s was given organisation %s's record %s"
                                % (e2e.OTHER_ORG, e2e.DEMO_ORG, b.body.get("id")))
            self.assertNotEqual(b.body.get("id"), a.body["id"])

    def test_bad_keys_400(self):
        for bad in ("k" * 256, "has space", "tab\tkey"):
            body = service_user_body()
            r = post(COLLECTION, body, token=token("clinician"), headers={"Idempotency-Key": bad})
            assert_problem(r, 400)
            self.assertEqual(count_nhs(body["nhs_number"]), 0)

    def test_concurrent_same_key_one_row(self):
        body = service_user_body()
        raw = json.dumps(body).encode()
        h = {"Idempotency-Key": self.key()}

        def one(_):
            return post(COLLECTION, raw, token=token("clinician"), headers=h)
        with concurrent.futures.ThreadPoolExecutor(10) as ex:
            results = list(ex.map(one, range(10)))
        self.assertEqual(count_nhs(body["nhs_number"]), 1)
        first = results[0]
        for r in results:
            self.assertEqual((r.status, r.body, r.headers.get("location")),
                             (first.status, first.body, first.headers.get("location")),
                             "answers differ: %r vs %r" % (r, first))
        self.assertEqual(first.status, 201)
        self.assertEqual(sum(1 for r in results if "idempotent-replayed" not in r.headers), 1)


if __name__ == "__main__":
    e2e.main()
