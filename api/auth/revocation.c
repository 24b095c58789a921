/* The revocation set and its refresher (POST /v1/revoked-tokens is
 * resources/revoked_tokens.c). */
#include "revocation.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"

#define BUCKETS 4096

typedef struct revoked {
    struct revoked *next;
    time_t added;
    char jti[];
} revoked;

static revoked *buckets[BUCKETS];
static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

bool revocation_is_revoked(const char *jti)
{
    bool found = false;
    uint32_t b = hash(jti);
    pthread_rwlock_rdlock(&lock);
    for (revoked *e = buckets[b]; e && !found; e = e->next)
        found = !strcmp(e->jti, jti);
    pthread_rwlock_unlock(&lock);
    return found;
}

void revocation_add(const char *jti)
{
    if (revocation_is_revoked(jti))
        return;
    size_t n = strlen(jti);
    revoked *e = malloc(sizeof(*e) + n + 1);
    if (!e)
        return;
    memcpy(e->jti, jti, n + 1);
    e->added = time(NULL);
    uint32_t b = hash(jti);
    pthread_rwlock_wrlock(&lock);
    e->next = buckets[b];
    buckets[b] = e;
    pthread_rwlock_unlock(&lock);
}

/* Forgets revocations older than any token could live. */
static void purge(time_t now)
{
    time_t horizon = now - g_config.jwt_max_lifetime_s - 2 * g_config.jwt_leeway_s;
    pthread_rwlock_wrlock(&lock);
    for (int b = 0; b < BUCKETS; b++) {
        revoked **p = &buckets[b];
        while (*p) {
            if ((*p)->added < horizon) {
                revoked *old = *p;
                *p = old->next;
                free(old);
            } else {
                p = &(*p)->next;
            }
        }
    }
    pthread_rwlock_unlock(&lock);
}

static pthread_t refresher;
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t loaded_cond = PTHREAD_COND_INITIALIZER;
static bool stop_requested, started, loaded; /* loaded: the first refresh done */
static atomic_llong connect_logged;
static char refresher_conninfo[1024];
static int refresher_poll_ms;

/* Reads revocations newer than the last seen (with a margin, since
 * transactions can commit out of revoked_at order). */
static void refresh(PGconn **conn, char *since, size_t sincelen)
{
    if (!*conn || PQstatus(*conn) != CONNECTION_OK) {
        if (*conn)
            PQfinish(*conn);
        const char *keys[] = {"dbname", "application_name", "connect_timeout", NULL};
        const char *values[] = {refresher_conninfo, "perinatal-revocation", "5", NULL};
        *conn = PQconnectdbParams(keys, values, 1);
        if (PQstatus(*conn) != CONNECTION_OK) {
            /* Revocations made through other processes are missed meanwhile. */
            if (log_due(&connect_logged, 10000))
                log_error("revocation", "cannot connect; revocations are not being refreshed", NULL,
                          PQerrorMessage(*conn));
            return; /* try again at the next tick */
        }
    }
    char lifetime[32];
    snprintf(lifetime, sizeof(lifetime), "%d",
             g_config.jwt_max_lifetime_s + 2 * g_config.jwt_leeway_s);
    const char *params[] = {since[0] ? since : NULL, lifetime};
    PGresult *res = PQexecParams(
        *conn,
        "SELECT jti, (SELECT max(revoked_at) FROM revoked_tokens)::text FROM revoked_tokens "
        "WHERE revoked_at > coalesce($1::timestamptz - interval '60 seconds', "
        "now() - make_interval(secs => $2::int))",
        2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        for (int i = 0; i < PQntuples(res); i++)
            revocation_add(PQgetvalue(res, i, 0));
        if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 1))
            snprintf(since, sincelen, "%s", PQgetvalue(res, 0, 1));
        pthread_mutex_lock(&stop_lock);
        loaded = true;
        pthread_cond_broadcast(&loaded_cond);
        pthread_mutex_unlock(&stop_lock);
    } else {
        log_error("revocation", "refresh failed", NULL, PQerrorMessage(*conn));
    }
    PQclear(res);
}

static void *refresher_main(void *arg)
{
    (void)arg;
    PGconn *conn = NULL;
    char since[64] = "";
    pthread_mutex_lock(&stop_lock);
    while (!stop_requested) {
        pthread_mutex_unlock(&stop_lock);
        refresh(&conn, since, sizeof(since));
        purge(time(NULL));
        pthread_mutex_lock(&stop_lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += refresher_poll_ms / 1000;
        until.tv_nsec += (long)(refresher_poll_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (!stop_requested)
            pthread_cond_timedwait(&stop_cond, &stop_lock, &until);
    }
    pthread_mutex_unlock(&stop_lock);
    if (conn)
        PQfinish(conn);
    return NULL;
}

bool revocation_start(const char *conninfo, int poll_ms)
{
    snprintf(refresher_conninfo, sizeof(refresher_conninfo), "%s", conninfo);
    refresher_poll_ms = poll_ms;
    stop_requested = false;
    loaded = false;
    started = pthread_create(&refresher, NULL, refresher_main, NULL) == 0;
    if (!started)
        return false;
    /* The revocations still in force are loaded before the first request
     * is taken: a process that starts (or restarts) must not accept a
     * revoked token for as long as its first refresh takes. The wait is
     * bounded: with the database away, every request needing it is 503. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&stop_lock);
    while (!loaded && pthread_cond_timedwait(&loaded_cond, &stop_lock, &until) == 0)
        ;
    bool ok = loaded;
    pthread_mutex_unlock(&stop_lock);
    if (!ok)
        log_error("revocation", "revocations not loaded within 5 s; starting without them", NULL,
                  NULL);
    return true;
}

void revocation_stop(void)
{
    if (!started)
        return;
    pthread_mutex_lock(&stop_lock);
    stop_requested = true;
    pthread_cond_signal(&stop_cond);
    pthread_mutex_unlock(&stop_lock);
    pthread_join(refresher, NULL);
    started = false;
    purge(time(NULL) + 10L * 365 * 86400); /* everything */
}
