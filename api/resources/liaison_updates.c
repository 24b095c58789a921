/* Health-visiting liaison updates as her clinicians see them: the nested
 * collection /v1/service-users/{id}/liaison-updates. Reading lists every
 * update attached to her, inbound (from a health-visiting system, attached
 * by NHS number) and outbound; posting writes an outbound update for the
 * health-visiting service, allowed only while her consent to share with it
 * is in force (consent_in_force, db/repeatable/30_liaison.sql): else 409.
 *
 * A woman's record: scoped through her team links, every access audited.
 * The health-visiting systems' own routes (/v1/liaison-updates) are
 * liaison_feed.c. */
#include <string.h>

#include "resources.h"
#include "sql_statements.h"

static const char *const directions_out[] = {"out", NULL};

static const field_spec liaison_update_fields[] = {
    {"direction", FIELD_ENUM, FIELD_REQUIRED, 0, 0, directions_out, NULL, NULL},
    {"summary", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL, NULL, NULL},
    {"plan", FIELD_STRING, FIELD_NULLABLE, 1, 4000, NULL, NULL, NULL},
    {"contact_point", FIELD_STRING, FIELD_REQUIRED, 1, 500, NULL, NULL, NULL},
    {"infant_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    /* Set by the server (or by the sender of an inbound update). */
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"matched_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"nhs_number", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"sender", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"sender_record_id", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"supersedes", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"superseded_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"contact_date", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"contact_type", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"concerns", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"infant", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"acknowledged", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

/* Her consent to share with health visiting must be in force (409); a
 * woman out of scope is left to the insert (404, as if absent). */
static bool consent_given(request *r, json_object *body, json_object *args)
{
    (void)body;
    /* Her row stays share-locked until the update commits (a withdrawal
     * waits); her consent is read after the lock, by a statement of its own. */
    if (!record_create_begin(r))
        return false;
    const char *text = json_to_arena(r->a, args, NULL);
    if (!db_query(r, &sql_liaison_update_lock_woman, text))
        return false;
    PGresult *res = db_query(r, &sql_liaison_update_consent, text);
    if (!res)
        return false;
    if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "true") != 0) {
        problem_typed(r, 409, "consent-not-in-force", "Consent not in force",
                      "Her consent to share with health visiting is not in force: nothing is "
                      "sent to the health-visiting service.");
        return false;
    }
    return true;
}

/* The infant it is about is one of hers (db/024_cross_links.sql). */
static const constraint_message liaison_update_constraints[] = {
    {"liaison_updates_infant_woman_fk", 422, "/infant_id", "No such infant of this woman."},
    {NULL, 0, NULL, NULL},
};

const record_def liaison_update_record = {
    .name = "liaison_update",
    .noun = "liaison update",
    .collection = "/v1/service-users/{service_user_id}/liaison-updates",
    .id_param = "liaison_update_id",
    .table = "liaison_updates",
    .parent_column = "service_user_id",
    .parent_noun = "service user",
    .parent_in_scope = &sql_woman_parent_in_scope,
    .json = "liaison_update_json",
    .woman_column = "service_user_id",
    .fields = liaison_update_fields,
    .before_create = consent_given,
    .insert = &sql_liaison_update_out_insert,
    .sort_column = "created_at",
    .sort_desc = true,
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .constraints = liaison_update_constraints,
};
