/* Outcome measures (issue 16): an administration of a questionnaire to a
 * woman (EPDS, PHQ-9, GAD-7, CORE-10, PBQ), nested under her record. The
 * client sends the item responses only, each the position of the chosen
 * option on the form; the database scores it in the same transaction (the
 * instrument definitions and the trigger measures_score of
 * db/repeatable/70_measures.sql): totals, scales, bands and the risk items
 * answered above 0, each of which raises an alert. A client-sent score is
 * a read-only field (400). The representation carries the change from her
 * first administration of the instrument in the episode, and, when an
 * alert was raised, the alerts and the 24/7 crisis route.
 *
 * A woman's record: scoped through her team links, every access audited.
 * Clinicians record; admins read. An administration is not changed after
 * it is stored: a wrong one is entered in error (POST <item>/entered-in-error,
 * a clinician in scope, with a reason). It then leaves her series, is no
 * episode's baseline (the next valid administration is) and no pair of the
 * outcomes report; an alert it raised stays on the duty list until it is
 * acknowledged, since a risk answer was recorded all the same. */
#include <string.h>

#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

/* The largest instrument has 25 items (the PBQ); each instrument's own
 * item count and range are the database's (422 naming the items). */
// clang-format off
#define ITEM(n) {#n, FIELD_INT, FIELD_NULLABLE, 0, 9, NULL, NULL, NULL}
static const field_spec response_fields[] = {
    ITEM(1),  ITEM(2),  ITEM(3),  ITEM(4),  ITEM(5),  ITEM(6),  ITEM(7),  ITEM(8),  ITEM(9),
    ITEM(10), ITEM(11), ITEM(12), ITEM(13), ITEM(14), ITEM(15), ITEM(16), ITEM(17), ITEM(18),
    ITEM(19), ITEM(20), ITEM(21), ITEM(22), ITEM(23), ITEM(24), ITEM(25),
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
#undef ITEM
// clang-format on

static const field_spec measure_fields[] = {
    {"instrument", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_instruments, NULL, NULL},
    {"instrument_version", FIELD_STRING, FIELD_REQUIRED, 1, 20, NULL, NULL, NULL},
    {"completed_at", FIELD_TIMESTAMP, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"administration", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_administrations, NULL, NULL},
    {"staff_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"contact_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"care_plan_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"responses", FIELD_OBJECT, FIELD_REQUIRED, 0, 0, NULL, NULL, response_fields},
    /* Set by the server: the scores are the database's. */
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"scores", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"total", FIELD_INT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"change", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"alerts", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"crisis_route", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"entered_in_error", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

/* The list is her series, oldest first; ?instrument= narrows it to one
 * instrument, ?contact= and ?care_plan= to the administrations of one
 * contact or care plan. */
static const record_filter measure_filters[] = {
    {"instrument", FILTER_ENUM, "instrument", vocab_instruments},
    {"contact", FILTER_UUID, "contact_id", NULL},
    {"care_plan", FILTER_UUID, "care_plan_id", NULL},
    {"from", FILTER_DATE_FROM, "completed_at", NULL},
    {"to", FILTER_DATE_TO, "completed_at", NULL},
    {NULL, 0, NULL, NULL},
};

static const constraint_message measure_constraints[] = {
    {"measures_staff_fk", 422, "/staff_id", "No such member of staff in your organisation."},
    {"measures_contact_woman_fk", 422, "/contact_id", "No such contact with this woman."},
    {"measures_contact_held", 422, "/contact_id",
     "must be a contact she attended or that is planned, not one missed, cancelled or entered "
     "in error."},
    {"measures_care_plan_woman_fk", 422, "/care_plan_id", "No such care plan of this woman."},
    {"measures_responses_check", 422, "/responses",
     "The responses cannot be scored by the instrument's rules."},
    {"measures_completed_not_future", 422, "/completed_at", "must not be in the future"},
    {NULL, 0, NULL, NULL},
};

/* Every response the instrument's rules refuse (its version, its items and
 * their ranges, missing items), each at its pointer: 422 before the insert,
 * so that the client learns all of them at once. */
static bool measure_before_create(request *r, json_object *body, json_object *args)
{
    (void)args;
    if (!record_create_begin(r))
        return false;
    PGresult *res = db_query(r, &sql_measure_check, json_to_arena(r->a, body, NULL));
    if (!res)
        return false;
    field_errors e = {0};
    json_object *list =
        json_parse_strict(r->a, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0), 4, &e);
    if (!list || !json_object_is_type(list, json_type_array)) {
        problem(r, 500, NULL);
        return false;
    }
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(list, i), *p, *d;
        if (json_object_object_get_ex(x, "pointer", &p) &&
            json_object_object_get_ex(x, "detail", &d))
            field_errors_add(&e, arena_strdup(r->a, json_object_get_string(p)),
                             arena_strdup(r->a, json_object_get_string(d)));
    }
    if (e.count) {
        problem_fields(r, 422, &e);
        return false;
    }
    return true;
}

const record_def measure_record = {
    .name = "measure",
    .noun = "measure",
    .collection = "/v1/service-users/{service_user_id}/measures",
    .id_param = "measure_id",
    .table = "measures",
    .parent_column = "service_user_id",
    .parent_noun = "service user",
    .parent_in_scope = &sql_woman_parent_in_scope,
    .json = "measure_json",
    .woman_column = "service_user_id",
    .fields = measure_fields,
    .before_create = measure_before_create,
    .insert = &sql_measure_insert,
    .filters = measure_filters,
    .sort_column = "completed_at",
    .voidable = true,
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .constraints = measure_constraints,
};
