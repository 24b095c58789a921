/* The errors found in one piece of input (a body, a query), each with the
 * JSON pointer or parameter it concerns. Collected by the JSON scanner and
 * validator and by handlers; problem.c turns them into a 400 or 422. */
#ifndef PERINATAL_FIELD_ERRORS_H
#define PERINATAL_FIELD_ERRORS_H

#define MAX_FIELD_ERRORS 16

typedef struct field_error {
    const char *pointer; /* JSON pointer into the request body, or a query parameter name */
    const char *detail;
} field_error;

typedef struct field_errors {
    int count;
    field_error items[MAX_FIELD_ERRORS];
} field_errors;

/* Adds an error (strings must live as long as the request); errors beyond
 * MAX_FIELD_ERRORS are dropped. */
void field_errors_add(field_errors *e, const char *pointer, const char *detail);

#endif
