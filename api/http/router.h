/* Routes: method, path pattern, handler and the roles allowed, and the
 * matcher over them. The table itself is data the server layer provides
 * (server/routes.c), as nginx's ngx_modules[] is declared in core and
 * generated outside it: this layer reads it by the symbol and names no
 * handler. It is the one place where roles are checked and the source the
 * OpenAPI document is compared against. */
#ifndef PERINATAL_ROUTER_H
#define PERINATAL_ROUTER_H

#include "http.h"

/* A handler answers the request (sets a response) and returns true; false
 * means it did not, which dispatch turns into a 500. */
typedef bool (*handler_fn)(request *r);

enum {
    ROUTE_PUBLIC = 1 << 0, /* no token (health, readiness, metrics) */
    ROUTE_BODY = 1 << 1,   /* takes a JSON body */
};

#define ROLES_ANY (ROLE_CLINICIAN | ROLE_ADMIN | ROLE_REFERRER | ROLE_LIAISON | ROLE_COMMISSIONER)

typedef struct route {
    const char *method;
    const char *pattern; /* segments in braces match one path segment */
    handler_fn handler;
    unsigned roles;
    unsigned flags;
    /* For routes that touch a woman's record: what the audit row names
     * (resource and action); NULL elsewhere. */
    const char *audit_resource, *audit_action;
    /* What the handler serves (the record layer's definition), or NULL. */
    const void *resource;
} route;

/* Defined in server/routes.c; ends with a NULL method. */
extern const route routes[];

/* Adds a route at start-up (the record layer's, from each definition);
 * matched after the table above. */
void router_add(const char *method, const char *pattern, handler_fn handler, const void *resource,
                unsigned roles, unsigned flags, const char *audit_resource,
                const char *audit_action);

typedef enum match_result {
    MATCH_OK,
    MATCH_NO_PATH,   /* 404 */
    MATCH_NO_METHOD, /* 405, allow holds the methods */
} match_result;

/* The i-th route of all (the table's, then those added); NULL past the
 * last. */
const route *router_route(int i);

/* Finds the route for method and path; fills r->path_params and
 * r->route_index. */
match_result router_match(request *r, const route **out, char *allow, size_t allowlen);

/* Prints "METHOD pattern roles" for every route (perinatal-api routes). */
void router_print(void);

#endif
