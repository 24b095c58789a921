/* RFC 9457 problem details: every error response is built here, so none can
 * leak SQL text, file paths or library names. */
#ifndef PERINATAL_PROBLEM_H
#define PERINATAL_PROBLEM_H

#include "http.h"

#define MAX_FIELD_ERRORS 16

typedef struct field_error {
    const char *pointer; /* JSON pointer into the request body, or a query parameter name */
    const char *detail;
} field_error;

typedef struct field_errors {
    int count;
    field_error items[MAX_FIELD_ERRORS];
} field_errors;

/* Adds an error (strings must live as long as the request). */
void field_errors_add(field_errors *e, const char *pointer, const char *detail);

/* Sets a problem response. detail may be NULL. */
void problem(request *r, int status, const char *detail);
/* A problem with a specific type slug (urn:perinatal:problem:<slug>). */
void problem_typed(request *r, int status, const char *slug, const char *title, const char *detail);
/* 400 or 422 with the errors array. */
void problem_fields(request *r, int status, const field_errors *e);

#endif
