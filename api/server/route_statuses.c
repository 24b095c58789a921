/* The statuses each route can answer (see route_statuses.h). Each rule
 * below names where the status comes from; a new handler or a new kind of
 * refusal is added here too, and tests/openapi/check_routes.py then holds
 * the document to it. Not listed: 404/405 for a path or method the table
 * does not have (any request), 502/504 (the gateway sends 503 instead). */
#include "route_statuses.h"

#include <stdio.h>

#include "db.h"
#include "record.h"
#include "resources.h"

static void add(int *set, int *n, int status)
{
    for (int i = 0; i < *n; i++)
        if (set[i] == status)
            return;
    if (*n < 24)
        set[(*n)++] = status;
}

static bool has_conflict_constraint(const record_def *d)
{
    for (const constraint_message *c = d->constraints; c && c->constraint; c++)
        if (c->status == 409)
            return true;
    return d->insert_refused.status == 409;
}

int route_statuses(const route *rt, int out[24])
{
    int n = 0;
    const record_def *d = rt->resource;
    /* dispatch: a malformed query string (any route); the gateway's rate
     * limit (any route). */
    add(out, &n, 400);
    add(out, &n, 429);
    if (!(rt->flags & ROUTE_PUBLIC)) {
        /* dispatch: the token, then the role; the database behind every
         * authenticated route: unavailable (503) or failing (500). */
        add(out, &n, 401);
        add(out, &n, 403);
        add(out, &n, 500);
        add(out, &n, 503);
    }
    if (rt->flags & ROUTE_BODY) {
        /* dispatch and the gateway: no length, too large, not JSON. */
        add(out, &n, 411);
        add(out, &n, 413);
        add(out, &n, 415);
    }
    if (rt->handler == health_live) {
        add(out, &n, 200);
    } else if (rt->handler == health_ready) {
        add(out, &n, 200);
        add(out, &n, 503);
    } else if (rt->handler == health_metrics) {
        add(out, &n, 200);
        add(out, &n, 403); /* the gateway: this machine only */
    } else if (rt->handler == audit_events_list) {
        add(out, &n, 200);
    } else if (rt->handler == revoked_tokens_create) {
        add(out, &n, 200); /* already revoked */
        add(out, &n, 201);
    } else if (rt->handler == instruments_list) {
        add(out, &n, 200);
    } else if (rt->handler == alert_acknowledge) {
        add(out, &n, 201);
        add(out, &n, 404);
        add(out, &n, 409); /* acknowledged already; the first request of its key running */
        add(out, &n, 422); /* the Idempotency-Key reused */
    } else if (rt->handler == liaison_updates_receive) {
        add(out, &n, 200); /* a resend: the first answer */
        add(out, &n, 202); /* every new update, matched or held */
        add(out, &n, 409); /* another body under the sender's record id */
        add(out, &n, 422); /* the NHS number's check digit; dates; supersedes */
    } else if (rt->handler == liaison_updates_list) {
        add(out, &n, 200);
    } else if (rt->handler == liaison_updates_get || rt->handler == liaison_updates_acknowledge) {
        add(out, &n, 200);
        add(out, &n, 404);
    } else if (rt->handler == reports_get || rt->handler == report_submission_get) {
        add(out, &n, 200);
        add(out, &n, 404); /* no such report, no such submission */
        add(out, &n, 406); /* an Accept that is neither JSON nor CSV */
        if (rt->handler == reports_get)
            add(out, &n, 422); /* a quarter that has not started */
    } else if (rt->handler == report_submissions_list) {
        add(out, &n, 200);
        add(out, &n, 404);
        add(out, &n, 406);
    } else if (rt->handler == report_submissions_create) {
        add(out, &n, 201);
        add(out, &n, 404);
        add(out, &n, 409); /* two submissions of one quarter at the same moment */
        add(out, &n, 422); /* a quarter that has not ended */
    } else if (rt->handler == record_list || rt->handler == record_get ||
               rt->handler == record_history || rt->handler == record_lookup) {
        add(out, &n, 200);
        /* the record (or the parent of a nested list) absent or out of scope */
        if ((rt->handler != record_list && rt->handler != record_lookup) || d->parent_column)
            add(out, &n, 404);
    } else if (rt->handler == record_create) {
        add(out, &n, 201);
        add(out, &n, 409); /* the Idempotency-Key's first request still running */
        add(out, &n, 422); /* the rules; the Idempotency-Key reused */
        if (d->parent_column)
            add(out, &n, 404);
    } else if (rt->handler == record_update) {
        add(out, &n, 200);
        add(out, &n, 404);
        add(out, &n, 412); /* If-Match stale */
        add(out, &n, 422); /* the merged record breaks a rule */
        add(out, &n, 428); /* no If-Match */
        if (d->workflow || has_conflict_constraint(d))
            add(out, &n, 409); /* the state (a correction), or a unique key */
    } else if (rt->handler == record_transition) {
        add(out, &n, 201);
        add(out, &n, 404);
        add(out, &n, 409); /* not allowed from here; the first request of its key running */
        add(out, &n, 412); /* If-Match, when sent, stale */
        add(out, &n, 422);
    } else if (rt->handler == care_plan_versions_list || rt->handler == care_plan_version_get) {
        add(out, &n, 200);
        add(out, &n, 404); /* the plan (or that version) absent or out of scope */
    } else if (rt->handler == record_void) {
        add(out, &n, 200);
        add(out, &n, 404);
        if (d->void_may_conflict)
            add(out, &n, 409);
    }
    for (int i = 1; i < n; i++) /* ascending */
        for (int j = i; j > 0 && out[j - 1] > out[j]; j--) {
            int t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

void route_statuses_print(void)
{
    const route *rt;
    for (int i = 0; (rt = router_route(i)); i++) {
        int s[24];
        int n = route_statuses(rt, s);
        printf("%s %s ", rt->method, rt->pattern);
        for (int k = 0; k < n; k++)
            printf(k ? ",%d" : "%d", s[k]);
        printf("\n");
    }
}
