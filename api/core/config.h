/* Configuration: every setting comes from one environment variable listed in
 * the table in config.c, with its default and its check. */
#ifndef PERINATAL_CONFIG_H
#define PERINATAL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct config {
    char listen[256];        /* unix socket path, or host:port */
    unsigned socket_mode;    /* permissions of the unix socket */
    int fcgi_read_timeout_s; /* receive/send timeout on each FastCGI connection */
    int workers;             /* FastCGI worker threads */
    char database_url[1024]; /* libpq conninfo of the least-privilege role */
    char migrate_url[1024];  /* libpq conninfo of the schema owner */
    int statement_timeout_ms;
    int connect_timeout_s;
    char jwt_keys[2048]; /* kid=ALG:/path/to/public.pem[,...] */
    char jwt_issuer[256];
    char jwt_audience[256];
    int jwt_leeway_s;
    int jwt_max_lifetime_s;
    int token_cache_size;   /* verified tokens kept per worker */
    int revocation_poll_ms; /* how often revocations are re-read */
    int max_body_bytes;
    int max_json_depth;
    int report_share_pct; /* most of the time reports may run, per process */
    bool log_requests;
    char log_file[1024]; /* "" = stderr as started; else appended, reopened on SIGHUP */
} config;

extern config g_config;

/* Loads g_config from the environment. On a bad value writes a message naming
 * the variable into err and returns false. */
bool config_load(char *err, size_t errlen);

/* Prints the table (name, default, meaning) for --help and the README. */
void config_print_table(void);

#endif
