/* Staff training records: the courses a member of staff completed, the
 * intervention each qualifies for and the evidence (MH11 counts the
 * mother-and-baby unit's trained clinical staff: mh11_trained_mbu_staff in
 * db/repeatable/12_training.sql). */
#include <string.h>
#include <time.h>

#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

static const field_spec training_fields[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"staff_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"course", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"provider", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL, NULL, NULL},
    {"completed_on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"valid_until", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    /* A code of the vocabulary training_qualifies_for, checked by the
     * database (422 for a code it does not have): a string here. */
    {"qualifies_for", FIELD_STRING, FIELD_NULLABLE, 1, 60, NULL, NULL, NULL},
    {"evidence_reference", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static const record_filter training_filters[] = {
    {"qualifies_for", FILTER_ENUM, "qualifies_for", vocab_training_qualifies_for},
    {NULL, 0, NULL, NULL},
};

static const constraint_message training_constraints[] = {
    {"staff_training_qualifies_for_fk", 422, "/qualifies_for",
     "Not an intervention a course can qualify for (see the documented values)."},
    {NULL, 0, NULL, NULL},
};

static const char *date_field(json_object *o, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(o, name, &v) && v ? json_object_get_string(v) : NULL;
}

bool date_after_today(const char *date)
{
    char today[11];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    return strcmp(date, today) > 0;
}

/* A course is completed by today (England) and holds after it was done. */
static void training_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    const char *done = date_field(rec, "completed_on"), *until = date_field(rec, "valid_until");
    if (done && date_after_today(done))
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
    .filters = training_filters,
    .create_roles = ROLE_ADMIN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_ADMIN,
    .constraints = training_constraints,
};
