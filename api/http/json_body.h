/* The request body as JSON: parsed strictly and validated against a field
 * table, or answered 400 with the errors. */
#ifndef PERINATAL_JSON_BODY_H
#define PERINATAL_JSON_BODY_H

#include <json-c/json.h>

#include "http.h"
#include "json_validate.h"

/* The body as a validated object (released with the request), or NULL
 * once the request is answered 400. */
json_object *request_json_body(request *r, const field_spec *fields, validate_mode mode);

#endif
