/* Route matching over the route table (which server/routes.c defines). */
#include "router.h"

#include <stdio.h>
#include <string.h>

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

match_result router_match(request *r, const route **out, char *allow, size_t allowlen)
{
    bool path_found = false;
    allow[0] = '\0';
    for (const route *rt = routes; rt->method; rt++) {
        if (!pattern_matches(rt->pattern, r->path, NULL, NULL, NULL))
            continue;
        path_found = true;
        if (!strcmp(rt->method, r->method)) {
            pattern_matches(rt->pattern, r->path, r->path_params, &r->npath_params, r->a);
            *out = rt;
            return MATCH_OK;
        }
        size_t used = strlen(allow);
        snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "", rt->method);
    }
    return path_found ? MATCH_NO_METHOD : MATCH_NO_PATH;
}

void router_print(void)
{
    for (const route *rt = routes; rt->method; rt++) {
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
