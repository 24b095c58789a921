/* Referrals: receipt with the response clock and the computed flags, the
 * workflow from received to an outcome and discharge, and the working lists
 * (the duty clinician's and the MDT's), including the overdue view.
 *
 * Scope: admins see their organisation's referrals, clinicians those to one
 * of their teams, referrers only the ones they submitted and only where they
 * stand. Anything out of scope is 404. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "db.h"
#include "idempotency.h"
#include "problem.h"
#include "resource.h"
#include "resources.h"
#include "uuid.h"

static const char *const sources[] = {
    "gp",          "family",        "cmht",
    "social_care", "midwife",       "health_visitor",
    "self",        "mbu_discharge", "psychiatric_liaison",
    "crisis_team", "other",         NULL,
};
static const char *const channels[] = {"online_form", "telephone", "letter", "electronic", NULL};
static const char *const priorities[] = {"emergency", "routine", NULL};
static const char *const criteria[] = {
    "maternity_experience_illness",
    "smi_pregnant",
    "at_risk_after_delivery",
    "preconception_advice",
    "family_history_bipolar_pp",
    "previous_perinatal_illness",
    "non_psychotic_affecting_baby_care",
    "medication_advice",
    "mbu_discharge",
    "tokophobia_birth_trauma_ptsd",
    "perinatal_loss_trauma",
    NULL,
};
static const char *const statuses[] = {
    "received", "triaged",   "mdt_review",       "accepted",   "signposted", "referred_on",
    "declined", "withdrawn", "unable_to_engage", "discharged", NULL,
};

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
    {"source", FIELD_ENUM, FIELD_REQUIRED, 0, 0, sources, NULL, NULL},
    {"channel", FIELD_ENUM, FIELD_REQUIRED, 0, 0, channels, NULL, NULL},
    {"received_at", FIELD_TIMESTAMP, 0, 0, 0, NULL, NULL, NULL},
    {"priority", FIELD_ENUM, FIELD_REQUIRED, 0, 0, priorities, NULL, NULL},
    {"criteria", FIELD_ENUM_ARRAY, FIELD_REQUIRED, 1, 11, criteria, NULL, NULL},
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
    {"priority_code", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"risk_assessment", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"onward_referral", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"discharge_plan", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"submitted_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"version", FIELD_INT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"updated_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* The transition body: "to" and what that step needs. */
static const char *const pathways[] = {"perinatal", "mmhs", NULL};
static const char *const risk_levels[] = {"low", "moderate", "high", NULL};
static const field_spec risk_fields[] = {
    {"risk_level", FIELD_ENUM, FIELD_REQUIRED, 0, 0, risk_levels, NULL, NULL},
    {"summary", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL, NULL, NULL},
    {"actions", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec onward_fields[] = {
    {"agency", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"reason", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec discharge_fields[] = {
    {"summary", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL, NULL, NULL},
    {"follow_up", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {"referred_to", FIELD_STRING, 0, 1, 500, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec transition_fields[] = {
    {"to", FIELD_ENUM, FIELD_REQUIRED, 0, 0, statuses, NULL, NULL},
    {"notes", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {"first_contact_at", FIELD_TIMESTAMP, 0, 0, 0, NULL, NULL, NULL},
    {"duty_clinician_id", FIELD_UUID, 0, 0, 0, NULL, NULL, NULL},
    {"meeting_date", FIELD_DATE, 0, 0, 0, NULL, NULL, NULL},
    {"pathway", FIELD_ENUM, 0, 0, 0, pathways, NULL, NULL},
    {"allocated_clinician_id", FIELD_UUID, 0, 0, 0, NULL, NULL, NULL},
    {"signposted_to", FIELD_STRING, 0, 1, 500, NULL, NULL, NULL},
    {"referred_to", FIELD_STRING, 0, 1, 500, NULL, NULL, NULL},
    {"reason", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {"risk_assessment", FIELD_OBJECT, 0, 0, 0, NULL, NULL, risk_fields},
    {"onward_referral", FIELD_OBJECT, 0, 0, 0, NULL, NULL, onward_fields},
    {"discharge_plan", FIELD_OBJECT, 0, 0, 0, NULL, NULL, discharge_fields},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* What each step requires and what it may carry besides "to", "notes" and
 * "first_contact_at" (which any step may carry while no contact is recorded). */
typedef struct step_rule {
    const char *to;
    const char *required[3];
    const char *optional[2];
} step_rule;

static const step_rule step_rules[] = {
    {"triaged", {"duty_clinician_id", "notes", NULL}, {NULL}},
    {"mdt_review", {"meeting_date", NULL}, {NULL}},
    {"accepted", {"pathway", "allocated_clinician_id", NULL}, {NULL}},
    {"signposted", {"signposted_to", NULL}, {NULL}},
    {"referred_on", {"referred_to", NULL}, {NULL}},
    {"declined", {"reason", NULL}, {NULL}},
    {"withdrawn", {"reason", NULL}, {NULL}},
    {"unable_to_engage", {"risk_assessment", NULL}, {"onward_referral", NULL}},
    {"discharged", {"discharge_plan", NULL}, {NULL}},
    {NULL, {NULL}, {NULL}},
};

#define REFERRAL_BODY                                                                              \
    "x(team_id uuid, source text, channel text, priority text, criteria text[], reason text, "     \
    "referrer json, open_to_other_mental_health_team boolean)"

/* The scope conditions shared by every read: organisation ($2), a
 * clinician's teams ($3, NULL for others), a referrer's own ($4). */
#define REFERRAL_SCOPE                                                                             \
    "r.organisation_id = $2 AND ($3::uuid[] IS NULL OR r.team_id = ANY($3)) "                      \
    "AND ($4::text IS NULL OR r.submitted_by = $4)"

#define REFERRAL_FILTERS                                                                           \
    "AND ($7::text IS NULL OR r.status = $7) AND ($8::text IS NULL OR r.priority = $8) "           \
    "AND ($9::uuid IS NULL OR r.team_id = $9) AND ($10::text IS NULL OR r.source = $10) "          \
    "AND ($11::date IS NULL OR r.received_at >= ($11::date::timestamp AT TIME ZONE "               \
    "'Europe/London')) AND ($12::date IS NULL OR r.received_at < (($12::date + 1)::timestamp "     \
    "AT TIME ZONE 'Europe/London')) AND ($13::uuid IS NULL OR r.service_user_id = $13) "

#define REFERRAL_VIEW                                                                              \
    "CASE WHEN $4::text IS NULL THEN referral_json(r) ELSE referral_status_json(r) END::text"

#define OPEN_UNANSWERED                                                                            \
    "r.responded_at IS NULL AND r.status IN ('received', 'triaged', 'mdt_review')"

/* The woman a referral is about, for its audit row (found or not in scope). */
#define REFERRAL_WOMAN(id, org)                                                                    \
    "coalesce((SELECT array_agg(service_user_id) FROM referrals WHERE id = " id                    \
    " AND organisation_id = " org "), '{}')"

/* A list's audit row names the women on the page ($1 is the limit + 1;
 * $14-$16 sub, role, request id). */
#define LIST_AUDIT(order)                                                                          \
    "audit AS (" AUDIT_INSERT "SELECT $2, $3::uuid[], $14, $15, 'list', 'referral', NULL, "        \
    "coalesce((SELECT array_agg(DISTINCT service_user_id) FROM (SELECT service_user_id FROM s "    \
    "ORDER BY " order " LIMIT $1::int - 1) v), '{}'), $16, 'ok') "

const stmt_def referral_stmts[] = {
    /* Finds the woman by NHS number in the organisation, or records her. */
    {"referral_woman",
     "WITH ins AS (" SERVICE_USER_INSERT_FROM_JSON " "
     "ON CONFLICT (organisation_id, nhs_number) DO NOTHING RETURNING id) "
     "SELECT id FROM ins UNION ALL SELECT id FROM service_users "
     "WHERE organisation_id = $1 AND nhs_number = $3::json->>'nhs_number' LIMIT 1",
     3, 0},
    /* Receipt: the due time and the flags are computed here, once. */
    {"referral_insert",
     "WITH x AS (SELECT * FROM json_to_record($3::json) AS " REFERRAL_BODY "), "
     "rcv AS (SELECT coalesce($6::timestamptz, now()) AS at), "
     "ins AS (INSERT INTO referrals (organisation_id, service_user_id, team_id, source, channel, "
     "received_at, priority, criteria, reason, referrer_name, referrer_organisation, "
     "referrer_contact, open_to_other_mh_team, due_at, flag_discuss_individually, "
     "flag_discuss_with_camhs, flag_offer_joint_working, submitted_by, submitted_by_role) "
     "SELECT $1, su.id, x.team_id, x.source, x.channel, rcv.at, x.priority, x.criteria, x.reason, "
     "x.referrer->>'name', x.referrer->>'organisation', x.referrer->>'contact', "
     "coalesce(x.open_to_other_mental_health_team, false), referral_due_at(rcv.at, x.priority), "
     "referral_outside_window(rcv.at, su.delivery_date, x.criteria), "
     "referral_under_18(rcv.at, su.date_of_birth), "
     "coalesce(x.open_to_other_mental_health_team, false) OR EXISTS (SELECT 1 FROM referrals o "
     "JOIN teams t ON t.id = o.team_id WHERE o.service_user_id = su.id AND o.team_id <> x.team_id "
     "AND t.type IN ('cmht', 'early_intervention', 'crisis_home_treatment', "
     "'psychiatric_liaison', 'camhs') "
     "AND o.status IN ('received', 'triaged', 'mdt_review', 'accepted')), $2, $5 "
     "FROM x, rcv, service_users su WHERE su.id = $4 AND su.organisation_id = $1 "
     /* By id, a clinician may refer only a woman it can already see; by her
      * details (matched by NHS number), anyone may refer her. */
     "AND ($9::boolean OR $7::uuid[] IS NULL OR EXISTS (SELECT 1 FROM service_user_teams l "
     "WHERE l.service_user_id = su.id AND l.team_id = ANY($7::uuid[]))) "
     /* Referrers, and clinicians referring to a team not theirs, learn only
      * where the referral stands: nothing about a woman beyond their scope. */
     "RETURNING id, version, received_at, service_user_id, team_id, CASE WHEN $5 = 'referrer' "
     "OR NOT (team_id = ANY(coalesce($7::uuid[], ARRAY[team_id]))) "
     "THEN referral_status_json(referrals) ELSE referral_json(referrals) END::text AS body), "
     "hist AS (INSERT INTO referral_transitions (referral_id, to_status, at, by_sub, by_role) "
     "SELECT id, 'received', received_at, $2, $5 FROM ins), "
     /* Referred to a team: she is in that team's scope from now on. */
     "link AS (INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, "
     "reason) SELECT service_user_id, team_id, $1, 'referral' FROM ins ON CONFLICT DO NOTHING), "
     "audit AS (" AUDIT_INSERT "SELECT $1, $7::uuid[], $2, $5, 'create', 'referral', id, "
     "ARRAY[service_user_id], $8, 'ok' FROM ins) "
     "SELECT id, version, body, (SELECT $6::timestamptz > now() + interval '5 minutes') FROM ins",
     9, STMT_AUDITS},
    /* $1 id, $2 org, $3 teams, $4 submitter (referrers), $5 sub, $6 role,
     * $7 request id. */
    {"referral_get",
     "WITH s AS (SELECT r.version, " REFERRAL_VIEW " AS body FROM referrals r "
     "WHERE r.id = $1 AND " REFERRAL_SCOPE "), "
     "audit AS (" AUDIT_INSERT
     "SELECT $2, $3::uuid[], $5, $6, 'read', 'referral', $1, " REFERRAL_WOMAN(
         "$1", "$2") ", $7, "
                     "CASE WHEN EXISTS (SELECT 1 FROM s) THEN 'ok' ELSE 'not_found' END) "
                     "SELECT version, body FROM s",
     7, STMT_REPEATABLE | STMT_AUDITS},
    /* Locks the referral for a transition and reads what the checks need. */
    {"referral_lock",
     "SELECT r.status, r.version, r.responded_at IS NOT NULL, "
     "(SELECT string_agg(w.to_status, ', ' ORDER BY w.to_status) FROM referral_workflow w "
     "WHERE w.from_status = r.status), "
     "(SELECT $5::timestamptz > now() + interval '5 minutes'), "
     "(SELECT $5::timestamptz < r.received_at), "
     "(SELECT count(*) FROM staff s WHERE s.organisation_id = $2 AND s.active "
     "AND s.id IN ($6::uuid, $7::uuid)), "
     "(SELECT $8::date < (r.received_at AT TIME ZONE 'Europe/London')::date) "
     "FROM referrals r WHERE r.id = $1 AND " REFERRAL_SCOPE " FOR UPDATE OF r",
     8, 0},
    {"referral_apply",
     "WITH j AS (SELECT $3::jsonb AS j), "
     "upd AS (UPDATE referrals r SET status = j.j->>'to', "
     "responded_at = coalesce(r.responded_at, (j.j->>'first_contact_at')::timestamptz), "
     "pathway = coalesce(j.j->>'pathway', r.pathway), "
     "allocated_clinician_id = coalesce((j.j->>'allocated_clinician_id')::uuid, "
     "r.allocated_clinician_id), "
     "signposted_to = coalesce(j.j->>'signposted_to', r.signposted_to), "
     "referred_to = coalesce(j.j->>'referred_to', r.referred_to), "
     "closed_reason = coalesce(j.j->>'reason', r.closed_reason), "
     "risk_assessment = coalesce(j.j->'risk_assessment', r.risk_assessment), "
     "onward_referral = coalesce(j.j->'onward_referral', r.onward_referral), "
     "discharge_plan = coalesce(j.j->'discharge_plan', r.discharge_plan), "
     "version = r.version + 1, updated_at = now() "
     "FROM j WHERE r.id = $1 AND r.organisation_id = $2 "
     "RETURNING r.version, r.service_user_id, referral_json(r)::text AS body), "
     "t AS (INSERT INTO referral_transitions (referral_id, from_status, to_status, by_sub, "
     "by_role, notes, details) SELECT $1, $4, j.j->>'to', $5, $6, j.j->>'notes', "
     "j.j - 'to' - 'notes' FROM j, upd), "
     "audit AS (" AUDIT_INSERT "SELECT $2, $7::uuid[], $5, $6, 'transition', 'referral', $1, "
     "ARRAY[service_user_id], $8, 'ok' FROM upd) "
     "SELECT version, body FROM upd",
     8, STMT_AUDITS},
    {"referral_history",
     "WITH s AS (SELECT (SELECT coalesce(json_agg(referral_transition_json(t) ORDER BY t.id), "
     "'[]') FROM referral_transitions t WHERE t.referral_id = r.id)::text AS body "
     "FROM referrals r WHERE r.id = $1 AND " REFERRAL_SCOPE "), "
     "audit AS (" AUDIT_INSERT
     "SELECT $2, $3::uuid[], $5, $6, 'history', 'referral', $1, " REFERRAL_WOMAN(
         "$1", "$2") ", $7, "
                     "CASE WHEN EXISTS (SELECT 1 FROM s) THEN 'ok' ELSE 'not_found' END) "
                     "SELECT body FROM s",
     7, STMT_REPEATABLE | STMT_AUDITS},
    /* The lists. $1 is unused by the scope macros' numbering, so it is the
     * limit; $5/$6 the cursor (sort key, id). */
    {"referral_list",
     "WITH s AS (SELECT r.id, r.service_user_id, to_char(r.received_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS key, " REFERRAL_VIEW " AS body "
     "FROM referrals r WHERE " REFERRAL_SCOPE " "
     "AND ($5::timestamptz IS NULL OR (r.received_at, r.id) < ($5, $6::uuid)) " REFERRAL_FILTERS
     "ORDER BY r.received_at DESC, r.id DESC LIMIT $1), " LIST_AUDIT(
         "key DESC, id DESC") "SELECT id, key, body FROM s ORDER BY key DESC, id DESC",
     16, STMT_REPEATABLE | STMT_PLAN_PER_CALL | STMT_AUDITS},
    {"referral_list_overdue",
     "WITH s AS (SELECT r.id, r.service_user_id, to_char(r.due_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS key, " REFERRAL_VIEW " AS body "
     "FROM referrals r WHERE " REFERRAL_SCOPE " AND " OPEN_UNANSWERED " AND r.due_at < now() "
     "AND ($5::timestamptz IS NULL OR (r.due_at, r.id) > ($5, $6::uuid)) " REFERRAL_FILTERS
     "ORDER BY r.due_at, r.id LIMIT $1), " LIST_AUDIT(
         "key, id") "SELECT id, key, body FROM s ORDER BY key, id",
     16, STMT_REPEATABLE | STMT_PLAN_PER_CALL | STMT_AUDITS},
    {NULL, NULL, 0, 0},
};

const constraint_message referral_constraints[] = {
    {"referrals_team_fk", 422, "/team_id", "No such team in your organisation."},
    {"referrals_referrer_check", 422, "/referrer",
     "Say who referred her (name), unless she referred herself."},
    {"referrals_responded_at_check", 422, "/first_contact_at",
     "The first contact cannot be before the referral was received."},
    {"referral_workflow_check", 409, "/to", "This step is not allowed from the current status."},
    {NULL, 0, NULL, NULL},
};

static const char *submitter_scope(request *r)
{
    return r->who->role == ROLE_REFERRER ? r->who->sub : NULL;
}

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
     * or a call may say when it was received. */
    if (r->who->role == ROLE_REFERRER && has(body, "received_at"))
        field_errors_add(e, "/received_at", "is set by the server for referrers");
    const char *source = get_str(body, "source");
    if (source && strcmp(source, "self") != 0 && !has(body, "referrer"))
        field_errors_add(e, "/referrer",
                         "say who referred her (name), unless she referred herself");
}

void referrals_create(request *r)
{
    json_object *body = resource_read_body(r, referral_fields, VALIDATE_CREATE);
    if (!body)
        return;
    field_errors e = {0};
    referral_rules(r, body, &e);
    if (e.count) {
        problem_fields(r, 422, &e);
        return;
    }
    idem_state st = write_begin(r);
    if (st == IDEM_ANSWERED)
        return;
    const char *woman = get_str(body, "service_user_id");
    json_object *details = NULL;
    json_object_object_get_ex(body, "service_user", &details);
    if (details) {
        const char *params[] = {r->who->org, r->who->sub, json_to_arena(r->a, details, NULL)};
        PGresult *res = db_exec(r, "referral_woman", 3, params);
        if (!db_ok(res) || PQntuples(res) != 1) {
            if (db_ok(res)) /* she was recorded by a concurrent request a moment ago */
                problem_typed(r, 409, "conflict", "Concurrent change", "Send the referral again.");
            else
                db_problem(r, res);
            goto done;
        }
        woman = PQgetvalue(res, 0, 0);
    }
    const char *params[] = {r->who->org,
                            r->who->sub,
                            json_to_arena(r->a, body, NULL),
                            woman,
                            role_name(r->who->role),
                            get_str(body, "received_at"),
                            scope_teams(r),
                            r->request_id,
                            details ? "true" : "false"};
    PGresult *res = db_exec(r, "referral_insert", 9, params);
    if (!db_ok(res)) {
        db_problem(r, res);
        goto done;
    }
    if (PQntuples(res) != 1) {
        field_errors_add(&e, "/service_user_id", "No such service user in your organisation.");
        problem_fields(r, 422, &e);
        goto done;
    }
    if (!strcmp(PQgetvalue(res, 0, 3), "t")) {
        field_errors_add(&e, "/received_at", "must not be in the future");
        problem_fields(r, 422, &e);
        goto done;
    }
    response_header(r, "Location", arena_printf(r->a, "/v1/referrals/%s", PQgetvalue(res, 0, 0)));
    set_etag(r, PQgetvalue(res, 0, 1));
    response_json(r, 201, PQgetvalue(res, 0, 2), (size_t)PQgetlength(res, 0, 2));
done:
    write_end(r, st);
}

static const char *referral_id(request *r)
{
    const char *id = r->npath_params > 0 ? r->path_params[0] : NULL;
    if (!id || !uuid_valid(id)) {
        problem(r, 404, "No such referral.");
        return NULL;
    }
    return id;
}

/* Reads one referral, or its history, within the caller's scope (the
 * statement writes the audit row). NULL: the response is set. */
static PGresult *read_referral(request *r, const char *stmt, const char *id)
{
    const char *params[] = {id,
                            r->who->org,
                            scope_teams(r),
                            submitter_scope(r),
                            r->who->sub,
                            role_name(r->who->role),
                            r->request_id};
    PGresult *res = db_exec(r, stmt, 7, params);
    if (!db_ok(res)) {
        db_problem(r, res);
        return NULL;
    }
    if (PQntuples(res) != 1) {
        problem(r, 404, "No such referral.");
        return NULL;
    }
    return res;
}

void referrals_get(request *r)
{
    const char *id = referral_id(r);
    PGresult *res = id ? read_referral(r, "referral_get", id) : NULL;
    if (!res)
        return;
    set_etag(r, PQgetvalue(res, 0, 0));
    response_json(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
}

void referrals_history(request *r)
{
    const char *id = referral_id(r);
    if (!id)
        return;
    field_errors e = {0};
    static const char *const none[] = {NULL};
    list_check_params(r, none, &e);
    if (e.count) {
        problem_fields(r, 400, &e);
        return;
    }
    PGresult *res = read_referral(r, "referral_history", id);
    if (!res)
        return;
    const char *body =
        arena_printf(r->a, "{\"items\":%s,\"next_cursor\":null}", PQgetvalue(res, 0, 0));
    response_json(r, 200, body, strlen(body));
}

static const step_rule *find_step(const char *to)
{
    for (const step_rule *s = step_rules; s->to; s++)
        if (!strcmp(s->to, to))
            return s;
    return NULL;
}

/* Which fields this step needs and which it may not carry (400/422). */
static void check_step_fields(request *r, const step_rule *step, json_object *body, field_errors *e)
{
    for (int i = 0; i < 3 && step->required[i]; i++)
        if (!has(body, step->required[i]))
            field_errors_add(e, arena_printf(r->a, "/%s", step->required[i]),
                             arena_printf(r->a, "is required to move to %s", step->to));
    json_object_object_foreach(body, key, val)
    {
        (void)val;
        bool allowed =
            !strcmp(key, "to") || !strcmp(key, "notes") || !strcmp(key, "first_contact_at");
        for (int i = 0; i < 3 && !allowed && step->required[i]; i++)
            allowed = !strcmp(key, step->required[i]);
        for (int i = 0; i < 2 && !allowed && step->optional[i]; i++)
            allowed = !strcmp(key, step->optional[i]);
        if (!allowed)
            field_errors_add(e, arena_printf(r->a, "/%s", key),
                             arena_printf(r->a, "is not part of a move to %s", step->to));
    }
}

void referrals_transition(request *r)
{
    const char *id = referral_id(r);
    if (!id)
        return;
    json_object *body = resource_read_body(r, transition_fields, VALIDATE_CREATE);
    if (!body)
        return;
    const char *to = get_str(body, "to");
    const step_rule *step = find_step(to);
    field_errors e = {0};
    if (!step) {
        /* received is only ever the first state. */
        problem_typed(r, 409, "transition-not-allowed", "Transition not allowed",
                      arena_printf(r->a, "A referral cannot move to %s.", to));
        return;
    }
    check_step_fields(r, step, body, &e);
    if (e.count) {
        problem_fields(r, 422, &e);
        return;
    }
    idem_state st = write_begin(r);
    if (st == IDEM_ANSWERED)
        return;
    const char *staff1 = get_str(body, "duty_clinician_id");
    const char *staff2 = get_str(body, "allocated_clinician_id");
    const char *lock_params[] = {id,
                                 r->who->org,
                                 scope_teams(r),
                                 submitter_scope(r),
                                 get_str(body, "first_contact_at"),
                                 staff1,
                                 staff2,
                                 get_str(body, "meeting_date")};
    PGresult *res = db_exec(r, "referral_lock", 8, lock_params);
    if (!db_ok(res)) {
        db_problem(r, res);
        goto done;
    }
    if (PQntuples(res) != 1) {
        problem(r, 404, "No such referral.");
        goto done;
    }
    const char *from = arena_strdup(r->a, PQgetvalue(res, 0, 0));
    const char *version = PQgetvalue(res, 0, 1);
    bool responded = !strcmp(PQgetvalue(res, 0, 2), "t");
    const char *allowed = PQgetisnull(res, 0, 3) ? "" : PQgetvalue(res, 0, 3);
    if (r->if_match) {
        const char *wanted = if_match_version(r);
        if (!wanted)
            goto done;
        if (strcmp(wanted, "*") != 0 && strcmp(wanted, version) != 0) {
            set_etag(r, version);
            problem_typed(r, 412, "precondition-failed", "Precondition Failed",
                          "The referral has changed since you read it; read it again.");
            goto done;
        }
    }
    /* Is this step allowed from here? (The database checks it again.) */
    bool step_allowed = false;
    size_t tolen = strlen(to);
    for (const char *p = allowed; *p;) {
        size_t n = strcspn(p, ",");
        if (n == tolen && !strncmp(p, to, n))
            step_allowed = true;
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    if (!step_allowed) {
        problem_typed(
            r, 409, "transition-not-allowed", "Transition not allowed",
            *allowed ? arena_printf(r->a, "From %s the next step can be: %s.", from, allowed)
                     : arena_printf(r->a, "A referral that is %s has no further steps.", from));
        goto done;
    }
    if (has(body, "first_contact_at")) {
        if (responded)
            field_errors_add(&e, "/first_contact_at", "the first contact is already recorded");
        else if (!strcmp(PQgetvalue(res, 0, 4), "t"))
            field_errors_add(&e, "/first_contact_at", "must not be in the future");
        else if (!strcmp(PQgetvalue(res, 0, 5), "t"))
            field_errors_add(&e, "/first_contact_at", "cannot be before the referral was received");
    }
    int staff_named = (staff1 != NULL) + (staff2 != NULL);
    if (strtol(PQgetvalue(res, 0, 6), NULL, 10) < staff_named)
        field_errors_add(&e, staff1 ? "/duty_clinician_id" : "/allocated_clinician_id",
                         "No such active member of staff in your organisation.");
    if (!strcmp(PQgetvalue(res, 0, 7), "t"))
        field_errors_add(&e, "/meeting_date", "cannot be before the referral was received");
    if (e.count) {
        problem_fields(r, 422, &e);
        goto done;
    }
    const char *apply_params[] = {id,
                                  r->who->org,
                                  json_to_arena(r->a, body, NULL),
                                  from,
                                  r->who->sub,
                                  role_name(r->who->role),
                                  scope_teams(r),
                                  r->request_id};
    res = db_exec(r, "referral_apply", 8, apply_params);
    if (!db_ok(res) || PQntuples(res) != 1) {
        db_problem(r, res);
        goto done;
    }
    set_etag(r, PQgetvalue(res, 0, 0));
    response_header(r, "Location", arena_printf(r->a, "/v1/referrals/%s/transitions", id));
    response_json(r, 201, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
done:
    write_end(r, st);
}

static const char *const list_params[] = {
    "status",      "priority", "team",         "source", "received_from",
    "received_to", "overdue",  "service_user", NULL,
};

static const char *enum_filter(request *r, const char *name, const char *const *values,
                               field_errors *e)
{
    const char *v = request_query(r, name);
    if (!v)
        return NULL;
    for (const char *const *p = values; *p; p++)
        if (!strcmp(*p, v))
            return v;
    field_errors_add(e, name, "is not one of the documented values");
    return NULL;
}

void referrals_list(request *r)
{
    field_errors e = {0};
    int limit;
    list_limit(r, &limit, &e);
    list_check_params(r, list_params, &e);
    const char *overdue = request_query(r, "overdue");
    if (overdue && strcmp(overdue, "true") && strcmp(overdue, "false"))
        field_errors_add(&e, "overdue", "must be true or false");
    bool overdue_list = overdue && !strcmp(overdue, "true");
    const char *team = request_query(r, "team");
    if (team && !uuid_valid(team))
        field_errors_add(&e, "team", "must be a team id (UUID)");
    const char *woman = request_query(r, "service_user");
    if (woman && !uuid_valid(woman))
        field_errors_add(&e, "service_user", "must be a service user id (UUID)");
    const char *from = request_query(r, "received_from"), *until = request_query(r, "received_to");
    if (from && !json_is_date(from))
        field_errors_add(&e, "received_from", "must be a date (YYYY-MM-DD)");
    if (until && !json_is_date(until))
        field_errors_add(&e, "received_to", "must be a date (YYYY-MM-DD)");
    /* The cursor: "<sort key>|<id>" from the previous page. */
    const char *cursor = request_query(r, "cursor"), *after_key = NULL, *after_id = NULL;
    if (cursor) {
        const char *raw = cursor_decode(r->a, cursor);
        const char *bar = raw ? strchr(raw, '|') : NULL;
        if (!bar || !uuid_valid(bar + 1) || bar - raw != 27 ||
            !json_is_timestamp(arena_strndup(r->a, raw, (size_t)(bar - raw))))
            field_errors_add(&e, "cursor", "is not a cursor this API returned");
        else {
            after_key = arena_strndup(r->a, raw, (size_t)(bar - raw));
            after_id = bar + 1;
        }
    }
    const char *params[16] = {
        arena_printf(r->a, "%d", limit + 1),
        r->who->org,
        scope_teams(r),
        submitter_scope(r),
        after_key,
        after_id,
        enum_filter(r, "status", statuses, &e),
        enum_filter(r, "priority", priorities, &e),
        team,
        enum_filter(r, "source", sources, &e),
        from,
        until,
        woman,
        r->who->sub,
        role_name(r->who->role),
        r->request_id,
    };
    if (e.count) {
        problem_fields(r, 400, &e);
        return;
    }
    PGresult *res =
        db_exec(r, overdue_list ? "referral_list_overdue" : "referral_list", 16, params);
    if (!db_ok(res)) {
        db_problem(r, res);
        return;
    }
    list_respond(r, res, limit, 2, 1);
}
