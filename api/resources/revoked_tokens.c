/* POST /v1/revoked-tokens (admins): records the revocation and tells this
 * process's revocation set at once; the others learn it at their next
 * refresh. */
#include <json-c/json.h>
#include <libpq-fe.h>
#include <string.h>

#include "db.h"
#include "resource.h"
#include "resources.h"
#include "revocation.h"

static const field_spec revocation_fields[] = {
    {"jti", FIELD_STRING, FIELD_REQUIRED, 1, 128, NULL, NULL, NULL},
    {"reason", FIELD_STRING, 0, 1, 500, NULL, NULL, NULL},
    {"revoked_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"revoked_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

const stmt_def revocation_stmts[] = {
    /* $1 jti, $2 org, $3 sub, $4 reason. The first revocation stands; a
     * repeat answers with it. */
    {"revocation_insert",
     "WITH ins AS (INSERT INTO revoked_tokens (jti, organisation_id, revoked_by, reason) "
     "VALUES ($1, $2, $3, $4) ON CONFLICT (jti) DO NOTHING RETURNING *) "
     "SELECT true, json_build_object('jti', jti, 'revoked_at', revoked_at, 'revoked_by', "
     "revoked_by, 'reason', reason)::text FROM ins "
     /* Who revoked it and why stay within the revoking organisation. */
     "UNION ALL SELECT false, json_build_object('jti', jti, 'revoked_at', revoked_at, "
     "'revoked_by', CASE WHEN organisation_id = $2 THEN revoked_by END, "
     "'reason', CASE WHEN organisation_id = $2 THEN reason END)::text "
     "FROM revoked_tokens WHERE jti = $1 LIMIT 1",
     4, 0},
    {NULL, NULL, 0, 0},
};

void revoked_tokens_create(request *r)
{
    json_object *body = resource_read_body(r, revocation_fields, VALIDATE_CREATE);
    if (!body)
        return;
    json_object *jti_obj = NULL, *reason_obj = NULL;
    json_object_object_get_ex(body, "jti", &jti_obj);
    json_object_object_get_ex(body, "reason", &reason_obj);
    const char *jti = json_object_get_string(jti_obj);
    const char *params[] = {jti, r->who->org, r->who->sub,
                            reason_obj ? json_object_get_string(reason_obj) : NULL};
    PGresult *res = db_exec(r, "revocation_insert", 4, params);
    if (!db_ok(res) || PQntuples(res) != 1) {
        db_problem(r, res);
        return;
    }
    /* This process refuses the token at once; the others at their next
     * refresh. */
    revocation_add(jti);
    bool created = !strcmp(PQgetvalue(res, 0, 0), "t");
    response_json(r, created ? 201 : 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
}
