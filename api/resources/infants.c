/* Infants: a record of its own for each of a woman's babies (date of birth,
 * NHS number when known), nested under her: /v1/service-users/{id}/infants.
 * They replace the count service_users.infant_count, which her record now
 * derives from them; a contact and an MBU admission may name one of hers.
 *
 * A woman's record: scoped through her team links (a clinician of one of
 * her teams; admins their organisation), every access audited, entered in
 * error rather than deleted. */
#include <string.h>
#include <time.h>

#include "nhs_number.h"
#include "resources.h"
#include "sql_statements.h"

static const field_spec infant_fields[] = {
    {"date_of_birth", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"nhs_number", FIELD_STRING, FIELD_NULLABLE, 10, 10, NULL, nhs_number_check, NULL},
    /* Set by the server. */
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"migrated", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"entered_in_error", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

/* Born by today (England). */
static void infant_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    char today[11];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    json_object *v;
    if (json_object_object_get_ex(rec, "date_of_birth", &v) && v &&
        strcmp(json_object_get_string(v), today) > 0)
        field_errors_add(e, "/date_of_birth", "must not be in the future");
}

static const constraint_message infant_constraints[] = {
    {"infants_nhs_number_unique", 409, "/nhs_number",
     "An infant with this NHS number is already recorded."},
    {"infants_born_after_mother", 422, "/date_of_birth",
     "must be after the mother's date of birth"},
    {NULL, 0, NULL, NULL},
};

const record_def infant_record = {
    .name = "infant",
    .noun = "infant",
    .collection = "/v1/service-users/{service_user_id}/infants",
    .id_param = "infant_id",
    .table = "infants",
    .parent_column = "service_user_id",
    .parent_noun = "service user",
    .parent_in_scope = &sql_infant_mother_in_scope,
    .json = "infant_json",
    .woman_column = "service_user_id",
    .fields = infant_fields,
    .rules = infant_rules,
    .insert = &sql_infant_insert,
    .update = &sql_infant_update,
    .voidable = true,
    .create_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .constraints = infant_constraints,
};
