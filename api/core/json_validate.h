/* Validation of a parsed JSON body against a resource's field table: each
 * resource declares its fields (type, flags, limits, enum values, extra
 * check) and this one function checks any body against them. */
#ifndef PERINATAL_JSON_VALIDATE_H
#define PERINATAL_JSON_VALIDATE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "field_errors.h"

typedef enum field_type {
    FIELD_STRING,
    FIELD_DATE, /* YYYY-MM-DD, a real calendar date */
    FIELD_BOOL,
    FIELD_INT,
    FIELD_ENUM,
    FIELD_UUID,
    FIELD_OBJECT,     /* nested, described by children */
    FIELD_TIMESTAMP,  /* RFC 3339 with an offset: 2026-11-25T10:00:00Z */
    FIELD_ENUM_ARRAY, /* an array of distinct values from values; min..max items */
    FIELD_ARRAY,      /* an array of min..max items, each as children[0] describes */
    FIELD_UUID_ARRAY, /* an array of distinct ids; min..max items */
} field_type;

enum {
    FIELD_REQUIRED = 1 << 0, /* must be present on create */
    FIELD_READONLY = 1 << 1, /* set by the server; a client sending it is refused */
    FIELD_NULLABLE = 1 << 2, /* may be null (or removed by PATCH with null) */
};

typedef struct field_spec field_spec;
struct field_spec {
    const char *name;
    field_type type;
    unsigned flags;
    long min, max;             /* string length in characters, or integer range */
    const char *const *values; /* FIELD_ENUM: NULL-terminated */
    /* Extra check on strings: returns NULL when fine, else the error detail. */
    const char *(*check)(const char *value);
    const field_spec *children; /* FIELD_OBJECT: terminated by a NULL name */
};

typedef enum validate_mode { VALIDATE_CREATE, VALIDATE_PATCH } validate_mode;

/* Checks obj against spec (terminated by a NULL name). Unknown and read-only
 * fields, wrong types and out-of-range values add errors. */
bool json_validate(arena *a, json_object *obj, const field_spec *spec, validate_mode mode,
                   const char *prefix, field_errors *e);

/* True when s is a real date YYYY-MM-DD (RFC 3339 full-date, years
 * 0001-9999). */
bool json_is_date(const char *s);
/* True when s is an RFC 3339 date-time: a real date, any number of
 * fractional digits, an offset (Z or +-HH:MM). */
bool json_is_timestamp(const char *s);
/* s (a valid timestamp) with its fraction rounded to microseconds as
 * PostgreSQL rounds it (carrying into the seconds when it rounds up); s
 * itself when it has 6 fractional digits or fewer. json_validate stores the
 * normalised value in the body it checks. */
const char *json_timestamp_normalise(arena *a, const char *s);
/* The rule (422, not syntax) every date and timestamp in obj follows: from
 * 1900-01-01 to 2200-12-31, offsets within +-14:00. Adds an error per field
 * outside it; walks nested objects of spec. */
void json_date_ranges(arena *a, json_object *obj, const field_spec *spec, const char *prefix,
                      field_errors *e);
/* Length of a UTF-8 string in characters (the input is valid UTF-8). */
size_t utf8_length(const char *s);

#endif
