/* The record layer: statements generated from each definition at start-up,
 * and the generic handlers that run them. See record.h. */
#include "record.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "audit.h"
#include "base64.h"
#include "config.h"
#include "idempotency.h"
#include "json_body.h"
#include "log.h"
#include "nhs_number.h"
#include "principal.h"
#include "problem.h"
#include "router.h"
#include "sql_statements.h"
#include "uuid.h"

#define LIST_DEFAULT_LIMIT 50
#define LIST_MAX_LIMIT 200
#define MAX_RECORDS 128
#define SQL_MAX 4096
#define MAX_VIEWS 6

/* The statements generated for one definition. A list's statement is made
 * per request for the conditions it uses (list_stmt); names[2] and
 * names[3 + view] are the stems of their names. */
typedef struct record_stmts {
    const record_def *def;
    stmt_def get, lock, women, history, void_, create;
    char names[7 + MAX_VIEWS][64];
} record_stmts;

static record_stmts generated[MAX_RECORDS];
static int ngenerated;

/* ---- Statement generation ------------------------------------------------ */

static const char *col_or_null(const char *col, const char *type)
{
    static __thread char buf[96];
    if (!col)
        snprintf(buf, sizeof(buf), "NULL::%s", type);
    else
        snprintf(buf, sizeof(buf), "t.%s", col);
    return buf;
}

/* FROM <table> t [joined], access_scope(...): the one scope rule, inlined.
 * join: what a list's summaries need beside t, or NULL. */
static void from_in_scope(char *out, size_t n, const record_def *d, const char *join)
{
    char woman[96], team[96];
    snprintf(woman, sizeof(woman), "%s", col_or_null(d->woman_column, "uuid"));
    snprintf(team, sizeof(team), "%s", col_or_null(d->team_column, "uuid"));
    snprintf(out, n, "FROM %s t%s%s, access_scope($1::access, t.organisation_id, %s, %s, %s)",
             d->table, join ? " " : "", join ? join : "", woman, team,
             col_or_null(d->submitter_column, "text"));
}

/* The representation a statement returns: a view's summary, or (summary
 * NULL) the full record. */
static void json_expr(char *out, size_t n, const record_def *d, const char *summary)
{
    if (summary)
        snprintf(out, n, "%s::text", summary);
    else
        snprintf(out, n, "%s(t)::text", d->json);
}

static char *sql_dup(const char *s)
{
    char *p = strdup(s);
    if (!p) {
        log_error("record", "out of memory generating statements", NULL, NULL);
        exit(1);
    }
    return p;
}

static void define(stmt_def *s, char *name, size_t namelen, const char *prefix, const char *suffix,
                   const char *sql, unsigned flags)
{
    snprintf(name, namelen, "%s_%s", prefix, suffix);
    s->name = name;
    s->sql = sql_dup(sql);
    s->flags = flags;
}

/* A filter's condition, for a request that gives it. */
static void filter_condition(strbuf *b, const record_filter *f)
{
    const char *arg = arena_printf(b->a, "($2::jsonb ->> '%s')", f->param);
    switch (f->kind) {
    case FILTER_UUID:
        strbuf_printf(b, " AND t.%s = %s::uuid", f->column, arg);
        break;
    case FILTER_DATE_FROM:
        strbuf_printf(b, " AND t.%s >= (%s::date::timestamp AT TIME ZONE 'Europe/London')",
                      f->column, arg);
        break;
    case FILTER_DATE_TO:
        strbuf_printf(b, " AND t.%s < ((%s::date + 1)::timestamp AT TIME ZONE 'Europe/London')",
                      f->column, arg);
        break;
    case FILTER_BOOL:
        strbuf_printf(b, " AND t.%s = %s::boolean", f->column, arg);
        break;
    case FILTER_TEAM_LINK:
        strbuf_printf(b,
                      " AND EXISTS (SELECT 1 FROM service_user_teams l WHERE "
                      "l.service_user_id = t.%s AND l.team_id = %s::uuid)",
                      f->column, arg);
        break;
    case FILTER_DAY_BEFORE:
        strbuf_printf(b, " AND t.%s < %s::date", f->column, arg);
        break;
    default:
        strbuf_printf(b, " AND t.%s = %s", f->column, arg);
    }
}

/* Records entered in error are left out unless the arguments ask for them
 * (an admin's ?include=voided). */
static const char *visible(const record_def *d)
{
    if (d->view_of)
        d = d->view_of;
    return d->voidable ? " AND (t.voided_at IS NULL OR ($2::jsonb ->> 'include_voided') = 'true')"
                       : "";
}

/* The LIMIT a list's statement is written with: the rows a page reads
 * (its limit + 1) rounded up to one of these, so that its generic plan
 * (db.c: plan_mode) is made for a page, while few shapes exist; a LIMIT
 * parameter is costed as a tenth of the rows. A page shows only its own
 * rows (record_list_respond). */
static const int limit_sizes[] = {11, 26, 51, 101, 201};
#define NLIMIT_SIZES (sizeof(limit_sizes) / sizeof(limit_sizes[0]))

/* A list's shape: which of its optional parts a request uses. Bit i for
 * filter i of the definition, then one each for the cursor, ?include=voided
 * and ?view=full (no summary, and no CASE for the planner to cost), then
 * the index of its LIMIT in limit_sizes. */
enum { SHAPE_CURSOR, SHAPE_VOIDED, SHAPE_FULL, SHAPE_LIMIT };

/* The bit of a part after the filters' (for SHAPE_LIMIT, the unit of the
 * index). */
static unsigned shape_bit(const record_def *d, int part)
{
    int n = 0;
    for (const record_filter *f = d->filters; f && f->param; f++)
        n++;
    return 1u << (n + part);
}

static unsigned list_shape(const record_def *d, json_object *args)
{
    unsigned shape = 0, bit = 1;
    for (const record_filter *f = d->filters; f && f->param; f++, bit <<= 1)
        if (json_object_object_get_ex(args, f->param, NULL))
            shape |= bit;
    if (json_object_object_get_ex(args, "after_id", NULL))
        shape |= shape_bit(d, SHAPE_CURSOR);
    if (json_object_object_get_ex(args, "include_voided", NULL))
        shape |= shape_bit(d, SHAPE_VOIDED);
    if (json_object_object_get_ex(args, "full", NULL))
        shape |= shape_bit(d, SHAPE_FULL);
    json_object *v;
    int rows = json_object_object_get_ex(args, "limit", &v) ? json_object_get_int(v) : 0;
    unsigned size = 0;
    while (size + 1 < NLIMIT_SIZES && limit_sizes[size] < rows)
        size++;
    return shape | size * shape_bit(d, SHAPE_LIMIT);
}

/* A list's statement holding only the conditions of its shape (list_shape),
 * so that one plan, prepared once per connection, fits every request of that
 * shape; v: a working list's view, or NULL. */
static const char *list_sql(arena *a, const record_def *d, const record_view *v, unsigned shape)
{
    const char *sort = v ? v->sort_column : d->sort_column;
    bool desc = v ? v->sort_desc : d->sort_desc;
    bool full = shape & shape_bit(d, SHAPE_FULL);
    unsigned size = shape / shape_bit(d, SHAPE_LIMIT);
    char from[1024], json[512];
    from_in_scope(from, sizeof(from), d, v && !full ? v->summary_from : NULL);
    json_expr(json, sizeof(json), d, v && !full ? v->summary : NULL);
    strbuf b;
    strbuf_init(&b, a, 4 * SQL_MAX);
    const char *key = sort ? arena_printf(a,
                                          "to_char(t.%s AT TIME ZONE 'UTC', "
                                          "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
                                          sort)
                           : "NULL::text";
    strbuf_printf(&b, "SELECT t.id::text, %s, %s, %s::text %s WHERE %s", key, json,
                  col_or_null(d->woman_column, "uuid"), from, v ? v->where : "true");
    unsigned bit = 1;
    for (const record_filter *f = d->filters; f && f->param; f++, bit <<= 1)
        if (shape & bit)
            filter_condition(&b, f);
    bool cursor = shape & shape_bit(d, SHAPE_CURSOR);
    if (cursor && sort)
        strbuf_printf(&b,
                      " AND (t.%s, t.id) %s (($2::jsonb ->> 'after_key')::timestamptz, "
                      "($2::jsonb ->> 'after_id')::uuid)",
                      sort, desc ? "<" : ">");
    else if (cursor)
        strbuf_puts(&b, " AND t.id > ($2::jsonb ->> 'after_id')::uuid");
    if (d->voidable && !(shape & shape_bit(d, SHAPE_VOIDED)))
        strbuf_puts(&b, " AND t.voided_at IS NULL");
    if (d->parent_column)
        strbuf_printf(&b, " AND t.%s = ($2::jsonb ->> 'parent')::uuid", d->parent_column);
    if (d->outer_column)
        strbuf_printf(&b, " AND t.%s = ($2::jsonb ->> 'outer')::uuid", d->outer_column);
    const char *dir = desc ? " DESC" : "";
    if (sort)
        strbuf_printf(&b, " ORDER BY t.%s%s, t.id%s", sort, dir, dir);
    else
        strbuf_puts(&b, " ORDER BY t.id");
    strbuf_printf(&b, " LIMIT %d", limit_sizes[size < NLIMIT_SIZES ? size : NLIMIT_SIZES - 1]);
    return b.failed ? NULL : b.data;
}

/* Where a statement's main part begins: after its WITH list, or at 0 when
 * it has none. Quoted text and comments are skipped; -1 when the list does
 * not end. */
static long main_part(const char *sql)
{
    if (strncasecmp(sql, "WITH", 4) != 0 || !isspace((unsigned char)sql[4]))
        return 0;
    int depth = 0;
    for (const char *p = sql + 4; *p; p++) {
        if (*p == '\'' || *p == '"') {
            const char *end = strchr(p + 1, *p);
            if (!end)
                return -1;
            p = end; /* a doubled quote is two quoted runs */
        } else if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
            if (!*p)
                return -1;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            const char *q = p + 1;
            while (isspace((unsigned char)*q))
                q++;
            /* another CTE, or a CTE's column list before its AS */
            if (*q == ',' || (!strncasecmp(q, "AS", 2) && !isalnum((unsigned char)q[2])))
                continue;
            return q - sql;
        }
    }
    return -1;
}

/* A create's insert with its audit row written by the same statement, so
 * that a create needs no transaction of its own: the insert's CTEs stay at
 * the top level (PostgreSQL wants data-modifying ones there), its main part
 * becomes the CTE "created", and "audited" writes the row from it. The
 * answer's columns are the insert's (id, version, representation, woman). */
static const char *insert_audited(arena *a, const record_def *d)
{
    const char *sql = d->insert->sql;
    long main = main_part(sql);
    if (main < 0) {
        log_error("record", "cannot find the main part of an insert", d->insert->name, NULL);
        exit(1);
    }
    size_t with = (size_t)main;
    while (with && isspace((unsigned char)sql[with - 1]))
        with--;
    return arena_printf(
        a,
        "%.*s%s created (id, version, representation, woman) AS (%s), "
        "audited AS (INSERT INTO audit_events (organisation_id, teams, sub, role, action, "
        "resource, resource_id, service_user_ids, request_id, outcome) "
        "SELECT ($1::access).org, ($1::access).teams, ($1::access).sub, ($1::access).role, "
        "'create', '%s', c.id::uuid, CASE WHEN c.woman IS NULL THEN '{}' "
        "ELSE ARRAY[c.woman::uuid] END, ($1::access).request_id, 'ok' FROM created c) "
        "SELECT * FROM created",
        (int)with, sql, main ? "," : "WITH", sql + main, d->name);
}

/* prefix: the statements' names (the resource's name, or a nesting's). */
static void generate(record_stmts *g, const record_def *d, const char *prefix)
{
    arena a;
    arena_init(&a, 1 << 20);
    char from[768], json[512], sql[SQL_MAX];
    from_in_scope(from, sizeof(from), d, NULL);
    json_expr(json, sizeof(json), d, NULL);
    const char *woman = arena_strdup(&a, col_or_null(d->woman_column, "uuid"));
    g->def = d;
    /* The FROM clause and the condition every by-id statement shares. */
    size_t used = strlen(from);
    if (d->parent_column && d->outer_column)
        snprintf(from + used, sizeof(from) - used,
                 " WHERE t.%s = ($2::jsonb ->> 'parent')::uuid AND t.%s = ($2::jsonb ->> "
                 "'outer')::uuid AND",
                 d->parent_column, d->outer_column);
    else if (d->parent_column)
        snprintf(from + used, sizeof(from) - used,
                 " WHERE t.%s = ($2::jsonb ->> 'parent')::uuid AND", d->parent_column);
    else
        snprintf(from + used, sizeof(from) - used, " WHERE");

    snprintf(sql, sizeof(sql),
             "SELECT t.version::text, %s, %s::text %s t.id = ($2::jsonb ->> 'id')::uuid%s", json,
             woman, from, visible(d));
    define(&g->get, g->names[0], sizeof(g->names[0]), prefix, "get", sql, STMT_REPEATABLE);

    /* The current record, locked, for a PATCH or a workflow step. */
    snprintf(sql, sizeof(sql),
             "SELECT t.version::text, %s(t)::text, %s::text, %s%s%s %s "
             "t.id = ($2::jsonb ->> 'id')::uuid%s FOR UPDATE OF t",
             d->json, woman, d->workflow ? "t." : "",
             d->workflow ? d->workflow->state_column : "NULL", "::text", from,
             d->voidable ? " AND t.voided_at IS NULL" : "");
    define(&g->lock, g->names[1], sizeof(g->names[1]), prefix, "lock", sql, 0);

    snprintf(g->names[2], sizeof(g->names[2]), "%s_list", prefix);
    int i = 0;
    for (const record_view *v = d->views; v && v->param; v++, i++) {
        if (i == MAX_VIEWS) {
            log_error("record", "too many views; raise MAX_VIEWS", d->name, NULL);
            exit(1);
        }
        snprintf(g->names[3 + i], sizeof(g->names[3 + i]), "%s_list_%s_%s", prefix, v->param,
                 v->value);
    }

    /* Whom an access names even when it was refused: the record's woman,
     * looked up without scope (the trail records who was asked about). */
    snprintf(sql, sizeof(sql),
             "SELECT coalesce(array_agg(%s), '{}')::text FROM %s t "
             "WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org",
             woman, d->table);
    define(&g->women, g->names[3 + MAX_VIEWS], sizeof(g->names[0]), prefix, "women", sql,
           STMT_REPEATABLE);

    if (d->workflow) {
        snprintf(sql, sizeof(sql),
                 "SELECT (SELECT coalesce(json_agg(workflow_transition_json(h) ORDER BY h.id), "
                 "'[]') FROM workflow_transitions h WHERE h.workflow = '%s' AND h.record_id = "
                 "t.id)::text, %s::text %s t.id = ($2::jsonb ->> 'id')::uuid%s",
                 d->workflow->name, woman, from, visible(d));
        define(&g->history, g->names[4 + MAX_VIEWS], sizeof(g->names[0]), prefix, "history", sql,
               STMT_REPEATABLE);
    }
    if (d->voidable) {
        /* After the lock (scope, and not yet entered in error). */
        snprintf(sql, sizeof(sql),
                 "UPDATE %s t SET voided_at = now(), voided_by = ($1::access).sub, "
                 "void_reason = $2::jsonb -> 'body' ->> 'reason', version = t.version + 1, "
                 "updated_at = now() WHERE t.id = ($2::jsonb ->> 'id')::uuid "
                 "RETURNING t.version::text, %s(t)::text, %s::text",
                 d->table, d->json, woman);
        define(&g->void_, g->names[5 + MAX_VIEWS], sizeof(g->names[0]), prefix, "void", sql, 0);
    }
    if (d->insert && d->woman_column)
        define(&g->create, g->names[6 + MAX_VIEWS], sizeof(g->names[0]), prefix, "insert_audited",
               insert_audited(&a, d), 0);
    arena_free(&a);

    db_register_one(&g->get);
    if (d->voidable)
        db_register_one(&g->void_);
    if (g->create.sql)
        db_register_one(&g->create);
    db_register_one(&g->lock);
    db_register_one(&g->women);
    if (d->workflow)
        db_register_one(&g->history);
    if (d->constraints)
        db_register_constraints(d->constraints);
}

/* POST <collection>/lookup: personal data (her NHS number) goes in the
 * body, never in the URL that logs keep. */
static const char *lookup_pattern(const record_def *d)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s/lookup", d->collection);
    return sql_dup(buf);
}

static const char *item_pattern(const record_def *d, const char *suffix)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s/{%s}%s", d->collection, d->id_param, suffix);
    return sql_dup(buf);
}

/* The nested lists' definitions (register_nestings). */
static record_def nested[MAX_RECORDS];
static const record_def *nested_parent[MAX_RECORDS];
static int nnested;

/* A nesting's parent definition, or NULL for a definition of its own. */
static const record_def *parent_of(const record_def *d)
{
    for (int i = 0; i < nnested; i++)
        if (&nested[i] == d)
            return nested_parent[i];
    return NULL;
}

/* For dispatch's audit row of a refused request (below). */
static const char *refused_women(request *r, const char **action, const char **record_id);

/* The value a lookup's body asked for (her NHS number), or NULL. */
static const char *looked_up(request *r, const record_def *d)
{
    field_errors e = {0};
    json_object *body = r->body_len ? json_parse_strict(r->a, r->body, r->body_len, 4, &e) : NULL,
                *v;
    if (!body || !json_object_object_get_ex(body, d->lookup_param, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* The id a replayed create answered with: the last segment of Location. */
static const char *replayed_id(request *r)
{
    const char *h = r->headers.data ? strstr(r->headers.data, "Location: ") : NULL;
    if (!h)
        return NULL;
    const char *eol = strstr(h, "\r\n");
    if (!eol || eol - h < 36 + 1 || eol[-37] != '/')
        return NULL;
    return arena_strndup(r->a, eol - 36, 36);
}

/* A definition left out would answer 404 in production: refuse to start. */
static void too_many(int n)
{
    if (n >= MAX_RECORDS - 1) {
        fprintf(stderr, "record: more than %d definitions; raise MAX_RECORDS\n", MAX_RECORDS - 1);
        abort();
    }
}

/* Each nesting is the same definition with another collection and parent
 * column, and only its list route. */
static void register_nestings(const record_def *d, const char *audited)
{
    for (const record_nesting *n = d->nestings; n && n->collection; n++) {
        too_many(nnested);
        too_many(ngenerated);
        nested_parent[nnested] = n->parent;
        record_def *nd = &nested[nnested++];
        *nd = *d;
        nd->collection = n->collection;
        nd->parent_column = n->parent_column;
        nd->parent_noun = n->parent_noun;
        nd->insert = NULL;
        nd->update = NULL;
        nd->workflow = NULL;
        nd->lookup_param = NULL;
        nd->views = NULL;
        nd->nestings = NULL;
        nd->constraints = NULL;
        char prefix[48];
        snprintf(prefix, sizeof(prefix), "%s_by_%s", d->name, n->parent_column);
        generate(&generated[ngenerated++], nd, prefix);
        router_add("GET", nd->collection, record_list, nd, nd->read_roles, 0, audited, "list");
    }
}

void record_register(const record_def *const *defs)
{
    audit_set_women_finder(refused_women);
    for (const record_def *const *p = defs; *p; p++) {
        too_many(ngenerated);
        const record_def *d = *p;
        /* A view's statements are named by its representation: its name is
         * the records' (the audit trail's resource). */
        generate(&generated[ngenerated++], d, d->view_of ? d->json : d->name);
        const char *audited = d->woman_column ? d->name : NULL;
        if (d->insert)
            router_add("POST", d->collection, record_create, d, d->create_roles, ROUTE_BODY,
                       audited, "create");
        if (d->singleton) {
            router_add("GET", d->collection, record_get, d, d->read_roles, 0, audited, "read");
            if (d->update)
                router_add("PATCH", d->collection, record_update, d, d->update_roles, ROUTE_BODY,
                           audited, "update");
            continue;
        }
        router_add("GET", d->collection, record_list, d, d->read_roles, 0, audited, "list");
        if (d->lookup_param)
            router_add("POST", lookup_pattern(d), record_lookup, d, d->read_roles, ROUTE_BODY,
                       audited, "lookup");
        if (!d->list_only)
            router_add("GET", item_pattern(d, ""), record_get, d, d->read_roles, 0, audited,
                       "read");
        if (d->update || (d->workflow && d->workflow->corrections))
            router_add("PATCH", item_pattern(d, ""), record_update, d,
                       d->update ? d->update_roles : d->workflow->roles, ROUTE_BODY, audited,
                       "update");
        if (d->workflow) {
            router_add("POST", item_pattern(d, "/transitions"), record_transition, d,
                       d->workflow->roles, ROUTE_BODY, audited, "transition");
            router_add("GET", item_pattern(d, "/transitions"), record_history, d,
                       d->workflow->roles, 0, audited, "history");
        }
        if (d->voidable)
            router_add("POST", item_pattern(d, "/entered-in-error"), record_void, d, ROLE_CLINICIAN,
                       ROUTE_BODY, audited, "void");
        register_nestings(d, audited);
    }
}

static const record_stmts *stmts_of(const record_def *d)
{
    for (int i = 0; i < ngenerated; i++)
        if (generated[i].def == d)
            return &generated[i];
    return NULL;
}

/* The list statement for a request's arguments (v: its view, or NULL): made
 * per request, prepared on a connection the first time it is used there. */
static const stmt_def *list_stmt(request *r, const record_def *d, const record_view *v,
                                 json_object *args)
{
    const record_stmts *g = stmts_of(d);
    unsigned shape = list_shape(d, args);
    stmt_def *s = arena_alloc(r->a, sizeof(*s));
    s->name = arena_printf(r->a, "%s#%x", g->names[v ? 3 + (v - d->views) : 2], shape);
    s->sql = list_sql(r->a, d, v, shape);
    s->flags = STMT_REPEATABLE | STMT_PREPARE_ON_USE;
    if (!s->sql) {
        log_error("record", "a list's statement is too long", s->name, NULL);
        problem(r, 500, NULL);
        return NULL;
    }
    return s;
}

/* ---- Helpers --------------------------------------------------------------- */

static const record_def *def_of(request *r)
{
    return (const record_def *)r->route->resource;
}

static void set_etag(request *r, const char *version)
{
    response_header(r, "ETag", arena_printf(r->a, "\"%s\"", version));
}

/* How many path parameters name the parents of a nested record. */
static int parent_params(const record_def *d)
{
    return (d->parent_column ? 1 : 0) + (d->outer_column ? 1 : 0);
}

/* The id in the path: a malformed one cannot exist, so it is 404 like any
 * other unknown id (and never reaches the database). */
static const char *path_id(request *r, const record_def *d)
{
    /* A singleton's id is its parent's, the last path parameter. */
    int want = parent_params(d) + (d->singleton ? 0 : 1);
    bool ok = want > 0 && r->npath_params == want;
    for (int i = 0; ok && i < want; i++)
        ok = uuid_valid(r->path_params[i]);
    if (!ok) {
        problem(r, 404, arena_printf(r->a, "No such %s.", d->noun));
        return NULL;
    }
    return r->path_params[want - 1];
}

/* The parent's id of a nested collection (NULL for others); answers 404
 * when it cannot be one. */
static bool path_parent(request *r, const record_def *d, const char **parent)
{
    *parent = NULL;
    if (!d->parent_column)
        return true;
    int n = parent_params(d);
    bool ok = r->npath_params >= n;
    for (int i = 0; ok && i < n; i++)
        ok = uuid_valid(r->path_params[i]);
    if (!ok) {
        problem(r, 404, arena_printf(r->a, "No such %s.", d->parent_noun));
        return false;
    }
    *parent = r->path_params[n - 1];
    return true;
}

/* The arguments of a by-id statement: the id, and a nested record's parent. */
static json_object *record_args(request *r, const record_def *d, const char *id)
{
    json_object *args = json_object_new_object();
    if (id)
        json_object_object_add(args, "id", json_object_new_string(id));
    int n = parent_params(d);
    if (d->parent_column && r->npath_params >= n)
        json_object_object_add(args, "parent", json_object_new_string(r->path_params[n - 1]));
    if (d->outer_column && r->npath_params >= n)
        json_object_object_add(args, "outer", json_object_new_string(r->path_params[0]));
    if (r->include_voided)
        json_object_object_add(args, "include_voided", json_object_new_string("true"));
    return args;
}

/* ?include=voided: records entered in error too, for admins only. False:
 * answered (400 for another value, 403 for another role). */
static bool read_include(request *r, const record_def *d)
{
    const char *include = request_query(r, "include");
    if (!include)
        return true;
    if (!d->voidable || strcmp(include, "voided") != 0) {
        field_errors e = {0};
        field_errors_add(&e, "include", d->voidable ? "must be voided" : "is not a parameter here");
        problem_fields(r, 400, &e);
        return false;
    }
    if (r->who->role != ROLE_ADMIN) {
        problem(r, 403, "Only admins read records entered in error.");
        return false;
    }
    r->include_voided = true;
    return true;
}

/* Runs a statement of the common shape; the args object is released. */
static PGresult *run(request *r, const stmt_def *s, json_object *args)
{
    const char *text = json_to_arena(r->a, args, NULL);
    json_object_put(args);
    return db_run(r, s, text);
}

/* db_query expecting exactly the one row its statement promises: anything
 * else is answered 500 (NULL then). */
static PGresult *query_row(request *r, const stmt_def *s, const char *args)
{
    PGresult *res = db_query(r, s, args);
    if (res && PQntuples(res) != 1) {
        log_error("record", "expected one row", r->request_id, s->name);
        problem(r, 500, NULL);
        return NULL;
    }
    return res;
}

/* run, answering with the problem when the statement fails (NULL then). */
static PGresult *query(request *r, const stmt_def *s, json_object *args)
{
    const char *text = json_to_arena(r->a, args, NULL);
    json_object_put(args);
    return db_query(r, s, text);
}

/* An audited resource's row for this access. False: answered (503). */
static bool audit(request *r, const record_def *d, const char *action, const char *id,
                  const char *women, const char *outcome)
{
    if (!d->woman_column)
        return true;
    return audit_record(r, d->name, action, id, women ? women : "{}", outcome);
}

const char *record_women(request *r, const record_def *d, const char *id)
{
    const record_stmts *g = stmts_of(d);
    if (!g || !id || !d->woman_column)
        return "{}";
    PGresult *res = run(r, &g->women, record_args(r, d, id));
    if (!db_ok(res) || PQntuples(res) != 1)
        return "{}";
    return PQgetvalue(res, 0, 0);
}

static const char *woman_array(request *r, PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return "{}";
    return arena_printf(r->a, "{%s}", PQgetvalue(res, row, col));
}

/* For dispatch's audit row of a refused request: whom it asked about. */
static const char *refused_women(request *r, const char **action, const char **record_id)
{
    const record_def *d = r->route->resource;
    if (!d)
        return "{}";
    /* A lookup, or a create refused because her NHS number is recorded
     * already (409): the woman with that number, looked up as a lookup does,
     * so that the probe shows in her audit trail (a change, below). */
    bool by_number = !strcmp(*action, "lookup") ||
                     (d->lookup_women && !strcmp(*action, "create") && r->status == 409);
    const char *lookup = by_number ? looked_up(r, d) : NULL;
    if (lookup) {
        if (!nhs_number_valid(lookup))
            return "{}";
        PGresult *res = db_run(r, d->lookup_women, db_args(r->a, "value", lookup, DB_ARGS_END));
        return db_ok(res) && PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "{}";
    }
    /* The record's id: the last id in the path (a care plan's version
     * number comes after its plan's). */
    const char *id = NULL;
    for (int i = r->npath_params - 1; i >= 0 && !id; i--)
        if (uuid_valid(r->path_params[i]))
            id = r->path_params[i];
    bool replay = !strcmp(*action, "create") && r->status == 201;
    if (replay) /* a singleton's id is its path's */
        *record_id = id = d->singleton ? id : replayed_id(r);
    /* Any other request to a nested collection (a list or a create under
     * her, her plan, her agreement): the path's last id is the parent's,
     * whose woman parent_in_scope names. */
    else if (d->parent_in_scope && !d->singleton && r->npath_params == parent_params(d)) {
        bool ok = true;
        for (int i = 0; ok && i < r->npath_params; i++)
            ok = uuid_valid(r->path_params[i]);
        PGresult *res = ok ? run(r, d->parent_in_scope, record_args(r, d, NULL)) : NULL;
        return db_ok(res) && PQntuples(res) == 1 ? woman_array(r, res, 0, 1) : "{}";
    }
    const record_def *parent = parent_of(d); /* a nested list: the id is the parent's */
    const char *women = id && uuid_valid(id) ? record_women(r, parent ? parent : d, id) : "{}";
    /* A change of her NHS number refused because another woman has it: that
     * woman's trail shows the probe too. */
    const char *number =
        d->lookup_women && !strcmp(*action, "update") && r->status == 409 ? looked_up(r, d) : NULL;
    if (number && nhs_number_valid(number)) {
        PGresult *res = db_run(r, d->lookup_women, db_args(r->a, "value", number, DB_ARGS_END));
        const char *other = db_ok(res) && PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "{}";
        if (strcmp(other, "{}") && strcmp(other, women))
            women = strcmp(women, "{}")
                        ? arena_printf(r->a, "%.*s,%s", (int)strlen(women) - 1, women, other + 1)
                        : other;
    }
    return women;
}

static bool apply_rules(request *r, const record_def *d, json_object *record)
{
    field_errors e = {0};
    /* Dates and timestamps are any RFC 3339 value (400 otherwise); how far
     * back or ahead they may lie is a rule. */
    json_date_ranges(r->a, record, d->fields, "", &e);
    if (d->rules)
        d->rules(r, record, &e);
    if (e.count) {
        problem_fields(r, 422, &e);
        return false;
    }
    return true;
}

/* ---- Create, read ---------------------------------------------------------- */

bool record_create(request *r)
{
    const record_def *d = def_of(r);
    const char *parent;
    if (!path_parent(r, d, &parent))
        return true;
    if (idem_answered_before(r))
        return true;
    json_object *body = request_json_body(r, d->fields, VALIDATE_CREATE);
    if (!body || !apply_rules(r, d, body))
        return true;
    /* The insert and its audit row are one statement. With no answer to
     * keep for an Idempotency-Key, and no hook that opened the transaction
     * (record_create_begin), it commits on its own: no BEGIN and COMMIT
     * round trips. */
    idem_state st = r->idempotency_key ? idem_write_begin(r) : IDEM_NONE;
    if (st == IDEM_ANSWERED)
        return true;
    json_object *args = record_args(r, d, NULL);
    json_object_object_add(args, "body", json_object_get(body));
    if (d->before_create && !d->before_create(r, body, args)) {
        json_object_put(args);
        goto done;
    }
    const stmt_def *insert = d->woman_column ? &stmts_of(d)->create : d->insert;
    PGresult *res = query(r, insert, args);
    if (!res)
        goto done;
    if (PQntuples(res) != 1) {
        if (parent) { /* the parent is not there (for this caller) */
            problem(r, 404, arena_printf(r->a, "No such %s.", d->parent_noun));
            goto done;
        }
        const record_refusal *no = &d->insert_refused;
        if (no->status == 409) {
            problem_typed(r, 409, "conflict", "The record conflicts with another", no->detail);
        } else {
            field_errors e = {0};
            field_errors_add(&e, no->pointer, no->detail);
            problem_fields(r, 422, &e);
        }
        goto done;
    }
    const char *id = PQgetvalue(res, 0, 0);
    if (d->woman_column)
        audit_written_by_statement(r);
    response_header(r, "Location",
                    d->singleton ? r->path : arena_printf(r->a, "%s/%s", r->path, id));
    set_etag(r, PQgetvalue(res, 0, 1));
    response_json(r, 201, PQgetvalue(res, 0, 2), (size_t)PQgetlength(res, 0, 2));
done:
    if (st == IDEM_PROCEED || r->db->in_transaction)
        idem_write_end(r, st);
    return true;
}

bool record_create_begin(request *r)
{
    if (r->db->in_transaction || db_begin(r))
        return true;
    db_problem(r, NULL);
    return false;
}

/* Reads one record (or its history) in scope; answers 404 and audits. */
static PGresult *read_one(request *r, const record_def *d, const stmt_def *s, const char *id,
                          const char *action)
{
    PGresult *res = query(r, s, record_args(r, d, id));
    if (!res)
        return NULL;
    if (PQntuples(res) != 1) {
        if (audit(r, d, action, id, record_women(r, d, id), "not_found"))
            problem(r, 404, arena_printf(r->a, "No such %s.", d->noun));
        return NULL;
    }
    return res;
}

bool record_get(request *r)
{
    const record_def *d = def_of(r);
    const char *id = path_id(r, d);
    if (id && !read_include(r, d))
        return true;
    PGresult *res = id ? read_one(r, d, &stmts_of(d)->get, id, "read") : NULL;
    if (!res || !audit(r, d, "read", id, woman_array(r, res, 0, 2), "ok"))
        return true;
    set_etag(r, PQgetvalue(res, 0, 0));
    response_json(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
    return true;
}

bool record_history(request *r)
{
    const record_def *d = def_of(r);
    const char *id = path_id(r, d);
    if (!id)
        return true;
    field_errors e = {0};
    static const char *const none[] = {"include", NULL};
    record_check_params(r, none, &e); /* the whole history: not paged */
    if (!e.count && !read_include(r, d))
        return true;
    if (e.count) {
        problem_fields(r, 400, &e);
        return true;
    }
    PGresult *res = read_one(r, d, &stmts_of(d)->history, id, "history");
    if (!res || !audit(r, d, "history", id, woman_array(r, res, 0, 1), "ok"))
        return true;
    const char *body =
        arena_printf(r->a, "{\"items\":%s,\"next_cursor\":null}", PQgetvalue(res, 0, 0));
    response_json(r, 200, body, strlen(body));
    return true;
}

/* ---- Lists ----------------------------------------------------------------- */

/* The cursor is the last row of the previous page ("id", or "key|id" for a
 * list sorted by a timestamp), base64url-encoded so clients treat it as
 * opaque. */
const char *record_cursor_encode(arena *a, const char *raw)
{
    return base64_url_encode(a, (const unsigned char *)raw, strlen(raw));
}

const char *record_cursor_decode(arena *a, const char *cursor)
{
    unsigned char buf[256];
    long n = base64_url_decode(cursor, strlen(cursor), buf, sizeof(buf) - 1);
    if (n <= 0 || memchr(buf, '\0', (size_t)n))
        return NULL;
    buf[n] = '\0';
    return arena_strdup(a, (const char *)buf);
}

bool record_list_limit(request *r, int *limit, field_errors *e)
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

/* Every query parameter is one of allowed (and limit and cursor, for a
 * paged list); else an error. */
static void check_params_of(request *r, const char *const *allowed, bool paged, field_errors *e)
{
    for (int i = 0; i < r->nquery; i++) {
        const char *name = r->query[i].name;
        bool known = paged && (!strcmp(name, "limit") || !strcmp(name, "cursor"));
        for (const char *const *f = allowed; !known && f && *f; f++)
            known = !strcmp(*f, name);
        if (!known)
            field_errors_add(e, name,
                             paged ? "is not a parameter of this list" : "is not a parameter here");
    }
}

void record_list_check_params(request *r, const char *const *allowed, field_errors *e)
{
    check_params_of(r, allowed, true, e);
}

void record_check_params(request *r, const char *const *allowed, field_errors *e)
{
    check_params_of(r, allowed, false, e);
}

/* A record list's cursors carry a tag of the list they came from (its
 * route and its parameters but the page's own: cursor, limit, view), so
 * that a cursor handed to another list, or to the same list with other
 * filters, is refused (400) instead of being read as that list's sort key
 * and skipping or repeating rows. FNV-1a over the route's pattern and the
 * parameters in name order. */
static const char *list_tag(request *r)
{
    int order[MAX_QUERY_PARAMS], n = 0;
    for (int i = 0; i < r->nquery; i++) {
        const char *name = r->query[i].name;
        if (!strcmp(name, "cursor") || !strcmp(name, "limit") || !strcmp(name, "view"))
            continue;
        int j = n++;
        for (; j > 0 && strcmp(r->query[order[j - 1]].name, name) > 0; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    unsigned long long h = 14695981039346656037ULL;
    const char *parts[2 * MAX_QUERY_PARAMS + 1];
    int np = 0;
    parts[np++] = r->route ? r->route->pattern : "";
    for (int k = 0; k < n; k++) {
        parts[np++] = r->query[order[k]].name;
        parts[np++] = r->query[order[k]].value;
    }
    for (int k = 0; k < np; k++) {
        for (const unsigned char *p = (const unsigned char *)parts[k]; *p; p++)
            h = (h ^ *p) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL; /* a separator no text holds */
    }
    return arena_printf(r->a, "%016llx", h);
}

/* The page and its next cursor; a tagged list's cursor starts with its
 * list_tag. */
static bool list_respond(request *r, PGresult *res, int limit, int body_col, int key_col,
                         bool tagged)
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
        if (tagged)
            raw = arena_printf(r->a, "%s|%s", list_tag(r), raw);
        strbuf_printf(&b, "],\"next_cursor\":\"%s\"}", record_cursor_encode(r->a, raw));
    } else {
        strbuf_puts(&b, "],\"next_cursor\":null}");
    }
    if (b.failed) {
        problem(r, 500, "The list could not be built.");
        return true;
    }
    response_json(r, 200, b.data, b.len);
    return true;
}

bool record_list_respond(request *r, PGresult *res, int limit, int body_col, int key_col)
{
    return list_respond(r, res, limit, body_col, key_col, false);
}

static bool audit_page(request *r, const record_def *d, PGresult *res, int limit,
                       const char *lookup);

/* Reads ?param= of a filter into args; adds an error when it is malformed. */
static void read_filter(request *r, const record_filter *f, json_object *args, field_errors *e)
{
    const char *v = request_query(r, f->param);
    if (!v)
        return;
    bool ok = true;
    const char *why = NULL;
    switch (f->kind) {
    case FILTER_ENUM:
        ok = false;
        for (const char *const *p = f->values; *p && !ok; p++)
            ok = !strcmp(*p, v);
        why = "is not one of the documented values";
        break;
    case FILTER_UUID:
    case FILTER_TEAM_LINK:
        ok = uuid_valid(v);
        why = "must be an id (UUID)";
        break;
    case FILTER_DATE_FROM:
    case FILTER_DATE_TO:
    case FILTER_DAY_BEFORE:
        ok = json_is_date(v);
        why = "must be a date (YYYY-MM-DD)";
        break;
    case FILTER_NHS_NUMBER:
        why = nhs_number_check(v);
        ok = why == NULL;
        break;
    case FILTER_BOOL:
        ok = !strcmp(v, "true") || !strcmp(v, "false");
        why = "must be true or false";
        break;
    }
    if (!ok)
        field_errors_add(e, f->param, why);
    else
        json_object_object_add(args, f->param, json_object_new_string(v));
}

/* The view a list request names (?overdue=true, ?worklist=duty), or NULL
 * for the default list; adds an error for a value no view has. */
static const record_view *chosen_view(request *r, const record_def *d, field_errors *e)
{
    const record_view *chosen = NULL;
    for (const record_view *v = d->views; v && v->param; v++) {
        const char *asked = request_query(r, v->param);
        if (!asked || strcmp(asked, v->value))
            continue;
        if (chosen) {
            field_errors_add(e, v->param,
                             arena_printf(r->a, "cannot be combined with %s", chosen->param));
            return NULL;
        }
        chosen = v;
    }
    /* Every view parameter given names one of its values ("false" too, for
     * a true-or-false one), whichever view was chosen. */
    for (const record_view *v = d->views; v && v->param; v++) {
        const char *asked = request_query(r, v->param);
        if (!asked || (chosen && !strcmp(chosen->param, v->param)))
            continue; /* not given, or the chosen view's own value */
        bool allowed = false, boolean = true;
        for (const record_view *w = d->views; w->param; w++)
            if (!strcmp(w->param, v->param)) {
                allowed = allowed || !strcmp(asked, w->value);
                boolean = boolean && !strcmp(w->value, "true");
            }
        if (allowed || (boolean && !strcmp(asked, "false")))
            continue;
        strbuf b;
        strbuf_init(&b, r->a, 1024);
        for (const record_view *w = d->views; w->param; w++)
            if (!strcmp(w->param, v->param))
                strbuf_printf(&b, "%s%s", b.len ? ", " : "", w->value);
        field_errors_add(e, v->param,
                         boolean ? "must be true or false"
                                 : arena_printf(r->a, "must be one of: %s", b.data));
        return NULL;
    }
    return chosen;
}

/* A nested list's parent (a referral, a woman) in the caller's scope; else
 * 404, audited as a list that found nothing. False: answered. */
static bool parent_visible(request *r, const record_def *d, const record_def *pd, const char *id)
{
    PGresult *res = query(r, &stmts_of(pd)->get, record_args(r, pd, id));
    if (!res)
        return false;
    if (PQntuples(res) == 1)
        return true;
    if (audit(r, d, "list", NULL, record_women(r, pd, id), "not_found"))
        problem(r, 404, arena_printf(r->a, "No such %s.", d->parent_noun));
    return false;
}

/* A nested list's parent in the caller's scope; else answers 404 (audited
 * with the woman it is about) and returns false. */
static bool parent_row_in_scope(request *r, const record_def *d, const char **her)
{
    PGresult *res = query(r, d->parent_in_scope, record_args(r, d, NULL));
    if (!res)
        return false;
    const char *women = PQntuples(res) == 1 ? woman_array(r, res, 0, 1) : "{}";
    if (PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t")) {
        *her = women; /* an empty page names her all the same */
        return true;
    }
    if (audit(r, d, "list", NULL, women, "not_found"))
        problem(r, 404, arena_printf(r->a, "No such %s.", d->parent_noun));
    return false;
}

bool record_list(request *r)
{
    const record_def *d = def_of(r);
    const char *parent;
    if (!path_parent(r, d, &parent))
        return true;
    field_errors e = {0};
    int limit;
    record_list_limit(r, &limit, &e);
    const char *allowed[16];
    int n = 0;
    for (const record_filter *f = d->filters; f && f->param && n < 12; f++)
        if (!d->lookup_param || strcmp(f->param, d->lookup_param) != 0)
            allowed[n++] = f->param;
    for (const record_view *v = d->views; v && v->param && n < 14; v++)
        if (v == d->views || strcmp(v->param, v[-1].param) != 0)
            allowed[n++] = v->param;
    if (d->voidable)
        allowed[n++] = "include";
    bool summaries = false;
    for (const record_view *v = d->views; v && v->param; v++)
        summaries = summaries || v->summary;
    if (summaries)
        allowed[n++] = "view";
    allowed[n] = NULL;
    record_list_check_params(r, allowed, &e);
    if (!e.count && !read_include(r, d))
        return true;
    const record_view *view = chosen_view(r, d, &e);
    const char *sort = view ? view->sort_column : d->sort_column;
    json_object *args = record_args(r, d, NULL);
    for (const record_filter *f = d->filters; f && f->param; f++)
        if (!d->lookup_param || strcmp(f->param, d->lookup_param) != 0)
            read_filter(r, f, args, &e);
    for (const char *const *p = d->filter_defaults; p && *p; p++) {
        const char *eq = strchr(*p, '=');
        const char *param = eq ? arena_strndup(r->a, *p, (size_t)(eq - *p)) : NULL;
        if (param && !json_object_object_get_ex(args, param, NULL))
            json_object_object_add(args, param, json_object_new_string(eq + 1));
    }
    const char *cursor = request_query(r, "cursor");
    if (cursor) {
        const char *raw = record_cursor_decode(r->a, cursor), *tag = list_tag(r);
        size_t tl = strlen(tag);
        raw = raw && !strncmp(raw, tag, tl) && raw[tl] == '|' ? raw + tl + 1 : NULL;
        const char *bar = raw && sort ? strchr(raw, '|') : NULL;
        const char *after = sort ? (bar ? bar + 1 : NULL) : raw;
        const char *key = bar ? arena_strndup(r->a, raw, (size_t)(bar - raw)) : NULL;
        if (!after || !uuid_valid(after) || (sort && !json_is_timestamp(key)))
            field_errors_add(&e, "cursor", "is not a cursor this API returned");
        else {
            json_object_object_add(args, "after_id", json_object_new_string(after));
            if (key)
                json_object_object_add(args, "after_key", json_object_new_string(key));
        }
    }
    if (e.count) {
        json_object_put(args);
        problem_fields(r, 400, &e);
        return true;
    }
    /* ?view=full: a working list's full records instead of its summaries. */
    const char *shape = summaries ? request_query(r, "view") : NULL;
    if (shape && strcmp(shape, "full") && strcmp(shape, "summary")) {
        json_object_put(args);
        field_errors_add(&e, "view", "must be summary or full");
        problem_fields(r, 400, &e);
        return true;
    }
    if (shape && !strcmp(shape, "full"))
        json_object_object_add(args, "full", json_object_new_string("true"));
    const char *her = NULL;
    if (d->parent_in_scope && !parent_row_in_scope(r, d, &her)) {
        json_object_put(args);
        return true;
    }
    json_object_object_add(args, "limit", json_object_new_int(limit + 1));
    const record_def *pd = parent ? parent_of(d) : NULL;
    if (pd && !parent_visible(r, d, pd, parent)) {
        json_object_put(args);
        return true;
    }
    const stmt_def *stmt = list_stmt(r, d, view, args);
    if (!stmt) {
        json_object_put(args);
        return true;
    }
    PGresult *res = query(r, stmt, args);
    if (!res)
        return true;
    /* An empty page of a woman's (or her referral's, her plan's, her
     * agreement's) records still names her: it told the caller she has
     * none. */
    if (d->woman_column && PQntuples(res) == 0 && (pd || her)) {
        if (!audit(r, d, "list", NULL, pd ? record_women(r, pd, parent) : her, "ok"))
            return true;
        return list_respond(r, res, limit, 2, sort ? 1 : -1, true);
    }
    if (d->woman_column && !audit_page(r, d, res, limit, NULL))
        return true;
    return list_respond(r, res, limit, 2, sort ? 1 : -1, true);
}

/* The audit row of a list names every woman shown; a lookup (of the
 * value it asked for: her NHS number) that shows nobody names her all the
 * same. */
static bool audit_page(request *r, const record_def *d, PGresult *res, int limit,
                       const char *lookup)
{
    int rows = PQntuples(res), shown = rows > limit ? limit : rows;
    if (lookup && shown == 0) {
        PGresult *w = db_run(r, d->lookup_women, db_args(r->a, "value", lookup, DB_ARGS_END));
        const char *women = db_ok(w) && PQntuples(w) == 1 ? PQgetvalue(w, 0, 0) : "{}";
        return audit(r, d, "lookup", NULL, women, "not_found");
    }
    strbuf b;
    strbuf_init(&b, r->a, 64 * 1024);
    strbuf_puts(&b, "{");
    int named = 0;
    for (int i = 0; i < shown; i++) {
        if (PQgetisnull(res, i, 3))
            continue;
        const char *w = PQgetvalue(res, i, 3);
        if (named && strstr(b.data, w)) /* distinct */
            continue;
        strbuf_printf(&b, "%s%s", named++ ? "," : "", w);
    }
    strbuf_puts(&b, "}");
    return audit(r, d, lookup ? "lookup" : "list", NULL, b.data, "ok");
}

/* ---- Changes: PATCH and workflow steps -------------------------------------- */

/* If-Match: one strong entity tag holding the version ("3"); W/ is tolerated.
 * "*" matches any current version. NULL: answered (428 or 412). */
static const char *if_match_version(request *r)
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

/* True when If-Match (wanted) names the current version; else answers 412. */
static bool version_matches(request *r, const char *wanted, const char *current, const char *noun)
{
    if (!strcmp(wanted, "*") || !strcmp(wanted, current))
        return true;
    set_etag(r, current);
    problem_typed(r, 412, "precondition-failed", "Precondition Failed",
                  arena_printf(r->a, "The %s has changed since you read it; read it again.", noun));
    return false;
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

/* Ends the transaction of a change answered in place (200): commits it,
 * or rolls it back when the answer is a refusal. */
static void end_change(request *r)
{
    if (r->status == 200) {
        if (!db_commit(r))
            db_problem(r, NULL);
    } else {
        db_rollback(r);
    }
}

/* Locks the record in scope inside the open transaction. NULL: answered
 * (404, audited, or a database problem). */
static PGresult *lock_record(request *r, const record_def *d, const char *id, const char *action)
{
    return read_one(r, d, &stmts_of(d)->lock, id, action);
}

static bool correct(request *r, const record_def *d);

bool record_update(request *r)
{
    const record_def *d = def_of(r);
    if (!d->update)
        return correct(r, d);
    const char *id = path_id(r, d);
    json_object *patch = id ? request_json_body(r, d->fields, VALIDATE_PATCH) : NULL;
    const char *version = patch ? if_match_version(r) : NULL;
    if (!version)
        return true;
    if (!db_begin(r)) {
        db_problem(r, NULL);
        return true;
    }
    PGresult *res = lock_record(r, d, id, "update");
    if (!res || !version_matches(r, version, PQgetvalue(res, 0, 0), d->noun))
        goto done;
    field_errors e = {0};
    json_object *record =
        json_parse_strict(r->a, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1), 16, &e);
    if (!record) {
        problem(r, 500, NULL);
        goto done;
    }
    drop_readonly(record, d->fields);
    drop_nulls(record);
    json_merge_patch(record, patch);
    /* The merged record must be a complete, valid record. */
    if (!json_validate(r->a, record, d->fields, VALIDATE_CREATE, "", &e)) {
        problem_fields(r, 422, &e);
        goto done;
    }
    if (!apply_rules(r, d, record))
        goto done;
    json_object *args = record_args(r, d, id);
    json_object_object_add(args, "version", json_object_new_string(PQgetvalue(res, 0, 0)));
    json_object_object_add(args, "body", json_object_get(record));
    const char *args_text = json_to_arena(r->a, args, NULL);
    json_object_put(args);
    if (!(res = query_row(r, d->update, args_text)))
        goto done;
    if (!audit(r, d, "update", id, woman_array(r, res, 0, 2), "ok"))
        goto done;
    set_etag(r, PQgetvalue(res, 0, 0));
    response_json(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
done:
    end_change(r);
    return true;
}

static bool in_list(const char *value, const char *pg_array)
{
    /* pg_array is a text[] as PostgreSQL prints it: {a,b,c} */
    size_t n = strlen(value);
    for (const char *p = pg_array + 1; *p && *p != '}';) {
        size_t len = strcspn(p, ",}");
        if (len == n && !strncmp(p, value, n))
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

/* Which fields the step needs and which it may not carry (422). */
static void check_step_fields(request *r, json_object *body, const char *to, const char *required,
                              const char *optional, field_errors *e)
{
    for (const char *p = required + 1; *p && *p != '}';) {
        size_t len = strcspn(p, ",}");
        const char *name = arena_strndup(r->a, p, len);
        json_object *v;
        if (!json_object_object_get_ex(body, name, &v) || !v)
            field_errors_add(e, arena_printf(r->a, "/%s", name),
                             arena_printf(r->a, "is required to move to %s", to));
        p += len + (p[len] == ',');
    }
    json_object_object_foreach(body, key, val)
    {
        (void)val;
        if (strcmp(key, "to") && strcmp(key, "notes") && !in_list(key, required) &&
            !in_list(key, optional))
            field_errors_add(e, arena_printf(r->a, "/%s", key),
                             arena_printf(r->a, "is not part of a move to %s", to));
    }
}

/* The guards' refusals (a JSON array): 409 for the first that concerns the
 * record's state, else 422 with every field's. False: answered. */
static bool refusals_allow(request *r, const char *refusals)
{
    field_errors e = {0};
    json_object *list = json_parse_strict(r->a, refusals, strlen(refusals), 8, &e);
    if (!list || !json_object_is_type(list, json_type_array)) {
        problem(r, 500, NULL);
        return false;
    }
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(list, i), *v;
        const char *detail = json_object_object_get_ex(x, "detail", &v) ? json_object_get_string(v)
                                                                        : "This step is refused.";
        if (json_object_object_get_ex(x, "status", &v) && json_object_get_int(v) == 409) {
            problem_typed(r, 409, "transition-not-allowed", "Transition not allowed",
                          arena_strdup(r->a, detail));
            return false;
        }
        const char *pointer =
            json_object_object_get_ex(x, "pointer", &v) ? json_object_get_string(v) : "";
        field_errors_add(&e, arena_strdup(r->a, pointer), arena_strdup(r->a, detail));
    }
    if (e.count) {
        problem_fields(r, 422, &e);
        return false;
    }
    return true;
}

/* One workflow step on the record, inside the open transaction: a
 * transition to `to`, or a correction (`to` NULL: a step to the current
 * state, such as a PATCH of an open referral's priority). Answers 201 for a
 * transition, 200 for a correction. */
static void take_step(request *r, const record_def *d, const char *id, json_object *body,
                      const char *to, const char *action)
{
    const workflow_def *w = d->workflow;
    PGresult *res = lock_record(r, d, id, action);
    if (!res)
        return;
    const char *version = PQgetvalue(res, 0, 0), *from = PQgetvalue(res, 0, 3);
    bool correction = to == NULL;
    if (correction)
        to = from;
    if (r->if_match || correction) {
        const char *wanted = if_match_version(r);
        if (!wanted || !version_matches(r, wanted, version, d->noun))
            return;
    }
    json_object *args = json_object_new_object();
    json_object_object_add(args, "workflow", json_object_new_string(w->name));
    json_object_object_add(args, "id", json_object_new_string(id));
    json_object_object_add(args, "from", json_object_new_string(from));
    json_object_object_add(args, "to", json_object_new_string(to));
    json_object_object_add(args, "body", json_object_get(body));
    const char *args_text = json_to_arena(r->a, args, NULL);
    json_object_put(args);
    PGresult *step = query_row(r, &sql_workflow_step, args_text);
    if (!step)
        return;
    /* allowed steps, roles, required, optional, refusals (NULL when the
     * step is not listed from here) */
    const char *allowed = PQgetisnull(step, 0, 0) ? "" : PQgetvalue(step, 0, 0);
    /* Staying put is a correction (PATCH), never a transition. */
    if (PQgetisnull(step, 0, 1) || (!correction && !strcmp(to, from))) {
        problem_typed(
            r, 409, "transition-not-allowed", "Transition not allowed",
            correction
                ? arena_printf(r->a, "A %s that is %s can no longer be changed.", d->noun, from)
            : *allowed
                ? arena_printf(r->a, "From %s the next step can be: %s.", from, allowed)
                : arena_printf(r->a, "A %s that is %s has no further steps.", d->noun, from));
        return;
    }
    if (!in_list(role_name(r->who->role), PQgetvalue(step, 0, 1))) {
        problem(r, 403, arena_printf(r->a, "Your role may not move a %s to %s.", d->noun, to));
        return;
    }
    field_errors e = {0};
    check_step_fields(r, body, to, PQgetvalue(step, 0, 2), PQgetvalue(step, 0, 3), &e);
    json_date_ranges(r->a, body, w->fields, "", &e);
    if (e.count) {
        problem_fields(r, 422, &e);
        return;
    }
    if (!refusals_allow(r, PQgetvalue(step, 0, 4)))
        return;
    if (!(res = query_row(r, w->apply, args_text)) ||
        !db_query(r, &sql_workflow_history_insert, args_text))
        return;
    if (!audit(r, d, action, id, woman_array(r, res, 0, 2), "ok"))
        return;
    set_etag(r, PQgetvalue(res, 0, 0));
    if (!correction)
        response_header(r, "Location", r->path);
    response_json(r, correction ? 200 : 201, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
}

bool record_transition(request *r)
{
    const record_def *d = def_of(r);
    const char *id = path_id(r, d);
    if (id && idem_answered_before(r))
        return true;
    json_object *body = id ? request_json_body(r, d->workflow->fields, VALIDATE_CREATE) : NULL;
    if (!body)
        return true;
    json_object *v;
    json_object_object_get_ex(body, "to", &v);
    idem_state st = idem_write_begin(r);
    if (st == IDEM_ANSWERED)
        return true;
    take_step(r, d, id, body, json_object_get_string(v), "transition");
    idem_write_end(r, st);
    return true;
}

/* PATCH of a record with a workflow: a correction (a step that stays in the
 * current state), with If-Match, recorded in its history. */
static bool correct(request *r, const record_def *d)
{
    const char *id = path_id(r, d);
    json_object *body = id ? request_json_body(r, d->workflow->fields, VALIDATE_PATCH) : NULL;
    if (!body)
        return true;
    if (json_object_object_get_ex(body, "to", NULL)) {
        field_errors e = {0};
        field_errors_add(&e, "/to",
                         "is not part of a PATCH: take a step with POST .../transitions");
        problem_fields(r, 400, &e);
        return true;
    }
    if (!db_begin(r)) {
        db_problem(r, NULL);
        return true;
    }
    take_step(r, d, id, body, NULL, "update");
    end_change(r);
    return true;
}

/* ---- Entered in error ----------------------------------------------------- */

static const field_spec void_fields[] = {
    {"reason", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

bool record_void(request *r)
{
    const record_def *d = def_of(r);
    const char *id = path_id(r, d);
    json_object *body = id ? request_json_body(r, void_fields, VALIDATE_CREATE) : NULL;
    if (!body)
        return true;
    if (!db_begin(r)) {
        db_problem(r, NULL);
        return true;
    }
    PGresult *res = lock_record(r, d, id, "void");
    if (!res)
        goto done;
    json_object *args = record_args(r, d, id);
    json_object_object_add(args, "body", json_object_get(body));
    const char *args_text = json_to_arena(r->a, args, NULL);
    json_object_put(args);
    if (!(res = query_row(r, &stmts_of(d)->void_, args_text)) ||
        !audit(r, d, "void", id, woman_array(r, res, 0, 2), "ok"))
        goto done;
    set_etag(r, PQgetvalue(res, 0, 0));
    response_json(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
done:
    end_change(r);
    return true;
}

/* ---- Lookup ---------------------------------------------------------------- */

bool record_lookup(request *r)
{
    const record_def *d = def_of(r);
    const record_filter *f = d->filters;
    while (f->param && strcmp(f->param, d->lookup_param) != 0)
        f++;
    const field_spec spec[] = {
        {d->lookup_param, FIELD_STRING, FIELD_REQUIRED, 1, 64, NULL,
         f->kind == FILTER_NHS_NUMBER ? nhs_number_check : NULL, NULL},
        {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
    };
    field_errors e = {0};
    static const char *const none[] = {NULL};
    record_check_params(r, none, &e);
    if (e.count) {
        problem_fields(r, 400, &e);
        return true;
    }
    json_object *body = request_json_body(r, spec, VALIDATE_CREATE), *v;
    if (!body)
        return true;
    json_object_object_get_ex(body, d->lookup_param, &v);
    const char *value = json_object_get_string(v);
    json_object *args = record_args(r, d, NULL);
    json_object_object_add(args, d->lookup_param, json_object_new_string(value));
    json_object_object_add(args, "limit", json_object_new_int(LIST_MAX_LIMIT + 1));
    const stmt_def *stmt = list_stmt(r, d, NULL, args);
    if (!stmt) {
        json_object_put(args);
        return true;
    }
    PGresult *res = query(r, stmt, args);
    if (!res || !audit_page(r, d, res, LIST_MAX_LIMIT, value))
        return true;
    return record_list_respond(r, res, LIST_MAX_LIMIT, 2, d->sort_column ? 1 : -1);
}
