/* JSON-lines logger. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void timestamp(char *out, size_t n)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t len = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + len, n - len, ".%03ldZ", (long)(tv.tv_usec / 1000));
}

static void json_str(char *out, size_t n, const char *s)
{
    size_t j = 0;
    for (; s && *s && j + 7 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[j++] = '\\';
            out[j++] = (char)c;
        } else if (c < 0x20) {
            j += (size_t)snprintf(out + j, n - j, "\\u%04x", c);
        } else {
            out[j++] = (char)c;
        }
    }
    out[j] = '\0';
}

static void emit(const char *line, int len)
{
    if (len < 0)
        return;
    ssize_t w = write(STDERR_FILENO, line, (size_t)len);
    (void)w;
}

void log_error(const char *component, const char *message, const char *what, const char *detail)
{
    char ts[40], w[256], d[512], line[1024];
    timestamp(ts, sizeof(ts));
    json_str(w, sizeof(w), what ? what : "");
    json_str(d, sizeof(d), detail ? detail : "");
    /* libpq messages end in a newline: drop it. */
    size_t dl = strlen(d);
    while (dl >= 2 && d[dl - 2] == '\\' && d[dl - 1] == 'n') {
        d[dl - 2] = '\0';
        dl -= 2;
    }
    int n = snprintf(line, sizeof(line),
                     "{\"time\":\"%s\",\"level\":\"error\",\"component\":\"%s\",\"message\":\"%s\","
                     "\"what\":\"%s\",\"detail\":\"%s\"}\n",
                     ts, component, message, w, d);
    emit(line, n < (int)sizeof(line) ? n : (int)sizeof(line) - 1);
}

void log_info(const char *message, const char *detail)
{
    char ts[40], d[512], line[1024];
    timestamp(ts, sizeof(ts));
    json_str(d, sizeof(d), detail ? detail : "");
    int n = snprintf(line, sizeof(line),
                     "{\"time\":\"%s\",\"level\":\"info\",\"message\":\"%s\",\"detail\":\"%s\"}\n",
                     ts, message, d);
    emit(line, n < (int)sizeof(line) ? n : (int)sizeof(line) - 1);
}

void log_access(const char *request_id, const char *sub, const char *role, const char *method,
                const char *route, int status, double duration_ms)
{
    char ts[40], s[300], rid[140], line[1024];
    timestamp(ts, sizeof(ts));
    json_str(s, sizeof(s), sub ? sub : "");
    json_str(rid, sizeof(rid), request_id ? request_id : "");
    int n = snprintf(line, sizeof(line),
                     "{\"time\":\"%s\",\"level\":\"info\",\"request_id\":\"%s\",\"sub\":\"%s\","
                     "\"role\":\"%s\",\"method\":\"%s\",\"route\":\"%s\",\"status\":%d,"
                     "\"duration_ms\":%.3f}\n",
                     ts, rid, s, role ? role : "", method ? method : "", route ? route : "", status,
                     duration_ms);
    emit(line, n < (int)sizeof(line) ? n : (int)sizeof(line) - 1);
}

bool log_due(atomic_llong *last, long long every_ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long long now = (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
    long long seen = atomic_load(last);
    return (seen == 0 || now - seen >= every_ms) &&
           atomic_compare_exchange_strong(last, &seen, now);
}
