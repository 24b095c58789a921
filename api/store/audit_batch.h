/* Group commit of audit rows (used by audit.c only, started and stopped by
 * the server). A committer thread with its own database connection takes
 * every row queued, inserts them with one statement (one transaction, one
 * WAL flush) and then wakes each waiting worker with the outcome. A worker
 * answers only after the batch holding its row has committed, so the
 * guarantee is the one audit.h states: a read that returned data has its
 * row durably committed before the answer leaves. */
#ifndef PERINATAL_AUDIT_BATCH_H
#define PERINATAL_AUDIT_BATCH_H

#include <stdbool.h>

/* Starts the committer (it connects at once, and again for a batch after a
 * lost connection). False when the thread cannot be started. */
bool audit_batch_start(const char *conninfo);

/* Commits what is queued, then stops the committer and closes its
 * connection. Call after the workers have stopped. */
void audit_batch_stop(void);

typedef enum {
    AUDIT_BATCH_OFF = -1,      /* no committer running: write the row yourself */
    AUDIT_BATCH_FAILED = 0,    /* the row is not known to be committed */
    AUDIT_BATCH_COMMITTED = 1, /* the row is durably committed */
} audit_batch_result;

/* Queues one row (the access context literal and the arguments object of
 * audit_insert) and waits until the batch holding it has committed or
 * failed. Both strings must stay valid until it returns. */
audit_batch_result audit_batch_write(const char *access, const char *args);

#endif
