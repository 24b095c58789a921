/* Care plans: the woman's plan (her goals in her own words, the care
 * coordinator, the team, the review date and the safety plan), for a woman
 * in the team's care; every change a new version, each earlier version kept
 * and readable (db/018_care_plans.sql writes them); and the interventions
 * under it, from one coded catalogue, each with its lifecycle (offered,
 * accepted or declined, started, completed or stopped) as the workflow
 * `intervention`.
 *
 * Women's records: scoped through her team links (a clinician of one of her
 * teams; admins their organisation), every access audited. Clinicians write
 * them; admins read them. */
#include <string.h>

#include "audit.h"
#include "resources.h"
#include "sql_statements.h"
#include "uuid.h"
#include "vocabulary.h"

/* ---- The plan -------------------------------------------------------------- */

static const field_spec goal_item[] = {
    {"goal", FIELD_STRING, 0, 1, 1000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec line_item[] = {
    {"item", FIELD_STRING, 0, 1, 1000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec professional_fields[] = {
    {"name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"role", FIELD_STRING, 0, 1, 200, NULL, NULL, NULL},
    {"contact", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec professional_item[] = {
    {"professional", FIELD_OBJECT, 0, 0, 0, NULL, NULL, professional_fields},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec crisis_route_fields[] = {
    /* A 24/7 service (002): crisis_team, psychiatric_liaison, connection,
     * access_mental_health (a rule below). */
    {"service", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_contact_services, NULL, NULL},
    {"contact", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"notes", FIELD_STRING, FIELD_NULLABLE, 1, 2000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec co_produced_fields[] = {
    {"with_woman", FIELD_BOOL, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"without_woman_reason", FIELD_STRING, FIELD_NULLABLE, 1, 2000, NULL, NULL, NULL},
    {"others", FIELD_ARRAY, FIELD_NULLABLE, 0, 20, NULL, NULL, line_item},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec safety_plan_fields[] = {
    {"warning_signs", FIELD_ARRAY, FIELD_REQUIRED, 1, 20, NULL, NULL, line_item},
    {"coping_steps", FIELD_ARRAY, FIELD_REQUIRED, 1, 20, NULL, NULL, line_item},
    {"people_and_places", FIELD_ARRAY, FIELD_NULLABLE, 0, 20, NULL, NULL, line_item},
    {"professional_contacts", FIELD_ARRAY, FIELD_NULLABLE, 0, 20, NULL, NULL, professional_item},
    {"crisis_route", FIELD_OBJECT, FIELD_REQUIRED, 0, 0, NULL, NULL, crisis_route_fields},
    {"co_produced", FIELD_OBJECT, FIELD_REQUIRED, 0, 0, NULL, NULL, co_produced_fields},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec care_plan_fields[] = {
    {"service_user_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"team_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"care_coordinator_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"goals", FIELD_ARRAY, FIELD_REQUIRED, 1, 20, NULL, NULL, goal_item},
    {"review_date", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"safety_plan", FIELD_OBJECT, FIELD_NULLABLE, 0, 0, NULL, NULL, safety_plan_fields},
    /* Set by the server. */
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"review_overdue", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"interventions", FIELD_ARRAY, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"partners", FIELD_ARRAY, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"entered_in_error", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"updated_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static json_object *member(json_object *o, const char *name)
{
    json_object *v;
    return o && json_object_object_get_ex(o, name, &v) ? v : NULL;
}

/* The safety plan's crisis route is a 24/7 service, and it is made with
 * the woman, or says why not. */
static void care_plan_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    json_object *plan = member(rec, "safety_plan");
    if (!plan)
        return;
    const char *service = json_object_get_string(member(member(plan, "crisis_route"), "service"));
    if (service && (!strcmp(service, "perinatal_team") || !strcmp(service, "mmhs")))
        field_errors_add(e, "/safety_plan/crisis_route/service",
                         "must be a service open 24 hours a day, 7 days a week: crisis_team, "
                         "psychiatric_liaison, connection or access_mental_health");
    json_object *co = member(plan, "co_produced");
    json_object *with = member(co, "with_woman"), *reason = member(co, "without_woman_reason");
    if (with && json_object_get_boolean(with) && reason)
        field_errors_add(e, "/safety_plan/co_produced/without_woman_reason",
                         "is only for a safety plan made without her");
    if (with && !json_object_get_boolean(with) && !reason)
        field_errors_add(e, "/safety_plan/co_produced/without_woman_reason",
                         "a safety plan is made with the woman: say why she did not take part");
}

/* A care plan is for a woman in the team's care (care_plan_allowed), by a
 * clinician of that team: otherwise 409 (or 422 for the team) naming why.
 * She out of scope: the insert finds no row (422, like any unknown woman). */
static bool care_plan_allowed_here(request *r, json_object *body, json_object *args)
{
    (void)args;
    if (!record_create_begin(r))
        return false;
    json_object *a = json_object_new_object();
    json_object_object_add(a, "body", json_object_get(body));
    PGresult *res = db_query(r, &sql_care_plan_refusal, json_to_arena(r->a, a, NULL));
    json_object_put(a);
    if (!res)
        return false;
    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
        return true;
    int status = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
    const char *pointer = PQgetvalue(res, 0, 1), *detail = PQgetvalue(res, 0, 2);
    if (status == 409) {
        problem_typed(r, 409, "conflict", "Not in this team's care", detail);
    } else {
        field_errors e = {0};
        field_errors_add(&e, pointer, detail);
        problem_fields(r, 422, &e);
    }
    return false;
}

static const record_filter care_plan_filters[] = {
    {"service_user_id", FILTER_UUID, "service_user_id", NULL},
    {"team_id", FILTER_UUID, "team_id", NULL},
    {"review_due_before", FILTER_DAY_BEFORE, "review_date", NULL},
    {NULL, 0, NULL, NULL},
};

static const constraint_message care_plan_constraints[] = {
    {"care_plans_team_fk", 422, "/team_id", "No such team in your organisation."},
    {"care_plans_coordinator_check", 422, "/care_coordinator_id",
     "The care coordinator is an active member of staff of the plan's team."},
    {"care_plans_woman_fixed", 422, "/service_user_id",
     "A care plan stays with its woman: enter it in error and write one for the right one."},
    {"care_plans_team_fixed", 422, "/team_id",
     "A care plan stays with its team: the other team writes its own."},
    {"care_plans_safety_plan_co_produced", 422, "/safety_plan/co_produced",
     "A safety plan is made with the woman, or says why not."},
    {NULL, 0, NULL, NULL},
};

const record_def care_plan_record = {
    .name = "care_plan",
    .noun = "care plan",
    .collection = "/v1/care-plans",
    .id_param = "care_plan_id",
    .table = "care_plans",
    .json = "care_plan_json",
    .woman_column = "service_user_id",
    .fields = care_plan_fields,
    .rules = care_plan_rules,
    .before_create = care_plan_allowed_here,
    .insert = &sql_care_plan_insert,
    .insert_refused = {422, "/service_user_id", "No such service user in your organisation."},
    .update = &sql_care_plan_update,
    .filters = care_plan_filters,
    .sort_column = "review_date",
    .voidable = true,
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_CLINICIAN,
    .constraints = care_plan_constraints,
};

/* ---- Versions -------------------------------------------------------------- */

/* The plan's id in the path (404 when it cannot be one); the query string
 * takes nothing (400). False: answered. */
static bool versions_request(request *r, const char **id)
{
    *id = r->npath_params >= 1 ? r->path_params[0] : NULL;
    if (!*id || !uuid_valid(*id)) {
        problem(r, 404, "No such care plan.");
        return false;
    }
    field_errors e = {0};
    for (int i = 0; i < r->nquery; i++)
        field_errors_add(&e, r->query[i].name, "is not a parameter here");
    if (e.count) {
        problem_fields(r, 400, &e);
        return false;
    }
    return true;
}

/* Answers one read of the versions (the list, or one): 404 and its audit row
 * when the plan (or that version) is not there for this caller. */
static bool versions_answer(request *r, const char *id, PGresult *res, const char *action,
                            const char *not_found, bool list)
{
    if (!res)
        return true;
    if (PQntuples(res) != 1) {
        if (audit_record(r, "care_plan", action, id, record_women(r, &care_plan_record, id),
                         "not_found"))
            problem(r, 404, not_found);
        return true;
    }
    if (!audit_record(r, "care_plan", action, id, arena_printf(r->a, "{%s}", PQgetvalue(res, 0, 1)),
                      "ok"))
        return true;
    const char *body =
        list ? arena_printf(r->a, "{\"items\":%s,\"next_cursor\":null}", PQgetvalue(res, 0, 0))
             : PQgetvalue(res, 0, 0);
    response_json(r, 200, body, strlen(body));
    return true;
}

bool care_plan_versions_list(request *r)
{
    const char *id;
    if (!versions_request(r, &id))
        return true;
    PGresult *res = db_query(r, &sql_care_plan_versions, db_args(r->a, "id", id, DB_ARGS_END));
    return versions_answer(r, id, res, "history", "No such care plan.", true);
}

bool care_plan_version_get(request *r)
{
    const char *id;
    if (!versions_request(r, &id))
        return true;
    const char *n = r->npath_params == 2 ? r->path_params[1] : "";
    size_t len = strlen(n);
    if (len < 1 || len > 9 || strspn(n, "0123456789") != len || n[0] == '0') {
        if (audit_record(r, "care_plan", "read", id, record_women(r, &care_plan_record, id),
                         "not_found"))
            problem(r, 404, "No such version of this care plan.");
        return true;
    }
    PGresult *res =
        db_query(r, &sql_care_plan_version, db_args(r->a, "id", id, "version", n, DB_ARGS_END));
    if (res && PQntuples(res) == 1)
        response_header(r, "ETag", arena_printf(r->a, "\"%s\"", n));
    return versions_answer(r, id, res, "read", "No such version of this care plan.", false);
}

/* ---- Interventions ------------------------------------------------------------ */

static const field_spec intervention_fields[] = {
    {"code", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_interventions, NULL, NULL},
    {"offered_on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"staff_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"team_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"assessment_date", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"notes", FIELD_STRING, FIELD_NULLABLE, 1, 4000, NULL, NULL, NULL},
    /* Set by the server. */
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"care_plan_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"kind", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"status", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"accepted_on", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"declined_on", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"started_on", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"ended_on", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"start_due_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"started_within_28_days", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"decline_reason", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"stop_reason", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"steps", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"mbu_admission_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"entered_in_error", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

/* The step body: "to", "notes" and what each step needs or may carry
 * (workflow_steps). */
static const field_spec intervention_step_fields[] = {
    {"to", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_intervention_statuses, NULL, NULL},
    {"notes", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {"on", FIELD_DATE, 0, 0, 0, NULL, NULL, NULL},
    {"staff_id", FIELD_UUID, 0, 0, 0, NULL, NULL, NULL},
    {"team_id", FIELD_UUID, 0, 0, 0, NULL, NULL, NULL},
    {"assessment_date", FIELD_DATE, 0, 0, 0, NULL, NULL, NULL},
    {"reason", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const record_filter intervention_filters[] = {
    {"status", FILTER_ENUM, "status", vocab_intervention_statuses},
    {"kind", FILTER_ENUM, "kind", vocab_intervention_kinds},
    {"code", FILTER_ENUM, "code", vocab_interventions},
    {NULL, 0, NULL, NULL},
};

static const constraint_message intervention_constraints[] = {
    {"care_plan_interventions_kind_check", 422, "/code",
     "Partner and family offers are recorded as the partner's offers, not as the woman's "
     "interventions."},
    {"care_plan_interventions_offered_not_future", 422, "/offered_on", "must not be in the future"},
    {"care_plan_interventions_assessment_not_future", 422, "/assessment_date",
     "must not be in the future"},
    {"care_plan_interventions_staff_check", 422, "/staff_id",
     "No such active member of staff in that team of your organisation."},
    {NULL, 0, NULL, NULL},
};

static const workflow_def intervention_workflow = {
    .name = "intervention",
    .state_column = "status",
    .fields = intervention_step_fields,
    .apply = &sql_intervention_apply,
    .roles = ROLE_CLINICIAN,
};

const record_def intervention_record = {
    .name = "intervention",
    .noun = "intervention",
    .collection = "/v1/care-plans/{care_plan_id}/interventions",
    .id_param = "intervention_id",
    .table = "care_plan_interventions",
    .parent_column = "care_plan_id",
    .parent_noun = "care plan",
    .parent_in_scope = &sql_care_plan_parent_in_scope,
    .json = "intervention_json",
    .woman_column = "service_user_id",
    .fields = intervention_fields,
    .insert = &sql_intervention_insert,
    .filters = intervention_filters,
    .sort_column = "created_at",
    .workflow = &intervention_workflow,
    .voidable = true,
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .constraints = intervention_constraints,
};
