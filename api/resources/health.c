/* Liveness, readiness and metrics: unversioned and outside /v1. */
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "migrate.h"
#include "resources.h"
#include "sql_statements.h"

bool health_live(request *r)
{
    static const char body[] = "{\"status\":\"ok\"}";
    response_json(r, 200, body, sizeof(body) - 1);
    return true;
}

bool health_ready(request *r)
{
    PGresult *res = db_exec(r, &sql_health_schema, 0, NULL);
    if (!db_ok(res) || PQntuples(res) != 1) {
        static const char down[] = "{\"status\":\"unavailable\",\"database\":\"unreachable\"}";
        response_json(r, 503, down, sizeof(down) - 1);
        return true;
    }
    if ((int)strtol(PQgetvalue(res, 0, 0), NULL, 10) < migrate_latest_version()) {
        static const char behind[] = "{\"status\":\"unavailable\",\"database\":\"not migrated\"}";
        response_json(r, 503, behind, sizeof(behind) - 1);
        return true;
    }
    static const char ok[] = "{\"status\":\"ok\",\"database\":\"ok\"}";
    response_json(r, 200, ok, sizeof(ok) - 1);
    return true;
}

bool health_metrics(request *r)
{
    size_t len;
    const char *text = metrics_render(r->a, &len);
    r->status = 200;
    r->response_type = "text/plain; version=0.0.4";
    r->response_body = text;
    r->response_len = len;
    return true;
}
