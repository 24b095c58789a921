/* perinatal-api: the FastCGI server, and its `migrate` and `routes` commands.
 *
 * Threads: N workers each own a FastCGI request, a database connection and a
 * token cache, and accept on the shared socket. A signal thread waits for
 * SIGTERM/SIGINT, then shuts the listening socket: each worker finishes its
 * request in flight, answers those already queued, and leaves once accept
 * fails; SIGHUP reopens the log file (rotation). */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "audit_batch.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "dispatch.h"
#include "log.h"
#include "migrate.h"
#include "resources.h"
#include "revocation.h"
#include "router.h"
#include "vocabulary.h"

#define REQUEST_ARENA_MAX (32u * 1024 * 1024)

static int listen_fd = -1;
static atomic_bool stopping;

typedef struct worker {
    pthread_t thread;
    int index;
} worker;

/* No starvation by half-open connections. libfcgi accepts inside
 * FCGX_Accept_r and then reads the request with no timeout, so a client
 * that connects and sends half a record holds a worker for ever. Linux
 * copies SO_RCVTIMEO from a listening TCP socket to the sockets it accepts,
 * but not from a unix socket (checked: the accepted one has no timeout), so
 * the timeouts are set on each accepted connection here. This executable's
 * accept() comes before the C library's in the dynamic linker's lookup, so
 * libfcgi's call (OS_Accept) lands here; the real accept is accept4.
 * A read that times out fails inside libfcgi: before the request is
 * complete it drops the connection and accepts the next; in the body it is
 * a short read, answered 400. The send timeout bounds a peer that stops
 * reading its answer. */
int accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
    int conn = accept4(fd, addr, len, SOCK_CLOEXEC);
    if (conn >= 0) {
        struct timeval tv = {.tv_sec = g_config.fcgi_read_timeout_s, .tv_usec = 0};
        if (setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
            setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
            close(conn);
            errno = ECONNABORTED; /* libfcgi retries the accept */
            return -1;
        }
    }
    return conn;
}

/* libfcgi ends every connection (OS_Close) with shutdown(SHUT_WR) and then
 * waits up to 2 s for the peer to close, so that a TCP peer's unread
 * response is not lost to a reset. A half-open client never closes, so a
 * worker it held would be free only 2 s after the read timeout. On a unix
 * socket there is no reset to avoid (the peer keeps what it was sent), so
 * the shutdown there covers both directions and the wait ends at once;
 * TCP keeps libfcgi's behaviour. This executable's shutdown() comes before
 * the C library's, as accept() above. */
int shutdown(int fd, int how)
{
    if (how == SHUT_WR) {
        int domain = 0;
        socklen_t len = sizeof(domain);
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_UNIX)
            how = SHUT_RDWR;
    }
    return (int)syscall(SYS_shutdown, fd, how);
}

/* Appends the log to PERINATAL_LOG_FILE, if set: the file replaces stderr
 * (fd 2) in one dup2, so a line being written by another thread goes whole
 * to the old file or the new. Called at start and on SIGHUP (rotation). */
static bool log_file_open(void)
{
    if (!g_config.log_file[0])
        return true;
    int fd = open(g_config.log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return false;
    bool ok = dup2(fd, STDERR_FILENO) == STDERR_FILENO;
    close(fd);
    return ok;
}

/* Reads the body by CONTENT_LENGTH. Returns 0, or the status to answer:
 * 411 when no length was given, which dispatch answers only for a route
 * that takes a body. */
static int read_body(FCGX_Request *fr, request *r)
{
    const char *cl = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
    if (!cl || !*cl)
        return 411;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    if (errno || *end || cl[0] == '-')
        return 400;
    if (n == 0)
        return 0;
    if (n > (unsigned long long)g_config.max_body_bytes)
        return 413;
    char *buf = arena_alloc(r->a, (size_t)n + 1);
    if (!buf)
        return 413;
    int got = FCGX_GetStr(buf, (int)n, fr->in);
    if (got != (int)n)
        return 400;
    buf[n] = '\0';
    r->body = buf;
    r->body_len = (size_t)n;
    return 0;
}

static void write_response(FCGX_Request *fr, request *r)
{
    char head[512]; /* fits the longest status line, type and request id */
    int n = snprintf(head, sizeof(head),
                     "Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "X-Request-Id: %s\r\nCache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n",
                     r->status, http_reason(r->status),
                     r->response_type ? r->response_type : "application/json", r->response_len,
                     r->request_id);
    if (n < 0 || n >= (int)sizeof(head))
        n = (int)sizeof(head) - 1; /* cannot happen with the bounds above */
    FCGX_PutStr(head, n, fr->out);
    if (r->headers.len)
        FCGX_PutStr(r->headers.data, (int)r->headers.len, fr->out);
    FCGX_PutStr("\r\n", 2, fr->out);
    if (r->response_len && strcmp(r->method, "HEAD") != 0)
        FCGX_PutStr(r->response_body, (int)r->response_len, fr->out);
}

/* accept() failed for a reason libfcgi does not retry (no file
 * descriptors or memory left, for a moment): the worker waits a little and
 * accepts again. Leaving the loop instead would, once every worker had,
 * keep the process up with its socket open, answering nothing. One log
 * line per 10 s for the whole process. */
static void accept_failed(int err)
{
    static atomic_llong last_logged;
    if (log_due(&last_logged, 10000))
        log_error("server", "cannot accept a connection", "retrying in 100 ms",
                  err > 0 ? strerror(err) : "libfcgi error");
    struct timespec pause = {0, 100 * 1000 * 1000};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
        ;
}

/* True when local time is England's: without the zone's data (no tzdata
 * in the image) the C library falls back to UTC without a word, and every
 * "today" and "not in the future" check (partners, infants, admissions,
 * training) would be an hour off in summer. Noon UTC on 1 July is 13:00 in
 * London. */
static bool england_time_known(void)
{
    struct tm midsummer = {.tm_year = 2026 - 1900, .tm_mon = 6, .tm_mday = 1, .tm_hour = 12};
    time_t t = timegm(&midsummer);
    struct tm local;
    return localtime_r(&t, &local) && local.tm_hour == 13;
}

static void *worker_main(void *arg)
{
    worker *self = arg;
    FCGX_Request fr;
    arena a;
    db conn = {0};
    worker_ctx ctx = {token_cache_new(g_config.token_cache_size), &conn};
    arena_init(&a, REQUEST_ARENA_MAX);
    if (FCGX_InitRequest(&fr, listen_fd, 0) != 0 || !ctx.tokens) {
        log_error("server", "worker cannot start", NULL, NULL);
        return NULL;
    }
    /* A database that is down at start-up is retried on the first request. */
    db_connect(&conn, g_config.database_url);
    /* Until accept() fails once stopping: after the listening socket is
     * shut down, a unix socket still hands out the connections queued on it
     * (requests nginx has sent), and only then fails, so they are answered
     * rather than reset (502). */
    for (;;) {
        int accepted = FCGX_Accept_r(&fr);
        if (accepted < 0) {
            if (atomic_load(&stopping))
                break; /* the listening socket was shut down */
            accept_failed(-accepted);
            continue;
        }
        request r;
        request_init(&r, &a);
        r.method = FCGX_GetParam("REQUEST_METHOD", fr.envp);
        const char *uri = FCGX_GetParam("REQUEST_URI", fr.envp);
        if (!r.method)
            r.method = "GET";
        if (!uri)
            uri = "/";
        const char *q = strchr(uri, '?');
        r.path = q ? arena_strndup(&a, uri, (size_t)(q - uri)) : uri;
        r.query_string = FCGX_GetParam("QUERY_STRING", fr.envp);
        r.content_type = FCGX_GetParam("CONTENT_TYPE", fr.envp);
        r.accept = FCGX_GetParam("HTTP_ACCEPT", fr.envp);
        r.authorization = FCGX_GetParam("HTTP_AUTHORIZATION", fr.envp);
        r.if_match = FCGX_GetParam("HTTP_IF_MATCH", fr.envp);
        r.idempotency_key = FCGX_GetParam("HTTP_IDEMPOTENCY_KEY", fr.envp);
        dispatch_request_id(&r, FCGX_GetParam("HTTP_X_REQUEST_ID", fr.envp));
        int body_error = read_body(&fr, &r);
        dispatch(&ctx, &r, body_error);
        write_response(&fr, &r);
        FCGX_Finish_r(&fr);
        arena_reset(&a);
    }
    (void)self;
    FCGX_Free(&fr, 1);
    db_close(&conn);
    token_cache_free(ctx.tokens);
    arena_free(&a);
    return NULL;
}

/* libfcgi's FCGX_OpenSocket exits on a failed bind and silently unlinks a
 * socket already there (stealing it from a running instance), so the path is
 * checked first: a live socket at the path stops start-up. */
static bool socket_path_free(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return true;
    if (!S_ISSOCK(st.st_mode)) {
        fprintf(stderr, "PERINATAL_LISTEN: %s exists and is not a socket\n", path);
        return false;
    }
    /* Is anyone listening? Try to connect. */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    bool in_use = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
    if (fd >= 0)
        close(fd);
    if (in_use) {
        fprintf(stderr, "PERINATAL_LISTEN: another process is serving %s\n", path);
        return false;
    }
    return true;
}

static int open_listener(void)
{
    const char *l = g_config.listen;
    bool is_unix = strchr(l, '/') != NULL || strchr(l, ':') == NULL;
    if (is_unix) {
        if (strlen(l) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            fprintf(stderr, "PERINATAL_LISTEN: socket path longer than 107 bytes\n");
            return -1;
        }
        if (!socket_path_free(l))
            return -1;
    }
    int fd = FCGX_OpenSocket(l, 256);
    if (fd < 0) {
        fprintf(stderr, "PERINATAL_LISTEN: cannot listen on %s\n", l);
        return -1;
    }
    if (is_unix && chmod(l, g_config.socket_mode) != 0) {
        fprintf(stderr, "PERINATAL_LISTEN: cannot set the mode of %s\n", l);
        return -1;
    }
    return fd;
}

static void *signal_main(void *arg)
{
    sigset_t *set = arg;
    int sig = 0;
    for (;;) {
        if (sigwait(set, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            break;
        if (log_file_open())
            log_info("log reopened", NULL);
        else
            log_error("server", "cannot reopen the log file", g_config.log_file, strerror(errno));
    }
    atomic_store(&stopping, true);
    log_info("stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    /* Wakes every worker blocked in accept() and refuses new connections;
     * requests in flight, and those already queued on a unix socket, are
     * answered first (worker_main). */
    shutdown(listen_fd, SHUT_RDWR);
    return NULL;
}

static int serve(void)
{
    char err[512];
    if (!log_file_open()) {
        fprintf(stderr, "PERINATAL_LOG_FILE: cannot open %s: %s\n", g_config.log_file,
                strerror(errno));
        return 1;
    }
    if (!auth_load_keys(g_config.jwt_keys, err, sizeof(err))) {
        fprintf(stderr, "perinatal-api: %s\n", err);
        return 1;
    }
    if (FCGX_Init() != 0) {
        fprintf(stderr, "perinatal-api: FastCGI initialisation failed\n");
        return 1;
    }
    /* After FCGX_Init, which installs its own handlers: our signal policy.
     * SIGPIPE ignored (a client gone is a write error); SIGTERM, SIGINT and
     * SIGHUP blocked in every thread and taken by the signal thread. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    listen_fd = open_listener();
    if (listen_fd < 0)
        return 1;
    resources_register();
    if (!revocation_start(g_config.database_url, g_config.revocation_poll_ms)) {
        fprintf(stderr, "perinatal-api: cannot start the revocation refresher\n");
        return 1;
    }
    if (!audit_batch_start(g_config.database_url)) {
        fprintf(stderr, "perinatal-api: cannot start the audit committer\n");
        return 1;
    }
    reports_lane_open(g_config.database_url);

    pthread_t sig_thread;
    pthread_create(&sig_thread, NULL, signal_main, &set);
    worker *workers = calloc((size_t)g_config.workers, sizeof(worker));
    if (!workers)
        return 1;
    for (int i = 0; i < g_config.workers; i++) {
        workers[i].index = i;
        pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
    }
    char detail[sizeof(g_config.listen) + 64];
    snprintf(detail, sizeof(detail), "listening on %s with %d workers", g_config.listen,
             g_config.workers);
    log_info("started", detail);
    for (int i = 0; i < g_config.workers; i++)
        pthread_join(workers[i].thread, NULL);
    free(workers);
    /* After the workers: every row they queued is committed first. */
    audit_batch_stop();
    pthread_join(sig_thread, NULL);
    close(listen_fd);
    if (strchr(g_config.listen, '/'))
        unlink(g_config.listen);
    revocation_stop();
    auth_free_keys();
    log_info("stopped", NULL);
    return 0;
}

static void usage(void)
{
    printf("usage: perinatal-api [serve | migrate | routes | vocabulary | config]\n"
           "  serve    run the FastCGI server (the default)\n"
           "  migrate  apply the missing database migrations\n"
           "  routes   print the route table\n"
           "  vocabulary  print the coded values the API accepts (domain code)\n"
           "  config   print the environment variables it reads\n");
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "serve";
    if (!strcmp(cmd, "routes")) {
        resources_register();
        router_print();
        return 0;
    }
    if (!strcmp(cmd, "vocabulary")) {
        vocabulary_print();
        return 0;
    }
    if (!strcmp(cmd, "config")) {
        config_print_table();
        return 0;
    }
    if (strcmp(cmd, "serve") && strcmp(cmd, "migrate")) {
        usage();
        return 2;
    }
    char err[512];
    if (!config_load(err, sizeof(err))) {
        fprintf(stderr, "perinatal-api: bad configuration: %s\n", err);
        return 1;
    }
    /* The clinical day is England's. */
    setenv("TZ", "Europe/London", 1);
    tzset();
    if (!england_time_known()) {
        fprintf(stderr, "perinatal-api: no time zone data for Europe/London (install tzdata): "
                        "dates would be taken in UTC, an hour off in summer\n");
        return 1;
    }
    if (!strcmp(cmd, "migrate"))
        return migrate_run(g_config.migrate_url) ? 0 : 1;
    return serve();
}
