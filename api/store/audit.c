/* The one writer of audit rows (see audit.h). */
#include "audit.h"

#include "access.h"
#include "audit_batch.h"
#include "db.h"
#include "log.h"
#include "problem.h"
#include "router.h"
#include "sql_statements.h"
#include "uuid.h"

static audit_women_fn women_finder;

void audit_set_women_finder(audit_women_fn fn)
{
    women_finder = fn;
}

/* Outside a transaction (reads, refusals) the row goes to the group
 * committer and this returns once its batch has committed; inside a write's
 * transaction it is one more statement of that transaction, as is the row
 * of a server that runs no committer (tools, tests). */
static bool write_row(request *r, const char *resource, const char *action, const char *id,
                      const char *women, const char *outcome)
{
    const char *args = db_args(r->a, "resource", resource, "action", action, "id", id, "women",
                               women, "outcome", outcome, DB_ARGS_END);
    if (!r->db || !r->db->in_transaction) {
        audit_batch_result b = audit_batch_write(access_context(r), args);
        if (b != AUDIT_BATCH_OFF) {
            r->audited = b == AUDIT_BATCH_COMMITTED;
            return r->audited;
        }
    }
    PGresult *res = db_run(r, &sql_audit_insert, args);
    if (!db_ok(res))
        return false;
    r->audited = true;
    return true;
}

void audit_written_by_statement(request *r)
{
    r->audited = true;
}

bool audit_record(request *r, const char *resource, const char *action, const char *id,
                  const char *women, const char *outcome)
{
    if (write_row(r, resource, action, id, women, outcome))
        return true;
    log_error("audit", "could not record an access", r->request_id, NULL);
    problem(r, 503, "The access could not be recorded; try again shortly.");
    response_header(r, "Retry-After", "2");
    return false;
}

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
    const char *women = women_finder ? women_finder(r, &action, &id) : "{}";
    /* The answer is already a refusal or a replay: a failure is logged. */
    if (!write_row(r, rt->audit_resource, action, id, women, outcome_of(r->status)))
        log_error("audit", "could not record a refused or replayed request", r->request_id, NULL);
}
