/* The common life of a record: create (with Idempotency-Key), read, list
 * with a cursor, and PATCH with If-Match. Each resource file describes its
 * fields, statements and rules; this file does the rest once. */
#ifndef PERINATAL_RESOURCE_H
#define PERINATAL_RESOURCE_H

#include <json-c/json.h>

#include "http.h"
#include "json.h"

#define MAX_LIST_FILTERS 8

typedef struct resource_def {
    const char *noun;       /* "service user", used in messages */
    const char *collection; /* "/v1/service-users", for Location */
    const field_spec *fields;
    /* Statement names. Parameters:
     *   insert  $1 org, $2 created_by, $3 body json    -> id, version, json
     *   get     $1 id, $2 org                          -> version, json
     *   list    $1 org, $2 after id, $3 limit, $4..    -> id, json
     *   update  $1 id, $2 org, $3 version, $4 json     -> version, json */
    const char *stmt_insert, *stmt_get, *stmt_list, *stmt_update;
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

/* Parses the request body strictly and validates it (400 on failure). */
json_object *resource_read_body(request *r, const field_spec *fields, validate_mode mode);

#endif
