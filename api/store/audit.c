/* Audit rows for refusals and replays (the admins' view of the trail is
 * resources/audit_events.c). */
#include "audit.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "nhs_number.h"
#include "resource.h"
#include "router.h"
#include "uuid.h"

const stmt_def audit_stmts[] = {
    /* $1 org, $2 teams, $3 sub, $4 role, $5 action, $6 resource, $7 id,
     * $8 request id, $9 outcome, $10 NHS number of a lookup. The woman is
     * found from the id where it names her record or one of her referrals,
     * or from the NHS number looked up. */
    {"audit_fallback",
     AUDIT_INSERT
     "SELECT $1, $2::uuid[], $3, $4, $5, $6, $7::uuid, "
     "CASE WHEN $10::text IS NOT NULL THEN ARRAY(SELECT id FROM service_users "
     "WHERE organisation_id = $1 AND nhs_number = $10) "
     "WHEN $7::uuid IS NULL THEN '{}'::uuid[] "
     "WHEN $6 = 'service_user' THEN ARRAY[$7::uuid] "
     "WHEN $6 = 'referral' THEN coalesce((SELECT array_agg(service_user_id) FROM referrals "
     "WHERE id = $7::uuid AND organisation_id = $1), '{}') "
     "ELSE '{}'::uuid[] END, $8, $9",
     10, 0},
    {NULL, NULL, 0, 0},
};

static const char *outcome_of(int status)
{
    if (status < 400)
        return "ok";
    switch (status) {
    case 403:
        return "forbidden";
    case 404:
        return "not_found";
    case 409:
    case 412:
    case 428:
        return "conflict";
    case 422:
        return "rejected";
    default:
        return status >= 500 ? "error" : "invalid";
    }
}

void audit_fallback(request *r)
{
    const route *rt = r->route;
    const char *id =
        r->npath_params > 0 && uuid_valid(r->path_params[0]) ? r->path_params[0] : NULL;
    const char *action = rt->audit_action;
    /* A list filtered by NHS number is a lookup, of her. */
    const char *nhs = NULL;
    if (!strcmp(action, "list") && !strcmp(rt->audit_resource, "service_user") &&
        (nhs = request_query(r, "nhs_number"))) {
        action = "lookup";
        if (!nhs_number_valid(nhs))
            nhs = NULL;
    }
    const char *params[] = {r->who->org,
                            scope_teams(r),
                            r->who->sub,
                            role_name(r->who->role),
                            action,
                            rt->audit_resource,
                            id,
                            r->request_id,
                            outcome_of(r->status),
                            nhs};
    PGresult *res = db_exec(r, "audit_fallback", 10, params);
    if (!db_ok(res))
        log_error("audit", "could not record a refused or replayed request", r->request_id, NULL);
}
