/* GET /v1/audit?service_user=<id> (admins): who looked at a woman's record,
 * newest first. */
#include <string.h>

#include "db.h"
#include "problem.h"
#include "record.h"
#include "resources.h"
#include "sql_statements.h"
#include "uuid.h"

bool audit_events_list(request *r)
{
    field_errors e = {0};
    int limit;
    static const char *const allowed[] = {"service_user", NULL};
    record_list_limit(r, &limit, &e);
    record_list_check_params(r, allowed, &e);
    const char *woman = request_query(r, "service_user");
    if (!woman)
        field_errors_add(&e, "service_user", "is required: whose record's trail to show");
    else if (!uuid_valid(woman))
        field_errors_add(&e, "service_user", "must be a service user id (UUID)");
    const char *cursor = request_query(r, "cursor"), *before = NULL;
    if (cursor) {
        before = record_cursor_decode(r->a, cursor);
        if (!before || !*before || strspn(before, "0123456789") != strlen(before) ||
            strlen(before) > 18)
            field_errors_add(&e, "cursor", "is not a cursor this API returned");
    }
    if (e.count) {
        problem_fields(r, 400, &e);
        return true;
    }
    PGresult *res = db_query(r, &sql_audit_list,
                             db_args(r->a, "woman", woman, "before", before, "limit",
                                     arena_printf(r->a, "%d", limit + 1), DB_ARGS_END));
    return !res || record_list_respond(r, res, limit, 1, -1);
}
