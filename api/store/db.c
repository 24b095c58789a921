/* libpq wrapper. */
#include "db.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "problem.h"
#include "sql_statements.h"

#define MAX_EXTRA_STMTS 256
/* Reconnect back-off: the first retry after 100 ms, doubling to 5 s. */
#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 5000
#define MAX_CONSTRAINT_TABLES 32

static const stmt_def *extra_stmts[MAX_EXTRA_STMTS];
static int nextra_stmts;
static const constraint_message *constraint_tables[MAX_CONSTRAINT_TABLES];
static int nconstraint_tables;

void db_register_one(const stmt_def *def)
{
    /* Two statements of one name: the second would fail to prepare on every
     * connection, so the server refuses to start instead. */
    for (int i = 0; i < nextra_stmts; i++)
        if (!strcmp(extra_stmts[i]->name, def->name)) {
            log_error("db", "two statements have one name", def->name, NULL);
            exit(1);
        }
    if (nextra_stmts < MAX_EXTRA_STMTS)
        extra_stmts[nextra_stmts++] = def;
    else
        log_error("db", "too many statements; raise MAX_EXTRA_STMTS", def->name, NULL);
}

void db_register_constraints(const constraint_message *msgs)
{
    if (nconstraint_tables < MAX_CONSTRAINT_TABLES)
        constraint_tables[nconstraint_tables++] = msgs;
}

/* False, with what went wrong in why, when the statement cannot be
 * prepared. */
static bool prepare_one(db *d, const stmt_def *s, char *why, size_t whyn)
{
    if (s->flags & STMT_PLAN_PER_CALL)
        return true;
    PGresult *res = PQprepare(d->conn, s->name, s->sql, 0, NULL);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(why, whyn, "%s: %s", s->name, PQresultErrorMessage(res));
    PQclear(res);
    return ok;
}

/* The session's settings and every statement, or false with what failed
 * in why. */
static bool prepare_all(db *d, char *why, size_t whyn)
{
    /* Fixed session settings: timestamps are formatted in UTC, and no query
     * may hold a worker longer than the configured timeout. */
    char settings[128];
    snprintf(settings, sizeof(settings),
             "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET statement_timeout = %d",
             g_config.statement_timeout_ms);
    PGresult *res = PQexec(d->conn, settings);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(why, whyn, "session settings: %s", PQresultErrorMessage(res));
    PQclear(res);
    if (!ok)
        return false;
    for (const stmt_def *const *s = sql_statements; *s; s++)
        if (!prepare_one(d, *s, why, whyn))
            return false;
    for (int i = 0; i < nextra_stmts; i++)
        if (!prepare_one(d, extra_stmts[i], why, whyn))
            return false;
    return true;
}

/* True while the database is known to be unreachable, shared by every
 * worker so that an outage is logged once, not once per worker and request. */
static atomic_bool outage;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void outage_begins(const char *message, const char *detail)
{
    if (!atomic_exchange(&outage, true))
        log_error("db", message, "retrying with back-off; requests answer 503 meanwhile", detail);
}

static void outage_ends(void)
{
    if (atomic_exchange(&outage, false))
        log_info("database reachable again", NULL);
}

/* A restart ends every worker's connection at once, and each worker learns
 * it at its next request: one line per 10 s tells it without a line per
 * worker. Reconnecting then either works or begins an outage. */
static void connection_lost(const char *detail)
{
    static atomic_llong last_logged;
    if (log_due(&last_logged, 10000))
        log_error("db", "connection lost", "reconnecting", detail);
}

/* Server notices go to the JSON log, not raw to stderr; a message that ends
 * the session (shutdown, restart: SQLSTATE 57P..) is a lost connection. */
static void log_notice(void *arg, const PGresult *res)
{
    (void)arg;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state && !strncmp(state, "57P", 3))
        connection_lost(PQresultErrorMessage(res));
    else
        log_error("db", "server message", NULL, PQresultErrorMessage(res));
}

/* A failed attempt: wait longer before the next, up to RETRY_MAX_MS. */
static bool connect_failed(db *d, const char *message, const char *detail)
{
    outage_begins(message, detail);
    d->retry_delay_ms = d->retry_delay_ms ? d->retry_delay_ms * 2 : RETRY_FIRST_MS;
    if (d->retry_delay_ms > RETRY_MAX_MS)
        d->retry_delay_ms = RETRY_MAX_MS;
    d->retry_at_ms = now_ms() + d->retry_delay_ms;
    return false;
}

/* The server keeps a prepared statement's name in NAMEDATALEN - 1 bytes:
 * a longer name would be cut and could meet another's. */
#define PG_NAME_MAX 63

static void forget_on_use(db *d)
{
    for (int i = 0; i < d->non_use; i++)
        free(d->on_use[i]);
    d->non_use = 0;
}

/* The parameters of a statement made per request: $1 the access context
 * (its type read from the text) and $2 the arguments, declared jsonb so
 * that a statement that does not use them (a list with no filter, whose
 * LIMIT is written in) still takes both. */
#define JSONB_OID 3802
static const Oid on_use_types[2] = {0, JSONB_OID};

/* The plan cache mode a statement runs in: generic for the statements made
 * per request, PostgreSQL's choice (auto) for the rest. A made statement is
 * a list holding only the filters its request gives, and its generic plan
 * fits every request of its shape; but a custom plan folds the caller's
 * access context (role, teams) and so always costs a little less, and
 * PostgreSQL, left to choose, planned the overdue list again at every call:
 * 2 ms of planning for 1.8 ms of execution at 1,000,000 referrals. Other
 * statements keep auto: some have no good generic plan (the audit trail's
 * list of a woman's rows would scan the whole trail). The mode is switched
 * only when the next statement wants the other one, outside a transaction
 * (a rollback would undo the switch): one round trip when a connection
 * passes from lists to other work or back. */
static void plan_mode(db *d, bool generic)
{
    if (d->generic_plans == generic || d->in_transaction)
        return;
    PGresult *res = PQexec(d->conn, generic ? "SET plan_cache_mode = force_generic_plan"
                                            : "SET plan_cache_mode = auto");
    if (PQresultStatus(res) == PGRES_COMMAND_OK)
        d->generic_plans = generic;
    PQclear(res);
}

/* True when the statement is prepared on this connection (now, if it was
 * not yet); false when it must be planned per call instead. */
static bool prepared_on_use(db *d, const stmt_def *s)
{
    for (int i = 0; i < d->non_use; i++)
        if (!strcmp(d->on_use[i], s->name))
            return true;
    if (d->non_use == DB_MAX_ON_USE || strlen(s->name) > PG_NAME_MAX)
        return false;
    char *name = strdup(s->name);
    if (!name)
        return false;
    PGresult *res = PQprepare(d->conn, s->name, s->sql, 2, on_use_types);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
        free(name); /* run per call, which answers with the error */
        return false;
    }
    d->on_use[d->non_use++] = name;
    return true;
}

bool db_connect(db *d, const char *conninfo)
{
    d->conninfo = conninfo;
    d->in_transaction = false;
    if (d->retry_at_ms && now_ms() < d->retry_at_ms)
        return false; /* backing off: answer 503 without trying */
    if (d->conn) {
        PQfinish(d->conn);
        d->conn = NULL;
        metrics_db_reconnect();
    }
    forget_on_use(d);
    char timeout[16];
    snprintf(timeout, sizeof(timeout), "%d", g_config.connect_timeout_s);
    /* dbname holds the whole conninfo or URI; the keys after it override
     * it, and it overrides those before. Before it, defaults a deployment
     * may change: over TCP, a server that vanished (a host lost, a network
     * cut) is noticed within about a minute instead of the kernel's two
     * hours, so that a worker or the audit committer waiting on it gives up
     * and reconnects (no effect on a unix socket). */
    const char *keys[] = {
        "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
        "dbname",          "connect_timeout",     "application_name", NULL};
    const char *values[] = {"30", "10", "3", "60000", conninfo, timeout, "perinatal-api", NULL};
    d->conn = PQconnectdbParams(keys, values, 1);
    if (!d->conn || PQstatus(d->conn) != CONNECTION_OK)
        return connect_failed(d, "cannot connect", d->conn ? PQerrorMessage(d->conn) : "no memory");
    PQsetNoticeReceiver(d->conn, log_notice, NULL);
    d->generic_plans = false;
    /* A connection without its statements would answer 500 to every
     * request that needs the missing one, for as long as the worker lives
     * (a database not yet migrated, or restored from an older release):
     * closed instead, and tried again with the back-off of an outage, so
     * that requests answer 503 and /readyz says not ready meanwhile. */
    char why[512];
    if (!prepare_all(d, why, sizeof(why))) {
        PQfinish(d->conn);
        d->conn = NULL;
        return connect_failed(d, "cannot prepare statements (is the database migrated?)", why);
    }
    d->retry_at_ms = 0;
    d->retry_delay_ms = 0;
    outage_ends();
    return true;
}

void db_close(db *d)
{
    if (d->conn)
        PQfinish(d->conn);
    d->conn = NULL;
    forget_on_use(d);
}

/* Reads whatever the server sent while the connection was idle: after a
 * restart that is a FATAL message and end-of-file, which marks the
 * connection bad so it is replaced before use. One non-blocking read. */
static void connection_check(db *d)
{
    /* The first read takes the FATAL message, the second meets end-of-file
     * and marks the connection bad; on a live idle connection both return at
     * once with nothing read. */
    for (int i = 0; i < 2 && d->conn && PQstatus(d->conn) == CONNECTION_OK; i++)
        (void)PQconsumeInput(d->conn);
}

/* True when the server said it was ending the session (shutdown, restart):
 * the statement's implicit transaction did not commit. */
static bool server_ended_session(const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return state && !strncmp(state, "57P", 3);
}

static void clear_result(void *p)
{
    PQclear(p);
}

bool db_ok(const PGresult *res)
{
    if (!res)
        return false;
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

PGresult *db_run(request *r, const stmt_def *def, const char *args)
{
    const char *params[] = {access_context(r), args};
    return db_exec(r, def, 2, params);
}

PGresult *db_query(request *r, const stmt_def *def, const char *args)
{
    PGresult *res = db_run(r, def, args);
    if (db_ok(res))
        return res;
    db_problem(r, res);
    return NULL;
}

const char *db_args(arena *a, const char *name, ...)
{
    strbuf b;
    strbuf_init(&b, a, 1 << 20);
    strbuf_puts(&b, "{");
    va_list ap;
    va_start(ap, name);
    for (const char *key = name; key; key = va_arg(ap, const char *)) {
        const char *value = va_arg(ap, const char *);
        strbuf_printf(&b, "%s\"", b.len > 1 ? "," : "");
        strbuf_json_escape(&b, key);
        if (value) {
            strbuf_puts(&b, "\":\"");
            strbuf_json_escape(&b, value);
            strbuf_puts(&b, "\"");
        } else {
            strbuf_puts(&b, "\":null");
        }
    }
    va_end(ap);
    strbuf_puts(&b, "}");
    return b.failed ? NULL : b.data;
}

PGresult *db_exec(request *r, const stmt_def *def, int nparams, const char *const *params)
{
    db *d = r->db;
    const char *name = def->name;
    for (int attempt = 0; attempt < 2; attempt++) {
        /* A write cannot be retried blindly, so first learn whether the
         * server has already closed the connection (a restart). */
        if (!(def->flags & STMT_REPEATABLE) && !d->in_transaction)
            connection_check(d);
        if (!d->conn || PQstatus(d->conn) != CONNECTION_OK) {
            if (d->in_transaction || !db_connect(d, d->conninfo))
                return NULL;
        }
        bool made = def->flags & STMT_PREPARE_ON_USE;
        plan_mode(d, made);
        bool per_call = (def->flags & STMT_PLAN_PER_CALL) || (made && !prepared_on_use(d, def));
        const Oid *types = made && nparams == 2 ? on_use_types : NULL;
        PGresult *res = per_call
                            ? PQexecParams(d->conn, def->sql, nparams, types, params, NULL, NULL, 0)
                            : PQexecPrepared(d->conn, name, nparams, params, NULL, NULL, 0);
        if (res)
            arena_defer(r->a, clear_result, res);
        if (PQstatus(d->conn) == CONNECTION_OK)
            return res;
        /* The connection broke under us (server restart): retry once when it
         * is safe, after reconnecting and preparing again. */
        connection_lost(PQerrorMessage(d->conn));
        /* Retry once when it is safe: a read, or a write the server
         * answered by ending the session (so it did not commit). Never
         * inside a transaction, whose earlier statements are lost. */
        if (d->in_transaction || !((def->flags & STMT_REPEATABLE) || server_ended_session(res)))
            return res;
    }
    return NULL;
}

static bool simple_command(request *r, const char *sql)
{
    db *d = r->db;
    if (!d->in_transaction)
        connection_check(d);
    if (!d->conn || PQstatus(d->conn) != CONNECTION_OK) {
        if (d->in_transaction || !db_connect(d, d->conninfo))
            return false;
    }
    plan_mode(d, false); /* BEGIN: a write's statements run in auto */
    PGresult *res = PQexec(d->conn, sql);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok;
}

bool db_begin(request *r)
{
    if (!simple_command(r, "BEGIN"))
        return false;
    r->db->in_transaction = true;
    return true;
}

bool db_commit(request *r)
{
    bool ok = simple_command(r, "COMMIT");
    r->db->in_transaction = false;
    if (!ok) {
        /* Refused at commit (a deferred check) or lost: the transaction's
         * audit row is not known to be written, so the request is audited
         * again (dispatch's fallback), and the success's headers (ETag,
         * Location of a version that did not commit) go. */
        r->audited = false;
        response_headers_clear(r);
    }
    return ok;
}

void db_rollback(request *r)
{
    if (!r->db->in_transaction)
        return;
    r->audited = false; /* an audit row written in the transaction goes with it */
    if (PQstatus(r->db->conn) == CONNECTION_OK)
        simple_command(r, "ROLLBACK");
    r->db->in_transaction = false;
}

void db_problem(request *r, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    if (constraint) {
        for (int t = 0; t < nconstraint_tables; t++) {
            for (const constraint_message *m = constraint_tables[t]; m->constraint; m++) {
                if (!strcmp(m->constraint, constraint)) {
                    field_errors e = {0};
                    field_errors_add(&e, m->pointer, m->detail);
                    if (m->status == 409)
                        problem_typed(r, 409, "conflict", "The record conflicts with another",
                                      m->detail);
                    else if (m->status == 400 || m->status == 422)
                        problem_fields(r, m->status, &e);
                    else
                        problem(r, m->status, m->detail);
                    return;
                }
            }
        }
    }
    if (!res || !state || !strncmp(state, "08", 2) || !strcmp(state, "57P01")) {
        problem(r, 503, "The database is not reachable; try again shortly.");
        response_header(r, "Retry-After", "2");
        return;
    }
    /* Only the primary message and SQLSTATE are logged: DETAIL can hold the
     * row's values (an NHS number, a name). */
    log_error("db", "statement failed", state, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
    if (!strcmp(state, "22021") || !strcmp(state, "22P05"))
        problem(r, 400, "The text is not valid UTF-8.");
    else if (!strcmp(state, "23505"))
        problem_typed(r, 409, "conflict", "The record conflicts with another", NULL);
    else if (!strncmp(state, "23", 2))
        problem_typed(r, 422, "rule-violated", "The request breaks a rule", NULL);
    else if (!strcmp(state, "57014"))
        problem(r, 503, "The database took too long to answer.");
    else if (!strcmp(state, "40001") || !strcmp(state, "40P01"))
        problem_typed(r, 409, "conflict", "A concurrent change won; retry", NULL);
    else
        problem(r, 500, "Something went wrong on our side; it has been logged.");
}
