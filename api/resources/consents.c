/* Her consents as dated records (issue 13, point 4): each a decision
 * (given or withdrawn) on a day, with who recorded it; the latest on or
 * before a day is what is in force then (consent_in_force() in
 * db/repeatable/45_partners.sql). Two collections over one table:
 *   /v1/service-users/{id}/consents: sharing with her GP, health visiting
 *     and maternity, and partner involvement in general (what her record's
 *     read-only `consent` shows);
 *   /v1/service-users/{id}/partners/{partner_id}/consents: her consent to
 *     involve one partner (MH6 offers need it in force on their day).
 * Records are never changed: a new decision is a new record. */
#include <string.h>

#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

/* The fields the server owns on every consent record. */
// clang-format off
#define CONSENT_SERVER_FIELDS                                                  \
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},                \
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},   \
    {"partner_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},        \
    {"migrated", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},          \
    {"recorded_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL}
// clang-format on

static const field_spec consent_fields[] = {
    {"scope", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_consent_scopes, NULL, NULL},
    {"decision", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_consent_decisions, NULL, NULL},
    {"on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"note", FIELD_STRING, FIELD_NULLABLE, 1, 2000, NULL, NULL, NULL},
    CONSENT_SERVER_FIELDS,
    RECORD_SERVER_FIELDS,
};

static const field_spec partner_consent_fields[] = {
    {"decision", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_consent_decisions, NULL, NULL},
    {"on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"note", FIELD_STRING, FIELD_NULLABLE, 1, 2000, NULL, NULL, NULL},
    {"scope", FIELD_ENUM, FIELD_READONLY, 0, 0, vocab_consent_scopes, NULL, NULL},
    CONSENT_SERVER_FIELDS,
    RECORD_SERVER_FIELDS,
};

/* A decision is recorded once made: not on a day still to come. */
static void consent_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    json_object *on;
    char today[11];
    partners_today(today);
    if (json_object_object_get_ex(rec, "on", &on) && on &&
        strcmp(json_object_get_string(on), today) > 0)
        field_errors_add(e, "/on", "must not be in the future");
}

static const constraint_message consent_constraints[] = {
    {"consents_not_before_her_birth", 422, "/on", "must not be before her date of birth"},
    {NULL, 0, NULL, NULL},
};

static const record_filter consent_filters[] = {
    {"scope", FILTER_ENUM, "scope", vocab_consent_scopes},
    {NULL, 0, NULL, NULL},
};

const record_def consent_record = {
    .name = "consent",
    .noun = "consent",
    .collection = "/v1/service-users/{service_user_id}/consents",
    .id_param = "consent_id",
    .table = "consents",
    .parent_column = "service_user_id",
    .parent_noun = "service user",
    .json = "consent_json",
    .woman_column = "service_user_id",
    .fields = consent_fields,
    .rules = consent_rules,
    .insert = &sql_consent_insert,
    .constraints = consent_constraints,
    .filters = consent_filters,
    .sort_column = "created_at",
    .parent_in_scope = &sql_woman_parent_in_scope,
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
};

const record_def partner_consent_record = {
    .name = "partner_consent",
    .noun = "consent",
    .collection = "/v1/service-users/{service_user_id}/partners/{partner_id}/consents",
    .id_param = "consent_id",
    .table = "consents",
    .outer_column = "service_user_id",
    .parent_column = "partner_id",
    .parent_noun = "partner",
    .json = "consent_json",
    .woman_column = "service_user_id",
    .fields = partner_consent_fields,
    .rules = consent_rules,
    .insert = &sql_partner_consent_insert,
    .constraints = consent_constraints,
    .sort_column = "created_at",
    .parent_in_scope = &sql_partner_parent_partner,
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
};
