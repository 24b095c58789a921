/* Request helpers: query-string parsing and response building. */
#include "http.h"

#include <string.h>

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

/* Percent-decodes [s, s+n) into the arena; NULL on a bad escape or a NUL. */
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
    return out;
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

void response_json(request *r, int status, const char *body, size_t len)
{
    r->status = status;
    r->response_type = "application/json";
    r->response_body = body;
    r->response_len = len;
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
