/* Staff training records: the courses a member of staff completed (MH11
 * counts the mother-and-baby unit's trained clinical staff). */
#include <string.h>
#include <time.h>

#include "resources.h"
#include "sql_statements.h"

static const field_spec training_fields[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"staff_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"course", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"provider", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL, NULL, NULL},
    {"completed_on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"valid_until", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static const char *date_field(json_object *o, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(o, name, &v) && v ? json_object_get_string(v) : NULL;
}

/* A course is completed by today (England) and holds after it was done. */
static void training_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    char today[11];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    const char *done = date_field(rec, "completed_on"), *until = date_field(rec, "valid_until");
    if (done && strcmp(done, today) > 0)
        field_errors_add(e, "/completed_on", "must not be in the future");
    if (done && until && strcmp(until, done) <= 0)
        field_errors_add(e, "/valid_until", "must be after completed_on");
}

const record_def staff_training_record = {
    .name = "staff_training",
    .noun = "training record",
    .collection = "/v1/staff/{staff_id}/training",
    .id_param = "training_id",
    .table = "staff_training",
    .parent_column = "staff_id",
    .parent_noun = "member of staff",
    .json = "staff_training_json",
    .fields = training_fields,
    .rules = training_rules,
    .insert = &sql_staff_training_insert,
    .update = &sql_staff_training_update,
    .create_roles = ROLE_ADMIN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_ADMIN,
};
