/* Teaching given to outside professionals (seed 002: "education and training
 * for professionals (midwives and health visitors, GP's, CPNs etc.)"): the
 * day, the topic, the audience (coded), how many attended and which members
 * of staff delivered it. Organisation data, about no woman: admins record,
 * clinicians read. */
#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

static const field_spec teaching_fields[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"delivered_on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"topic", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"audience", FIELD_ENUM_ARRAY, FIELD_REQUIRED, 1, 5, vocab_teaching_audiences, NULL, NULL},
    {"attendees", FIELD_INT, FIELD_REQUIRED, 1, 10000, NULL, NULL, NULL},
    /* Ids of members of staff of the organisation (values NULL: ids). */
    {"delivered_by", FIELD_UUID_ARRAY, FIELD_REQUIRED, 1, 20, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static void teaching_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    json_object *v;
    if (json_object_object_get_ex(rec, "delivered_on", &v) && v &&
        date_after_today(json_object_get_string(v)))
        field_errors_add(e, "/delivered_on", "must not be in the future");
}

static const constraint_message teaching_constraints[] = {
    {"teaching_sessions_delivered_by_staff", 422, "/delivered_by",
     "Every id must name a member of staff of your organisation."},
    {NULL, 0, NULL, NULL},
};

const record_def teaching_session_record = {
    .name = "teaching_session",
    .noun = "teaching session",
    .collection = "/v1/teaching-sessions",
    .id_param = "teaching_session_id",
    .table = "teaching_sessions",
    .json = "teaching_session_json",
    .fields = teaching_fields,
    .rules = teaching_rules,
    .insert = &sql_teaching_session_insert,
    .update = &sql_teaching_session_update,
    .create_roles = ROLE_ADMIN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_ADMIN,
    .constraints = teaching_constraints,
};
