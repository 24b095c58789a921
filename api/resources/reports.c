/* Indicator reports for commissioners (issue 15): GET /v1/reports/{report}
 * (a quarter's figures, JSON or CSV), and the frozen quarters: POST (admins)
 * and GET /v1/reports/{report}/submissions[/{id}]. The reports are SQL
 * functions listed in the table reports (db/repeatable/60_reports.sql); this
 * file knows none of them by name, so adding a report adds no C. Every pull
 * is audited (resource "report:<name>", or "report:<name>:exact" for an
 * admin's unsuppressed figures); refusals by dispatch's fallback. Nothing
 * here is about one woman: no identifier, name or date of birth is ever in
 * a report. */
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "config.h"
#include "csv.h"
#include "db.h"
#include "idempotency.h"
#include "json.h"
#include "json_body.h"
#include "problem.h"
#include "record.h"
#include "resources.h"
#include "sql_statements.h"
#include "uuid.h"

/* The media types a report is given in, the first the default. */
static const char *const report_media[] = {"application/json", "text/csv", NULL};
enum { MEDIA_JSON, MEDIA_CSV };

static bool param_known(const char *name, const char *const *allowed)
{
    for (const char *const *a = allowed; *a; a++)
        if (!strcmp(*a, name))
            return true;
    return false;
}

static void check_params(request *r, const char *const *allowed, field_errors *e)
{
    for (int i = 0; i < r->nquery; i++)
        if (!param_known(r->query[i].name, allowed))
            field_errors_add(e, r->query[i].name, "is not a parameter of this operation");
}

/* An integer query parameter from min to max; NULL when absent (an error
 * when required). */
static const char *int_param(request *r, const char *name, long min, long max, bool required,
                             field_errors *e)
{
    const char *s = request_query(r, name);
    if (!s) {
        if (required)
            field_errors_add(e, name, "is required");
        return NULL;
    }
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 6 || *end || v < min ||
        v > max) {
        field_errors_add(e, name,
                         arena_printf(r->a, "must be an integer from %ld to %ld", min, max));
        return NULL;
    }
    return s;
}

/* ?format=json|csv, else the Accept header: MEDIA_*, or -1 once answered
 * (400 or 406). */
static int chosen_media(request *r, field_errors *e)
{
    const char *format = request_query(r, "format");
    if (format) {
        if (!strcmp(format, "json"))
            return MEDIA_JSON;
        if (!strcmp(format, "csv"))
            return MEDIA_CSV;
        field_errors_add(e, "format", "must be json or csv");
        return MEDIA_JSON;
    }
    return http_negotiate(r, report_media);
}

static bool not_acceptable(request *r)
{
    problem(r, 406,
            "This report is given as application/json or text/csv (Accept, or ?format=json|csv).");
    return true;
}

/* The 404 for a report the registry does not list. */
static bool no_such_report(request *r)
{
    problem(r, 404, "No such report.");
    return true;
}

static const char *json_str(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return json_object_get_string(v);
}

/* The report document as CSV: one header row, then one row per figure; the
 * national code is a column of its own. */
static bool respond_csv(request *r, int status, const char *document)
{
    field_errors e = {0};
    json_object *doc = json_parse_strict(r->a, document, strlen(document), 16, &e);
    json_object *figures = NULL, *period = NULL, *suppression = NULL, *definitions = NULL;
    if (!doc || !json_object_object_get_ex(doc, "figures", &figures) ||
        !json_object_is_type(figures, json_type_array)) {
        problem(r, 500, "The report could not be written as CSV.");
        return true;
    }
    json_object_object_get_ex(doc, "period", &period);
    json_object_object_get_ex(doc, "suppression", &suppression);
    json_object_object_get_ex(doc, "definitions", &definitions);
    static const char *const header[] = {
        "report",      "financial_year", "quarter",       "period_start", "period_end", "figure",
        "breakdown",   "category",       "national_code", "kind",         "value",      "numerator",
        "denominator", "suppressed",     "definition",    NULL,
    };
    strbuf b;
    strbuf_init(&b, r->a, 4 * 1024 * 1024);
    for (int i = 0; header[i]; i++)
        csv_field(&b, header[i], i == 0);
    csv_end_record(&b);
    const char *suppressed = json_str(suppression, "applied");
    size_t n = json_object_array_length(figures);
    for (size_t i = 0; i < n; i++) {
        json_object *f = json_object_array_get_idx(figures, i);
        const char *figure = json_str(f, "figure");
        csv_field(&b, json_str(doc, "report"), true);
        csv_field(&b, json_str(doc, "financial_year"), false);
        csv_field(&b, json_str(doc, "quarter"), false);
        csv_field(&b, json_str(period, "start"), false);
        csv_field(&b, json_str(period, "end"), false);
        csv_field(&b, figure, false);
        csv_field(&b, json_str(f, "breakdown"), false);
        csv_field(&b, json_str(f, "category"), false);
        csv_field(&b, json_str(f, "national_code"), false);
        csv_field(&b, json_str(f, "kind"), false);
        csv_field(&b, json_str(f, "value"), false);
        csv_field(&b, json_str(f, "numerator"), false);
        csv_field(&b, json_str(f, "denominator"), false);
        csv_field(&b, suppressed, false);
        csv_field(&b, figure ? json_str(definitions, figure) : NULL, false);
        csv_end_record(&b);
    }
    if (b.failed) {
        problem(r, 500, "The report could not be written as CSV.");
        return true;
    }
    response_typed(r, status, "text/csv; charset=utf-8; header=present", b.data, b.len);
    return true;
}

/* The report lane (reports_get): one report at a time, on its own
 * connection, within a budget of report time. */
#define REPORT_BURST_NS 1000000000LL /* report time that may be spent at once */
static pthread_mutex_t report_lane = PTHREAD_MUTEX_INITIALIZER;
static db lane_db;                                 /* under report_lane */
static long long lane_budget_ns = REPORT_BURST_NS; /* under report_lane */
static long long lane_filled_ns;                   /* under report_lane */
/* Report requests holding or waiting for the lane: each holds a worker, so
 * a burst of them could take every worker from the clinical requests. */
#define REPORT_LANE_QUEUE 3 /* the one running and two waiting */
static atomic_int lane_queue;

/* A live, warm lane connection (the lock held): a new one, at start-up or
 * after a lost connection, prepares every statement and is then warmed
 * (sql_report_warm), which took the first report after start-up from 400
 * to 500 ms to its usual time (MH6 at 1,000,000 referrals). A failure is
 * left to the report's own statement to meet. */
static void lane_ready(void)
{
    if (lane_db.conn && PQstatus(lane_db.conn) == CONNECTION_OK)
        return;
    if (!db_connect(&lane_db, lane_db.conninfo))
        return;
    const char *params[] = {"(00000000-0000-0000-0000-000000000000,report-lane,admin,,)",
                            "{\"year\": 2000, \"quarter\": 1}"};
    PQclear(PQexecPrepared(lane_db.conn, sql_report_warm.name, 2, params, NULL, NULL, 0));
}

/* Start-up, off the workers' path. */
static void *lane_open(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&report_lane);
    lane_ready();
    pthread_mutex_unlock(&report_lane);
    return NULL;
}

void reports_lane_open(const char *conninfo)
{
    lane_db.conninfo = conninfo;
    pthread_t t;
    if (pthread_create(&t, NULL, lane_open, NULL) == 0)
        pthread_detach(t);
}

static long long monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* 503 while the lane is taken: the caller leaves the queue. */
static bool lane_busy(request *r)
{
    atomic_fetch_sub(&lane_queue, 1);
    problem(r, 503, "Other reports are being worked out; try again shortly.");
    response_header(r, "Retry-After", "5");
    return true;
}

bool reports_get(request *r)
{
    const char *name = r->path_params[0];
    field_errors e = {0};
    static const char *const allowed[] = {"year", "quarter", "suppress", "format", NULL};
    check_params(r, allowed, &e);
    const char *year = int_param(r, "year", 2000, 2199, true, &e);
    const char *quarter = int_param(r, "quarter", 1, 4, true, &e);
    const char *suppress = request_query(r, "suppress");
    if (suppress && strcmp(suppress, "true") != 0 && strcmp(suppress, "false") != 0)
        field_errors_add(&e, "suppress", "must be true or false");
    int media = chosen_media(r, &e);
    if (e.count) {
        problem_fields(r, 400, &e);
        return true;
    }
    if (media < 0)
        return not_acceptable(r);
    bool exact = suppress && !strcmp(suppress, "false");
    if (exact && r->who->role != ROLE_ADMIN) {
        problem(r, 403, "Only an admin may see exact (unsuppressed) figures.");
        return true;
    }
    /* One report at a time in the process (issue 15 item 9): a report is
     * an analytical query (10 to 300 ms of a core at 1,000,000 referrals,
     * bench/reports.sh), and commissioners pulling several at once would
     * take the cores from the clinical requests. Others wait their turn,
     * for a while (the 5 s statement timeout of the one running, twice).
     * Nor may reports run back to back for long: the lane has a budget of
     * report time that fills at PERINATAL_REPORT_SHARE_PCT of the clock,
     * up to one second (a commissioner pulling now and then never waits);
     * a report that finds it spent waits until it is not (at most 5 s).
     * The lane has its own database connection, so that one backend keeps
     * the reports' catalogue and statistics warm: on a worker's connection
     * the first report cost some 250 ms more (MH6 at 1,000,000 referrals),
     * and a new lane connection is warmed before its first report. At most
     * REPORT_LANE_QUEUE report requests hold a worker for the lane: the
     * rest are answered at once, and the clinical requests keep the other
     * workers. */
    if (atomic_fetch_add(&lane_queue, 1) >= REPORT_LANE_QUEUE)
        return lane_busy(r);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    if (pthread_mutex_timedlock(&report_lane, &until) != 0)
        return lane_busy(r);
    long long share = g_config.report_share_pct, now = monotonic_ns();
    if (lane_filled_ns)
        lane_budget_ns += (now - lane_filled_ns) * share / 100;
    if (lane_budget_ns > REPORT_BURST_NS)
        lane_budget_ns = REPORT_BURST_NS;
    if (lane_budget_ns < 0) {
        long long wait = -lane_budget_ns * 100 / share;
        if (wait > 5000000000LL)
            wait = 5000000000LL;
        struct timespec pause = {(time_t)(wait / 1000000000LL), (long)(wait % 1000000000LL)};
        while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
            ;
        now = monotonic_ns();
        lane_budget_ns = 0;
    }
    if (!lane_db.conninfo)
        lane_db.conninfo = r->db->conninfo;
    lane_ready();
    db *own = r->db;
    r->db = &lane_db;
    PGresult *res = db_query(r, &sql_report_read,
                             db_args(r->a, "report", name, "year", year, "quarter", quarter,
                                     "exact", exact ? "true" : "false", DB_ARGS_END));
    r->db = own;
    long long done = monotonic_ns();
    lane_budget_ns -= (done - now) - (done - now) * share / 100;
    lane_filled_ns = done;
    pthread_mutex_unlock(&report_lane);
    atomic_fetch_sub(&lane_queue, 1);
    if (!res)
        return true;
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
        return no_such_report(r);
    if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
        field_errors_add(&e, "quarter", "has not started yet");
        problem_fields(r, 422, &e);
        return true;
    }
    if (!audit_record(r, arena_printf(r->a, "report:%s%s", name, exact ? ":exact" : ""), "read",
                      NULL, "{}", "ok"))
        return true;
    const char *doc = PQgetvalue(res, 0, 2);
    if (media == MEDIA_CSV)
        return respond_csv(r, 200, doc);
    response_json(r, 200, doc, (size_t)PQgetlength(res, 0, 2));
    return true;
}

static const field_spec submission_fields[] = {
    {"year", FIELD_INT, FIELD_REQUIRED, 2000, 2199, NULL, NULL, NULL},
    {"quarter", FIELD_INT, FIELD_REQUIRED, 1, 4, NULL, NULL, NULL},
    {"note", FIELD_STRING, 0, 1, 2000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* Is the report in the registry? Answers 404 (or the database's problem)
 * when not. */
static bool report_listed(request *r, const char *name)
{
    PGresult *res = db_query(r, &sql_report_known, db_args(r->a, "report", name, DB_ARGS_END));
    if (!res)
        return false;
    if (PQntuples(res) == 0) {
        no_such_report(r);
        return false;
    }
    return true;
}

/* The submission's statement and its audit row, in the open transaction;
 * sets the response (201 with Location, or the problem). */
static void submit(request *r, const char *name, json_object *body)
{
    PGresult *res = db_query(r, &sql_report_submission_insert, json_to_arena(r->a, body, NULL));
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        field_errors e = {0};
        field_errors_add(&e, "/quarter",
                         "has not ended yet: a quarter is submitted once its last day is over");
        problem_fields(r, 422, &e);
        return;
    }
    const char *id = PQgetvalue(res, 0, 0);
    if (!audit_record(r, arena_printf(r->a, "report_submission:%s", name), "create", id, "{}",
                      "ok"))
        return;
    response_header(r, "Location", arena_printf(r->a, "/v1/reports/%s/submissions/%s", name, id));
    response_json(r, 201, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
}

bool report_submissions_create(request *r)
{
    const char *name = r->path_params[0];
    field_errors e = {0};
    check_params(r, (const char *const[]){NULL}, &e);
    if (e.count) {
        problem_fields(r, 400, &e);
        return true;
    }
    if (idem_answered_before(r))
        return true;
    json_object *body = request_json_body(r, submission_fields, VALIDATE_CREATE);
    if (!body || !report_listed(r, name))
        return true;
    json_object_object_add(body, "report", json_object_new_string(name));
    /* A retry with the same Idempotency-Key replays the first answer: a
     * second submission would be a correction nobody made. */
    idem_state st = idem_write_begin(r);
    if (st == IDEM_ANSWERED)
        return true;
    submit(r, name, body);
    idem_write_end(r, st); /* commits a 201 only */
    return true;
}

bool report_submissions_list(request *r)
{
    const char *name = r->path_params[0];
    field_errors e = {0};
    int limit;
    static const char *const allowed[] = {"year", "quarter", "limit", "cursor", NULL};
    check_params(r, allowed, &e);
    record_list_limit(r, &limit, &e);
    const char *year = int_param(r, "year", 2000, 2199, false, &e);
    const char *quarter = int_param(r, "quarter", 1, 4, false, &e);
    const char *cursor = request_query(r, "cursor"), *before = NULL;
    if (cursor) {
        before = record_cursor_decode(r->a, cursor);
        if (!before || !*before || strspn(before, "0123456789") != strlen(before) ||
            strlen(before) > 12)
            field_errors_add(&e, "cursor", "is not a cursor this API returned");
    }
    if (e.count) {
        problem_fields(r, 400, &e);
        return true;
    }
    if (http_negotiate(r, (const char *const[]){"application/json", NULL}) < 0) {
        problem(r, 406, "This list is given as application/json.");
        return true;
    }
    if (!report_listed(r, name))
        return true;
    PGresult *res =
        db_query(r, &sql_report_submission_list,
                 db_args(r->a, "report", name, "year", year, "quarter", quarter, "before", before,
                         "limit", arena_printf(r->a, "%d", limit + 1), DB_ARGS_END));
    if (!res || !audit_record(r, arena_printf(r->a, "report_submission:%s", name), "list", NULL,
                              "{}", "ok"))
        return true;
    return record_list_respond(r, res, limit, 1, -1);
}

bool report_submission_get(request *r)
{
    const char *name = r->path_params[0], *id = r->path_params[1];
    field_errors e = {0};
    static const char *const allowed[] = {"format", NULL};
    check_params(r, allowed, &e);
    int media = chosen_media(r, &e);
    if (e.count) {
        problem_fields(r, 400, &e);
        return true;
    }
    if (media < 0)
        return not_acceptable(r);
    if (!uuid_valid(id)) {
        problem(r, 404, "No such submission.");
        return true;
    }
    PGresult *res = db_query(r, &sql_report_submission_read,
                             db_args(r->a, "report", name, "id", id, DB_ARGS_END));
    if (!res)
        return true;
    if (PQntuples(res) == 0) {
        problem(r, 404, "No such submission.");
        return true;
    }
    if (!audit_record(r, arena_printf(r->a, "report_submission:%s", name), "read", id, "{}", "ok"))
        return true;
    if (media == MEDIA_CSV)
        return respond_csv(r, 200, PQgetvalue(res, 0, 1));
    response_json(r, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
    return true;
}

static const constraint_message report_constraints[] = {
    {"report_submissions_sequence_unique", 409, "/quarter",
     "Another submission of this quarter was being made at the same moment; send it again."},
    {NULL, 0, NULL, NULL},
};

void reports_register(void)
{
    db_register_constraints(report_constraints);
}
