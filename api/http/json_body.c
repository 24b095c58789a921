/* The request body as JSON (see json_body.h). */
#include "json_body.h"

#include "config.h"
#include "json.h"
#include "problem.h"

json_object *request_json_body(request *r, const field_spec *fields, validate_mode mode)
{
    field_errors e = {0};
    json_object *obj = json_parse_strict(r->a, r->body, r->body_len, g_config.max_json_depth, &e);
    if (obj && !json_validate(r->a, obj, fields, mode, "", &e))
        obj = NULL;
    if (!obj)
        problem_fields(r, 400, &e);
    return obj;
}
