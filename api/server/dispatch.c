/* Request dispatch. */
#include "dispatch.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "problem.h"
#include "router.h"
#include "uuid.h"

void dispatch_request_id(request *r, const char *client_id)
{
    if (client_id) {
        size_t n = strlen(client_id);
        bool sane = n >= 1 && n <= 64; /* nginx's map passes the same shapes */
        for (size_t i = 0; sane && i < n; i++) {
            char c = client_id[i];
            sane = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_' || c == '.';
        }
        if (sane) {
            memcpy(r->request_id, client_id, n + 1);
            return;
        }
    }
    uuid_v4(r->request_id);
}

/* application/json; a PATCH (a merge patch) may say so with
 * application/merge-patch+json as well (api.md). */
static bool is_json_type(const char *ct, const char *method)
{
    if (!ct)
        return false;
    size_t n = strcspn(ct, ";");
    while (n > 0 && ct[n - 1] == ' ')
        n--;
    return (n == 16 && !strncasecmp(ct, "application/json", 16)) ||
           (n == 28 && !strncasecmp(ct, "application/merge-patch+json", 28) &&
            !strcmp(method, "PATCH"));
}

static double elapsed_ms(const struct timespec *start)
{
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    return (double)(end.tv_sec - start->tv_sec) * 1e3 +
           (double)(end.tv_nsec - start->tv_nsec) / 1e6;
}

static void run(worker_ctx *w, request *r, int body_error, principal *who)
{
    char allow[64];
    const route *rt = NULL;
    match_result m = router_match(r, &rt, allow, sizeof(allow));
    if (m == MATCH_NO_PATH) {
        problem(r, 404, "No such resource.");
        return;
    }
    if (m == MATCH_NO_METHOD) {
        response_header(r, "Allow", allow);
        problem(r, 405, "This method is not allowed on this resource.");
        return;
    }
    r->route = rt;
    /* Parsed first so that even a refused request's audit row can say what
     * was asked (a lookup by NHS number). */
    bool query_ok = request_parse_query(r);
    if (!(rt->flags & ROUTE_PUBLIC)) {
        const char *why = NULL;
        if (auth_verify(w->tokens, r->authorization, time(NULL), who, &why) != AUTH_OK) {
            /* The client learns nothing of which check failed; the log does. */
            log_error("auth", "token refused", r->request_id, why);
            problem(r, 401, "A valid bearer token is required.");
            return;
        }
        r->who = who;
        if (!(rt->roles & who->role)) {
            problem(r, 403, "Your role may not do this.");
            return;
        }
    }
    if (!query_ok) {
        problem(r, 400, "The query string is malformed.");
        return;
    }
    /* Which of two values was meant is not ours to guess. */
    if (r->query_repeated) {
        field_errors e = {0};
        field_errors_add(&e, r->query_repeated, "appears more than once");
        problem_fields(r, 400, &e);
        return;
    }
    /* No Content-Length (a GET, or curl's POST without data) is refused
     * only where a body is wanted: a route that takes none has nothing to
     * read. */
    if (body_error == 411 && !(rt->flags & ROUTE_BODY))
        body_error = 0;
    if (body_error) {
        problem(r, body_error,
                body_error == 413   ? arena_printf(r->a, "The body is larger than %d bytes.",
                                                   g_config.max_body_bytes)
                : body_error == 411 ? "Content-Length is required."
                                    : "The body could not be read in full.");
        return;
    }
    if (rt->flags & ROUTE_BODY) {
        if (!is_json_type(r->content_type, r->method)) {
            problem(r, 415, "Send the body as application/json.");
            return;
        }
    } else if (r->body_len > 0) {
        problem(r, 400, "This request takes no body.");
        return;
    }
    if (!rt->handler(r) && r->status == 0)
        log_error("dispatch", "a handler did not answer", r->request_id, rt->pattern);
}

void dispatch(worker_ctx *w, request *r, int body_error)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    principal who;
    r->db = w->db;
    run(w, r, body_error, &who);
    if (r->status == 0)
        problem(r, 500, NULL);
    /* Every access to a woman's record leaves a row, refusals included. */
    if (r->route && r->route->audit_resource && r->who && !r->audited)
        audit_fallback(r);
    double ms = elapsed_ms(&start);
    metrics_record(r, ms);
    if (g_config.log_requests)
        log_access(r->request_id, r->who ? r->who->sub : "", r->who ? role_name(r->who->role) : "",
                   r->route ? r->route->method : "-", r->route ? r->route->pattern : "unmatched",
                   r->status, ms);
}
