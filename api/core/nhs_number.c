/* NHS number validation. */
#include "nhs_number.h"

#include <string.h>

bool nhs_number_valid(const char *s)
{
    if (strlen(s) != 10)
        return false;
    int sum = 0;
    for (int i = 0; i < 10; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    for (int i = 0; i < 9; i++)
        sum += (s[i] - '0') * (10 - i);
    int check = 11 - (sum % 11);
    if (check == 11)
        check = 0;
    if (check == 10)
        return false;
    return check == s[9] - '0';
}

const char *nhs_number_check(const char *s)
{
    if (strlen(s) != 10 || strspn(s, "0123456789") != 10)
        return "must be 10 digits with no spaces";
    if (!nhs_number_valid(s))
        return "is not a valid NHS number (check digit)";
    return NULL;
}
