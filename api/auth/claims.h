/* Checks a decoded token's claims and builds the principal from them. */
#ifndef PERINATAL_CLAIMS_H
#define PERINATAL_CLAIMS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <time.h>

#include "principal.h"

/* True when every claim is present, well-formed and in date at now; fills
 * *who. Else false with *why set to a short reason for the server log. */
bool claims_check(json_object *claims, time_t now, principal *who, const char **why);

#endif
