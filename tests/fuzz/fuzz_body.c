/* libFuzzer target for request bodies: the bytes go through what a create and
 * an update of a service user do before the database sees them (strict
 * parse, validation in both modes, the clinical rules, the merge patch onto
 * the stored record), and a few properties the handlers rely on are checked:
 *   - json_parse_strict returns an object exactly when it adds no error, and
 *     what it takes at the default depth it takes at the largest too;
 *   - json_validate returns true exactly when it adds no error;
 *   - a body that passes validation serialises (json_to_arena) to text the
 *     strict parser takes back, as the update path re-reads stored records.
 * A broken property aborts, which libFuzzer reports as a crash.
 *
 * By hand (after scripts/test, or a build with PERINATAL_FUZZ=ON):
 *   build-fuzz/tests/fuzz/fuzz_body -dict=tests/fuzz/body.dict \
 *       -max_total_time=60 /tmp/corpus tests/fuzz/corpus/body
 *   build-fuzz/tests/fuzz/fuzz_body crash-<sha1>      (replays one input) */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"
#include "http.h"
#include "json.h"
#include "json_validate.h"
#include "problem.h"
#include "resources.h"

/* The default of PERINATAL_MAX_JSON_DEPTH, and the largest it may be set to. */
#define DEPTH_DEFAULT 8
#define DEPTH_MAX 64
/* The largest body PERINATAL_MAX_BODY_BYTES allows; the server refuses more. */
#define BODY_MAX (16 * 1024 * 1024)

/* A stored record as resource_update holds it after drop_readonly and
 * drop_nulls: no server-owned fields, no nulls. The fuzzed patch goes onto a
 * copy of it. */
static const char stored_record[] =
    "{\"nhs_number\":\"9434765919\",\"given_name\":\"Ada\",\"family_name\":\"Lovelace\","
    "\"date_of_birth\":\"1990-02-28\",\"gp_practice_code\":\"A12345\",\"postcode\":\"DT1 2JY\","
    "\"consent\":{\"partner_involvement\":true,\"share_with_gp\":false,"
    "\"share_with_health_visiting\":true},"
    "\"perinatal_status\":{\"stage\":\"pregnant\",\"estimated_due_date\":\"2026-06-01\"}}";

static arena a;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_body: property broken: %s\n", what);
    abort();
}

/* Parses strictly and checks the result agrees with the errors added. */
static json_object *parse(const char *buf, size_t len, int depth)
{
    field_errors e = {0};
    json_object *obj = json_parse_strict(&a, buf, len, depth, &e);
    if (obj && e.count)
        fail("json_parse_strict returned an object and an error");
    if (!obj && !e.count)
        fail("json_parse_strict failed without an error");
    return obj;
}

/* Validates and checks the result agrees with the errors added. */
static bool validate(json_object *obj, validate_mode mode, field_errors *e)
{
    int before = e->count;
    bool ok = json_validate(&a, obj, service_user_fields, mode, "", e);
    if (ok != (e->count == before))
        fail("json_validate's result disagrees with its errors");
    return ok;
}

/* What the handler stores must read back through the strict parser. */
static void check_round_trip(json_object *obj)
{
    size_t len;
    const char *text = json_to_arena(&a, obj, &len);
    if (!text)
        return; /* the arena cap, not a bug */
    if (!parse(text, len, DEPTH_MAX))
        fail("a validated body does not re-parse after json_to_arena");
}

static void run_rules(json_object *rec)
{
    request r;
    field_errors e = {0};
    request_init(&r, &a);
    service_user_rules(&r, rec, &e);
}

/* resource_update: the patch merged into the stored record, then the whole
 * record validated and checked against the rules. */
static void update_path(json_object *patch)
{
    json_object *record = parse(stored_record, sizeof(stored_record) - 1, 16);
    if (!record)
        fail("the stored record does not parse");
    json_object *target = NULL;
    if (json_object_deep_copy(record, &target, NULL) != 0 || !target)
        return;
    json_merge_patch(target, patch);
    field_errors e = {0};
    if (validate(target, VALIDATE_CREATE, &e)) {
        run_rules(target);
        check_round_trip(target);
    }
    json_object_put(target);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    arena_init(&a, 64 * 1024 * 1024);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > BODY_MAX)
        return -1;
    /* A copy of exactly size bytes, no terminator: the parser must not read
     * past the body (ASan catches it if it does). */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    for (size_t i = 0; i < size; i++)
        buf[i] = (char)data[i];

    json_object *deep = parse(buf, size, DEPTH_MAX);
    json_object *obj = parse(buf, size, DEPTH_DEFAULT);
    if (obj && !deep)
        fail("a body accepted at the default depth is refused at the largest");
    if (obj) {
        field_errors e = {0};
        if (validate(obj, VALIDATE_CREATE, &e)) {
            /* resource_create: rules, then the body is stored. */
            run_rules(obj);
            check_round_trip(obj);
        }
        e.count = 0;
        if (validate(obj, VALIDATE_PATCH, &e))
            update_path(obj);
        /* The merge itself on anything object-shaped, validated or not:
         * the body merged into a copy of itself. */
        if (json_object_is_type(obj, json_type_object)) {
            json_object *copy = NULL;
            if (json_object_deep_copy(obj, &copy, NULL) == 0 && copy) {
                json_merge_patch(copy, obj);
                json_to_arena(&a, copy, NULL);
                json_object_put(copy);
            }
        }
    }
    arena_reset(&a);
    free(buf);
    return 0;
}
