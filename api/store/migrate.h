/* Schema migrations: the numbered files of db/, embedded at build time and
 * applied in order, each in its own transaction, recorded in
 * schema_migrations. */
#ifndef PERINATAL_MIGRATE_H
#define PERINATAL_MIGRATE_H

#include <stdbool.h>

typedef struct migration {
    int version;
    const char *name;
    const char *sql;
} migration;

extern const migration migrations[]; /* generated; ends with a NULL name */
/* The files of db/repeatable, in name order: functions that change over time,
 * written CREATE OR REPLACE and applied again after every run. */
extern const migration repeatables[];

int migrate_latest_version(void);
/* Applies the missing migrations over conninfo, then the repeatable files
 * (all in one transaction). Safe to run twice and
 * concurrently (an advisory lock serialises runs). */
bool migrate_run(const char *conninfo);

#endif
