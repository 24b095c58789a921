/* Strict JSON text: parsing that refuses what json-c would quietly accept,
 * writing JSON back out, and merge patch. Validation against a field table is
 * json_validate.h. */
#ifndef PERINATAL_JSON_H
#define PERINATAL_JSON_H

#include <json-c/json.h>
#include <stdbool.h>

#include "arena.h"
#include "field_errors.h"

/* Parses buf strictly: valid UTF-8, no comments or trailing commas, whole
 * input consumed, at most max_depth levels, no repeated key in any object.
 * The top level is an object or an array: valid JSON that is a bare scalar
 * is refused with "the body must be a JSON object". On success returns
 * the object (released with the arena). On failure adds one error with a
 * pointer and returns NULL. */
json_object *json_parse_strict(arena *a, const char *buf, size_t len, int max_depth,
                               field_errors *e);

/* True when [s, s+len) is well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
bool utf8_valid(const char *s, size_t len);

/* Applies an RFC 7396 merge patch to target (in place). */
void json_merge_patch(json_object *target, json_object *patch);

/* Serialises without escaping slashes; the string lives in the arena. */
const char *json_to_arena(arena *a, json_object *obj, size_t *len);

#endif
