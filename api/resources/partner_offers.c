/* MH6 partner support offers (seed 000): emotional, practical or
 * informational support offered to a partner or significant other, each
 * one of the MH6 items of Groups I to IV (its group shown beside it), with
 * the day it was offered and the day it was accepted. An offer needs her
 * consent to involve that partner in force on the day it is made (409
 * otherwise): db/repeatable/45_partners.sql holds the rule.
 *
 * A woman's record, nested under her partner: scoped through her team
 * links, every access audited. */
#include <string.h>

#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

static const field_spec offer_fields[] = {
    {"support_type", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_partner_support_types, NULL, NULL},
    {"mh6_item", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_mh6_items, NULL, NULL},
    {"offered_on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"accepted_on", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"note", FIELD_STRING, FIELD_NULLABLE, 1, 2000, NULL, NULL, NULL},
    /* Set by the server. */
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"partner_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"mh6_group", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static const char *date_of(json_object *o, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(o, name, &v) && v ? json_object_get_string(v) : NULL;
}

static void offer_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    char today[11];
    partners_today(today);
    const char *offered = date_of(rec, "offered_on"), *accepted = date_of(rec, "accepted_on");
    if (offered && strcmp(offered, today) > 0)
        field_errors_add(e, "/offered_on", "must not be in the future");
    if (accepted && strcmp(accepted, today) > 0)
        field_errors_add(e, "/accepted_on", "must not be in the future");
    else if (accepted && offered && strcmp(accepted, offered) < 0)
        field_errors_add(e, "/accepted_on", "must not be before offered_on");
}

static const record_filter offer_filters[] = {
    {"mh6_item", FILTER_ENUM, "mh6_item", vocab_mh6_items},
    {"support_type", FILTER_ENUM, "support_type", vocab_partner_support_types},
    {NULL, 0, NULL, NULL},
};

static const constraint_message offer_constraints[] = {
    {"partner_offers_consent_in_force", 409, "/offered_on",
     "Her consent to involve this partner is not in force on offered_on: record it first "
     "(POST .../partners/{partner_id}/consents with decision given)."},
    {NULL, 0, NULL, NULL},
};

const record_def partner_offer_record = {
    .name = "partner_offer",
    .noun = "partner offer",
    .collection = "/v1/service-users/{service_user_id}/partners/{partner_id}/offers",
    .id_param = "offer_id",
    .table = "partner_offers",
    .outer_column = "service_user_id",
    .parent_column = "partner_id",
    .parent_noun = "partner",
    .json = "partner_offer_json",
    .woman_column = "service_user_id",
    .fields = offer_fields,
    .rules = offer_rules,
    .insert = &sql_partner_offer_insert,
    .update = &sql_partner_offer_update,
    .filters = offer_filters,
    .sort_column = "created_at",
    .parent_in_scope = &sql_partner_parent_partner,
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_CLINICIAN,
    .constraints = offer_constraints,
};
