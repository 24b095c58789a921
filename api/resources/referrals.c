/* Referrals: receipt with the response clock and the computed flags, the
 * workflow from received to an outcome and discharge, and the working lists
 * (the duty clinician's and the MDT's), including the overdue view.
 *
 * Scope: admins see their organisation's referrals, clinicians those to one
 * of their teams, referrers only the ones they submitted and only where they
 * stand. Anything out of scope is 404. */
#include <string.h>

#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

static const field_spec referrer_fields[] = {
    {"name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"organisation", FIELD_STRING, 0, 1, 200, NULL, NULL, NULL},
    {"contact", FIELD_STRING, 0, 1, 200, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec referral_fields[] = {
    {"service_user_id", FIELD_UUID, 0, 0, 0, NULL, NULL, NULL},
    {"service_user", FIELD_OBJECT, 0, 0, 0, NULL, NULL, service_user_fields},
    {"team_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"source", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_referral_sources, NULL, NULL},
    {"channel", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_referral_channels, NULL, NULL},
    {"received_at", FIELD_TIMESTAMP, 0, 0, 0, NULL, NULL, NULL},
    {"priority", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_referral_priorities, NULL, NULL},
    /* Optional at receipt (she or her family may refer); one to accept. */
    {"criteria", FIELD_ENUM_ARRAY, 0, 1, 12, vocab_referral_criteria, NULL, NULL},
    {"reason", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL, NULL, NULL},
    {"referrer", FIELD_OBJECT, 0, 0, 0, NULL, NULL, referrer_fields},
    {"open_to_other_mental_health_team", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    /* Set by the server. */
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"status", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"due_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"responded_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"response_breached", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"overdue", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"flags", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"outcome", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"source_code", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"reason_code", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"closed_without_contact", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"priority_code", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"risk_assessment", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"onward_referral", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"discharge_plan", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"entered_in_error", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"given_details", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"submitted_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"version", FIELD_INT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"updated_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* The transition body: "to" and what that step needs. */
static const field_spec risk_fields[] = {
    {"risk_level", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_risk_levels, NULL, NULL},
    {"summary", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL, NULL, NULL},
    {"actions", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec onward_fields[] = {
    {"agency", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"reason", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec camhs_fields[] = {
    {"date", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"with_whom", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"outcome", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_camhs_outcomes, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec co_working_fields[] = {
    {"arrangement", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_co_working_arrangements, NULL, NULL},
    {"other_team", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"agreed_on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec transition_fields[] = {
    {"to", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_referral_statuses, NULL, NULL},
    {"notes", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {"priority", FIELD_ENUM, 0, 0, 0, vocab_referral_priorities, NULL, NULL},
    {"priority_reason", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {"criteria", FIELD_ENUM_ARRAY, 0, 1, 12, vocab_referral_criteria, NULL, NULL},
    {"advice", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {"camhs_discussion", FIELD_OBJECT, 0, 0, 0, NULL, NULL, camhs_fields},
    {"co_working", FIELD_OBJECT, 0, 0, 0, NULL, NULL, co_working_fields},
    /* Resolving the identity check (admins): attach, or correct with the
     * corrected details. */
    {"resolution", FIELD_ENUM, 0, 0, 0, vocab_identity_resolutions, NULL, NULL},
    {"service_user", FIELD_OBJECT, 0, 0, 0, NULL, NULL, service_user_fields},
    {"duty_clinician_id", FIELD_UUID, 0, 0, 0, NULL, NULL, NULL},
    {"meeting_date", FIELD_DATE, 0, 0, 0, NULL, NULL, NULL},
    {"pathway", FIELD_ENUM, 0, 0, 0, vocab_pathways, NULL, NULL},
    {"allocated_clinician_id", FIELD_UUID, 0, 0, 0, NULL, NULL, NULL},
    {"signposted_to", FIELD_STRING, 0, 1, 500, NULL, NULL, NULL},
    {"referred_to", FIELD_STRING, 0, 1, 500, NULL, NULL, NULL},
    {"reason", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {"risk_assessment", FIELD_OBJECT, 0, 0, 0, NULL, NULL, risk_fields},
    {"onward_referral", FIELD_OBJECT, 0, 0, 0, NULL, NULL, onward_fields},
    /* The discharge step needs her discharge plan recorded first: its own
     * record, /v1/referrals/{id}/discharge-plan (discharge_plans.c). */
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static bool has(json_object *o, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(o, name, &v) && v != NULL;
}

static const char *get_str(json_object *o, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(o, name, &v) && v ? json_object_get_string(v) : NULL;
}

/* The rules of receipt (422). */
static void referral_rules(request *r, json_object *body, field_errors *e)
{
    bool by_id = has(body, "service_user_id"), inline_details = has(body, "service_user");
    if (by_id == inline_details)
        field_errors_add(e, "/service_user",
                         "give either service_user_id or the woman's details in service_user");
    if (by_id && r->who->role == ROLE_REFERRER)
        field_errors_add(e, "/service_user_id",
                         "a referrer identifies the woman by her details (service_user)");
    if (inline_details) {
        json_object *woman;
        json_object_object_get_ex(body, "service_user", &woman);
        field_errors inner = {0};
        service_user_rules(r, woman, &inner);
        for (int i = 0; i < inner.count; i++)
            field_errors_add(e, arena_printf(r->a, "/service_user%s", inner.items[i].pointer),
                             inner.items[i].detail);
    }
    /* A referrer's form is received when it arrives; staff keying in a letter
     * or a call may say when it was received (not in the future: the
     * database's referrals_received_not_future). */
    if (r->who->role == ROLE_REFERRER && has(body, "received_at"))
        field_errors_add(e, "/received_at", "is set by the server for referrers");
    const char *source = get_str(body, "source");
    /* Seen on discharge: received as routine, raised by triage if need be. */
    const char *priority = get_str(body, "priority");
    if (source && !strcmp(source, "mbu_discharge") && priority && !strcmp(priority, "emergency"))
        field_errors_add(e, "/priority",
                         "a discharge from a mother and baby unit is received as routine (she is "
                         "seen on discharge); triage raises it if need be");
    if (source && strcmp(source, "self") != 0 && !has(body, "referrer"))
        field_errors_add(e, "/referrer",
                         "say who referred her (name), unless she referred herself");
}

/* A referral that carries the woman's details finds her by NHS number in the
 * organisation, or records her; the insert then refers her by id. When her
 * NHS number matches a woman the caller may not see and the details differ,
 * the referral is held for an admin's identity check (no woman attached). */
static bool referral_woman(request *r, json_object *body, json_object *args)
{
    const char *woman = get_str(body, "service_user_id");
    bool by_details = has(body, "service_user"), held = false;
    if (by_details) {
        /* She may be recorded, or her status updated, with the referral. */
        if (!record_create_begin(r))
            return false;
        json_object *w = json_object_new_object();
        json_object_object_add(w, "body", json_object_get(body));
        PGresult *res = db_query(r, &sql_referral_woman, json_to_arena(r->a, w, NULL));
        json_object_put(w);
        if (!res)
            return false;
        if (PQntuples(res) != 1) { /* she was recorded by a concurrent request a moment ago */
            problem_typed(r, 409, "conflict", "Concurrent change", "Send the referral again.");
            return false;
        }
        held = !strcmp(PQgetvalue(res, 0, 1), "t");
        woman = held ? NULL : PQgetvalue(res, 0, 0);
    }
    json_object_object_add(args, "service_user_id", woman ? json_object_new_string(woman) : NULL);
    json_object_object_add(args, "by_details", json_object_new_boolean(by_details));
    json_object_object_add(args, "held", json_object_new_boolean(held));
    return true;
}

/* The same, sent to /v1/submitted-referrals: the answer is where it stands. */
static bool submitted_referral_woman(request *r, json_object *body, json_object *args)
{
    json_object_object_add(args, "status_view", json_object_new_boolean(true));
    return referral_woman(r, body, args);
}

static const record_filter referral_filters[] = {
    {"status", FILTER_ENUM, "status", vocab_referral_statuses},
    {"priority", FILTER_ENUM, "priority", vocab_referral_priorities},
    {"team", FILTER_UUID, "team_id", NULL},
    {"source", FILTER_ENUM, "source", vocab_referral_sources},
    {"received_from", FILTER_DATE_FROM, "received_at", NULL},
    {"received_to", FILTER_DATE_TO, "received_at", NULL},
    {"service_user", FILTER_UUID, "service_user_id", NULL},
    {NULL, 0, NULL, NULL},
};

/* What a working list shows of each referral: referral_summary_json
 * (db/repeatable/20_referrals.sql) over the referral, her record and the
 * count of her alerts nobody has acknowledged. */
#define REFERRAL_SUMMARY "referral_summary_json(t, s, oa.n)"
#define REFERRAL_SUMMARY_FROM                                                                      \
    "LEFT JOIN service_users s ON s.id = t.service_user_id LEFT JOIN LATERAL (SELECT count(*) AS " \
    "n FROM alerts a WHERE a.service_user_id = t.service_user_id AND a.acknowledged_at IS NULL) "  \
    "oa ON true"

/* The overdue list: open, unanswered and past the due time, soonest due
 * first (the condition matches the partial indexes referrals_*overdue_idx). */
static const record_view referral_views[] = {
    {"overdue", "true",
     "t.responded_at IS NULL AND t.status IN ('identity_check', 'received', 'triaged', "
     "'mdt_review', 'accepted') AND t.due_at < now()",
     "due_at", false, REFERRAL_SUMMARY, REFERRAL_SUMMARY_FROM},
    /* The duty clinician's list: not yet triaged, flagged and still open,
     * past due and not yet seen, or open or on the caseload while she has
     * an alert nobody has acknowledged; soonest due first. */
    {"worklist", "duty",
     "(t.status IN ('identity_check', 'received') OR (referral_open(t.status) AND "
     "(t.flag_discuss_individually OR t.flag_discuss_with_camhs OR t.flag_offer_joint_working "
     "OR t.flag_gp_outside_area)) "
     "OR (t.responded_at IS NULL AND t.status IN ('identity_check', 'received', 'triaged', "
     "'mdt_review', 'accepted') AND t.due_at < now()) "
     "OR (t.status IN ('received', 'triaged', 'mdt_review', 'accepted') AND EXISTS (SELECT 1 "
     "FROM alerts a WHERE a.service_user_id = t.service_user_id AND a.acknowledged_at IS NULL)))",
     "due_at", false, REFERRAL_SUMMARY, REFERRAL_SUMMARY_FROM},
    /* The MDT's list: referrals for its next meeting, oldest first. */
    {"worklist", "mdt", "t.status = 'mdt_review'", "received_at", false, REFERRAL_SUMMARY,
     REFERRAL_SUMMARY_FROM},
    /* The caseload: accepted and not yet discharged. */
    {"worklist", "caseload", "t.status = 'accepted'", "received_at", true, REFERRAL_SUMMARY,
     REFERRAL_SUMMARY_FROM},
    {NULL, NULL, NULL, NULL, false, NULL, NULL},
};

static const constraint_message referral_constraints[] = {
    {"referrals_team_fk", 422, "/team_id", "No such team in your organisation."},
    {"referrals_referrer_check", 422, "/referrer",
     "Say who referred her (name), unless she referred herself."},
    {"referrals_received_not_future", 422, "/received_at", "must not be in the future"},
    {"referrals_responded_at_check", 422, "/at",
     "The first contact cannot be before the referral was received."},
    {"workflow_step_check", 409, "/to", "This step is not allowed from the current status."},
    {"referrals_discharge_plan_consent", 409, "/to",
     "Her discharge plan tells those her sharing consent no longer allows: change its inform "
     "(PATCH /v1/referrals/{id}/discharge-plan) first."},
    {"referrals_flagged_needs_mdt", 409, "/to",
     "This referral is flagged (outside the window, under 18, or open to another mental health "
     "team, with the criteria given): it goes through the MDT first (move it to mdt_review)."},
    {"referrals_camhs_discussion_not_future", 422, "/camhs_discussion/date",
     "must not be in the future"},
    {"referrals_co_working_not_future", 422, "/co_working/agreed_on", "must not be in the future"},
    {"referrals_team_not_yours", 422, "/team_id",
     "This team is not yours: refer her to it at /v1/submitted-referrals, whose answer says "
     "where the referral stands; the team holds the referral."},
    {"referrals_team_type_check", 422, "/team_id",
     "Referrals are to a perinatal community team or a maternal mental health service; "
     "refer elsewhere with the referred_on step."},
    {"referrals_woman_check", 409, "/service_user",
     "The referral is held until an admin has checked who the woman is."},
    {"service_users_nhs_number_unique", 409, "/service_user/nhs_number",
     "A woman with this NHS number is already recorded."},
    {NULL, 0, NULL, NULL},
};

static const workflow_def referral_workflow = {
    .name = "referral",
    .state_column = "status",
    .fields = transition_fields,
    .apply = &sql_referral_apply,
    .roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .corrections = true,
};

const record_def referral_record = {
    .name = "referral",
    .noun = "referral",
    .collection = "/v1/referrals",
    .id_param = "referral_id",
    .table = "referrals",
    .json = "referral_json",
    .woman_column = "service_user_id",
    .team_column = "team_id",
    .submitter_column = "submitted_by",
    .fields = referral_fields,
    .rules = referral_rules,
    .before_create = referral_woman,
    .insert = &sql_referral_insert,
    .insert_refused = {422, "/service_user_id", "No such service user in your organisation."},
    .filters = referral_filters,
    .sort_column = "received_at",
    .sort_desc = true,
    .views = referral_views,
    .workflow = &referral_workflow,
    .voidable = true,
    .create_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .constraints = referral_constraints,
};

static const record_filter submitted_filters[] = {
    {"status", FILTER_ENUM, "status", vocab_referral_statuses},
    {"received_from", FILTER_DATE_FROM, "received_at", NULL},
    {"received_to", FILTER_DATE_TO, "received_at", NULL},
    {NULL, 0, NULL, NULL},
};

/* Referrals sent from outside the team: a referrer's, or a clinician's to a
 * team not theirs. The same body and rules, and the answer only where each
 * stands (referral_status_json): one representation per operation, so that a
 * client's types need no narrowing. The scope rule shows a referrer only
 * what its sub submitted, a clinician its teams' referrals. */
const record_def submitted_referral_record = {
    .name = "referral",
    .noun = "referral",
    .collection = "/v1/submitted-referrals",
    .id_param = "referral_id",
    .table = "referrals",
    .view_of = &referral_record,
    .json = "referral_status_json",
    .woman_column = "service_user_id",
    .team_column = "team_id",
    .submitter_column = "submitted_by",
    .fields = referral_fields,
    .rules = referral_rules,
    .before_create = submitted_referral_woman,
    .insert = &sql_referral_insert,
    .insert_refused = {422, "/service_user_id", "No such service user in your organisation."},
    .filters = submitted_filters,
    .sort_column = "received_at",
    .sort_desc = true,
    .create_roles = ROLE_REFERRER | ROLE_CLINICIAN,
    .read_roles = ROLE_REFERRER | ROLE_CLINICIAN,
    .constraints = referral_constraints,
};
