/* Discharge plans (seed 002: "Every Service User discharged from the
 * Service will have a discharge plan in place, which may include referral
 * to other services"): one per referral, its own record at
 * /v1/referrals/{referral_id}/discharge-plan (its id is the referral's), so
 * that a woman discharged without a care plan (unable to engage) has one
 * too. What follows, the signs of relapse, who is told (her GP, health
 * visitor, maternity: each only while her consent to share with them is in
 * force, 409 naming it otherwise), and referral on. The referral's
 * discharge step requires it (referral_guard_discharge_plan).
 *
 * care_plan_id: her care plan when she has one, set by the database when the
 * plan is recorded (discharge_plans_care_plan); read-only. Scoped as its
 * referral (the woman, the team holding it). */
#include "resources.h"
#include "sql_statements.h"

static const field_spec inform_fields[] = {
    {"gp", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {"health_visitor", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {"maternity", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec discharge_plan_fields[] = {
    {"follow_up", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL, NULL, NULL},
    {"relapse_signs", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL, NULL, NULL},
    {"inform", FIELD_OBJECT, 0, 0, 0, NULL, NULL, inform_fields},
    {"referred_to", FIELD_STRING, FIELD_NULLABLE, 1, 500, NULL, NULL, NULL},
    /* Set by the server. */
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"referral_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"team_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"care_plan_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"summary", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"migrated", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static const constraint_message discharge_plan_constraints[] = {
    {"discharge_plans_pkey", 409, "",
     "This referral has its discharge plan already: change it with PATCH."},
    {"discharge_plans_referral_in_care", 409, "",
     "A discharge plan is made for an accepted referral, or one closed as unable to engage, "
     "before its discharge."},
    {"discharge_plans_gp_consent", 409, "/inform/gp",
     "Her consent share_with_gp is not in force: record it (POST "
     "/v1/service-users/{id}/consents) or do not tell her GP."},
    {"discharge_plans_health_visitor_consent", 409, "/inform/health_visitor",
     "Her consent share_with_health_visiting is not in force: record it (POST "
     "/v1/service-users/{id}/consents) or do not tell her health visitor."},
    {"discharge_plans_maternity_consent", 409, "/inform/maternity",
     "Her consent share_with_maternity is not in force: record it (POST "
     "/v1/service-users/{id}/consents) or do not tell maternity."},
    {NULL, 0, NULL, NULL},
};

const record_def discharge_plan_record = {
    .name = "discharge_plan",
    .noun = "discharge plan",
    .collection = "/v1/referrals/{referral_id}/discharge-plan",
    .id_param = "referral_id",
    .table = "discharge_plans",
    .parent_column = "id",
    .parent_noun = "referral",
    .singleton = true,
    .json = "discharge_plan_json",
    .woman_column = "service_user_id",
    .team_column = "team_id",
    .fields = discharge_plan_fields,
    .insert = &sql_discharge_plan_insert,
    .update = &sql_discharge_plan_update,
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_CLINICIAN,
    .constraints = discharge_plan_constraints,
};
