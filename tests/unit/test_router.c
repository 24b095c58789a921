/* Routing: the table, path parameters, 404 and 405 with Allow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "resources.h"
#include "router.h"

static arena a;

static match_result match(const char *method, const char *path, const route **rt, request *r,
                          char *allow)
{
    request_init(r, &a);
    r->method = method;
    r->path = path;
    return router_match(r, rt, allow, 64);
}

static void matches_collection_and_item(void **state)
{
    (void)state;
    request r;
    const route *rt;
    char allow[64];
    assert_int_equal(match("GET", "/v1/service-users", &rt, &r, allow), MATCH_OK);
    assert_string_equal(rt->pattern, "/v1/service-users");
    assert_int_equal(r.npath_params, 0);
    assert_int_equal(match("PATCH", "/v1/service-users/abc", &rt, &r, allow), MATCH_OK);
    assert_string_equal(rt->pattern, "/v1/service-users/{service_user_id}");
    assert_int_equal(r.npath_params, 1);
    assert_string_equal(r.path_params[0], "abc");
}

static void unknown_paths_are_404(void **state)
{
    (void)state;
    request r;
    const route *rt;
    char allow[64];
    assert_int_equal(match("GET", "/v1/service-users/a/b", &rt, &r, allow), MATCH_NO_PATH);
    assert_int_equal(match("GET", "/v1/service-users/", &rt, &r, allow), MATCH_NO_PATH);
    assert_int_equal(match("GET", "/v1/service-users-x", &rt, &r, allow), MATCH_NO_PATH);
    assert_int_equal(match("GET", "/v2/teams", &rt, &r, allow), MATCH_NO_PATH);
    assert_int_equal(match("GET", "", &rt, &r, allow), MATCH_NO_PATH);
}

static void wrong_method_is_405_with_allow(void **state)
{
    (void)state;
    request r;
    const route *rt;
    char allow[64];
    assert_int_equal(match("DELETE", "/v1/teams/x", &rt, &r, allow), MATCH_NO_METHOD);
    assert_string_equal(allow, "GET, PATCH");
    assert_int_equal(match("PUT", "/v1/teams", &rt, &r, allow), MATCH_NO_METHOD);
    assert_string_equal(allow, "POST, GET");
}

static void every_v1_route_needs_a_role(void **state)
{
    (void)state;
    const route *rt;
    for (int i = 0; (rt = router_route(i)); i++) {
        if (!strncmp(rt->pattern, "/v1/", 4)) {
            assert_false(rt->flags & ROUTE_PUBLIC);
            assert_true(rt->roles != 0);
        }
    }
}

static void liaison_and_commissioner_cannot_touch_records(void **state)
{
    (void)state;
    const route *rt;
    for (int i = 0; (rt = router_route(i)); i++) {
        if (!strncmp(rt->pattern, "/v1/service-users", 17)) {
            assert_false(rt->roles & ROLE_LIAISON);
            assert_false(rt->roles & ROLE_COMMISSIONER);
            assert_false(rt->roles & ROLE_REFERRER);
        }
    }
}

int main(void)
{
    arena_init(&a, 1 << 20);
    resources_register();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_collection_and_item),
        cmocka_unit_test(unknown_paths_are_404),
        cmocka_unit_test(wrong_method_is_405_with_allow),
        cmocka_unit_test(every_v1_route_needs_a_role),
        cmocka_unit_test(liaison_and_commissioner_cannot_touch_records),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    arena_free(&a);
    return failed;
}
