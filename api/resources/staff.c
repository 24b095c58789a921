/* Staff: the people who deliver care; their training feeds MH11. */
#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

static const field_spec staff_fields[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"profession", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_professions, NULL, NULL},
    /* Optional: unknown for staff recorded before it was asked (MH6 counts
     * senior_practitioner and consultant as senior clinicians). */
    {"seniority", FIELD_ENUM, FIELD_NULLABLE, 0, 0, vocab_seniorities, NULL, NULL},
    {"team_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"active", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    /* Clinical staff of the mother and baby unit: MH11 counts those trained
     * (default false). */
    {"mbu_clinical_staff", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static const record_filter staff_filters[] = {
    {"team_id", FILTER_UUID, "team_id", NULL},
    {"mbu_clinical_staff", FILTER_BOOL, "mbu_clinical_staff", NULL},
    {NULL, 0, NULL, NULL},
};

static const constraint_message staff_constraints[] = {
    {"staff_team_fk", 422, "/team_id", "No such team in your organisation."},
    {NULL, 0, NULL, NULL},
};

const record_def staff_record = {
    .name = "staff",
    .noun = "member of staff",
    .collection = "/v1/staff",
    .id_param = "staff_id",
    .table = "staff",
    .json = "staff_json",
    .fields = staff_fields,
    .insert = &sql_staff_insert,
    .update = &sql_staff_update,
    .filters = staff_filters,
    .create_roles = ROLE_ADMIN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_ADMIN,
    .constraints = staff_constraints,
};
