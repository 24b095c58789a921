/* Logging: one JSON line per event on stderr, written with a single write()
 * so lines from different threads never interleave. Never a token, an NHS
 * number or a name: callers pass identifiers and codes only. */
#ifndef PERINATAL_LOG_H
#define PERINATAL_LOG_H

#include "http.h"

void log_error(const char *component, const char *message, const char *what, const char *detail);
void log_info(const char *message, const char *detail);
/* The access line: time, request id, sub, role, route pattern, method, status, duration. */
void log_request(const request *r, double duration_ms);

#endif
