/* GET /v1/audit?service_user=<id> (admins): who looked at a woman's record,
 * newest first. */
#include <string.h>

#include "db.h"
#include "json.h"
#include "problem.h"
#include "record.h"
#include "resources.h"
#include "sql_statements.h"
#include "uuid.h"

bool audit_list(request *r)
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
        return true;
    }
    json_object *args = json_object_new_object();
    json_object_object_add(args, "woman", json_object_new_string(woman));
    json_object_object_add(args, "before", before ? json_object_new_string(before) : NULL);
    json_object_object_add(args, "limit", json_object_new_int(limit + 1));
    const char *text = json_to_arena(r->a, args, NULL);
    json_object_put(args);
    PGresult *res = db_run(r, &sql_audit_list, text);
    if (!db_ok(res)) {
        db_problem(r, res);
        return true;
    }
    return list_respond(r, res, limit, 1, -1);
}
