/* The route table: the paths that are not records, their handlers, the
 * roles allowed. With the records' routes (from their definitions) it is
 * the one place roles are decided; tests/openapi/check_routes.py compares
 * all of them with the OpenAPI document. */
#include "resources.h"
#include "router.h"

#define NO_AUDIT NULL, NULL
/* Every pull of a report is audited, refusals too (dispatch's fallback). */
#define REPORT_AUDIT "report", "read", NULL

/* The routes that are not records'; each record's routes are added from its
 * definition at start-up (resources_register). */
const route routes[] = {
    {"GET", "/healthz", health_live, 0, ROUTE_PUBLIC, NO_AUDIT, NULL},
    {"GET", "/readyz", health_ready, 0, ROUTE_PUBLIC, NO_AUDIT, NULL},
    {"GET", "/metrics", health_metrics, 0, ROUTE_PUBLIC, NO_AUDIT, NULL},
    {"GET", "/v1/audit", audit_events_list, ROLE_ADMIN, 0, NO_AUDIT, NULL},
    {"POST", "/v1/revoked-tokens", revoked_tokens_create, ROLE_ADMIN, ROUTE_BODY, NO_AUDIT, NULL},
    {"GET", "/v1/instruments", instruments_list, ROLE_CLINICIAN | ROLE_ADMIN, 0, NO_AUDIT, NULL},
    {"POST", "/v1/alerts/{alert_id}/acknowledgements", alert_acknowledge, ROLE_CLINICIAN,
     ROUTE_BODY, "alert", "update", &alert_record},
    {"POST", "/v1/liaison-updates", liaison_updates_receive, ROLE_LIAISON, ROUTE_BODY,
     "liaison_update", "create", NULL},
    {"GET", "/v1/liaison-updates", liaison_updates_list, ROLE_LIAISON | ROLE_ADMIN, 0,
     "liaison_update", "list", NULL},
    {"GET", "/v1/liaison-updates/{liaison_update_id}", liaison_updates_get,
     ROLE_LIAISON | ROLE_ADMIN, 0, "liaison_update", "read", NULL},
    {"POST", "/v1/liaison-updates/{liaison_update_id}/acknowledgement", liaison_updates_acknowledge,
     ROLE_LIAISON, 0, "liaison_update", "update", NULL},
    {"GET", "/v1/reports/{report}", reports_get, ROLE_COMMISSIONER | ROLE_ADMIN, 0, REPORT_AUDIT},
    {"GET", "/v1/reports/{report}/submissions", report_submissions_list,
     ROLE_COMMISSIONER | ROLE_ADMIN, 0, REPORT_AUDIT},
    {"POST", "/v1/reports/{report}/submissions", report_submissions_create, ROLE_ADMIN, ROUTE_BODY,
     "report_submission", "create", NULL},
    {"GET", "/v1/reports/{report}/submissions/{submission_id}", report_submission_get,
     ROLE_COMMISSIONER | ROLE_ADMIN, 0, REPORT_AUDIT},
    {"GET", "/v1/care-plans/{care_plan_id}/versions", care_plan_versions_list,
     ROLE_CLINICIAN | ROLE_ADMIN, 0, "care_plan", "history", &care_plan_record},
    {"GET", "/v1/care-plans/{care_plan_id}/versions/{version}", care_plan_version_get,
     ROLE_CLINICIAN | ROLE_ADMIN, 0, "care_plan", "read", &care_plan_record},
    {NULL, NULL, NULL, 0, 0, NO_AUDIT, NULL},
};
