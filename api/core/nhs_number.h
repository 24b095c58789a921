/* The NHS number rule (modulus 11). */
#ifndef PERINATAL_NHS_NUMBER_H
#define PERINATAL_NHS_NUMBER_H

#include <stdbool.h>

/* Ten digits, no spaces; weights 10..2 on the first nine; check digit
 * 11 - (sum mod 11), where 11 means 0 and 10 means the number is invalid. */
bool nhs_number_valid(const char *s);

/* For field validation: NULL when valid, else why not. */
const char *nhs_number_check(const char *s);

#endif
