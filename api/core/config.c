/* The configuration table: one row per environment variable. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

config g_config;

typedef enum { CFG_STRING, CFG_INT, CFG_BOOL, CFG_OCTAL } cfg_type;

typedef struct cfg_entry {
    const char *name;
    cfg_type type;
    const char *default_value; /* NULL: computed (workers) */
    long min, max;             /* for integers */
    size_t offset, size;
    const char *help;
} cfg_entry;

#define S(field) offsetof(config, field), sizeof(((config *)0)->field)

static const cfg_entry cfg_table[] = {
    {"PERINATAL_LISTEN", CFG_STRING, ".run/sock/api.sock", 0, 0, S(listen),
     "FastCGI socket: a unix socket path, or host:port for TCP"},
    {"PERINATAL_SOCKET_MODE", CFG_OCTAL, "0660", 0, 0777, S(socket_mode),
     "permissions given to the unix socket (nginx's user must reach it)"},
    {"PERINATAL_FCGI_TIMEOUT_S", CFG_INT, "10", 1, 3600, S(fcgi_read_timeout_s),
     "a FastCGI connection that sends (or takes) nothing for this long is dropped"},
    {"PERINATAL_WORKERS", CFG_INT, NULL, 1, 256, S(workers),
     "worker threads, each with its own database connection (default 8 x cores)"},
    {"PERINATAL_DATABASE_URL", CFG_STRING, "dbname=perinatal user=perinatal_app", 0, 0,
     S(database_url), "libpq conninfo of the application's least-privilege role"},
    {"PERINATAL_MIGRATE_DATABASE_URL", CFG_STRING, "dbname=perinatal user=perinatal_owner", 0, 0,
     S(migrate_url), "libpq conninfo of the schema owner, used by `perinatal-api migrate`"},
    {"PERINATAL_DB_STATEMENT_TIMEOUT_MS", CFG_INT, "5000", 100, 600000, S(statement_timeout_ms),
     "statement_timeout for every query"},
    {"PERINATAL_DB_CONNECT_TIMEOUT_S", CFG_INT, "5", 1, 60, S(connect_timeout_s),
     "connect_timeout for the database"},
    {"PERINATAL_JWT_KEYS", CFG_STRING, "", 0, 0, S(jwt_keys),
     "token verification keys: kid=ES256:/path/public.pem, comma separated (required)"},
    {"PERINATAL_JWT_ISSUER", CFG_STRING, "perinatal-local", 0, 0, S(jwt_issuer),
     "required `iss` of tokens"},
    {"PERINATAL_JWT_AUDIENCE", CFG_STRING, "perinatal-api", 0, 0, S(jwt_audience),
     "required `aud` of tokens"},
    {"PERINATAL_JWT_LEEWAY_S", CFG_INT, "60", 0, 600, S(jwt_leeway_s),
     "clock skew allowed on exp, nbf and iat"},
    {"PERINATAL_JWT_MAX_LIFETIME_S", CFG_INT, "86400", 60, 604800, S(jwt_max_lifetime_s),
     "longest accepted token lifetime (exp - iat)"},
    {"PERINATAL_TOKEN_CACHE_SIZE", CFG_INT, "1024", 0, 1000000, S(token_cache_size),
     "verified tokens cached per worker until their exp (0 disables)"},
    {"PERINATAL_REVOCATION_POLL_MS", CFG_INT, "1000", 100, 5000, S(revocation_poll_ms),
     "how often each process re-reads revoked tokens (a revocation takes effect within it)"},
    {"PERINATAL_MAX_BODY_BYTES", CFG_INT, "65536", 1024, 16777216, S(max_body_bytes),
     "largest request body accepted (413 beyond)"},
    {"PERINATAL_MAX_JSON_DEPTH", CFG_INT, "8", 2, 64, S(max_json_depth),
     "deepest JSON nesting accepted in a request body"},
    {"PERINATAL_REPORT_SHARE_PCT", CFG_INT, "20", 1, 100, S(report_share_pct),
     "share of the clock reports may use in each process, one at a time, after a 1 s burst"},
    {"PERINATAL_LOG_REQUESTS", CFG_BOOL, "1", 0, 0, S(log_requests),
     "one JSON line per request on stderr (1/0)"},
    {"PERINATAL_LOG_FILE", CFG_STRING, "", 0, 0, S(log_file),
     "append the log to this file (mode 0640), reopened on SIGHUP; empty: stderr"},
};

static bool set_value(const cfg_entry *e, const char *value, char *err, size_t errlen)
{
    char *field = (char *)&g_config + e->offset;
    char *end;
    switch (e->type) {
    case CFG_STRING:
        if (strlen(value) >= e->size) {
            snprintf(err, errlen, "%s: value longer than %zu bytes", e->name, e->size - 1);
            return false;
        }
        memcpy(field, value, strlen(value) + 1);
        return true;
    case CFG_INT: {
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < e->min || v > e->max) {
            snprintf(err, errlen, "%s: '%s' is not an integer between %ld and %ld", e->name, value,
                     e->min, e->max);
            return false;
        }
        *(int *)field = (int)v;
        return true;
    }
    case CFG_OCTAL: {
        errno = 0;
        long v = strtol(value, &end, 8);
        if (errno || end == value || *end || v < e->min || v > e->max) {
            snprintf(err, errlen, "%s: '%s' is not an octal mode such as 0660", e->name, value);
            return false;
        }
        *(unsigned *)field = (unsigned)v;
        return true;
    }
    case CFG_BOOL:
        if (!strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes")) {
            *(bool *)field = true;
            return true;
        }
        if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "no")) {
            *(bool *)field = false;
            return true;
        }
        snprintf(err, errlen, "%s: '%s' is not a boolean (1/0, true/false)", e->name, value);
        return false;
    }
    return false;
}

bool config_load(char *err, size_t errlen)
{
    memset(&g_config, 0, sizeof(g_config));
    for (size_t i = 0; i < sizeof(cfg_table) / sizeof(cfg_table[0]); i++) {
        const cfg_entry *e = &cfg_table[i];
        const char *value = getenv(e->name);
        if (!value || !*value) {
            if (e->default_value) {
                value = e->default_value;
            } else {
                /* Every read waits for its audit row's commit to reach disk,
                 * so threads spend much of a request waiting: on the 2-core
                 * machine 8 per core measured best (6,500 reads/s against
                 * 5,500 with 4 per core; 12 per core gave no more). */
                long cores = sysconf(_SC_NPROCESSORS_ONLN);
                g_config.workers = cores > 0 ? (int)(cores * 8 > 64 ? 64 : cores * 8) : 8;
                continue;
            }
        }
        if (!set_value(e, value, err, errlen))
            return false;
    }
    return true;
}

void config_print_table(void)
{
    printf("| variable | default | meaning |\n|---|---|---|\n");
    for (size_t i = 0; i < sizeof(cfg_table) / sizeof(cfg_table[0]); i++) {
        const cfg_entry *e = &cfg_table[i];
        printf("| `%s` | `%s` | %s |\n", e->name, e->default_value ? e->default_value : "8 x cores",
               e->help);
    }
}
