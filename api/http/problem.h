/* RFC 9457 problem details: every error response is built here, so none can
 * leak SQL text, file paths or library names. */
#ifndef PERINATAL_PROBLEM_H
#define PERINATAL_PROBLEM_H

#include "field_errors.h"
#include "http.h"

/* Sets a problem response. detail may be NULL. */
void problem(request *r, int status, const char *detail);
/* A problem with a specific type slug (urn:perinatal:problem:<slug>). */
void problem_typed(request *r, int status, const char *slug, const char *title, const char *detail);
/* 400 or 422 with the errors array. */
void problem_fields(request *r, int status, const field_errors *e);

#endif
