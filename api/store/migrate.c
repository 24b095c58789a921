/* The migration runner (perinatal-api migrate). */
#include "migrate.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

#define MIGRATE_LOCK_KEY 727274001 /* any constant shared by all runners */

int migrate_latest_version(void)
{
    int v = 0;
    for (const migration *m = migrations; m->name; m++)
        if (m->version > v)
            v = m->version;
    return v;
}

static bool exec_ok(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "migrate: %s", PQerrorMessage(c));
    PQclear(res);
    return ok;
}

bool migrate_run(const char *conninfo)
{
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *values[] = {conninfo, "perinatal-migrate", NULL};
    PGconn *c = PQconnectdbParams(keys, values, 1);
    bool ok = false;
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "migrate: cannot connect: %s", PQerrorMessage(c));
        goto out;
    }
    char lock[96];
    snprintf(lock, sizeof(lock), "SELECT pg_advisory_lock(%d)", MIGRATE_LOCK_KEY);
    if (!exec_ok(c, "SET client_min_messages = warning") || !exec_ok(c, lock) ||
        !exec_ok(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "version integer PRIMARY KEY, name text NOT NULL, "
                    "applied_at timestamptz NOT NULL DEFAULT now())"))
        goto out;
    int applied = 0;
    for (const migration *m = migrations; m->name; m++) {
        char version[16];
        snprintf(version, sizeof(version), "%d", m->version);
        const char *params[] = {version};
        PGresult *res = PQexecParams(c, "SELECT 1 FROM schema_migrations WHERE version = $1", 1,
                                     NULL, params, NULL, NULL, 0);
        bool done = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
        bool failed = PQresultStatus(res) != PGRES_TUPLES_OK;
        PQclear(res);
        if (failed) {
            fprintf(stderr, "migrate: %s", PQerrorMessage(c));
            goto out;
        }
        if (done)
            continue;
        if (!exec_ok(c, "BEGIN"))
            goto out;
        if (!exec_ok(c, m->sql)) {
            fprintf(stderr, "migrate: %03d_%s failed; nothing of it was applied\n", m->version,
                    m->name);
            exec_ok(c, "ROLLBACK");
            goto out;
        }
        const char *p2[] = {version, m->name};
        res = PQexecParams(c, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2,
                           NULL, p2, NULL, NULL, 0);
        bool inserted = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        if (!inserted || !exec_ok(c, "COMMIT")) {
            exec_ok(c, "ROLLBACK");
            goto out;
        }
        printf("migrate: applied %03d_%s\n", m->version, m->name);
        applied++;
    }
    if (!exec_ok(c, "BEGIN"))
        goto out;
    for (const migration *m = repeatables; m->name; m++) {
        if (!exec_ok(c, m->sql)) {
            fprintf(stderr, "migrate: repeatable/%s.sql failed; none of them was applied\n",
                    m->name);
            exec_ok(c, "ROLLBACK");
            goto out;
        }
    }
    if (!exec_ok(c, "COMMIT") || !exec_ok(c, "GRANT SELECT ON schema_migrations TO perinatal_app"))
        goto out;
    printf("migrate: schema at version %d (%d applied now)\n", migrate_latest_version(), applied);
    ok = true;
out:
    PQfinish(c);
    return ok;
}
