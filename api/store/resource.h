/* The common life of a record: create (with Idempotency-Key), read, list
 * with a cursor, and PATCH with If-Match. Each resource file describes its
 * fields, statements and rules; this file does the rest once. */
#ifndef PERINATAL_RESOURCE_H
#define PERINATAL_RESOURCE_H

#include <json-c/json.h>
#include <libpq-fe.h>

#include "http.h"
#include "json.h"
#include "json_validate.h"

#define MAX_LIST_FILTERS 8

typedef struct resource_def {
    const char *noun;       /* "service user", used in messages */
    const char *collection; /* "/v1/service-users", for Location */
    const field_spec *fields;
    /* Statement names. Parameters:
     *   insert  $1 org, $2 created_by, $3 body json    -> id, version, json
     *   get     $1 id, $2 org                          -> version, json
     *   list    $1 org, $2 after id, $3 limit, $4..    -> id, json
     *   update  $1 id, $2 org, $3 version, $4 json     -> version, json
     * and for an audited resource (a woman's record) each takes the access
     * parameters after those: the caller's teams (NULL unless a clinician,
     * whose scope they are), then sub, role and request id for the audit
     * row the statement writes (insert has the sub already: teams, role,
     * request id). stmt_peek reads the current record for a PATCH: id, org
     * (and teams when audited), scoped but not audited. */
    const char *stmt_insert, *stmt_get, *stmt_list, *stmt_update, *stmt_peek;
    bool audited;
    /* Business rules on the complete record (422). May be NULL. */
    void (*rules)(request *r, json_object *record, field_errors *e);
    /* Reads the list filters from the query into params; adds errors for bad
     * ones. Must fill exactly list_nfilters values (NULL = no filter). */
    void (*list_filters)(request *r, const char **params, field_errors *e);
    int list_nfilters;
    const char *const *list_params; /* the filter names, NULL-terminated */
} resource_def;

void resource_create(request *r, const resource_def *def);
void resource_get(request *r, const resource_def *def);
void resource_list(request *r, const resource_def *def);
void resource_update(request *r, const resource_def *def);

/* The caller's teams as a PostgreSQL array ({id,id}) when the caller is a
 * clinician, whose reach they limit; NULL for every other role. */
const char *scope_teams(request *r);

/* Helpers for lists with their own order (referrals). */
const char *cursor_encode(arena *a, const char *raw);
/* The raw text of a cursor, or NULL when it is not one this API made. */
const char *cursor_decode(arena *a, const char *cursor);
/* ?limit= (default 50, 1..200); adds an error when bad. */
bool list_limit(request *r, int *limit, field_errors *e);
/* Answers a list from rows fetched with limit + 1: items from body_col, and
 * a cursor from the last shown row: its id (column 0), or "key|id" when
 * key_col names the sort key's column (>= 0). */
void list_respond(request *r, PGresult *res, int limit, int body_col, int key_col);
/* Adds an error for every query parameter not in allowed (limit and cursor
 * are always allowed). */
void list_check_params(request *r, const char *const *allowed, field_errors *e);
/* The version If-Match names; sets 428/412 and returns NULL when absent or
 * malformed. */
const char *if_match_version(request *r);
void set_etag(request *r, const char *version);

/* Parses the request body strictly and validates it (400 on failure). */
json_object *resource_read_body(request *r, const field_spec *fields, validate_mode mode);

#endif
