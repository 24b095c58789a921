/* The request as handlers see it, and the response they build. Nothing here
 * knows about FastCGI: the glue in server/main.c fills a request from the
 * FastCGI parameters, and unit tests fill one by hand. */
#ifndef PERINATAL_HTTP_H
#define PERINATAL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "principal.h"

#define MAX_PATH_PARAMS 4
#define MAX_QUERY_PARAMS 32

typedef struct query_param {
    const char *name, *value; /* percent-decoded */
} query_param;

struct db;
struct route;

typedef struct request {
    arena *a;
    /* input */
    const char *method;
    const char *path; /* without the query string */
    const char *query_string;
    const char *content_type;
    const char *accept;
    const char *authorization;
    const char *if_match;
    const char *idempotency_key;
    const char *body;
    size_t body_len;
    char request_id[65]; /* 1..64 of [A-Za-z0-9._-], as nginx's map allows */
    query_param query[MAX_QUERY_PARAMS];
    int nquery;
    bool query_too_long;
    const char *query_repeated; /* a parameter given twice (the first such) */
    const char *path_params[MAX_PATH_PARAMS];
    int npath_params;
    const principal *who;
    const struct route *route;
    int route_index; /* route's place among all routes (router_route's i) */
    struct db *db;
    bool audited;        /* an audit row for this request is written (and not rolled back) */
    const char *access;  /* the access context literal, once built (store/access.c) */
    bool include_voided; /* an admin asked for records entered in error too */
    /* output */
    int status;
    strbuf headers; /* extra response header lines, each ending in \r\n */
    const char *response_type;
    const char *response_body;
    size_t response_len;
} request;

void request_init(request *r, arena *a);

/* Parses r->query_string into r->query. Returns false on a malformed one. */
bool request_parse_query(request *r);
/* The decoded value of a query parameter, or NULL. */
const char *request_query(const request *r, const char *name);

void response_header(request *r, const char *name, const char *value);
/* Drops the headers set so far (those of an answer that will not be given). */
void response_headers_clear(request *r);
/* Sets a JSON response; body must live at least as long as the request. */
void response_json(request *r, int status, const char *body, size_t len);

/* Sets a response of another media type (a report's CSV); body as above. */
void response_typed(request *r, int status, const char *type, const char *body, size_t len);

/* Content negotiation (RFC 9110, 12.5.1): the index of the media type of
 * offered (NULL-terminated, the server's preference first) that the
 * request's Accept header ranks highest (q values, type/subtype, type/ and
 * wildcards); 0 without an Accept header; -1 when it accepts none of them
 * (406). */
int http_negotiate(const request *r, const char *const *offered);

const char *http_reason(int status);

#endif
