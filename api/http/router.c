/* Route table and matching. */
#include "router.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "resources.h"

#define CLIN_ADMIN (ROLE_CLINICIAN | ROLE_ADMIN)

#define NO_AUDIT NULL, NULL
#define AUDIT(resource, action) resource, action

const route routes[] = {
    {"GET", "/healthz", health_live, 0, ROUTE_PUBLIC, NO_AUDIT},
    {"GET", "/readyz", health_ready, 0, ROUTE_PUBLIC, NO_AUDIT},
    {"GET", "/metrics", health_metrics, 0, ROUTE_PUBLIC, NO_AUDIT},

    {"POST", "/v1/teams", teams_create, ROLE_ADMIN, ROUTE_BODY, NO_AUDIT},
    {"GET", "/v1/teams", teams_list, CLIN_ADMIN, 0, NO_AUDIT},
    {"GET", "/v1/teams/{team_id}", teams_get, CLIN_ADMIN, 0, NO_AUDIT},
    {"PATCH", "/v1/teams/{team_id}", teams_update, ROLE_ADMIN, ROUTE_BODY, NO_AUDIT},

    {"POST", "/v1/staff", staff_create, ROLE_ADMIN, ROUTE_BODY, NO_AUDIT},
    {"GET", "/v1/staff", staff_list, CLIN_ADMIN, 0, NO_AUDIT},
    {"GET", "/v1/staff/{staff_id}", staff_get, CLIN_ADMIN, 0, NO_AUDIT},
    {"PATCH", "/v1/staff/{staff_id}", staff_update, ROLE_ADMIN, ROUTE_BODY, NO_AUDIT},

    {"POST", "/v1/service-users", service_users_create, CLIN_ADMIN, ROUTE_BODY,
     AUDIT("service_user", "create")},
    {"GET", "/v1/service-users", service_users_list, CLIN_ADMIN, 0, AUDIT("service_user", "list")},
    {"GET", "/v1/service-users/{service_user_id}", service_users_get, CLIN_ADMIN, 0,
     AUDIT("service_user", "read")},
    {"PATCH", "/v1/service-users/{service_user_id}", service_users_update, CLIN_ADMIN, ROUTE_BODY,
     AUDIT("service_user", "update")},

    {"POST", "/v1/referrals", referrals_create, CLIN_ADMIN | ROLE_REFERRER, ROUTE_BODY,
     AUDIT("referral", "create")},
    {"GET", "/v1/referrals", referrals_list, CLIN_ADMIN | ROLE_REFERRER, 0,
     AUDIT("referral", "list")},
    {"GET", "/v1/referrals/{referral_id}", referrals_get, CLIN_ADMIN | ROLE_REFERRER, 0,
     AUDIT("referral", "read")},
    {"POST", "/v1/referrals/{referral_id}/transitions", referrals_transition, CLIN_ADMIN,
     ROUTE_BODY, AUDIT("referral", "transition")},
    {"GET", "/v1/referrals/{referral_id}/transitions", referrals_history, CLIN_ADMIN, 0,
     AUDIT("referral", "history")},

    {"GET", "/v1/audit", audit_list, ROLE_ADMIN, 0, NO_AUDIT},
    {"POST", "/v1/revoked-tokens", revoked_tokens_create, ROLE_ADMIN, ROUTE_BODY, NO_AUDIT},

    {NULL, NULL, NULL, 0, 0, NO_AUDIT},
};

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
