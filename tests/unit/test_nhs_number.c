/* The NHS number rule: modulus 11 with weights 10..2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nhs_number.h"

static void valid_numbers_pass(void **state)
{
    (void)state;
    assert_true(nhs_number_valid("9434765919")); /* NHS England's published example */
    assert_true(nhs_number_valid("4010232137"));
    assert_true(nhs_number_valid("5000000005")); /* 5*10 = 50; 50 % 11 = 6; 11 - 6 = 5 */
    assert_true(nhs_number_valid("1100000003")); /* 10 + 9 = 19; 19 % 11 = 8; check 3 */
}

static void wrong_check_digit_refused(void **state)
{
    (void)state;
    assert_false(nhs_number_valid("9434765918"));
    assert_false(nhs_number_valid("5000000000"));
    assert_false(nhs_number_valid("1100000000"));
}

static void check_digit_eleven_means_zero(void **state)
{
    (void)state;
    assert_true(nhs_number_valid("0000000000"));  /* sum 0: 11 - 0 = 11 -> 0 */
    assert_true(nhs_number_valid("2000000010"));  /* 20 + 2 = 22: 11 - 0 = 11 -> 0 */
    assert_false(nhs_number_valid("2000000011")); /* the same with 1 */
}

static void check_digit_ten_is_invalid(void **state)
{
    (void)state;
    /* 6 at weight 2: sum 12, 12 % 11 = 1, 11 - 1 = 10: no digit can be right. */
    for (char d = '0'; d <= '9'; d++) {
        char n[11] = "000000006X";
        n[9] = d;
        assert_false(nhs_number_valid(n));
    }
}

static void malformed_refused(void **state)
{
    (void)state;
    assert_false(nhs_number_valid(""));
    assert_false(nhs_number_valid("943476591"));
    assert_false(nhs_number_valid("94347659190"));
    assert_false(nhs_number_valid("943 476 5919"));
    assert_false(nhs_number_valid("943476591a"));
    assert_non_null(nhs_number_check("943 476 5919"));
    assert_non_null(nhs_number_check("9434765918"));
    assert_null(nhs_number_check("9434765919"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_numbers_pass),
        cmocka_unit_test(wrong_check_digit_refused),
        cmocka_unit_test(check_digit_eleven_means_zero),
        cmocka_unit_test(check_digit_ten_is_invalid),
        cmocka_unit_test(malformed_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
