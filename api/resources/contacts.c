/* Contacts: a planned or held care contact with a woman (when, how long, by
 * whom, which service, how, who was there, whether it took place) and the
 * referral it answers. The first attended contact with her present, in a
 * mode that counts (vocabulary.answers_referral), answers the referral:
 * referrals.responded_at is derived from the contacts by the triggers of
 * db/010_contacts.sql, and recomputed when a contact changes or is entered
 * in error.
 *
 * A woman's record: scoped through her team links (a clinician of one of
 * her teams; admins their organisation), every access audited. Clinicians
 * record and correct contacts; admins read them (api.md: admins manage
 * organisation data and may read every clinical record). */
#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

static const field_spec present_fields[] = {
    {"woman", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {"partner", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {"infant", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec contact_fields[] = {
    {"service_user_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"referral_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"team_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"staff_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"at", FIELD_TIMESTAMP, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"duration_minutes", FIELD_INT, FIELD_NULLABLE, 1, 1440, NULL, NULL, NULL},
    {"service", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_contact_services, NULL, NULL},
    {"mode", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_contact_modes, NULL, NULL},
    {"present", FIELD_OBJECT, 0, 0, 0, NULL, NULL, present_fields},
    /* The infant the contact was about (one of hers). */
    {"infant_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"attendance", FIELD_ENUM, FIELD_NULLABLE, 0, 0, vocab_attendance, NULL, NULL},
    {"note", FIELD_STRING, FIELD_NULLABLE, 1, 2000, NULL, NULL, NULL},
    /* Why it was held (the birthing conversation: issue 14), and the
     * joint-working agreement it belongs to. */
    {"purpose", FIELD_ENUM, FIELD_NULLABLE, 0, 0, vocab_contact_purposes, NULL, NULL},
    {"joint_working_agreement_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    /* The partners or significant others who took part (partners.c): hers
     * only. MH6 Group I counts a senior clinician's contact naming one. */
    {"partner_ids", FIELD_UUID_ARRAY, 0, 0, 10, NULL, NULL, NULL},
    /* Set by the server. */
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"migrated", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"entered_in_error", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

/* The nested lists (below) are also these filters (?service_user=,
 * ?referral=). */
static const record_filter contact_filters[] = {
    {"service_user", FILTER_UUID, "service_user_id", NULL},
    {"referral", FILTER_UUID, "referral_id", NULL},
    {"team", FILTER_UUID, "team_id", NULL},
    {"staff", FILTER_UUID, "staff_id", NULL},
    {"service", FILTER_ENUM, "service", vocab_contact_services},
    {"mode", FILTER_ENUM, "mode", vocab_contact_modes},
    {"attendance", FILTER_ENUM, "attendance", vocab_attendance},
    {"from", FILTER_DATE_FROM, "at", NULL},
    {"to", FILTER_DATE_TO, "at", NULL},
    {NULL, 0, NULL, NULL},
};

/* A referral's contacts and a woman's contacts: lists only (a contact's
 * own routes stay under /v1/contacts). A parent out of scope, or none, is
 * 404 as for a read of it. */
static const record_nesting contact_nestings[] = {
    {"/v1/referrals/{referral_id}/contacts", "referral_id", "referral", &referral_record},
    {"/v1/service-users/{service_user_id}/contacts", "service_user_id", "service user",
     &service_user_record},
    {NULL, NULL, NULL, NULL},
};

/* The rules the database holds (db/010_contacts.sql), as the client sees
 * them. */
static const constraint_message contact_constraints[] = {
    {"contacts_referral_woman_fk", 422, "/referral_id",
     "No such referral of this woman in your organisation."},
    {"contacts_infant_woman_fk", 422, "/infant_id", "No such infant of this woman."},
    {"contacts_team_fk", 422, "/team_id", "No such team in your organisation."},
    {"contacts_staff_fk", 422, "/staff_id", "No such member of staff in your organisation."},
    {"contacts_mode_unknown_check", 422, "/mode",
     "unknown is only for contacts migrated from a typed first-contact time."},
    {"contacts_present_check", 422, "/present",
     "An attended contact says who was there (at least one); any other has nobody present."},
    {"contacts_outcome_not_future", 422, "/attendance",
     "A contact in the future has no attendance outcome yet."},
    {"contacts_after_receipt", 422, "/at",
     "A contact cannot be before the referral it answers was received."},
    {"contacts_agreement_woman_fk", 422, "/joint_working_agreement_id",
     "No such joint-working agreement of this woman."},
    {"contacts_partners_of_woman", 422, "/partner_ids",
     "Name her own partners only (recorded under /v1/service-users/{id}/partners)."},
    {"contacts_woman_fixed", 422, "/service_user_id",
     "A contact stays with its woman: enter it in error and record it for the right one."},
    {"contacts_referral_not_in_scope", 422, "/referral_id",
     "No such referral of this woman in your organisation."},
    {"contacts_referral_entered_in_error", 422, "/referral_id",
     "That referral was entered in error: record the contact without it, or under her current "
     "referral."},
    {"contacts_after_closure", 409, "/referral_id",
     "That referral was closed without contact before this contact: it does not answer it; "
     "record the contact without the referral."},
    {"contacts_discharge_needs_contact", 409, "/referral_id",
     "Its referral was discharged on the strength of this contact: it would be left with no "
     "attended contact (a discharge without one is through unable_to_engage)."},
    {NULL, 0, NULL, NULL},
};

const record_def contact_record = {
    .name = "contact",
    .noun = "contact",
    .collection = "/v1/contacts",
    .id_param = "contact_id",
    .table = "contacts",
    .json = "contact_json",
    .woman_column = "service_user_id",
    .fields = contact_fields,
    .insert = &sql_contact_insert,
    .insert_refused = {422, "/service_user_id", "No such service user in your organisation."},
    .update = &sql_contact_update,
    .filters = contact_filters,
    .nestings = contact_nestings,
    .sort_column = "at",
    .sort_desc = true,
    .voidable = true,
    .void_may_conflict = true, /* the only attended contact of a discharged referral stays */
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_CLINICIAN,
    .constraints = contact_constraints,
};
