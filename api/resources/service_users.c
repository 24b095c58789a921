/* Service users: the women in the service's care, with their perinatal
 * status. Lookup by NHS number is a filter of the list. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "nhs_number.h"
#include "resource.h"
#include "resources.h"

static const char *gp_practice_check(const char *s)
{
    if (strlen(s) == 6 && s[0] >= 'A' && s[0] <= 'Z' && strspn(s + 1, "0123456789") == 5)
        return NULL;
    return "must be an ODS GP practice code: a capital letter and five digits";
}

/* UK postcode, upper case with one space before the inward code. */
static const char *postcode_check(const char *s)
{
    static const char *why = "must be a UK postcode in capitals with one space, such as DT1 2JY";
    size_t n = strlen(s);
    const char *space = strchr(s, ' ');
    if (!space || strchr(space + 1, ' ') || n - (size_t)(space - s) != 4)
        return why;
    const char *in = space + 1;
    if (!(in[0] >= '0' && in[0] <= '9') || !(in[1] >= 'A' && in[1] <= 'Z') ||
        !(in[2] >= 'A' && in[2] <= 'Z'))
        return why;
    size_t outlen = (size_t)(space - s);
    if (outlen < 2 || outlen > 4)
        return why;
    size_t i = 0;
    while (i < outlen && s[i] >= 'A' && s[i] <= 'Z')
        i++;
    if (i < 1 || i > 2 || !(s[i] >= '0' && s[i] <= '9') || outlen - i > 2)
        return why;
    /* At most one letter or digit after the district's first digit. */
    if (outlen - i == 2 &&
        !((s[i + 1] >= 'A' && s[i + 1] <= 'Z') || (s[i + 1] >= '0' && s[i + 1] <= '9')))
        return why;
    return NULL;
}

static const char *const stages[] = {"pre_conception", "pregnant", "postnatal", NULL};

static const field_spec consent_fields[] = {
    {"partner_involvement", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {"share_with_gp", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {"share_with_health_visiting", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec status_fields[] = {
    {"stage", FIELD_ENUM, FIELD_REQUIRED, 0, 0, stages, NULL, NULL},
    {"estimated_due_date", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"delivery_date", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"infant_count", FIELD_INT, FIELD_NULLABLE, 1, 8, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

const field_spec service_user_fields[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"nhs_number", FIELD_STRING, FIELD_REQUIRED, 10, 10, NULL, nhs_number_check, NULL},
    {"given_name", FIELD_STRING, FIELD_REQUIRED, 1, 100, NULL, NULL, NULL},
    {"family_name", FIELD_STRING, FIELD_REQUIRED, 1, 100, NULL, NULL, NULL},
    {"date_of_birth", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"age_years", FIELD_INT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"gp_practice_code", FIELD_STRING, FIELD_NULLABLE, 6, 6, NULL, gp_practice_check, NULL},
    {"postcode", FIELD_STRING, FIELD_NULLABLE, 6, 8, NULL, postcode_check, NULL},
    {"consent", FIELD_OBJECT, 0, 0, 0, NULL, NULL, consent_fields},
    {"perinatal_status", FIELD_OBJECT, FIELD_REQUIRED, 0, 0, NULL, NULL, status_fields},
    {"organisation_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"version", FIELD_INT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"updated_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* A clinician reaches a woman linked to one of its teams ($n NULL: any
 * role whose reach is the organisation). */
#define IN_SCOPE(teams)                                                                            \
    "(" teams "::uuid[] IS NULL OR EXISTS (SELECT 1 FROM service_user_teams l "                    \
    "WHERE l.service_user_id = s.id AND l.team_id = ANY(" teams "::uuid[])))"

#define SERVICE_USER_SET                                                                           \
    "nhs_number = x.nhs_number, given_name = x.given_name, "                                       \
    "family_name = x.family_name, date_of_birth = x.date_of_birth, "                               \
    "gp_practice_code = x.gp_practice_code, postcode = x.postcode, "                               \
    "consent_partner_involvement = coalesce((x.consent->>'partner_involvement')::boolean, "        \
    "false), "                                                                                     \
    "consent_share_with_gp = coalesce((x.consent->>'share_with_gp')::boolean, false), "            \
    "consent_share_with_health_visiting = "                                                        \
    "coalesce((x.consent->>'share_with_health_visiting')::boolean, false), "                       \
    "perinatal_stage = x.perinatal_status->>'stage', "                                             \
    "estimated_due_date = (x.perinatal_status->>'estimated_due_date')::date, "                     \
    "delivery_date = (x.perinatal_status->>'delivery_date')::date, "                               \
    "infant_count = (x.perinatal_status->>'infant_count')::int, "

/* Every statement that touches a woman's record writes its audit row in the
 * same statement (so in the same transaction): a read that returns data
 * cannot lose its row. */
const stmt_def service_user_stmts[] = {
    /* $1 org, $2 sub, $3 body, $4 teams, $5 role, $6 request id. A clinician
     * who registers a woman brings her into the scope of its teams. */
    {"service_user_insert",
     "WITH ins AS (" SERVICE_USER_INSERT_FROM_JSON " "
     "RETURNING id, version, service_user_json(service_users)::text AS body), "
     "link AS (INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, "
     "reason) SELECT ins.id, t, $1, 'registration' FROM ins, unnest($4::uuid[]) AS t), "
     "audit AS (" AUDIT_INSERT "SELECT $1, $4::uuid[], $2, $5, 'create', 'service_user', ins.id, "
     "ARRAY[ins.id], $6, 'ok' FROM ins) "
     "SELECT id, version, body FROM ins",
     6, STMT_AUDITS},
    /* $1 id, $2 org, $3 teams, $4 sub, $5 role, $6 request id. */
    {"service_user_get",
     "WITH s AS (SELECT s.version, service_user_json(s)::text AS body FROM service_users s "
     "WHERE s.id = $1 AND s.organisation_id = $2 AND " IN_SCOPE(
         "$3") "), "
               "audit AS (" AUDIT_INSERT
               "SELECT $2, $3::uuid[], $4, $5, 'read', 'service_user', $1, "
               "ARRAY[$1::uuid], $6, CASE WHEN EXISTS (SELECT 1 FROM s) THEN 'ok' ELSE 'not_found' "
               "END) "
               "SELECT version, body FROM s",
     6, STMT_REPEATABLE | STMT_AUDITS},
    /* $1 id, $2 org, $3 teams: the record a PATCH starts from. */
    {"service_user_peek",
     "SELECT s.version, service_user_json(s)::text FROM service_users s "
     "WHERE s.id = $1 AND s.organisation_id = $2 AND " IN_SCOPE("$3"),
     3, STMT_REPEATABLE},
    /* $1 org, $2 after, $3 limit + 1, $4 nhs_number, $5 teams, $6 sub, $7 role,
     * $8 request id. The audit row names the women shown. */
    {"service_user_list",
     "WITH s AS (SELECT s.id, service_user_json(s)::text AS body FROM service_users s "
     "WHERE s.organisation_id = $1 AND ($2::uuid IS NULL OR s.id > $2) "
     "AND ($4::text IS NULL OR s.nhs_number = $4) AND " IN_SCOPE(
         "$5") " "
               "ORDER BY s.id LIMIT $3), "
               "audit AS (" AUDIT_INSERT "SELECT $1, $5::uuid[], $6, $7, "
               "CASE WHEN $4::text IS NULL THEN 'list' ELSE 'lookup' END, 'service_user', NULL, "
               "CASE WHEN $4::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM s) "
               /* A lookup that found nobody in scope still names her, if she exists. */
               "THEN ARRAY(SELECT id FROM service_users WHERE organisation_id = $1 AND nhs_number "
               "= $4) "
               "ELSE coalesce((SELECT array_agg(id) FROM (SELECT id FROM s ORDER BY id LIMIT "
               "$3::int - 1) "
               "v), '{}') END, $8, CASE WHEN $4::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM s) "
               "THEN 'not_found' ELSE 'ok' END) "
               "SELECT id, body FROM s ORDER BY id",
     8, STMT_REPEATABLE | STMT_PLAN_PER_CALL | STMT_AUDITS},
    /* $1 id, $2 org, $3 version, $4 body, $5 teams, $6 sub, $7 role, $8 request id. */
    {"service_user_update",
     "WITH upd AS (UPDATE service_users s SET " SERVICE_USER_SET
     "version = s.version + 1, updated_at = now() "
     "FROM json_to_record($4::json) AS " SERVICE_USER_RECORD " "
     "WHERE s.id = $1 AND s.organisation_id = $2 AND s.version = $3 AND " IN_SCOPE(
         "$5") " "
               "RETURNING s.version, service_user_json(s)::text AS body), "
               "audit AS (" AUDIT_INSERT
               "SELECT $2, $5::uuid[], $6, $7, 'update', 'service_user', $1, "
               "ARRAY[$1::uuid], $8, CASE WHEN EXISTS (SELECT 1 FROM upd) THEN 'ok' ELSE "
               "'conflict' END) "
               "SELECT version, body FROM upd",
     8, STMT_AUDITS},
    {NULL, NULL, 0, 0},
};

const constraint_message service_user_constraints[] = {
    {"service_users_nhs_number_unique", 409, "/nhs_number",
     "A woman with this NHS number is already recorded."},
    {"service_users_perinatal_status_check", 422, "/perinatal_status",
     "The perinatal status and its dates do not agree."},
    {"service_user_teams_team_fk", 403, "",
     "Your token names a team your organisation does not have."},
    {NULL, 0, NULL, NULL},
};

/* Today's date in England, YYYY-MM-DD (close enough to the clinical day:
 * GMT/BST is within an hour of UTC, and the server's TZ is set to it). */
static void today(char out[11], long offset_days)
{
    time_t t = time(NULL) + offset_days * 86400;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static const char *get_str(json_object *o, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !v)
        return NULL;
    return json_object_get_string(v);
}

/* The clinical rules of the record (422): dates that cannot be true, and a
 * perinatal status that does not hang together. */
void service_user_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    char now[11], due_limit[11];
    today(now, 0);
    today(due_limit, 300); /* a due date lies within a pregnancy's length */
    const char *dob = get_str(rec, "date_of_birth");
    if (dob && strcmp(dob, now) > 0)
        field_errors_add(e, "/date_of_birth", "must not be in the future");
    json_object *status;
    if (!json_object_object_get_ex(rec, "perinatal_status", &status) || !status)
        return;
    const char *stage = get_str(status, "stage");
    const char *edd = get_str(status, "estimated_due_date");
    const char *delivered = get_str(status, "delivery_date");
    bool infants =
        json_object_object_get_ex(status, "infant_count", NULL) && get_str(status, "infant_count");
    if (!stage)
        return;
    if (!strcmp(stage, "pregnant")) {
        if (!edd)
            field_errors_add(e, "/perinatal_status/estimated_due_date",
                             "is required when the stage is pregnant");
        else if (strcmp(edd, due_limit) > 0)
            field_errors_add(e, "/perinatal_status/estimated_due_date",
                             "is more than 300 days away");
        if (delivered)
            field_errors_add(e, "/perinatal_status/delivery_date",
                             "must be absent while pregnant (record the birth as postnatal)");
        if (infants)
            field_errors_add(e, "/perinatal_status/infant_count", "must be absent while pregnant");
    } else if (!strcmp(stage, "postnatal")) {
        if (!delivered)
            field_errors_add(e, "/perinatal_status/delivery_date",
                             "is required when the stage is postnatal");
        else if (strcmp(delivered, now) > 0)
            field_errors_add(e, "/perinatal_status/delivery_date", "must not be in the future");
        else if (dob && strcmp(delivered, dob) <= 0)
            field_errors_add(e, "/perinatal_status/delivery_date",
                             "must be after the date of birth");
        if (edd)
            field_errors_add(e, "/perinatal_status/estimated_due_date",
                             "must be absent once postnatal");
    } else {
        if (edd || delivered || infants)
            field_errors_add(e, "/perinatal_status",
                             "pre-conception takes no due date, delivery date or infants");
    }
}

static void service_user_filters(request *r, const char **params, field_errors *e)
{
    const char *nhs = request_query(r, "nhs_number");
    if (nhs) {
        const char *why = nhs_number_check(nhs);
        if (why)
            field_errors_add(e, "nhs_number", why);
    }
    params[0] = nhs;
}

static const char *const service_user_list_params[] = {"nhs_number", NULL};

static const resource_def service_user_resource = {
    .noun = "service user",
    .collection = "/v1/service-users",
    .fields = service_user_fields,
    .stmt_insert = "service_user_insert",
    .stmt_get = "service_user_get",
    .stmt_list = "service_user_list",
    .stmt_update = "service_user_update",
    .stmt_peek = "service_user_peek",
    .audited = true,
    .rules = service_user_rules,
    .list_filters = service_user_filters,
    .list_nfilters = 1,
    .list_params = service_user_list_params,
};

void service_users_create(request *r)
{
    resource_create(r, &service_user_resource);
}

void service_users_list(request *r)
{
    resource_list(r, &service_user_resource);
}

void service_users_get(request *r)
{
    resource_get(r, &service_user_resource);
}

void service_users_update(request *r)
{
    resource_update(r, &service_user_resource);
}
