/* GET /v1/audit?service_user=<id> (admins): who looked at a woman's record,
 * newest first. */
#include <string.h>

#include "db.h"
#include "problem.h"
#include "resource.h"
#include "resources.h"
#include "uuid.h"

const stmt_def audit_event_stmts[] = {
    /* $1 org, $2 woman, $3 before id (cursor), $4 limit + 1. Newest first. */
    {"audit_list",
     "SELECT e.id, audit_event_json(e)::text FROM audit_events e "
     "WHERE e.organisation_id = $1 AND e.service_user_ids @> ARRAY[$2::uuid] "
     "AND ($3::bigint IS NULL OR e.id < $3) ORDER BY e.id DESC LIMIT $4",
     4, STMT_REPEATABLE},
    {NULL, NULL, 0, 0},
};

void audit_list(request *r)
{
    field_errors e = {0};
    int limit;
    static const char *const allowed[] = {"service_user", NULL};
    list_limit(r, &limit, &e);
    list_check_params(r, allowed, &e);
    const char *woman = request_query(r, "service_user");
    if (!woman)
        field_errors_add(&e, "service_user", "is required: whose record's trail to show");
    else if (!uuid_valid(woman))
        field_errors_add(&e, "service_user", "must be a service user id (UUID)");
    const char *cursor = request_query(r, "cursor"), *before = NULL;
    if (cursor) {
        before = cursor_decode(r->a, cursor);
        if (!before || !*before || strspn(before, "0123456789") != strlen(before) ||
            strlen(before) > 18)
            field_errors_add(&e, "cursor", "is not a cursor this API returned");
    }
    if (e.count) {
        problem_fields(r, 400, &e);
        return;
    }
    const char *params[] = {r->who->org, woman, before, arena_printf(r->a, "%d", limit + 1)};
    PGresult *res = db_exec(r, "audit_list", 4, params);
    if (!db_ok(res)) {
        db_problem(r, res);
        return;
    }
    list_respond(r, res, limit, 1, -1);
}
