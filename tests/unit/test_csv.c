/* The CSV writer (RFC 4180) and content negotiation (Accept), which the
 * reports use to choose between JSON and CSV. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "csv.h"
#include "http.h"

static arena a;

static const char *row(const char *const *fields)
{
    strbuf b;
    strbuf_init(&b, &a, 4096);
    for (int i = 0; fields[i] || i == 0; i++)
        csv_field(&b, fields[i], i == 0);
    csv_end_record(&b);
    strbuf_append(&b, "", 1);
    return b.data;
}

static void plain_fields_are_written_as_they_are(void **state)
{
    (void)state;
    assert_string_equal(row((const char *const[]){"a", "B1", "*", "12.5", NULL}),
                        "a,B1,*,12.5\r\n");
}

static void commas_quotes_and_line_breaks_are_quoted(void **state)
{
    (void)state;
    assert_string_equal(row((const char *const[]){"x,y", "say \"hi\"", "a\r\nb", "n\nm", NULL}),
                        "\"x,y\",\"say \"\"hi\"\"\",\"a\r\nb\",\"n\nm\"\r\n");
}

static void null_is_an_empty_field(void **state)
{
    (void)state;
    strbuf b;
    strbuf_init(&b, &a, 64);
    csv_field(&b, "a", true);
    csv_field(&b, NULL, false);
    csv_field(&b, "c", false);
    csv_end_record(&b);
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data, "a,,c\r\n", 6);
}

static int negotiate(const char *accept)
{
    static const char *const offered[] = {"application/json", "text/csv", NULL};
    request r;
    request_init(&r, &a);
    r.accept = accept;
    return http_negotiate(&r, offered);
}

static void accept_chooses_json_or_csv(void **state)
{
    (void)state;
    assert_int_equal(negotiate(NULL), 0);
    assert_int_equal(negotiate(""), 0);
    assert_int_equal(negotiate("*/*"), 0);
    assert_int_equal(negotiate("application/json"), 0);
    assert_int_equal(negotiate("text/csv"), 1);
    assert_int_equal(negotiate("TEXT/CSV; charset=utf-8"), 1);
    assert_int_equal(negotiate("text/*"), 1);
    assert_int_equal(negotiate("text/csv;q=0.5, application/json;q=0.9"), 0);
    assert_int_equal(negotiate("text/csv;q=1, application/json;q=0.9"), 1);
    assert_int_equal(negotiate("application/json;q=0, */*"), 1);
    assert_int_equal(negotiate("text/html, application/xhtml+xml, */*;q=0.8"), 0);
}

static void accept_of_nothing_offered_is_406(void **state)
{
    (void)state;
    assert_int_equal(negotiate("text/html"), -1);
    assert_int_equal(negotiate("application/xml, image/*"), -1);
    assert_int_equal(negotiate("text/csv;q=0, application/json;q=0"), -1);
    assert_int_equal(negotiate("text/csv;q=abc"), -1);
}

int main(void)
{
    arena_init(&a, 1 << 20);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_fields_are_written_as_they_are),
        cmocka_unit_test(commas_quotes_and_line_breaks_are_quoted),
        cmocka_unit_test(null_is_an_empty_field),
        cmocka_unit_test(accept_chooses_json_or_csv),
        cmocka_unit_test(accept_of_nothing_offered_is_406),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    arena_free(&a);
    return failed;
}
