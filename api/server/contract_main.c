/* perinatal-contract: what the application answers, as data, for the
 * OpenAPI checks (tests/openapi/check_routes.py). Separate from
 * perinatal-api's main so that it needs no configuration or database.
 *
 *   perinatal-contract statuses   "METHOD pattern status,..." per route
 *   perinatal-contract fields     each record route's body fields */
#include <stdio.h>
#include <string.h>

#include "resources.h"
#include "route_fields.h"
#include "route_statuses.h"

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "statuses")) {
        resources_register();
        route_statuses_print();
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "fields")) {
        resources_register();
        route_fields_print();
        return 0;
    }
    fprintf(stderr, "usage: perinatal-contract statuses|fields\n");
    return 2;
}
