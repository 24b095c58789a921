/* The record layer: a resource is declared once (its table, the columns
 * that name the woman, the holding team and the submitter for the one scope
 * rule, its filters and sort key, its validation table, its JSON output, its
 * workflow and its roles) and these generic handlers do the rest: create
 * (with Idempotency-Key), read, list with a cursor, PATCH with If-Match,
 * workflow transitions with their history, and the audit row of every
 * access to a woman's record.
 *
 * Every statement, generated here or written in a .sql file, has the same
 * shape: $1 the caller's access context (access_context()), $2 a JSON object
 * of arguments. Scope is the SQL function access_scope (db/repeatable); the
 * audit row is written by audit_record, called once per access below. */
#ifndef PERINATAL_RECORD_H
#define PERINATAL_RECORD_H

#include <json-c/json.h>
#include <stdbool.h>

#include "db.h"
#include "http.h"
#include "json.h"
#include "json_validate.h"

/* The fields the server owns on every record (read-only to clients), and
 * the end of a field table: the last entries of each resource's table. */
// clang-format off
#define RECORD_SERVER_FIELDS                                                   \
    {"organisation_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},   \
    {"version", FIELD_INT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},            \
    {"created_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},      \
    {"updated_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},      \
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL}
// clang-format on

typedef enum filter_kind {
    FILTER_ENUM,       /* one of values */
    FILTER_UUID,       /* an id */
    FILTER_DATE_FROM,  /* column on or after the day (Europe/London) */
    FILTER_DATE_TO,    /* column on or before the day (Europe/London) */
    FILTER_NHS_NUMBER, /* a valid NHS number */
    FILTER_BOOL,       /* true or false, against a boolean column */
    FILTER_TEAM_LINK,  /* an id: the woman in column is linked to that team */
    FILTER_DAY_BEFORE, /* a date column strictly before the day */
} filter_kind;

/* A list filter: ?param=value compares column with the value. */
typedef struct record_filter {
    const char *param;
    filter_kind kind;
    const char *column;
    const char *const *values; /* FILTER_ENUM */
} record_filter;

/* Another list of the same records, chosen by ?param=value (e.g. the overdue
 * list): its own condition and sort key. */
typedef struct record_view {
    const char *param, *value;
    const char *where; /* SQL condition on t */
    const char *sort_column;
    bool sort_desc;
    /* A working list's summary item (what a worklist shows): an SQL
     * expression over t and what summary_from joins, or NULL for the full
     * record; ?view=full asks for the full record anyway. */
    const char *summary;
    /* Joined to t for the summary ("LEFT JOIN ... ON ..."), or NULL. */
    const char *summary_from;
} record_view;

/* A workflow (db: workflows, workflow_steps): the state column, the body of
 * a step, and the statement that applies a step's fields to the record. */
typedef struct workflow_def {
    const char *name;         /* workflows.name */
    const char *state_column; /* "status" */
    const field_spec *fields; /* the step body: "to", "notes" and every step's fields */
    const stmt_def *apply;    /* $2 {id, from, body} -> version, json, woman */
    unsigned roles;           /* who may reach the route; each step narrows it */
    /* PATCH (with If-Match) corrects the record: a step to its current
     * state, allowed where workflow_steps lists one (open states), taking
     * that step's fields, guards and history row. For a record without an
     * update statement. */
    bool corrections;
} workflow_def;

struct record_def;

/* The same records listed under a parent (GET only): e.g.
 * /v1/referrals/{referral_id}/contacts, the contacts whose referral_id is
 * the path's. Scope, filters, paging and audit are the list's. */
typedef struct record_nesting {
    const char *collection;    /* its first path parameter is the parent's id */
    const char *parent_column; /* the column holding the parent's id */
    const char *parent_noun;   /* for the 404 */
    /* The parent's definition: a parent the caller cannot read (or none)
     * is 404, and the audit row names the parent's woman. */
    const struct record_def *parent;
} record_nesting;

/* What a create the insert refused (no row) answers: 422 with the pointer,
 * or 409 (a conflict with another record). */
typedef struct record_refusal {
    int status;
    const char *pointer, *detail;
} record_refusal;

typedef struct record_def {
    const char *name;       /* "referral": the audit trail's resource name */
    const char *noun;       /* "referral", in messages */
    const char *collection; /* "/v1/referrals", or nested: "/v1/staff/{staff_id}/training" */
    const char *id_param;   /* "referral_id": the path parameter's name */
    const char *table;      /* "referrals" */
    /* A nested collection's parent: the column holding the parent's id (the
     * collection's first path parameter) and its noun for the 404. */
    const char *parent_column, *parent_noun;
    /* Nested two deep (/v1/service-users/{service_user_id}/partners/
     * {partner_id}/offers): the column holding the first path parameter
     * (the grandparent, checked as well); parent_column holds the second. */
    const char *outer_column;
    /* One record per parent (/v1/referrals/{referral_id}/discharge-plan):
     * its id is its parent's (parent_column is "id"); POST creates it, GET
     * reads it and PATCH changes it at the collection's own path. */
    bool singleton;
    const char *json; /* "referral_json": the representation */
    /* Another view of view_of's records (the same table, its own collection,
     * representation and roles: where a referral stands, for the referrer
     * who sent it): records entered in error are hidden as view_of hides
     * them, and the view has no route to void them. NULL for most. */
    const struct record_def *view_of;
    /* The scope rule's columns (NULL when the record has none): the woman it
     * is about, the team that holds it, who submitted it. A resource with a
     * woman column is a woman's record: every access is audited. */
    const char *woman_column, *team_column, *submitter_column;
    const field_spec *fields;
    /* Business rules on the complete record (422). May be NULL. */
    void (*rules)(request *r, json_object *record, field_errors *e);
    /* Create: called before the insert, with the arguments the insert
     * receives ({"body": ...}); may add to them. Returns false when it
     * answered (a problem). A hook whose statements must commit with the
     * insert (writes, locks) first calls record_create_begin; otherwise the
     * insert commits on its own. May be NULL. */
    bool (*before_create)(request *r, json_object *body, json_object *args);
    const stmt_def *insert; /* $2 {body, ...} -> id, version, json, woman */
    record_refusal insert_refused;
    const stmt_def *update;       /* $2 {id, version, body} -> version, json, woman */
    const record_filter *filters; /* terminated by a NULL param */
    /* Values of filters the request does not name, as "param=value"
     * (NULL-terminated; may be NULL): a duty list shows open alerts unless
     * asked otherwise. */
    const char *const *filter_defaults;
    /* POST <collection>/lookup with {<lookup_param>: value} finds records by
     * it (the filter of that name; never a query parameter: it is personal
     * data); lookup_women names the statement that finds her by it ($2
     * {value}) for the audit row of a lookup that shows nothing. */
    const char *lookup_param;
    const stmt_def *lookup_women;
    const char *sort_column; /* NULL: by id */
    bool sort_desc;
    const record_view *views;       /* terminated by a NULL param; may be NULL */
    const record_nesting *nestings; /* terminated by a NULL collection; may be NULL */
    const workflow_def *workflow;
    /* A clinical record that may be entered in error: its table has
     * voided_at, voided_by and void_reason; POST <item>/entered-in-error
     * (a clinician in scope, with a reason) hides it from every list and
     * read but an admin's ?include=voided. Nothing is deleted. */
    bool voidable;
    /* An entry in error may be refused (409) by a rule of the database
     * (documented with the route: route_statuses.c). */
    bool void_may_conflict;
    unsigned create_roles, read_roles, update_roles;
    const constraint_message *constraints;
    /* A list with no item route (a working list whose rows are not records
     * of their own, such as the women due a joint-working agreement). */
    bool list_only;
    /* A nested list's parent, when it is about a woman: $2 {parent, outer}
     * -> no row (no such parent in the organisation), else (in scope, the
     * woman). Out of scope or absent, the list is 404 (audited), as the
     * parent's own read would be. May be NULL (an empty list then). */
    const stmt_def *parent_in_scope;
} record_def;

/* Generates and registers the statements of every definition, and adds
 * their routes. Called once at start-up, before any connection. */
void record_register(const record_def *const *defs);

/* The generic handlers; each returns true once it has answered. */
bool record_create(request *r);
bool record_get(request *r);
bool record_list(request *r);
bool record_update(request *r);
bool record_transition(request *r);
bool record_history(request *r);
bool record_void(request *r);
/* POST <collection>/lookup {<lookup_param>: value}: the records it names. */
bool record_lookup(request *r);

/* For a before_create hook: opens the create's transaction (if an
 * Idempotency-Key has not), so that the hook's statements and the insert
 * commit together. False: answered (503). */
bool record_create_begin(request *r);

/* The women a record is about, as a PostgreSQL array, for the audit row of
 * an access that was refused or found nothing ("{}" when none). */
const char *record_women(request *r, const record_def *def, const char *id);

/* Helpers for handlers outside the record layer (the audit trail's list). */
bool record_list_limit(request *r, int *limit, field_errors *e);
void record_list_check_params(request *r, const char *const *allowed, field_errors *e);
/* The same for an operation that is not paged: limit and cursor are
 * refused too. */
void record_check_params(request *r, const char *const *allowed, field_errors *e);
const char *record_cursor_encode(arena *a, const char *raw);
const char *record_cursor_decode(arena *a, const char *cursor);
/* Answers a list from rows fetched with limit + 1: items from body_col, and
 * a cursor from the last shown row: its id (column 0), or "key|id" when
 * key_col names the sort key's column (>= 0). */
bool record_list_respond(request *r, PGresult *res, int limit, int body_col, int key_col);

#endif
