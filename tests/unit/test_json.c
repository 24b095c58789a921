/* Strict JSON input: what json-c would accept and the contract refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_plain_object),
        cmocka_unit_test(refuses_lenient_syntax),
        cmocka_unit_test(refuses_invalid_utf8),
        cmocka_unit_test(refuses_too_deep),
        cmocka_unit_test(refuses_duplicate_keys_with_pointer),
        cmocka_unit_test(validation_points_at_the_field),
        cmocka_unit_test(merge_patch_follows_rfc7396),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
