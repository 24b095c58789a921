/* Strict JSON input: what json-c would accept and the contract refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "json_validate.h"

static arena a;

static int setup(void **state)
{
    (void)state;
    arena_init(&a, 1 << 24);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(&a);
    return 0;
}

static json_object *parse(const char *s, field_errors *e)
{
    memset(e, 0, sizeof(*e));
    return json_parse_strict(&a, s, strlen(s), 8, e);
}

static void accepts_plain_object(void **state)
{
    (void)state;
    field_errors e;
    assert_non_null(parse("{\"a\": 1, \"b\": [1, 2], \"c\": {\"d\": \"x\"}} \n", &e));
    assert_int_equal(e.count, 0);
}

static void refuses_lenient_syntax(void **state)
{
    (void)state;
    field_errors e;
    const char *bad[] = {
        "{'a': 1}",
        "{\"a\": 1,}",
        "{\"a\": 1} // c",
        "{\"a\": NaN}",
        "{\"a\": 1} {\"b\":2}",
        "{\"a\": 01}",
        "",
        "{\"a\": tru}",
        "{\"a\": \"\x01\"}",
        "{\"a\": 1",
        "[1,]",
        "{a: 1}",
        "[-Infinity]",
        "[1.]",
        "{\"a\": \"\\x41\"}",
        "[0x10]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_object *o = parse(bad[i], &e);
        if (o)
            fail_msg("accepted: %s", bad[i]);
        assert_int_equal(e.count, 1);
    }
}

static void refuses_invalid_utf8(void **state)
{
    (void)state;
    field_errors e;
    assert_null(parse("{\"a\": \"\xff\xfe\"}", &e));
    assert_null(parse("{\"a\": \"\xc3\"}", &e));
    assert_null(parse("{\"a\": \"\xed\xa0\x80\"}", &e));       /* an encoded surrogate */
    assert_null(parse("{\"a\": \"\xc0\xaf\"}", &e));           /* overlong */
    assert_null(parse("{\"a\": \"\xf5\x80\x80\x80\"}", &e));   /* above U+10FFFF */
    assert_null(parse("{\"a\": \"A\\ud800A\"}", &e));          /* lone high surrogate */
    assert_null(parse("{\"a\": \"\\udc00\"}", &e));            /* lone low surrogate */
    assert_non_null(parse("{\"a\": \"\\ud83d\\ude00\"}", &e)); /* a pair: U+1F600 */
    assert_non_null(parse("{\"a\": \"\xf0\x9f\x98\x80\"}", &e));
    assert_non_null(parse("{\"a\": \"Zo\xc3\xab\"}", &e)); /* Zoë */
}

static void refuses_too_deep(void **state)
{
    (void)state;
    field_errors e;
    char deep[512] = "";
    for (int i = 0; i < 100; i++)
        strcat(deep, "[");
    for (int i = 0; i < 100; i++)
        strcat(deep, "]");
    assert_null(parse(deep, &e));
    assert_non_null(strstr(e.items[0].detail, "nested"));
    assert_non_null(parse("{\"a\":{\"b\":{\"c\":[1]}}}", &e));
}

static void refuses_duplicate_keys_with_pointer(void **state)
{
    (void)state;
    field_errors e;
    assert_null(parse("{\"a\": 1, \"a\": 2}", &e));
    assert_string_equal(e.items[0].pointer, "/a");
    assert_null(parse("{\"x\": {\"b\": 1, \"c\": [1, {\"d\": 1, \"d\": 1}]}}", &e));
    assert_string_equal(e.items[0].pointer, "/x/c/1/d");
    /* An escaped spelling of the same key is the same key. */
    assert_null(parse("{\"ab\": 1, \"\\u0061b\": 2}", &e));
    /* The same key in sibling objects is fine. */
    assert_non_null(parse("[{\"a\": 1}, {\"a\": 2}]", &e));
    /* A key-like string value is not a key. */
    assert_non_null(parse("{\"a\": \"a\", \"b\": \"a\"}", &e));
    /* json-c stores a key up to its first NUL: "ab\u0000x" would be "ab",
     * the key before it again, unseen by the duplicate and field checks. */
    assert_null(parse("{\"ab\": 1, \"ab\\u0000x\": 2}", &e));
    assert_string_equal(e.items[0].pointer, "/ab");
    assert_non_null(strstr(e.items[0].detail, "NUL"));
    assert_null(parse("{\"a\\u0000\": 1}", &e));
}

/* 512 escaped keys, in 12 objects: each key is decoded once, not once per
 * pair (before, about 2 s of CPU for one such body). */
static void many_escaped_keys_are_checked_quickly(void **state)
{
    (void)state;
    size_t cap = 200000, n = 0;
    char *body = malloc(cap);
    assert_non_null(body);
    n += (size_t)snprintf(body + n, cap - n, "[");
    for (int o = 0; o < 12; o++) {
        n += (size_t)snprintf(body + n, cap - n, "%s{", o ? "," : "");
        for (int k = 0; k < 512; k++)
            n += (size_t)snprintf(body + n, cap - n, "%s\"\\u0078%03d\":0", k ? "," : "", k);
        n += (size_t)snprintf(body + n, cap - n, "}");
    }
    snprintf(body + n, cap - n, "]");
    assert_true(n < cap - 2);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    field_errors e;
    assert_non_null(parse(body, &e));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(took < 0.5); /* 10 times the margin; it took 2 s before */
    free(body);
}

static const char *const colours[] = {"red", "green", NULL};
static const field_spec inner[] = {
    {"flag", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec spec[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"name", FIELD_STRING, FIELD_REQUIRED, 1, 5, NULL, NULL, NULL},
    {"born", FIELD_DATE, 0, 0, 0, NULL, NULL, NULL},
    {"count", FIELD_INT, FIELD_NULLABLE, 1, 8, NULL, NULL, NULL},
    {"colour", FIELD_ENUM, 0, 0, 0, colours, NULL, NULL},
    {"team_id", FIELD_UUID, 0, 0, 0, NULL, NULL, NULL},
    {"inner", FIELD_OBJECT, 0, 0, 0, NULL, NULL, inner},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const char *first_pointer(const char *body, validate_mode mode)
{
    field_errors e;
    json_object *o = parse(body, &e);
    assert_non_null(o);
    if (json_validate(&a, o, spec, mode, "", &e))
        return NULL;
    return e.items[0].pointer;
}

static void validation_points_at_the_field(void **state)
{
    (void)state;
    assert_null(first_pointer("{\"name\": \"Ann\"}", VALIDATE_CREATE));
    assert_string_equal(first_pointer("{}", VALIDATE_CREATE), "/name");
    assert_null(first_pointer("{}", VALIDATE_PATCH));
    assert_string_equal(first_pointer("{\"name\": \"Ann\", \"zzz\": 1}", VALIDATE_CREATE), "/zzz");
    /* RFC 6901: a key's '~' and '/' are written "~0" and "~1". */
    assert_string_equal(first_pointer("{\"name\": \"Ann\", \"a/b~c\": 1}", VALIDATE_CREATE),
                        "/a~1b~0c");
    assert_string_equal(first_pointer("{\"name\": \"Ann\", \"id\": \"x\"}", VALIDATE_CREATE),
                        "/id");
    assert_string_equal(first_pointer("{\"name\": 5}", VALIDATE_CREATE), "/name");
    assert_string_equal(first_pointer("{\"name\": \"toolong\"}", VALIDATE_CREATE), "/name");
    /* Lengths count characters, not bytes: five accented letters fit. */
    assert_null(
        first_pointer("{\"name\": \"\xc3\xab\xc3\xab\xc3\xab\xc3\xab\xc3\xab\"}", VALIDATE_CREATE));
    assert_string_equal(
        first_pointer("{\"name\": \"A\", \"born\": \"2023-02-29\"}", VALIDATE_CREATE), "/born");
    assert_null(first_pointer("{\"name\": \"A\", \"born\": \"2024-02-29\"}", VALIDATE_CREATE));
    assert_string_equal(first_pointer("{\"name\": \"A\", \"count\": 9}", VALIDATE_CREATE),
                        "/count");
    assert_string_equal(first_pointer("{\"name\": \"A\", \"count\": 1.5}", VALIDATE_CREATE),
                        "/count");
    assert_string_equal(first_pointer("{\"name\": \"A\", \"count\": \"3\"}", VALIDATE_CREATE),
                        "/count");
    assert_string_equal(
        first_pointer("{\"name\": \"A\", \"count\": 99999999999999999999999}", VALIDATE_CREATE),
        "/count");
    assert_null(first_pointer("{\"name\": \"A\", \"count\": null}", VALIDATE_CREATE));
    assert_string_equal(first_pointer("{\"name\": null}", VALIDATE_PATCH), "/name");
    assert_string_equal(first_pointer("{\"name\": \"A\", \"colour\": \"blue\"}", VALIDATE_CREATE),
                        "/colour");
    assert_string_equal(
        first_pointer("{\"name\": \"A\", \"team_id\": \"1; DROP\"}", VALIDATE_CREATE), "/team_id");
    assert_string_equal(
        first_pointer("{\"name\": \"A\", \"inner\": {\"flag\": 1}}", VALIDATE_CREATE),
        "/inner/flag");
    assert_string_equal(
        first_pointer("{\"name\": \"A\", \"inner\": {\"x\": true}}", VALIDATE_CREATE), "/inner/x");
    assert_string_equal(first_pointer("{\"name\": \"a\\u0000b\"}", VALIDATE_CREATE), "/name");
    assert_string_equal(first_pointer("{\"name\": \"a\\u0007\"}", VALIDATE_CREATE), "/name");
}

static void merge_patch_follows_rfc7396(void **state)
{
    (void)state;
    field_errors e;
    json_object *target = parse("{\"a\": 1, \"b\": {\"c\": 2, \"d\": 3}}", &e);
    json_object *patch = parse("{\"a\": null, \"b\": {\"c\": 9}, \"e\": [1]}", &e);
    json_merge_patch(target, patch);
    assert_string_equal(json_to_arena(&a, target, NULL), "{\"b\":{\"c\":9,\"d\":3},\"e\":[1]}");
}

/* Valid JSON that is not an object: "must be a JSON object", never "not
 * valid JSON". */
static void scalars_are_not_objects(void **state)
{
    (void)state;
    const char *bodies[] = {"0", "null", " true ", "\"x\"", "-1.5e3"};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        field_errors e;
        assert_null(parse(bodies[i], &e));
        assert_int_equal(e.count, 1);
        assert_string_equal(e.items[0].detail, "the body must be a JSON object");
    }
    field_errors e;
    assert_null(parse("0x", &e));
    assert_non_null(strstr(e.items[0].detail, "not valid JSON"));
}

/* RFC 3339 full-date and date-time: any year 0001-9999, any fraction. */
static void dates_and_timestamps_are_rfc3339(void **state)
{
    (void)state;
    const char *dates[] = {"0001-01-01", "1899-12-31", "2000-02-29", "9999-12-31"};
    for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++)
        assert_true(json_is_date(dates[i]));
    const char *not_dates[] = {"0000-01-01", "1900-02-29",  "2026-13-01", "2026-1-01",
                               "20260101",   "2026-01-01x", "+2026-01-01"};
    for (size_t i = 0; i < sizeof(not_dates) / sizeof(not_dates[0]); i++)
        assert_false(json_is_date(not_dates[i]));
    const char *stamps[] = {"0001-01-01T00:00:00Z",
                            "2201-01-01T00:00:00Z",
                            "2026-11-25t09:30:00.123456789012z",
                            "2026-06-30T23:59:60+01:00",
                            "2026-06-30T10:00:00-23:59",
                            "2026-06-30T10:00:00.5-00:00"};
    for (size_t i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++)
        assert_true(json_is_timestamp(stamps[i]));
    const char *not_stamps[] = {"2026-06-30T24:00:00Z",  "2026-06-30T10:00:00",
                                "2026-06-30T10:00:00.Z", "2026-06-30T10:00:00+2400",
                                "2026-06-30 10:00:00Z",  "2026-06-30T10:00:61Z"};
    for (size_t i = 0; i < sizeof(not_stamps) / sizeof(not_stamps[0]); i++)
        assert_false(json_is_timestamp(not_stamps[i]));
}

/* More than microseconds: rounded as PostgreSQL rounds, carrying over. */
static void timestamps_round_to_microseconds(void **state)
{
    (void)state;
    const char *same = "2026-01-01T00:00:00.123456Z";
    assert_ptr_equal(json_timestamp_normalise(&a, same), same);
    assert_string_equal(json_timestamp_normalise(&a, "2026-01-01T00:00:00.1234564Z"),
                        "2026-01-01T00:00:00.123456Z");
    assert_string_equal(json_timestamp_normalise(&a, "2026-01-01T00:00:00.1234566+01:00"),
                        "2026-01-01T00:00:00.123457+01:00");
    assert_string_equal(json_timestamp_normalise(&a, "2024-02-28T23:59:59.99999999Z"),
                        "2024-02-29T00:00:00Z");
    assert_string_equal(json_timestamp_normalise(&a, "2025-12-31T23:59:59.9999995-05:00"),
                        "2026-01-01T00:00:00-05:00");
}

/* The range is a rule (422), checked apart from the syntax (400). */
static void date_ranges_are_a_rule(void **state)
{
    (void)state;
    static const field_spec born_spec[] = {
        {"born", FIELD_DATE, 0, 0, 0, NULL, NULL, NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
    };
    static const field_spec dated[] = {
        {"at", FIELD_TIMESTAMP, 0, 0, 0, NULL, NULL, NULL},
        {"woman", FIELD_OBJECT, 0, 0, 0, NULL, NULL, born_spec},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
    };
    field_errors e;
    json_object *o = parse("{\"at\": \"2201-01-01T00:00:00Z\", \"woman\": {\"born\": "
                           "\"1899-12-31\"}}",
                           &e);
    assert_non_null(o);
    assert_true(json_validate(&a, o, dated, VALIDATE_CREATE, "", &e));
    json_date_ranges(&a, o, dated, "", &e);
    assert_int_equal(e.count, 2);
    assert_string_equal(e.items[0].pointer, "/at");
    assert_string_equal(e.items[1].pointer, "/woman/born");
    o = parse("{\"at\": \"1900-01-01T00:00:00+14:00\", \"woman\": {\"born\": "
              "\"2200-12-31\"}}",
              &e);
    json_date_ranges(&a, o, dated, "", &e);
    assert_int_equal(e.count, 0);
    o = parse("{\"at\": \"2026-01-01T00:00:00+14:01\"}", &e);
    json_date_ranges(&a, o, dated, "", &e);
    assert_int_equal(e.count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_plain_object),
        cmocka_unit_test(refuses_lenient_syntax),
        cmocka_unit_test(refuses_invalid_utf8),
        cmocka_unit_test(refuses_too_deep),
        cmocka_unit_test(refuses_duplicate_keys_with_pointer),
        cmocka_unit_test(many_escaped_keys_are_checked_quickly),
        cmocka_unit_test(validation_points_at_the_field),
        cmocka_unit_test(merge_patch_follows_rfc7396),
        cmocka_unit_test(scalars_are_not_objects),
        cmocka_unit_test(dates_and_timestamps_are_rfc3339),
        cmocka_unit_test(timestamps_round_to_microseconds),
        cmocka_unit_test(date_ranges_are_a_rule),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
