/* Teams: the organisation's own teams and those it works with. */
#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

static const field_spec team_fields[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"type", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_team_types, NULL, NULL},
    {"national_code", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static const record_filter team_filters[] = {
    {"type", FILTER_ENUM, "type", vocab_team_types},
    {NULL, 0, NULL, NULL},
};

static const constraint_message team_constraints[] = {
    {"teams_name_unique", 409, "/name", "A team with this name already exists."},
    {"teams_organisation_id_fkey", 403, "", "Your organisation is not known to this service."},
    {NULL, 0, NULL, NULL},
};

const record_def team_record = {
    .name = "team",
    .noun = "team",
    .collection = "/v1/teams",
    .id_param = "team_id",
    .table = "teams",
    .json = "team_json",
    .fields = team_fields,
    .insert = &sql_team_insert,
    .update = &sql_team_update,
    .filters = team_filters,
    .create_roles = ROLE_ADMIN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_ADMIN,
    .constraints = team_constraints,
};
