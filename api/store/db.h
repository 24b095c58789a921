/* The database layer: one connection per worker thread, every statement
 * prepared once per connection by name, a reset and a single retry after the
 * server restarts, and SQLSTATEs mapped to problems. */
#ifndef PERINATAL_DB_H
#define PERINATAL_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "http.h"

typedef struct stmt_def {
    const char *name;
    const char *sql;
    int nparams;
    unsigned flags;
} stmt_def;

enum {
    /* Safe to run again after a lost connection (reads). */
    STMT_REPEATABLE = 1 << 0,
    /* Planned with the actual parameters on every call instead of prepared
     * once. For lists whose optional filters are written "$n IS NULL OR ...":
     * a cached generic plan cannot tell which filters are present and would
     * miss the index that fits; planning per call costs a fraction of a ms. */
    STMT_PLAN_PER_CALL = 1 << 1,
    /* Writes the request's audit row itself (a CTE inserting into
     * audit_events), so dispatch need not write one. */
    STMT_AUDITS = 1 << 2,
};

typedef struct db {
    PGconn *conn;
    const char *conninfo;
    bool in_transaction;
} db;

/* Registers the statements every connection prepares. */
void db_register(const stmt_def *defs);

/* Connects (or reconnects) and prepares. False on failure. */
bool db_connect(db *d, const char *conninfo);
void db_close(db *d);

/* Runs a prepared statement with text parameters (NULL = SQL NULL). The
 * result is released with the request's arena. On a failure that is not the
 * statement's own fault (connection lost) reconnects and retries once when
 * the statement is repeatable and no transaction is open. Returns NULL only
 * when no result could be had at all. */
PGresult *db_exec(request *r, const char *name, int nparams, const char *const *params);

/* True when the result is a success (tuples or command ok). */
bool db_ok(const PGresult *res);

/* Transactions for multi-statement writes. */
bool db_begin(request *r);
bool db_commit(request *r);
void db_rollback(request *r);

/* Turns a failed result into the right problem: 409 for a unique violation,
 * 422 for a check or foreign-key violation, 503 when the database is away,
 * 500 otherwise. The database's own message goes to the log only. */
void db_problem(request *r, const PGresult *res);

/* Finds what a unique constraint means for the client (registered per
 * module): the pointer and detail reported with 409. */
typedef struct constraint_message {
    const char *constraint;
    int status;
    const char *pointer;
    const char *detail;
} constraint_message;
void db_register_constraints(const constraint_message *msgs);

#endif
