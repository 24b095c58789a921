/* Counters per route and status class, and a latency histogram. */
#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>

#include "router.h"

#define MAX_ROUTES 1024 /* the table's and the added (router.c: 512 at most) */
static const double buckets_ms[] = {1, 2.5, 5, 10, 25, 50, 100, 250, 1000};
#define NBUCKETS (sizeof(buckets_ms) / sizeof(buckets_ms[0]))

typedef struct route_metrics {
    atomic_ulong by_class[6]; /* index status/100 */
    atomic_ulong buckets[NBUCKETS];
    atomic_ulong count;
    atomic_ulong micros; /* sum of durations */
} route_metrics;

static route_metrics per_route[MAX_ROUTES + 1]; /* last slot: unmatched */
static atomic_ulong db_reconnects;
static atomic_ulong audit_commits, audit_rows;

void metrics_record(const request *r, double duration_ms)
{
    /* Its place among all routes (router_match), not an offset into the
     * table: the record layer's routes are added after it (router.c). */
    int idx = r->route ? r->route_index : MAX_ROUTES;
    if (idx < 0 || idx > MAX_ROUTES)
        idx = MAX_ROUTES;
    route_metrics *m = &per_route[idx];
    int cls = r->status / 100;
    if (cls < 1 || cls > 5)
        cls = 5;
    atomic_fetch_add_explicit(&m->by_class[cls], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->micros, (unsigned long)(duration_ms * 1000),
                              memory_order_relaxed);
    for (size_t b = 0; b < NBUCKETS; b++)
        if (duration_ms <= buckets_ms[b])
            atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
}

void metrics_db_reconnect(void)
{
    atomic_fetch_add_explicit(&db_reconnects, 1, memory_order_relaxed);
}

void metrics_audit_commit(unsigned rows)
{
    atomic_fetch_add_explicit(&audit_commits, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&audit_rows, rows, memory_order_relaxed);
}

/* The text format wants each metric family's samples together, so the
 * routes are walked once per family. */
static void render_counts(strbuf *b, const char *method, const char *pattern, route_metrics *m)
{
    for (int c = 1; c <= 5; c++) {
        unsigned long v = atomic_load(&m->by_class[c]);
        if (v)
            strbuf_printf(
                b, "perinatal_requests_total{method=\"%s\",route=\"%s\",status=\"%dxx\"} %lu\n",
                method, pattern, c, v);
    }
}

static void render_histogram(strbuf *b, const char *method, const char *pattern, route_metrics *m)
{
    unsigned long count = atomic_load(&m->count);
    if (!count)
        return;
    for (size_t i = 0; i < NBUCKETS; i++)
        strbuf_printf(
            b,
            "perinatal_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %lu\n",
            method, pattern, buckets_ms[i] / 1000, atomic_load(&m->buckets[i]));
    strbuf_printf(
        b,
        "perinatal_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %lu\n",
        method, pattern, count);
    strbuf_printf(b, "perinatal_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
                  method, pattern, atomic_load(&m->micros) / 1e6);
    strbuf_printf(b, "perinatal_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %lu\n",
                  method, pattern, count);
}

static void render_all(strbuf *b, void (*fn)(strbuf *, const char *, const char *, route_metrics *))
{
    const route *rt;
    for (int i = 0; i < MAX_ROUTES && (rt = router_route(i)); i++)
        fn(b, rt->method, rt->pattern, &per_route[i]);
    fn(b, "-", "unmatched", &per_route[MAX_ROUTES]);
}

const char *metrics_render(arena *a, size_t *len)
{
    strbuf b;
    strbuf_init(&b, a, 1024 * 1024);
    strbuf_puts(&b,
                "# HELP perinatal_requests_total Requests answered, by route and status class.\n"
                "# TYPE perinatal_requests_total counter\n");
    render_all(&b, render_counts);
    strbuf_puts(&b, "# HELP perinatal_request_duration_seconds Time to answer a request.\n"
                    "# TYPE perinatal_request_duration_seconds histogram\n");
    render_all(&b, render_histogram);
    strbuf_printf(&b,
                  "# HELP perinatal_db_reconnects_total Database reconnections.\n"
                  "# TYPE perinatal_db_reconnects_total counter\n"
                  "perinatal_db_reconnects_total %lu\n",
                  atomic_load(&db_reconnects));
    strbuf_printf(&b,
                  "# HELP perinatal_audit_commits_total Group commits of read audit rows.\n"
                  "# TYPE perinatal_audit_commits_total counter\n"
                  "perinatal_audit_commits_total %lu\n"
                  "# HELP perinatal_audit_rows_total Read audit rows committed by group commit.\n"
                  "# TYPE perinatal_audit_rows_total counter\n"
                  "perinatal_audit_rows_total %lu\n",
                  atomic_load(&audit_commits), atomic_load(&audit_rows));
    *len = b.len;
    return b.data;
}
