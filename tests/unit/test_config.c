/* Configuration: defaults, and a bad value names its variable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static void defaults_load(void **state)
{
    (void)state;
    char err[256] = "";
    unsetenv("PERINATAL_WORKERS");
    unsetenv("PERINATAL_JWT_LEEWAY_S");
    assert_true(config_load(err, sizeof(err)));
    assert_int_equal(g_config.jwt_leeway_s, 60);
    assert_int_equal(g_config.max_body_bytes, 65536);
    assert_true(g_config.workers >= 1);
}

static void bad_values_name_the_variable(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"PERINATAL_WORKERS", "lots"},         {"PERINATAL_WORKERS", "0"},
        {"PERINATAL_WORKERS", "99999"},        {"PERINATAL_JWT_LEEWAY_S", "-1"},
        {"PERINATAL_SOCKET_MODE", "rw"},       {"PERINATAL_LOG_REQUESTS", "maybe"},
        {"PERINATAL_MAX_BODY_BYTES", "10abc"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        setenv(cases[i][0], cases[i][1], 1);
        assert_false(config_load(err, sizeof(err)));
        assert_non_null(strstr(err, cases[i][0]));
        unsetenv(cases[i][0]);
    }
    char err[256] = "";
    char longpath[400];
    memset(longpath, 'x', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    setenv("PERINATAL_LISTEN", longpath, 1);
    assert_false(config_load(err, sizeof(err)));
    assert_non_null(strstr(err, "PERINATAL_LISTEN"));
    unsetenv("PERINATAL_LISTEN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_load),
        cmocka_unit_test(bad_values_name_the_variable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
