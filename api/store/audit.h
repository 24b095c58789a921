/* The audit trail of access to women's records. Statements that touch a
 * record write their own row in the same statement (AUDIT_INSERT); anything
 * refused before or without such a statement gets its row from
 * audit_fallback, called by dispatch. */
#ifndef PERINATAL_AUDIT_H
#define PERINATAL_AUDIT_H

#include "db.h"
#include "http.h"

/* The column list every audit row is written with; follow it with a SELECT
 * of: organisation, teams, sub, role, action, resource, resource id, the
 * women's ids, request id, outcome. */
#define AUDIT_INSERT                                                                               \
    "INSERT INTO audit_events (organisation_id, teams, sub, role, action, resource, "              \
    "resource_id, service_user_ids, request_id, outcome) "

extern const stmt_def audit_stmts[];

/* Writes the row for an audited route whose handler wrote none (a refusal,
 * a replay, an error). */
void audit_fallback(request *r);

#endif
