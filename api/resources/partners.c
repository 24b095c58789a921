/* Partners and significant others of a woman (seed 000, MH6): who they are,
 * how to reach them, her consent to involve each (dated records:
 * consents.c, partner_consents_record; what is in force shows here as
 * consent_in_force), and their needs assessment (seed 002: "Assess the
 * needs of Dads and partners").
 *
 * A woman's record, nested under hers: scoped through her team links,
 * every access audited. Clinicians record and change them; admins read. */
#include <string.h>
#include <time.h>

#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

static const field_spec contact_detail_fields[] = {
    {"telephone", FIELD_STRING, FIELD_NULLABLE, 1, 40, NULL, NULL, NULL},
    {"email", FIELD_STRING, FIELD_NULLABLE, 3, 254, NULL, NULL, NULL},
    {"address", FIELD_STRING, FIELD_NULLABLE, 1, 500, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec needs_assessment_fields[] = {
    {"on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"staff_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"outcome", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec partner_fields[] = {
    {"name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"relationship", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_partner_relationships, NULL, NULL},
    {"contact", FIELD_OBJECT, 0, 0, 0, NULL, NULL, contact_detail_fields},
    {"needs_assessment", FIELD_OBJECT, FIELD_NULLABLE, 0, 0, NULL, NULL, needs_assessment_fields},
    /* Set by the server. */
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"consent_in_force", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"consent", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"seen_within_week_of_admission", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

/* Today in England (the server's TZ is Europe/London). */
void partners_today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void partner_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    json_object *a, *on;
    char today[11];
    partners_today(today);
    if (json_object_object_get_ex(rec, "needs_assessment", &a) && a &&
        json_object_object_get_ex(a, "on", &on) && on &&
        strcmp(json_object_get_string(on), today) > 0)
        field_errors_add(e, "/needs_assessment/on", "must not be in the future");
}

static const constraint_message partner_constraints[] = {
    {"partners_assessor_fk", 422, "/needs_assessment/staff_id",
     "No such member of staff in your organisation."},
    {NULL, 0, NULL, NULL},
};

const record_def partner_record = {
    .name = "partner",
    .noun = "partner",
    .collection = "/v1/service-users/{service_user_id}/partners",
    .id_param = "partner_id",
    .table = "partners",
    .parent_column = "service_user_id",
    .parent_noun = "service user",
    .json = "partner_json",
    .woman_column = "service_user_id",
    .fields = partner_fields,
    .rules = partner_rules,
    .insert = &sql_partner_insert,
    .update = &sql_partner_update,
    .parent_in_scope = &sql_woman_parent_in_scope,
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_CLINICIAN,
    .constraints = partner_constraints,
};
