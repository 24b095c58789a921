/* The route table: every path the API serves, its handler, the roles
 * allowed and what an audit row names. The one place roles are decided;
 * tests/openapi/check_routes.py compares it with the OpenAPI document. */
#include "resources.h"
#include "router.h"

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
