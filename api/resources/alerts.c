/* Alerts (db/014_alerts.sql): what a woman's teams' duty worker must act
 * on, raised only by the database with their cause (a risk item answered
 * above 0, a liaison concern). The duty list (GET /v1/alerts) shows the
 * open alerts of the women linked to the caller's teams, oldest first
 * (?status=acknowledged for the others, ?team= for one team's); each says
 * by when it is due (the end of the duty day after it was raised, by her
 * teams' duty hours, default Monday to Friday 09:00 to 17:00 Europe/London)
 * and whether it is overdue, with the 24/7 crisis route.
 *
 * POST /v1/alerts/{id}/acknowledgements: a clinician in scope records what
 * was done, once (a second is 409). The instrument table (GET
 * /v1/instruments) is here too: what clients need to show a measure. */
#include <string.h>

#include "audit.h"
#include "idempotency.h"
#include "resources.h"
#include "sql_statements.h"
#include "uuid.h"

static const char *const alert_statuses[] = {"open", "acknowledged", NULL};

static const field_spec alert_fields[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static const record_filter alert_filters[] = {
    {"status", FILTER_ENUM, "status", alert_statuses},
    {"team", FILTER_TEAM_LINK, "service_user_id", NULL},
    {"service_user", FILTER_UUID, "service_user_id", NULL},
    {NULL, 0, NULL, NULL},
};

static const char *const alert_defaults[] = {"status=open", NULL};

/* The out-of-hours list: open alerts past the end of their duty day. */
static const record_view alert_views[] = {
    {"overdue", "true",
     "t.acknowledged_at IS NULL AND now() >= alert_due_by(t.service_user_id, t.raised_at)",
     "raised_at", false, NULL, NULL},
    {NULL, NULL, NULL, NULL, false, NULL, NULL},
};

const record_def alert_record = {
    .name = "alert",
    .noun = "alert",
    .collection = "/v1/alerts",
    .id_param = "alert_id",
    .table = "alerts",
    .json = "alert_json",
    .woman_column = "service_user_id",
    .fields = alert_fields,
    .filters = alert_filters,
    .filter_defaults = alert_defaults,
    .sort_column = "raised_at",
    .views = alert_views,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
};

static const field_spec acknowledgement_fields[] = {
    {"action_taken", FIELD_STRING, FIELD_REQUIRED, 1, 2000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* Inside the open transaction: the alert in scope, locked; then the
 * acknowledgement. Answers 404, 409 or 201 with the alert. */
static void acknowledge(request *r, const char *id, json_object *body)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "body", json_object_get(body));
    const char *text = json_to_arena(r->a, o, NULL);
    json_object_put(o);
    PGresult *res = db_query(r, &sql_alert_ack_lock, text);
    if (!res)
        return;
    if (PQntuples(res) != 1) {
        if (audit_record(r, "alert", "update", id, record_women(r, &alert_record, id), "not_found"))
            problem(r, 404, "No such alert.");
        return;
    }
    const char *women = arena_printf(r->a, "{%s}", PQgetvalue(res, 0, 1));
    if (strcmp(PQgetvalue(res, 0, 0), "open") != 0) {
        if (audit_record(r, "alert", "update", id, women, "conflict"))
            problem_typed(r, 409, "already-acknowledged", "Already acknowledged",
                          "This alert was acknowledged already; its acknowledgement stands.");
        return;
    }
    if (!(res = db_query(r, &sql_alert_acknowledge, text)) || PQntuples(res) != 1)
        return;
    if (!audit_record(r, "alert", "update", id, women, "ok"))
        return;
    response_header(r, "Location", arena_printf(r->a, "/v1/alerts/%s", id));
    response_header(r, "ETag", arena_printf(r->a, "\"%s\"", PQgetvalue(res, 0, 0)));
    response_json(r, 201, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
}

bool alert_acknowledge(request *r)
{
    const char *id = r->npath_params == 1 ? r->path_params[0] : NULL;
    if (!id || !uuid_valid(id)) {
        problem(r, 404, "No such alert.");
        return true;
    }
    if (idem_answered_before(r))
        return true;
    json_object *body = request_json_body(r, acknowledgement_fields, VALIDATE_CREATE);
    if (!body)
        return true;
    idem_state st = idem_write_begin(r);
    if (st == IDEM_ANSWERED)
        return true;
    acknowledge(r, id, body);
    idem_write_end(r, st);
    return true;
}

bool instruments_list(request *r)
{
    field_errors e = {0};
    record_check_params(r, NULL, &e); /* the whole table: not paged */
    if (e.count) {
        problem_fields(r, 400, &e);
        return true;
    }
    PGresult *res = db_query(r, &sql_instruments_list, "{}");
    if (!res)
        return true;
    response_json(r, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
    return true;
}
