/* Teams: the organisation's own teams and those it works with. */
#include <string.h>

#include "resource.h"
#include "resources.h"

static const char *const team_types[] = {
    "perinatal_community",
    "mmhs",
    "mbu",
    "cmht",
    "early_intervention",
    "crisis_home_treatment",
    "psychiatric_liaison",
    "maternity",
    "health_visiting",
    "camhs",
    "social_care",
    NULL,
};

static const field_spec team_fields[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"type", FIELD_ENUM, FIELD_REQUIRED, 0, 0, team_types, NULL, NULL},
    {"national_code", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"organisation_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"version", FIELD_INT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"updated_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

const stmt_def team_stmts[] = {
    {"team_insert",
     "INSERT INTO teams (organisation_id, created_by, name, type) "
     "SELECT $1, $2, x.name, x.type FROM json_to_record($3::json) AS x(name text, type text) "
     "RETURNING id, version, team_json(teams)::text",
     3, 0},
    {"team_get",
     "SELECT version, team_json(t)::text FROM teams t WHERE id = $1 AND organisation_id = $2", 2,
     STMT_REPEATABLE},
    {"team_list",
     "SELECT id, team_json(t)::text FROM teams t WHERE organisation_id = $1 "
     "AND ($2::uuid IS NULL OR id > $2) AND ($4::text IS NULL OR type = $4) "
     "ORDER BY id LIMIT $3",
     4, STMT_REPEATABLE | STMT_PLAN_PER_CALL},
    {"team_update",
     "UPDATE teams t SET name = x.name, type = x.type, version = t.version + 1, updated_at = now() "
     "FROM json_to_record($4::json) AS x(name text, type text) "
     "WHERE t.id = $1 AND t.organisation_id = $2 AND t.version = $3 "
     "RETURNING t.version, team_json(t)::text",
     4, 0},
    {NULL, NULL, 0, 0},
};

const constraint_message team_constraints[] = {
    {"teams_name_unique", 409, "/name", "A team with this name already exists."},
    {NULL, 0, NULL, NULL},
};

static void team_filters(request *r, const char **params, field_errors *e)
{
    const char *type = request_query(r, "type");
    if (type) {
        bool known = false;
        for (const char *const *t = team_types; *t; t++)
            known = known || !strcmp(*t, type);
        if (!known)
            field_errors_add(e, "type", "is not a team type");
    }
    params[0] = type;
}

static const char *const team_list_params[] = {"type", NULL};

static const resource_def team_resource = {
    .noun = "team",
    .collection = "/v1/teams",
    .fields = team_fields,
    .stmt_insert = "team_insert",
    .stmt_get = "team_get",
    .stmt_peek = "team_get",
    .stmt_list = "team_list",
    .stmt_update = "team_update",
    .list_filters = team_filters,
    .list_nfilters = 1,
    .list_params = team_list_params,
};

void teams_create(request *r)
{
    resource_create(r, &team_resource);
}

void teams_list(request *r)
{
    resource_list(r, &team_resource);
}

void teams_get(request *r)
{
    resource_get(r, &team_resource);
}

void teams_update(request *r)
{
    resource_update(r, &team_resource);
}
