/* POST /v1/revoked-tokens (admins): records the revocation and tells this
 * process's revocation set at once; the others learn it at their next
 * refresh. */
#include <json-c/json.h>
#include <libpq-fe.h>
#include <string.h>

#include "db.h"
#include "json_body.h"
#include "resources.h"
#include "revocation.h"
#include "sql_statements.h"

static const field_spec revocation_fields[] = {
    {"jti", FIELD_STRING, FIELD_REQUIRED, 1, 128, NULL, NULL, NULL},
    {"reason", FIELD_STRING, 0, 1, 500, NULL, NULL, NULL},
    {"revoked_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"revoked_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

bool revoked_tokens_create(request *r)
{
    json_object *body = request_json_body(r, revocation_fields, VALIDATE_CREATE);
    if (!body)
        return true;
    json_object *jti_obj = NULL;
    json_object_object_get_ex(body, "jti", &jti_obj);
    const char *jti = json_object_get_string(jti_obj);
    PGresult *res = db_query(r, &sql_revocation_insert, json_to_arena(r->a, body, NULL));
    if (!res)
        return true;
    /* This process refuses the token at once; the others at their next
     * refresh. */
    revocation_add(jti);
    bool created = !strcmp(PQgetvalue(res, 0, 0), "t");
    response_json(r, created ? 201 : 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
    return true;
}
