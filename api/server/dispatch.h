/* One request, from routing to the response: route match, authentication,
 * the role check from the route table, body checks, the handler, metrics and
 * the access log. Free of FastCGI, so tests can drive it directly. */
#ifndef PERINATAL_DISPATCH_H
#define PERINATAL_DISPATCH_H

#include "auth.h"
#include "http.h"

/* Per-worker state. */
typedef struct worker_ctx {
    token_cache *tokens;
    struct db *db;
} worker_ctx;

/* Sets r->request_id from the client's X-Request-Id when sane, else new. */
void dispatch_request_id(request *r, const char *client_id);

/* Runs the request. Reading the body is the caller's job (it knows the
 * transport); body_error, when non-zero, is the status to answer instead
 * (411, 413, 400). */
void dispatch(worker_ctx *w, request *r, int body_error);

#endif
