/* Staff: the people who deliver care; their training feeds MH11. */
#include <string.h>

#include "resource.h"
#include "resources.h"
#include "uuid.h"

static const char *const professions[] = {
    "psychiatrist",
    "nurse",
    "psychologist",
    "occupational_therapist",
    "social_worker",
    "nursery_nurse",
    "peer_support_worker",
    "midwife",
    "health_visitor",
    "other",
    NULL,
};

static const field_spec staff_fields[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"profession", FIELD_ENUM, FIELD_REQUIRED, 0, 0, professions, NULL, NULL},
    {"team_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"active", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {"organisation_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"version", FIELD_INT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"updated_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

const stmt_def staff_stmts[] = {
    {"staff_insert",
     "INSERT INTO staff (organisation_id, created_by, name, profession, team_id, active) "
     "SELECT $1, $2, x.name, x.profession, x.team_id, coalesce(x.active, true) "
     "FROM json_to_record($3::json) AS x(name text, profession text, team_id uuid, active boolean) "
     "RETURNING id, version, staff_json(staff)::text",
     3, 0},
    {"staff_get",
     "SELECT version, staff_json(s)::text FROM staff s WHERE id = $1 AND organisation_id = $2", 2,
     STMT_REPEATABLE},
    {"staff_list",
     "SELECT id, staff_json(s)::text FROM staff s WHERE organisation_id = $1 "
     "AND ($2::uuid IS NULL OR id > $2) AND ($4::uuid IS NULL OR team_id = $4) "
     "ORDER BY id LIMIT $3",
     4, STMT_REPEATABLE | STMT_PLAN_PER_CALL},
    {"staff_update",
     "UPDATE staff s SET name = x.name, profession = x.profession, team_id = x.team_id, "
     "active = coalesce(x.active, true), version = s.version + 1, updated_at = now() "
     "FROM json_to_record($4::json) AS x(name text, profession text, team_id uuid, active boolean) "
     "WHERE s.id = $1 AND s.organisation_id = $2 AND s.version = $3 "
     "RETURNING s.version, staff_json(s)::text",
     4, 0},
    {NULL, NULL, 0, 0},
};

const constraint_message staff_constraints[] = {
    {"staff_team_fk", 422, "/team_id", "No such team in your organisation."},
    {NULL, 0, NULL, NULL},
};

static void staff_filters(request *r, const char **params, field_errors *e)
{
    const char *team = request_query(r, "team_id");
    if (team && !uuid_valid(team))
        field_errors_add(e, "team_id", "must be an id (UUID)");
    params[0] = team;
}

static const char *const staff_list_params[] = {"team_id", NULL};

static const resource_def staff_resource = {
    .noun = "member of staff",
    .collection = "/v1/staff",
    .fields = staff_fields,
    .stmt_insert = "staff_insert",
    .stmt_get = "staff_get",
    .stmt_peek = "staff_get",
    .stmt_list = "staff_list",
    .stmt_update = "staff_update",
    .list_filters = staff_filters,
    .list_nfilters = 1,
    .list_params = staff_list_params,
};

void staff_create(request *r)
{
    resource_create(r, &staff_resource);
}

void staff_list(request *r)
{
    resource_list(r, &staff_resource);
}

void staff_get(request *r)
{
    resource_get(r, &staff_resource);
}

void staff_update(request *r)
{
    resource_update(r, &staff_resource);
}
