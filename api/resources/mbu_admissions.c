/* Mother-and-baby-unit admissions (seeds 001, 002): the unit (ours or an
 * external regional MBU; bed type 204), admission and discharge dates,
 * admitted with her baby or in pregnancy (and when the baby joined), the
 * infant, and the lead professional of the community team allocated on
 * admission, "who will then continue to provide the care co-ordination in
 * the community upon discharge".
 *
 * The status is a workflow (admitted -> discharged; entered in error
 * besides). The discharge makes a referral from MBU discharge to the lead
 * professional's team in the same transaction (db/repeatable/35_mbu.sql);
 * its first attended contact is "seen on discharge" (seen_after_discharge_at),
 * and ?awaiting_contact=true lists the discharges not yet seen.
 *
 * A woman's record: scoped through her team links (the admission links her
 * to the lead professional's team and to our unit's team), every access
 * audited. */
#include <string.h>
#include <time.h>

#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

static const field_spec admission_fields[] = {
    {"service_user_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"unit_team_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"external_unit_name", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL, NULL, NULL},
    {"bed_type", FIELD_ENUM, 0, 0, 0, vocab_bed_types, NULL, NULL},
    {"admitted_on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"admitted_with", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_mbu_admitted_with, NULL, NULL},
    {"baby_joined_on", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"infant_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"lead_professional_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    /* Set by the server. */
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"bed_type_code", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"discharged_on", FIELD_DATE, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"with_baby", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"with_baby_since", FIELD_DATE, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"lead_team_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"status", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"partner_contact_due_by", FIELD_DATE, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"discharge_referral_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"seen_after_discharge_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"entered_in_error", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static const field_spec transition_fields[] = {
    {"to", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_mbu_admission_statuses, NULL, NULL},
    {"notes", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {"discharged_on", FIELD_DATE, 0, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const char *get_str(json_object *o, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(o, name, &v) && v ? json_object_get_string(v) : NULL;
}

/* The rules of the admission itself (422); those that compare with other
 * records are the database's (constraint messages below). */
static void admission_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    char today[11];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    const char *admitted = get_str(rec, "admitted_on"), *joined = get_str(rec, "baby_joined_on");
    const char *with = get_str(rec, "admitted_with");
    bool ours = get_str(rec, "unit_team_id") != NULL;
    bool external = get_str(rec, "external_unit_name") != NULL;
    if (ours == external)
        field_errors_add(e, "/unit_team_id",
                         "give either unit_team_id (our unit) or external_unit_name (another "
                         "regional mother and baby unit)");
    if (admitted && strcmp(admitted, today) > 0)
        field_errors_add(e, "/admitted_on", "must not be in the future");
    bool in_pregnancy = with && !strcmp(with, "pregnancy");
    if (joined) {
        if (!in_pregnancy)
            field_errors_add(e, "/baby_joined_on",
                             "is only for a mother admitted in pregnancy (admitted with her baby, "
                             "the baby joined on admission)");
        else if (strcmp(joined, today) > 0)
            field_errors_add(e, "/baby_joined_on", "must not be in the future");
        else if (admitted && strcmp(joined, admitted) < 0)
            field_errors_add(e, "/baby_joined_on", "cannot be before the admission");
    }
    bool with_baby = (with && !strcmp(with, "baby")) || (in_pregnancy && joined);
    bool infant = get_str(rec, "infant_id") != NULL;
    if (with_baby && !infant)
        field_errors_add(e, "/infant_id",
                         "is required with her baby: name the infant (one of hers)");
    if (!with_baby && infant)
        field_errors_add(e, "/infant_id",
                         "is only for a mother with her baby (set baby_joined_on when the baby "
                         "joins)");
}

static const record_filter admission_filters[] = {
    {"service_user", FILTER_UUID, "service_user_id", NULL},
    {"status", FILTER_ENUM, "status", vocab_mbu_admission_statuses},
    {"lead_team", FILTER_UUID, "lead_team_id", NULL},
    {"unit_team", FILTER_UUID, "unit_team_id", NULL},
    {NULL, 0, NULL, NULL},
};

/* Discharged and not yet seen by the community team (no attended contact
 * answers the discharge referral), longest waiting first. */
static const record_view admission_views[] = {
    {"awaiting_contact", "true", "t.status = 'discharged' AND mbu_admission_seen_at(t) IS NULL",
     "created_at", false, NULL, NULL},
    {NULL, NULL, NULL, NULL, false, NULL, NULL},
};

static const constraint_message admission_constraints[] = {
    {"mbu_admissions_unit_team_fk", 422, "/unit_team_id", "No such team in your organisation."},
    {"mbu_admissions_unit_team_check", 422, "/unit_team_id",
     "is not a mother and baby unit of your organisation"},
    {"mbu_admissions_lead_professional_fk", 422, "/lead_professional_id",
     "No such member of staff in your organisation."},
    {"mbu_admissions_lead_professional_check", 422, "/lead_professional_id",
     "must be an active member of staff of a perinatal community team (the community lead "
     "allocated on admission)"},
    {"mbu_admissions_infant_fk", 422, "/infant_id", "No such infant of this woman."},
    {"mbu_admissions_open_unique", 409, "/service_user_id",
     "She is in a mother and baby unit already: discharge that admission first."},
    {"mbu_admissions_woman_fixed", 422, "/service_user_id",
     "An admission stays with its woman: enter it in error and record it for the right one."},
    {"mbu_admissions_baby_joined_check", 422, "/baby_joined_on",
     "must be between the admission and the discharge"},
    {"mbu_admissions_discharged_on_check", 422, "/admitted_on", "cannot be after the discharge"},
    {"mbu_admissions_admitted_before_birth", 422, "/admitted_on",
     "is before the infant's date of birth: admitted with the baby from its birth at the "
     "earliest"},
    {"mbu_admissions_joined_before_birth", 422, "/baby_joined_on",
     "is before the infant's date of birth"},
    {"mbu_admissions_pregnancy_after_delivery", 422, "/admitted_with",
     "Her record says she delivered before this admission: she is admitted with her baby "
     "(infant_id), or her delivery date is corrected first."},
    {"mbu_admissions_lead_after_discharge", 409, "/lead_professional_id",
     "She has been discharged: the lead professional allocated stays (the discharge referral "
     "went to their team)."},
    {"mbu_admissions_stays_overlap", 409, "/admitted_on",
     "She was in another stay in a mother and baby unit on these days: correct that stay, or "
     "enter one of them in error."},
    {NULL, 0, NULL, NULL},
};

static const workflow_def admission_workflow = {
    .name = "mbu_admission",
    .state_column = "status",
    .fields = transition_fields,
    .apply = &sql_mbu_admission_apply,
    .roles = ROLE_CLINICIAN | ROLE_ADMIN,
};

const record_def mbu_admission_record = {
    .name = "mbu_admission",
    .noun = "admission",
    .collection = "/v1/mbu-admissions",
    .id_param = "mbu_admission_id",
    .table = "mbu_admissions",
    .json = "mbu_admission_json",
    .woman_column = "service_user_id",
    .fields = admission_fields,
    .rules = admission_rules,
    .insert = &sql_mbu_admission_insert,
    .insert_refused = {422, "/service_user_id", "No such service user in your organisation."},
    .update = &sql_mbu_admission_update,
    .filters = admission_filters,
    .sort_column = "created_at",
    .sort_desc = true,
    .views = admission_views,
    .workflow = &admission_workflow,
    .voidable = true,
    .create_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .constraints = admission_constraints,
};
