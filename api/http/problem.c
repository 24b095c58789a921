/* Problem details: built by hand into the request's arena. */
#include "problem.h"

#include <stdio.h>

static void problem_body(request *r, int status, const char *type, const char *title,
                         const char *detail, const field_errors *e)
{
    strbuf b;
    strbuf_init(&b, r->a, 64 * 1024);
    strbuf_puts(&b, "{\"type\":\"");
    strbuf_json_escape(&b, type);
    strbuf_puts(&b, "\",\"title\":\"");
    strbuf_json_escape(&b, title);
    strbuf_printf(&b, "\",\"status\":%d", status);
    if (detail) {
        strbuf_puts(&b, ",\"detail\":\"");
        strbuf_json_escape(&b, detail);
        strbuf_puts(&b, "\"");
    }
    strbuf_puts(&b, ",\"instance\":\"urn:perinatal:request:");
    strbuf_json_escape(&b, r->request_id);
    strbuf_puts(&b, "\"");
    if (e && e->count) {
        strbuf_puts(&b, ",\"errors\":[");
        for (int i = 0; i < e->count; i++) {
            strbuf_puts(&b, i ? ",{\"pointer\":\"" : "{\"pointer\":\"");
            strbuf_json_escape(&b, e->items[i].pointer);
            strbuf_puts(&b, "\",\"detail\":\"");
            strbuf_json_escape(&b, e->items[i].detail);
            strbuf_puts(&b, "\"}");
        }
        strbuf_puts(&b, "]");
    }
    strbuf_puts(&b, "}");
    r->status = status;
    r->response_type = "application/problem+json";
    if (b.failed) {
        r->response_body = "{\"type\":\"about:blank\",\"title\":\"Error\"}";
        r->response_len = sizeof("{\"type\":\"about:blank\",\"title\":\"Error\"}") - 1;
    } else {
        r->response_body = b.data;
        r->response_len = b.len;
    }
    if (status == 401)
        response_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
}

void problem(request *r, int status, const char *detail)
{
    problem_body(r, status, "about:blank", http_reason(status), detail, NULL);
}

void problem_typed(request *r, int status, const char *slug, const char *title, const char *detail)
{
    char type[128];
    snprintf(type, sizeof(type), "urn:perinatal:problem:%s", slug);
    problem_body(r, status, type, title, detail, NULL);
}

void problem_fields(request *r, int status, const field_errors *e)
{
    problem_body(r, status,
                 status == 400 ? "urn:perinatal:problem:invalid-request"
                               : "urn:perinatal:problem:rule-violated",
                 status == 400 ? "The request is not valid" : "The request breaks a rule",
                 e->count == 1 ? e->items[0].detail : "See errors for each field.", e);
}
