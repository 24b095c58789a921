/* Logging: one JSON line per event on stderr, written with a single write()
 * so lines from different threads never interleave. Never a token, an NHS
 * number or a name: callers pass identifiers and codes only. */
#ifndef PERINATAL_LOG_H
#define PERINATAL_LOG_H

#include <stdatomic.h>
#include <stdbool.h>

void log_error(const char *component, const char *message, const char *what, const char *detail);
/* True at most once per every_ms for the caller's *last (0 at first), across
 * threads: for a condition every worker meets at once (a lost connection, a
 * failing accept), logged once for the whole process. */
bool log_due(atomic_llong *last, long long every_ms);
void log_info(const char *message, const char *detail);
/* The access line: time, request id, sub, role, method, route pattern,
 * status, duration. Any string may be NULL (written as ""). */
void log_access(const char *request_id, const char *sub, const char *role, const char *method,
                const char *route, int status, double duration_ms);

#endif
