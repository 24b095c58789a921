/* The statuses each route can answer, derived from the route table and the
 * record definitions (what dispatch and the handlers do), printed by
 * `perinatal-contract statuses` for tests/openapi/check_routes.py to compare
 * with each operation's documented responses. */
#ifndef PERINATAL_ROUTE_STATUSES_H
#define PERINATAL_ROUTE_STATUSES_H

#include <stdbool.h>

#include "router.h"

/* Up to 24 statuses for rt, ascending, into out; returns how many. */
int route_statuses(const route *rt, int out[24]);

/* Prints "METHOD pattern status,status,..." for every route (after
 * resources_register). */
void route_statuses_print(void);

#endif
