/* Generic create / read / list / update over the statements a resource names. */
#include "resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "config.h"
#include "db.h"
#include "idempotency.h"
#include "principal.h"
#include "problem.h"
#include "uuid.h"

#define LIST_DEFAULT_LIMIT 50
#define LIST_MAX_LIMIT 200

json_object *resource_read_body(request *r, const field_spec *fields, validate_mode mode)
{
    field_errors e = {0};
    json_object *obj = json_parse_strict(r->a, r->body, r->body_len, g_config.max_json_depth, &e);
    if (obj && !json_validate(r->a, obj, fields, mode, "", &e))
        obj = NULL;
    if (!obj)
        problem_fields(r, 400, &e);
    return obj;
}

void set_etag(request *r, const char *version)
{
    response_header(r, "ETag", arena_printf(r->a, "\"%s\"", version));
}

const char *scope_teams(request *r)
{
    if (r->who->role != ROLE_CLINICIAN)
        return NULL;
    strbuf b;
    strbuf_init(&b, r->a, 2048);
    strbuf_puts(&b, "{");
    for (int i = 0; i < r->who->nteams; i++) {
        if (i)
            strbuf_puts(&b, ",");
        strbuf_puts(&b, r->who->teams[i]);
    }
    strbuf_puts(&b, "}");
    return b.data;
}

/* Appends the access parameters of an audited resource to params[n...];
 * returns the new count. */
static int access_params(request *r, const resource_def *def, const char **params, int n,
                         bool with_sub)
{
    if (!def->audited)
        return n;
    params[n++] = scope_teams(r);
    if (with_sub)
        params[n++] = r->who->sub;
    params[n++] = role_name(r->who->role);
    params[n++] = r->request_id;
    return n;
}

/* The id in the path: a malformed one cannot exist, so it is 404 like any
 * other unknown id (and never reaches the database). */
static const char *path_id(request *r)
{
    const char *id = r->npath_params > 0 ? r->path_params[0] : NULL;
    if (!id || !uuid_valid(id)) {
        problem(r, 404, "No such record.");
        return NULL;
    }
    return id;
}

static bool apply_rules(request *r, const resource_def *def, json_object *record)
{
    if (!def->rules)
        return true;
    field_errors e = {0};
    def->rules(r, record, &e);
    if (e.count) {
        problem_fields(r, 422, &e);
        return false;
    }
    return true;
}

void resource_create(request *r, const resource_def *def)
{
    json_object *body = resource_read_body(r, def->fields, VALIDATE_CREATE);
    if (!body || !apply_rules(r, def, body))
        return;
    idem_state st = idem_begin(r);
    if (st == IDEM_ANSWERED)
        return;
    const char *params[8] = {r->who->org, r->who->sub, json_to_arena(r->a, body, NULL)};
    int n = access_params(r, def, params, 3, false);
    PGresult *res = db_exec(r, def->stmt_insert, n, params);
    if (!db_ok(res) || PQntuples(res) != 1) {
        db_problem(r, res);
        idem_finish(r, st);
        return;
    }
    response_header(r, "Location",
                    arena_printf(r->a, "%s/%s", def->collection, PQgetvalue(res, 0, 0)));
    set_etag(r, PQgetvalue(res, 0, 1));
    response_json(r, 201, PQgetvalue(res, 0, 2), (size_t)PQgetlength(res, 0, 2));
    idem_finish(r, st);
}

void resource_get(request *r, const resource_def *def)
{
    const char *id = path_id(r);
    if (!id)
        return;
    const char *params[8] = {id, r->who->org};
    int n = access_params(r, def, params, 2, true);
    PGresult *res = db_exec(r, def->stmt_get, n, params);
    if (!db_ok(res)) {
        db_problem(r, res);
        return;
    }
    if (PQntuples(res) != 1) {
        problem(r, 404, arena_printf(r->a, "No such %s.", def->noun));
        return;
    }
    set_etag(r, PQgetvalue(res, 0, 0));
    response_json(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
}

/* The cursor is the last id of the previous page, base64url-encoded so
 * clients treat it as opaque. */
const char *cursor_encode(arena *a, const char *id)
{
    return base64_url_encode(a, (const unsigned char *)id, strlen(id));
}

const char *cursor_decode(arena *a, const char *cursor)
{
    unsigned char buf[256];
    long n = base64_url_decode(cursor, strlen(cursor), buf, sizeof(buf) - 1);
    if (n <= 0 || memchr(buf, '\0', (size_t)n))
        return NULL;
    buf[n] = '\0';
    return arena_strdup(a, (const char *)buf);
}

bool list_limit(request *r, int *limit, field_errors *e)
{
    const char *s = request_query(r, "limit");
    *limit = LIST_DEFAULT_LIMIT;
    if (!s)
        return true;
    char *end;
    long v = strtol(s, &end, 10);
    if (strspn(s, "0123456789") != strlen(s) || end == s || *end || v < 1 || v > LIST_MAX_LIMIT) {
        field_errors_add(e, "limit", "must be an integer from 1 to 200");
        return false;
    }
    *limit = (int)v;
    return true;
}

void resource_list(request *r, const resource_def *def)
{
    field_errors e = {0};
    int limit;
    const char *after = NULL;
    list_limit(r, &limit, &e);
    const char *cursor = request_query(r, "cursor");
    if (cursor && (!(after = cursor_decode(r->a, cursor)) || !uuid_valid(after)))
        field_errors_add(&e, "cursor", "is not a cursor this API returned");
    const char *params[3 + MAX_LIST_FILTERS + 4] = {0};
    if (def->list_filters)
        def->list_filters(r, params + 3, &e);
    list_check_params(r, def->list_params, &e);
    if (e.count) {
        problem_fields(r, 400, &e);
        return;
    }
    char limit_plus_one[16];
    snprintf(limit_plus_one, sizeof(limit_plus_one), "%d", limit + 1);
    params[0] = r->who->org;
    params[1] = after;
    params[2] = limit_plus_one;
    int n = access_params(r, def, params, 3 + def->list_nfilters, true);
    PGresult *res = db_exec(r, def->stmt_list, n, params);
    if (!db_ok(res)) {
        db_problem(r, res);
        return;
    }
    list_respond(r, res, limit, 1, -1);
}

void list_respond(request *r, PGresult *res, int limit, int body_col, int key_col)
{
    int rows = PQntuples(res), shown = rows > limit ? limit : rows;
    strbuf b;
    strbuf_init(&b, r->a, 16 * 1024 * 1024);
    strbuf_puts(&b, "{\"items\":[");
    for (int i = 0; i < shown; i++) {
        if (i)
            strbuf_append(&b, ",", 1);
        strbuf_append(&b, PQgetvalue(res, i, body_col), (size_t)PQgetlength(res, i, body_col));
    }
    if (rows > limit) {
        const char *id = PQgetvalue(res, shown - 1, 0);
        const char *raw =
            key_col < 0 ? id : arena_printf(r->a, "%s|%s", PQgetvalue(res, shown - 1, key_col), id);
        strbuf_printf(&b, "],\"next_cursor\":\"%s\"}", cursor_encode(r->a, raw));
    } else {
        strbuf_puts(&b, "],\"next_cursor\":null}");
    }
    if (b.failed) {
        problem(r, 500, "The list could not be built.");
        return;
    }
    response_json(r, 200, b.data, b.len);
}

void list_check_params(request *r, const char *const *allowed, field_errors *e)
{
    for (int i = 0; i < r->nquery; i++) {
        const char *name = r->query[i].name;
        bool known = !strcmp(name, "limit") || !strcmp(name, "cursor");
        for (const char *const *f = allowed; !known && f && *f; f++)
            known = !strcmp(*f, name);
        if (!known)
            field_errors_add(e, name, "is not a parameter of this list");
    }
}

/* If-Match: one strong entity tag holding the version ("3"); W/ is tolerated. */
const char *if_match_version(request *r)
{
    const char *m = r->if_match;
    if (!m) {
        problem_typed(r, 428, "precondition-required", "If-Match required",
                      "Send If-Match with the ETag of the version you are changing.");
        return NULL;
    }
    if (!strcmp(m, "*"))
        return "*"; /* any current version (RFC 9110) */
    if (!strncmp(m, "W/", 2))
        m += 2;
    size_t n = strlen(m);
    if (n < 3 || n > 12 || m[0] != '"' || m[n - 1] != '"' || strspn(m + 1, "0123456789") != n - 2) {
        problem_typed(r, 412, "precondition-failed", "Precondition Failed",
                      "If-Match does not name a version of this record.");
        return NULL;
    }
    return arena_strndup(r->a, m + 1, n - 2);
}

/* Fields the server owns are dropped from the stored representation before
 * the client's patch is merged into it. */
static void drop_readonly(json_object *obj, const field_spec *fields)
{
    for (const field_spec *f = fields; f->name; f++) {
        if (f->flags & FIELD_READONLY)
            json_object_object_del(obj, f->name);
        else if (f->type == FIELD_OBJECT) {
            json_object *child;
            if (json_object_object_get_ex(obj, f->name, &child) && child)
                drop_readonly(child, f->children);
        }
    }
}

/* Nulls in the stored representation mean "absent". */
static void drop_nulls(json_object *obj)
{
    json_object_object_foreach(obj, key, val)
    {
        if (!val)
            json_object_object_del(obj, key);
        else if (json_object_is_type(val, json_type_object))
            drop_nulls(val);
    }
}

void resource_update(request *r, const resource_def *def)
{
    const char *id = path_id(r);
    if (!id)
        return;
    json_object *patch = resource_read_body(r, def->fields, VALIDATE_PATCH);
    if (!patch)
        return;
    const char *version = if_match_version(r);
    if (!version)
        return;
    const char *params[3] = {id, r->who->org, scope_teams(r)};
    PGresult *res = db_exec(r, def->stmt_peek, def->audited ? 3 : 2, params);
    if (!db_ok(res)) {
        db_problem(r, res);
        return;
    }
    if (PQntuples(res) != 1) {
        problem(r, 404, arena_printf(r->a, "No such %s.", def->noun));
        return;
    }
    if (!strcmp(version, "*"))
        version = arena_strdup(r->a, PQgetvalue(res, 0, 0));
    if (strcmp(PQgetvalue(res, 0, 0), version) != 0) {
        set_etag(r, PQgetvalue(res, 0, 0));
        problem_typed(r, 412, "precondition-failed", "Precondition Failed",
                      "The record has changed since you read it; read it again.");
        return;
    }
    field_errors e = {0};
    json_object *record =
        json_parse_strict(r->a, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1), 16, &e);
    if (!record) {
        problem(r, 500, NULL);
        return;
    }
    drop_readonly(record, def->fields);
    drop_nulls(record);
    json_merge_patch(record, patch);
    /* The merged record must be a complete, valid record. */
    if (!json_validate(r->a, record, def->fields, VALIDATE_CREATE, "", &e)) {
        problem_fields(r, 422, &e);
        return;
    }
    if (!apply_rules(r, def, record))
        return;
    const char *uparams[8] = {id, r->who->org, version, json_to_arena(r->a, record, NULL)};
    int n = access_params(r, def, uparams, 4, true);
    res = db_exec(r, def->stmt_update, n, uparams);
    if (!db_ok(res)) {
        db_problem(r, res);
        return;
    }
    if (PQntuples(res) != 1) {
        problem_typed(r, 412, "precondition-failed", "Precondition Failed",
                      "The record changed while you were saving; read it again.");
        return;
    }
    set_etag(r, PQgetvalue(res, 0, 0));
    response_json(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
}
