/* Route matching over the route table (which server/routes.c defines). */
#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ADDED_ROUTES 512

/* Routes added at start-up, after the table; ends with a NULL method. */
static route added[MAX_ADDED_ROUTES + 1];
static int nadded;

void router_add(const char *method, const char *pattern, handler_fn handler, const void *resource,
                unsigned roles, unsigned flags, const char *audit_resource,
                const char *audit_action)
{
    /* A route left out would answer 404 in production: refuse to start. */
    if (nadded == MAX_ADDED_ROUTES) {
        fprintf(stderr, "router: more than %d routes added; raise MAX_ADDED_ROUTES\n",
                MAX_ADDED_ROUTES);
        abort();
    }
    added[nadded++] =
        (route){method, pattern, handler, roles, flags, audit_resource, audit_action, resource};
}

/* Every route: the table's, then those added. */
#define FOR_EACH_ROUTE(rt)                                                                         \
    for (int table_ = 0; table_ < 2; table_++)                                                     \
        for (const route *rt = table_ ? added : routes; rt->method; rt++)

const route *router_route(int i)
{
    int n = 0;
    FOR_EACH_ROUTE(rt)
    {
        if (n++ == i)
            return rt;
    }
    return NULL;
}

/* Matches one pattern against a path; captures the brace segments. */
static bool pattern_matches(const char *pattern, const char *path, const char **params,
                            int *nparams, arena *a)
{
    const char *p = pattern, *s = path;
    int n = 0;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *end = strchr(s, '/');
            size_t len = end ? (size_t)(end - s) : strlen(s);
            if (!close || len == 0 || n == MAX_PATH_PARAMS)
                return false;
            if (params && a)
                params[n] = arena_strndup(a, s, len);
            n++;
            p = close + 1;
            s += len;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    if (*p || *s)
        return false;
    if (nparams)
        *nparams = n;
    return true;
}

/* How many path parameters a pattern has: a path is served by the routes
 * with the fewest (a literal segment wins over a parameter, so
 * /v1/service-users/lookup is not an item). */
static int param_count(const char *pattern)
{
    int n = 0;
    for (const char *p = pattern; *p; p++)
        n += *p == '{';
    return n;
}

match_result router_match(request *r, const route **out, char *allow, size_t allowlen)
{
    int fewest = MAX_PATH_PARAMS + 1;
    FOR_EACH_ROUTE(rt)
    {
        int n = param_count(rt->pattern);
        if (n < fewest && pattern_matches(rt->pattern, r->path, NULL, NULL, NULL))
            fewest = n;
    }
    allow[0] = '\0';
    if (fewest > MAX_PATH_PARAMS)
        return MATCH_NO_PATH;
    int index = -1;
    FOR_EACH_ROUTE(rt)
    {
        index++;
        if (param_count(rt->pattern) != fewest ||
            !pattern_matches(rt->pattern, r->path, NULL, NULL, NULL))
            continue;
        if (!strcmp(rt->method, r->method)) {
            pattern_matches(rt->pattern, r->path, r->path_params, &r->npath_params, r->a);
            *out = rt;
            r->route_index = index;
            return MATCH_OK;
        }
        size_t used = strlen(allow);
        snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "", rt->method);
    }
    return MATCH_NO_METHOD;
}

void router_print(void)
{
    FOR_EACH_ROUTE(rt)
    {
        printf("%s %s", rt->method, rt->pattern);
        if (rt->flags & ROUTE_PUBLIC) {
            printf(" public\n");
            continue;
        }
        const char *sep = " ";
        for (unsigned bit = 1; bit <= ROLE_COMMISSIONER; bit <<= 1) {
            if (rt->roles & bit) {
                printf("%s%s", sep, role_name((role)bit));
                sep = ",";
            }
        }
        printf("\n");
    }
}
