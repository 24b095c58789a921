/* Group commit of audit rows (see audit_batch.h).
 *
 * Each waiting worker's row sits on its own stack in a FIFO queue; the
 * committer takes up to MAX_BATCH rows at a time, so rows queued while one
 * batch is being flushed form the next batch: the busier the server, the
 * more rows share one commit, and an idle server commits a lone row at once
 * (there is no timer and no added latency). */
#include "audit_batch.h"

#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "sql_statements.h"

/* Rows per statement: enough for every worker (at most 256) in a few
 * batches, and a bounded statement size. */
#define MAX_BATCH 64
/* The batch's JSON text: 64 rows of well under 64 KiB each. */
#define BATCH_ARENA_MAX (8u * 1024 * 1024)

typedef struct pending {
    struct pending *next;
    const char *access, *args;
    bool ok;    /* the committer's outcome, read once done is posted */
    sem_t done; /* posted once, by the committer, without the lock held */
} pending;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static pending *head, *tail; /* the queue, under the lock */
static bool running;         /* under the lock: rows are accepted */
static bool stopping;        /* under the lock: drain, then leave */
static bool committer_idle;  /* under the lock: waiting for work */
static pthread_t committer;
static const char *committer_conninfo;
static db conn; /* the committer's own; only its thread touches it */
static arena batch_arena;

/* A live connection for the next statement: the one held when the server
 * has not closed it meanwhile (a restart leaves a FATAL message and
 * end-of-file, read here without blocking), else a new one. The committer
 * insists on synchronous_commit = on: its commits are the durability the
 * workers wait for, whatever the server's default. */
static bool connection_ready(void)
{
    for (int i = 0; i < 2 && conn.conn && PQstatus(conn.conn) == CONNECTION_OK; i++)
        (void)PQconsumeInput(conn.conn);
    if (conn.conn && PQstatus(conn.conn) == CONNECTION_OK)
        return true;
    if (!db_connect(&conn, committer_conninfo))
        return false;
    PGresult *res = PQexec(conn.conn, "SET synchronous_commit = on");
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok;
}

#define SQLSTATE_SIZE 6 /* five characters and the terminator */

static const char *sqlstate(const PGresult *res)
{
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}

/* One statement for rows first..(n rows); true when it committed. A
 * statement the server refused because it was ending the session (57P:
 * shutdown, restart) did not commit and is sent once more on a new
 * connection; any other lost connection leaves the outcome unknown, which
 * counts as a failure (the workers answer 503, as before group commit). */
static bool insert_rows(pending *first, int n, char state[SQLSTATE_SIZE])
{
    state[0] = '\0';
    for (int attempt = 0; attempt < 2; attempt++) {
        arena_reset(&batch_arena);
        strbuf b;
        strbuf_init(&b, &batch_arena, BATCH_ARENA_MAX);
        strbuf_puts(&b, "[");
        pending *p = first;
        for (int i = 0; i < n; i++, p = p->next) {
            strbuf_puts(&b, i ? ",[\"" : "[\"");
            strbuf_json_escape(&b, p->access);
            strbuf_printf(&b, "\",%s]", p->args);
        }
        strbuf_puts(&b, "]");
        if (b.failed)
            return false;
        if (!connection_ready())
            return false;
        const char *params[] = {b.data};
        PGresult *res =
            PQexecPrepared(conn.conn, sql_audit_insert_batch.name, 1, params, NULL, NULL, 0);
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        bool lost = PQstatus(conn.conn) != CONNECTION_OK;
        /* A copy: the result is cleared below, and commit_batch reads it. */
        snprintf(state, SQLSTATE_SIZE, "%s", sqlstate(res));
        bool retry = !ok && lost && !strncmp(state, "57P", 3);
        if (!ok)
            log_error("audit", lost ? "audit commit: connection lost" : "audit commit failed",
                      state, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
        PQclear(res);
        if (ok) {
            metrics_audit_commit((unsigned)n);
            return true;
        }
        if (!retry)
            return false;
    }
    return false;
}

/* Commits a batch and records each row's outcome in its ok field. When
 * the batch was refused for its data (a row breaking a constraint, classes
 * 22 and 23) each row is tried alone, so one bad row fails only its own
 * request. */
static void commit_batch(pending *first, int n)
{
    char state[SQLSTATE_SIZE];
    bool ok = insert_rows(first, n, state);
    pending *p = first;
    for (int i = 0; i < n; i++, p = p->next)
        p->ok = ok;
    if (ok || n == 1 || (strncmp(state, "22", 2) && strncmp(state, "23", 2)))
        return;
    p = first;
    for (int i = 0; i < n; i++, p = p->next)
        p->ok = insert_rows(p, 1, state);
}

static void *committer_main(void *arg)
{
    (void)arg;
    /* Connected before the first row, not by it: a new connection prepares
     * every statement, which made the first audited answer after start-up
     * some 130 ms slower. A failure here is retried with the first batch. */
    (void)connection_ready();
    pthread_mutex_lock(&lock);
    for (;;) {
        committer_idle = true;
        while (!head && !stopping)
            pthread_cond_wait(&work, &lock);
        committer_idle = false;
        if (!head)
            break; /* stopping, and nothing left to commit */
        pending *first = head;
        int n = 1;
        pending *last = first;
        while (n < MAX_BATCH && last->next) {
            last = last->next;
            n++;
        }
        head = last->next;
        if (!head)
            tail = NULL;
        pthread_mutex_unlock(&lock);

        commit_batch(first, n);

        /* Each worker is woken without the lock held, so it runs at once
         * instead of waking only to wait for the lock. */
        pending *p = first;
        for (int i = 0; i < n; i++) {
            pending *next = p->next; /* p may be gone once its worker wakes */
            sem_post(&p->done);
            p = next;
        }
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    db_close(&conn);
    return NULL;
}

bool audit_batch_start(const char *conninfo)
{
    committer_conninfo = conninfo;
    arena_init(&batch_arena, BATCH_ARENA_MAX);
    pthread_mutex_lock(&lock);
    stopping = false;
    running = pthread_create(&committer, NULL, committer_main, NULL) == 0;
    bool ok = running;
    pthread_mutex_unlock(&lock);
    if (!ok)
        arena_free(&batch_arena);
    return ok;
}

void audit_batch_stop(void)
{
    pthread_mutex_lock(&lock);
    bool was_running = running;
    running = false;
    stopping = true;
    pthread_cond_signal(&work);
    pthread_mutex_unlock(&lock);
    if (!was_running)
        return;
    pthread_join(committer, NULL);
    arena_free(&batch_arena);
}

audit_batch_result audit_batch_write(const char *access, const char *args)
{
    if (!access || !args)
        return AUDIT_BATCH_FAILED;
    pending me = {.access = access, .args = args};
    if (sem_init(&me.done, 0, 0) != 0)
        return AUDIT_BATCH_FAILED;
    pthread_mutex_lock(&lock);
    if (!running) {
        pthread_mutex_unlock(&lock);
        sem_destroy(&me.done);
        return AUDIT_BATCH_OFF;
    }
    if (tail)
        tail->next = &me;
    else
        head = &me;
    tail = &me;
    /* Only an idle committer needs waking: a busy one takes the queue when
     * its flush is done. */
    bool wake = committer_idle;
    pthread_mutex_unlock(&lock);
    if (wake)
        pthread_cond_signal(&work);
    while (sem_wait(&me.done) != 0 && errno == EINTR)
        ;
    /* sem_post touches nothing of me after waking its waiter (glibc), so
     * the semaphore can go now. */
    sem_destroy(&me.done);
    return me.ok ? AUDIT_BATCH_COMMITTED : AUDIT_BATCH_FAILED;
}
