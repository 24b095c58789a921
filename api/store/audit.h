/* The audit trail of access to women's records: one row per access, written
 * by audit_record, which the record layer calls once per access (inside
 * the write's transaction for a change; committed before the answer leaves
 * for a read). A request refused before its handler wrote a row gets one
 * from audit_fallback, called by dispatch. This is the one place a row is
 * written, so batching rows (group commit) changes only this file. */
#ifndef PERINATAL_AUDIT_H
#define PERINATAL_AUDIT_H

#include <stdbool.h>

#include "http.h"

/* Writes the row: resource ("referral"), action ("read"), the record's id
 * (or NULL), the women it names as a PostgreSQL uuid[] literal, outcome.
 * False: the row could not be written, and the request is answered 503 (a
 * read must not return data that left no trace). */
bool audit_record(request *r, const char *resource, const char *action, const char *id,
                  const char *women, const char *outcome);

/* For a write that inserts its own audit row (the columns of audit_insert)
 * in the very statement that makes the change, so that change and row are
 * one autocommit statement: one round trip and one commit (the receipt of
 * a liaison update, which must sustain 1,000/s). Marks the request audited
 * once that statement has succeeded. */
void audit_written_by_statement(request *r);

/* The women a refused or replayed request on its route named, as a uuid[]
 * literal; may change the action ("list" to "lookup") and name the record
 * (*id: a replayed create's). Provided by the record layer, which knows
 * each resource's table. */
typedef const char *(*audit_women_fn)(request *r, const char **action, const char **id);
void audit_set_women_finder(audit_women_fn fn);

/* Writes the row for an audited route whose handler wrote none (a refusal,
 * a replay, an error). */
void audit_fallback(request *r);

#endif
