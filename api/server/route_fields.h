/* The request bodies each record route takes, from the definitions' field
 * tables, printed by `perinatal-contract fields` for
 * tests/openapi/check_routes.py to compare with each operation's documented
 * request schema: the fields, which are required, their types and enums. */
#ifndef PERINATAL_ROUTE_FIELDS_H
#define PERINATAL_ROUTE_FIELDS_H

/* Prints "METHOD pattern field type required|optional nullable|- values"
 * for every field a record route's body may carry (after
 * resources_register); nested fields are named parent.child. */
void route_fields_print(void);

#endif
