/* Request helpers: query-string parsing and response building. */
#include "http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"

void request_init(request *r, arena *a)
{
    memset(r, 0, sizeof(*r));
    r->a = a;
    strbuf_init(&r->headers, a, 8192);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes [s, s+n) into the arena; NULL on a bad escape, a NUL or
 * text that is not UTF-8 (api.md: UTF-8 in and out; a name is echoed in a
 * problem's pointer). */
static char *url_decode(arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return NULL;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return NULL;
            c = (char)(hi * 16 + lo);
            if (c == '\0')
                return NULL;
            i += 2;
        }
        out[j++] = c;
    }
    out[j] = '\0';
    return utf8_valid(out, j) ? out : NULL;
}

bool request_parse_query(request *r)
{
    const char *q = r->query_string;
    r->nquery = 0;
    if (!q || !*q)
        return true;
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        if (len > 0) {
            if (r->nquery == MAX_QUERY_PARAMS) {
                r->query_too_long = true;
                return false;
            }
            const char *eq = memchr(q, '=', len);
            size_t nlen = eq ? (size_t)(eq - q) : len;
            const char *name = url_decode(r->a, q, nlen);
            const char *value = eq ? url_decode(r->a, eq + 1, len - nlen - 1) : "";
            if (!name || !value)
                return false;
            for (int i = 0; i < r->nquery && !r->query_repeated; i++)
                if (!strcmp(r->query[i].name, name))
                    r->query_repeated = name;
            r->query[r->nquery].name = name;
            r->query[r->nquery].value = value;
            r->nquery++;
        }
        q += len;
        if (*q == '&')
            q++;
    }
    return true;
}

const char *request_query(const request *r, const char *name)
{
    for (int i = 0; i < r->nquery; i++)
        if (!strcmp(r->query[i].name, name))
            return r->query[i].value;
    return NULL;
}

void response_header(request *r, const char *name, const char *value)
{
    strbuf_puts(&r->headers, name);
    strbuf_append(&r->headers, ": ", 2);
    /* Header values never carry CR or LF: they would split the response. */
    for (const char *p = value; *p; p++)
        if (*p != '\r' && *p != '\n')
            strbuf_append(&r->headers, p, 1);
    strbuf_append(&r->headers, "\r\n", 2);
}

void response_headers_clear(request *r)
{
    r->headers.len = 0;
    r->headers.failed = 0;
    if (r->headers.data)
        r->headers.data[0] = '\0';
}

void response_json(request *r, int status, const char *body, size_t len)
{
    r->status = status;
    r->response_type = "application/json";
    r->response_body = body;
    r->response_len = len;
}

void response_typed(request *r, int status, const char *type, const char *body, size_t len)
{
    r->status = status;
    r->response_type = type;
    r->response_body = body;
    r->response_len = len;
}

/* The q value of one media range's parameters ("; q=0.5"): 1 when absent, -1
 * when malformed (the range is then ignored). */
static double range_quality(const char *params, size_t n)
{
    double q = 1;
    while (n > 0) {
        const char *semi = memchr(params, ';', n);
        size_t len = semi ? (size_t)(semi - params) : n;
        const char *p = params;
        size_t m = len;
        while (m > 0 && (*p == ' ' || *p == '\t'))
            p++, m--;
        if (m >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            char buf[8];
            size_t k = m - 2 < sizeof(buf) - 1 ? m - 2 : sizeof(buf) - 1;
            memcpy(buf, p + 2, k);
            buf[k] = '\0';
            while (k > 0 && buf[k - 1] == ' ')
                buf[--k] = '\0';
            char *end;
            q = strtod(buf, &end);
            if (end == buf || *end || q < 0 || q > 1)
                return -1;
        }
        if (!semi)
            break;
        params = semi + 1;
        n -= len + 1;
    }
    return q;
}

/* How specifically the range [s, s+n) matches type: 3 the type itself, 2
 * its major type with any subtype, 1 any type, 0 not at all. */
static int range_match(const char *s, size_t n, const char *type)
{
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    size_t tn = strlen(type);
    const char *slash = strchr(type, '/');
    if (n == tn && !strncasecmp(s, type, n))
        return 3;
    if (n == 3 && !strncmp(s, "*/*", 3))
        return 1;
    size_t major = (size_t)(slash - type);
    if (n == major + 2 && !strncasecmp(s, type, major + 1) && s[major + 1] == '*')
        return 2;
    return 0;
}

int http_negotiate(const request *r, const char *const *offered)
{
    const char *accept = r->accept;
    if (!accept || !accept[strspn(accept, " \t")])
        return 0;
    int best = -1;
    double best_q = 0;
    for (int i = 0; offered[i]; i++) {
        /* The most specific range that names this type decides its q. */
        int spec = 0;
        double q = 0;
        const char *p = accept;
        while (*p) {
            size_t len = strcspn(p, ",");
            size_t type_len = strcspn(p, ";");
            if (type_len > len)
                type_len = len;
            int m = range_match(p, type_len, offered[i]);
            if (m > spec) {
                double rq = range_quality(p + type_len, len - type_len);
                if (rq >= 0) {
                    spec = m;
                    q = rq;
                }
            }
            p += len;
            if (*p == ',')
                p++;
        }
        if (spec && q > best_q) {
            best = i;
            best_q = q;
        }
    }
    return best;
}

const char *http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}
