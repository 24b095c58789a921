/* Idempotency-Key on POST: the same key with the same body returns the first
 * result; with another body, 422. The key row is written in the same
 * transaction as the record, so a failed create leaves no key behind. */
#ifndef PERINATAL_IDEMPOTENCY_H
#define PERINATAL_IDEMPOTENCY_H

#include <stdbool.h>

#include "db.h"
#include "http.h"

typedef enum idem_state {
    IDEM_NONE,     /* no key: the caller creates without a transaction */
    IDEM_PROCEED,  /* key claimed, transaction open: create, then idem_finish */
    IDEM_ANSWERED, /* the response is set (replay, 422, or an error) */
} idem_state;

idem_state idem_begin(request *r);
/* Before the body is checked: a key already answered is replayed (the same
 * request) or refused 422 (another), whatever the body now holds (api.md:
 * with a different body, 422). True when the response is set. */
bool idem_answered_before(request *r);
/* Stores the response (when it is a success) and commits, or rolls back. */
void idem_finish(request *r, idem_state st);

/* A write of several statements: claims the Idempotency-Key (which opens
 * the transaction) or opens a plain one. IDEM_ANSWERED: the response is
 * already set. */
idem_state idem_write_begin(request *r);
/* Commits when the response is 201 (storing it under the key), else rolls
 * back. */
void idem_write_end(request *r, idem_state st);

#endif
