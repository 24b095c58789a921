/* Process metrics in Prometheus text format: counters updated with atomics
 * on the request path, read by GET /metrics. */
#ifndef PERINATAL_METRICS_H
#define PERINATAL_METRICS_H

#include "http.h"

void metrics_record(const request *r, double duration_ms);
void metrics_db_reconnect(void);
/* One group commit of audit rows (store/audit_batch.c) holding rows rows. */
void metrics_audit_commit(unsigned rows);
/* Renders the text exposition into the request's arena. */
const char *metrics_render(arena *a, size_t *len);

#endif
