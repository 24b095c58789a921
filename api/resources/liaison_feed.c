/* The health-visiting systems' routes (/v1/liaison-updates): a liaison
 * token posts inbound updates about a woman and her infant, reads back
 * those it sent, reads the outbound updates of its organisation as a feed
 * and acknowledges each. Admins list the updates held unmatched.
 *
 * An inbound update is answered the same whether or not the woman is known
 * to the service: 202 for every accepted new update (held for matching or
 * attached at once: the sender cannot tell which), 200 with the first
 * answer for a resend, and a body that never says whether she was matched
 * (liaison_update_sender_json). Receipt, matching, the alert of a
 * safeguarding or risk concern and the audit row are one statement, one
 * commit: 202 means stored.
 *
 * Lists are in commit order and serve only updates older than every
 * running transaction (liaison_inbox_feed), so the cursor never skips an
 * update that committed late. */
#include <string.h>
#include <time.h>

#include "audit.h"
#include "nhs_number.h"
#include "principal.h"
#include "resources.h"
#include "sql_statements.h"
#include "uuid.h"
#include "vocabulary.h"

#define RESOURCE "liaison_update"

static const char *ten_digits(const char *s)
{
    return strspn(s, "0123456789") == 10 && !s[10] ? NULL : "must be 10 digits";
}

static const field_spec concern_fields[] = {
    {"codes", FIELD_ENUM_ARRAY, 0, 0, 7, vocab_liaison_concerns, NULL, NULL},
    {"text", FIELD_STRING, FIELD_NULLABLE, 1, 4000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec infant_fields[] = {
    {"name", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL, NULL, NULL},
    {"date_of_birth", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"nhs_number", FIELD_STRING, FIELD_NULLABLE, 10, 10, NULL, ten_digits, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec inbound_fields[] = {
    {"sender_record_id", FIELD_STRING, FIELD_REQUIRED, 1, 100, NULL, NULL, NULL},
    {"nhs_number", FIELD_STRING, FIELD_REQUIRED, 10, 10, NULL, ten_digits, NULL},
    {"contact_date", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"contact_type", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_liaison_contact_types, NULL, NULL},
    {"concerns", FIELD_OBJECT, 0, 0, 0, NULL, NULL, concern_fields},
    {"infant", FIELD_OBJECT, 0, 0, 0, NULL, NULL, infant_fields},
    {"supersedes", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const char *string_at(json_object *o, const char *a, const char *b)
{
    json_object *v;
    if (!json_object_object_get_ex(o, a, &v) || !v)
        return NULL;
    if (b && (!json_object_object_get_ex(v, b, &v) || !v))
        return NULL;
    return json_object_get_string(v);
}

/* The business rules of an inbound update (422): real NHS numbers (the
 * modulus 11 check), and no date after today in England. */
static void inbound_rules(request *r, json_object *body, field_errors *e)
{
    char today[11];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    const char *nhs = string_at(body, "nhs_number", NULL);
    if (nhs && !nhs_number_valid(nhs))
        field_errors_add(e, "/nhs_number", "is not a valid NHS number (check digit)");
    const char *infant_nhs = string_at(body, "infant", "nhs_number");
    if (infant_nhs && !nhs_number_valid(infant_nhs))
        field_errors_add(e, "/infant/nhs_number", "is not a valid NHS number (check digit)");
    const char *date = string_at(body, "contact_date", NULL);
    if (date && strcmp(date, today) > 0)
        field_errors_add(e, "/contact_date", "must not be in the future");
    const char *born = string_at(body, "infant", "date_of_birth");
    if (born && strcmp(born, today) > 0)
        field_errors_add(e, "/infant/date_of_birth", "must not be in the future");
    json_date_ranges(r->a, body, inbound_fields, "", e);
}

static const char *women_of(request *r, PGresult *res, int col)
{
    if (PQgetisnull(res, 0, col))
        return "{}";
    return arena_printf(r->a, "{%s}", PQgetvalue(res, 0, col));
}

/* The women an update names, for the audit row of a refusal. */
static const char *update_women(request *r, const char *id)
{
    PGresult *res = db_run(r, &sql_liaison_inbox_women, db_args(r->a, "id", id, DB_ARGS_END));
    return db_ok(res) && PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "{}";
}

bool liaison_updates_receive(request *r)
{
    json_object *body = request_json_body(r, inbound_fields, VALIDATE_CREATE);
    if (!body)
        return true;
    field_errors e = {0};
    inbound_rules(r, body, &e);
    if (e.count) {
        problem_fields(r, 422, &e);
        return true;
    }
    /* One statement, committed on its own: the update and its audit row. */
    PGresult *res = db_query(r, &sql_liaison_inbox_receive, json_to_arena(r->a, body, NULL));
    if (!res)
        return true;
    if (PQntuples(res) != 1) {
        problem(r, 500, NULL);
        return true;
    }
    const char *outcome = PQgetvalue(res, 0, 0), *id = PQgetvalue(res, 0, 1);
    if (!strcmp(outcome, "conflict") || !strcmp(outcome, "stale")) {
        problem_typed(r, 409, "conflict", "The update conflicts with one received before",
                      !strcmp(outcome, "conflict")
                          ? "An update with this sender_record_id and another body was "
                            "received before; to amend it, name it (its id) in supersedes."
                          : "supersedes must name the current update of this "
                            "sender_record_id (it was amended since).");
        return true;
    }
    if (strcmp(outcome, "created") != 0 && strcmp(outcome, "replay") != 0) {
        field_errors_add(&e, "/supersedes", "names no update received under this sender_record_id");
        problem_fields(r, 422, &e);
        return true;
    }
    audit_written_by_statement(r);
    response_header(r, "Location", arena_printf(r->a, "/v1/liaison-updates/%s", id));
    response_json(r, !strcmp(outcome, "created") ? 202 : 200, PQgetvalue(res, 0, 3),
                  (size_t)PQgetlength(res, 0, 3));
    return true;
}

/* ?direction=in|out, ?matched= (admins), ?acknowledged= (out), limit and
 * cursor ("xact|id"). */
static bool list_params(request *r, json_object *args, field_errors *e)
{
    static const char *const allowed[] = {"direction", "matched", "acknowledged", NULL};
    record_list_check_params(r, allowed, e);
    const char *direction = request_query(r, "direction");
    if (!direction)
        direction = "in";
    if (strcmp(direction, "in") && strcmp(direction, "out"))
        field_errors_add(e, "direction", "must be in or out");
    json_object_object_add(args, "direction", json_object_new_string(direction));
    const char *names[] = {"matched", "acknowledged"};
    for (int i = 0; i < 2; i++) {
        const char *v = request_query(r, names[i]);
        if (!v)
            continue;
        if (strcmp(v, "true") && strcmp(v, "false"))
            field_errors_add(e, names[i], "must be true or false");
        else
            json_object_object_add(args, names[i], json_object_new_string(v));
    }
    /* A health-visiting system never learns whether a woman is known. */
    if (request_query(r, "matched") && r->who->role != ROLE_ADMIN)
        field_errors_add(e, "matched", "is for admins only");
    const char *cursor = request_query(r, "cursor");
    if (cursor) {
        const char *raw = record_cursor_decode(r->a, cursor);
        const char *bar = raw ? strchr(raw, '|') : NULL;
        if (!bar || bar == raw || (size_t)(bar - raw) > 20 ||
            strspn(raw, "0123456789") != (size_t)(bar - raw) || !uuid_valid(bar + 1)) {
            field_errors_add(e, "cursor", "is not a cursor this API returned");
        } else {
            json_object_object_add(args, "after_key",
                                   json_object_new_string_len(raw, (int)(bar - raw)));
            json_object_object_add(args, "after_id", json_object_new_string(bar + 1));
        }
    }
    return e->count == 0;
}

/* A feed's page: next_cursor is the position after the last update shown
 * whenever the page shows any (the client keeps it and polls from it:
 * updates committed later appear after it), null for an empty page (poll
 * again with the same cursor). */
static bool feed_respond(request *r, PGresult *res, int shown)
{
    strbuf b;
    strbuf_init(&b, r->a, 16 * 1024 * 1024);
    strbuf_puts(&b, "{\"items\":[");
    for (int i = 0; i < shown; i++) {
        if (i)
            strbuf_append(&b, ",", 1);
        strbuf_append(&b, PQgetvalue(res, i, 2), (size_t)PQgetlength(res, i, 2));
    }
    if (shown > 0) {
        const char *raw = arena_printf(r->a, "%s|%s", PQgetvalue(res, shown - 1, 1),
                                       PQgetvalue(res, shown - 1, 0));
        strbuf_printf(&b, "],\"next_cursor\":\"%s\"}", record_cursor_encode(r->a, raw));
    } else {
        strbuf_puts(&b, "],\"next_cursor\":null}");
    }
    if (b.failed) {
        problem(r, 500, "The list could not be built.");
        return true;
    }
    response_json(r, 200, b.data, b.len);
    return true;
}

bool liaison_updates_list(request *r)
{
    field_errors e = {0};
    int limit;
    record_list_limit(r, &limit, &e);
    json_object *args = json_object_new_object();
    list_params(r, args, &e);
    if (e.count) {
        json_object_put(args);
        problem_fields(r, 400, &e);
        return true;
    }
    json_object_object_add(args, "limit", json_object_new_int(limit + 1));
    const char *text = json_to_arena(r->a, args, NULL);
    json_object_put(args);
    PGresult *res = db_query(r, &sql_liaison_inbox_feed, text);
    if (!res)
        return true;
    /* The audit row names every woman the page shows. */
    int rows = PQntuples(res), shown = rows > limit ? limit : rows;
    strbuf b;
    strbuf_init(&b, r->a, 64 * 1024);
    strbuf_puts(&b, "{");
    int named = 0;
    for (int i = 0; i < shown; i++) {
        if (PQgetisnull(res, i, 3))
            continue;
        const char *w = PQgetvalue(res, i, 3);
        if (named && strstr(b.data, w))
            continue;
        strbuf_printf(&b, "%s%s", named++ ? "," : "", w);
    }
    strbuf_puts(&b, "}");
    if (b.failed || !audit_record(r, RESOURCE, "list", NULL, b.failed ? "{}" : b.data, "ok"))
        return true;
    return feed_respond(r, res, shown);
}

/* The id in the path, or NULL once answered 404. */
static const char *path_id(request *r)
{
    const char *id = r->npath_params == 1 ? r->path_params[0] : NULL;
    if (!id || !uuid_valid(id)) {
        problem(r, 404, "No such liaison update.");
        return NULL;
    }
    return id;
}

/* Answers a by-id statement's row (version, representation, woman), or 404. */
static void answer_one(request *r, PGresult *res, const char *id, const char *action)
{
    if (PQntuples(res) != 1) {
        if (audit_record(r, RESOURCE, action, id, update_women(r, id), "not_found"))
            problem(r, 404, "No such liaison update.");
        return;
    }
    if (!audit_record(r, RESOURCE, action, id, women_of(r, res, 2), "ok"))
        return;
    response_header(r, "ETag", arena_printf(r->a, "\"%s\"", PQgetvalue(res, 0, 0)));
    response_json(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
}

bool liaison_updates_get(request *r)
{
    const char *id = path_id(r);
    if (!id)
        return true;
    PGresult *res = db_query(r, &sql_liaison_inbox_get, db_args(r->a, "id", id, DB_ARGS_END));
    if (res)
        answer_one(r, res, id, "read");
    return true;
}

bool liaison_updates_acknowledge(request *r)
{
    const char *id = path_id(r);
    if (!id)
        return true;
    if (!db_begin(r)) {
        db_problem(r, NULL);
        return true;
    }
    PGresult *res =
        db_query(r, &sql_liaison_inbox_acknowledge, db_args(r->a, "id", id, DB_ARGS_END));
    if (res)
        answer_one(r, res, id, "update");
    if (r->status == 200) {
        if (!db_commit(r))
            db_problem(r, NULL);
    } else {
        db_rollback(r);
    }
    return true;
}
