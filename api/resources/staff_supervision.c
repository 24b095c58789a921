/* Supervision sessions of a member of staff (MH11: "training and
 * supervision of clinical staff to deliver interventions"): when, by whom
 * (another member of staff of the organisation, never themself), for which
 * intervention if one. Organisation data: admins record, clinicians read. */
#include "resources.h"
#include "sql_statements.h"

static const field_spec supervision_fields[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"staff_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"supervisor_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"supervised_on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    /* A code of the vocabulary training_qualifies_for, checked by the
     * database (422 for a code it does not have). */
    {"intervention", FIELD_STRING, FIELD_NULLABLE, 1, 60, NULL, NULL, NULL},
    {"notes", FIELD_STRING, FIELD_NULLABLE, 1, 2000, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static void supervision_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    json_object *v;
    if (json_object_object_get_ex(rec, "supervised_on", &v) && v &&
        date_after_today(json_object_get_string(v)))
        field_errors_add(e, "/supervised_on", "must not be in the future");
}

static const constraint_message supervision_constraints[] = {
    {"staff_supervision_supervisor_fk", 422, "/supervisor_id",
     "No such member of staff in your organisation."},
    {"staff_supervision_not_self", 422, "/supervisor_id",
     "A member of staff is supervised by someone else, not themself."},
    {"staff_supervision_intervention_fk", 422, "/intervention",
     "Not an intervention supervision can be for (see the documented values)."},
    {NULL, 0, NULL, NULL},
};

const record_def staff_supervision_record = {
    .name = "staff_supervision",
    .noun = "supervision session",
    .collection = "/v1/staff/{staff_id}/supervision",
    .id_param = "supervision_id",
    .table = "staff_supervision",
    .parent_column = "staff_id",
    .parent_noun = "member of staff",
    .json = "staff_supervision_json",
    .fields = supervision_fields,
    .rules = supervision_rules,
    .insert = &sql_staff_supervision_insert,
    .update = &sql_staff_supervision_update,
    .create_roles = ROLE_ADMIN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_ADMIN,
    .constraints = supervision_constraints,
};
