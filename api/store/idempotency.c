/* Idempotency keys, held in PostgreSQL. Two requests racing with one key:
 * the second INSERT waits on the first's row lock, then finds the stored
 * response. */
#include "idempotency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "problem.h"
#include "sql_statements.h"

static bool key_sane(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > 255)
        return false;
    for (const char *p = k; *p; p++)
        if (*p < 0x21 || *p > 0x7e)
            return false;
    return true;
}

/* Sets the stored answer as this request's (a replay). */
static void replay(request *r, PGresult *res)
{
    r->status = (int)strtol(PQgetvalue(res, 0, 1), NULL, 10);
    r->response_type = "application/json";
    r->response_body = PQgetvalue(res, 0, 4);
    r->response_len = (size_t)PQgetlength(res, 0, 4);
    if (!PQgetisnull(res, 0, 2))
        response_header(r, "Location", PQgetvalue(res, 0, 2));
    if (!PQgetisnull(res, 0, 3))
        response_header(r, "ETag", PQgetvalue(res, 0, 3));
    response_header(r, "Idempotent-Replayed", "true");
}

static void reused(request *r)
{
    problem_typed(r, 422, "idempotency-key-reused", "Idempotency-Key reused",
                  "This Idempotency-Key was used with a different request.");
}

bool idem_answered_before(request *r)
{
    if (!r->idempotency_key || !key_sane(r->idempotency_key))
        return false; /* none, or idem_begin's 400 */
    const char *body = arena_strndup(r->a, r->body ? r->body : "", r->body_len);
    PGresult *res = db_run(r, &sql_idem_fetch,
                           db_args(r->a, "key", r->idempotency_key, "method", r->method, "path",
                                   r->path, "body", body, DB_ARGS_END));
    if (!db_ok(res) || PQntuples(res) != 1 || PQgetisnull(res, 0, 1))
        return false; /* a new key, or the first request still running: idem_begin decides */
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
        reused(r);
    else
        replay(r, res);
    return true;
}

idem_state idem_begin(request *r)
{
    if (!r->idempotency_key)
        return IDEM_NONE;
    if (!key_sane(r->idempotency_key)) {
        problem(r, 400, "Idempotency-Key must be 1 to 255 visible ASCII characters.");
        return IDEM_ANSWERED;
    }
    const char *body = arena_strndup(r->a, r->body ? r->body : "", r->body_len);
    const char *text = db_args(r->a, "key", r->idempotency_key, "method", r->method, "path",
                               r->path, "body", body, DB_ARGS_END);
    if (!db_begin(r)) {
        db_problem(r, NULL);
        return IDEM_ANSWERED;
    }
    PGresult *res = db_run(r, &sql_idem_claim, text);
    if (!db_ok(res)) {
        db_problem(r, res);
        db_rollback(r);
        return IDEM_ANSWERED;
    }
    if (PQntuples(res) == 1)
        return IDEM_PROCEED;
    res = db_run(r, &sql_idem_fetch, text);
    db_rollback(r);
    if (!db_ok(res) || PQntuples(res) != 1) {
        db_problem(r, res);
        return IDEM_ANSWERED;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        reused(r);
        return IDEM_ANSWERED;
    }
    if (PQgetisnull(res, 0, 1)) {
        /* Only possible if the first request is still running elsewhere. */
        problem(r, 409, "A request with this Idempotency-Key is still in progress.");
        return IDEM_ANSWERED;
    }
    replay(r, res);
    return IDEM_ANSWERED;
}

void idem_finish(request *r, idem_state st)
{
    if (st != IDEM_PROCEED)
        return;
    if (r->status != 201) {
        db_rollback(r);
        return;
    }
    /* Find the Location and ETag lines among the headers already set. */
    char location[512] = "", etag[64] = "";
    const char *h = r->headers.data;
    while (h && *h) {
        const char *eol = strstr(h, "\r\n");
        if (!eol)
            break;
        size_t n = (size_t)(eol - h);
        if (n > 10 && !strncmp(h, "Location: ", 10) && n - 10 < sizeof(location))
            memcpy(location, h + 10, n - 10), location[n - 10] = '\0';
        else if (n > 6 && !strncmp(h, "ETag: ", 6) && n - 6 < sizeof(etag))
            memcpy(etag, h + 6, n - 6), etag[n - 6] = '\0';
        h = eol + 2;
    }
    char status[8];
    snprintf(status, sizeof(status), "%d", r->status);
    const char *body = arena_strndup(r->a, r->response_body, r->response_len);
    const char *text = db_args(r->a, "key", r->idempotency_key, "status", status, "location",
                               location, "etag", etag, "response", body, DB_ARGS_END);
    PGresult *res = db_run(r, &sql_idem_store, text);
    if (!db_ok(res) || !db_commit(r)) {
        db_rollback(r);
        db_problem(r, res);
    }
}

idem_state idem_write_begin(request *r)
{
    idem_state st = idem_begin(r);
    if (st == IDEM_NONE && !db_begin(r)) {
        db_problem(r, NULL);
        return IDEM_ANSWERED;
    }
    return st;
}

void idem_write_end(request *r, idem_state st)
{
    if (st == IDEM_PROCEED) {
        idem_finish(r, st);
    } else if (r->status == 201) {
        if (!db_commit(r))
            db_problem(r, NULL);
    } else {
        db_rollback(r);
    }
}
