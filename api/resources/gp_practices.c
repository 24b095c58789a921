/* GP practices: the practices an organisation covers, by ODS code ("registered
 * with a GP in Dorset", seed 002). Kept by its admins; a referral for a woman
 * whose practice is missing or not covered (listed and active) is flagged
 * gp_outside_area at receipt (referrals.sql), not refused. */
#include <string.h>

#include "resources.h"
#include "sql_statements.h"

static const char *ods_code_check(const char *s)
{
    if (strlen(s) == 6 && s[0] >= 'A' && s[0] <= 'Z' && strspn(s + 1, "0123456789") == 5)
        return NULL;
    return "must be an ODS GP practice code: a capital letter and five digits";
}

static const field_spec gp_practice_fields[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"ods_code", FIELD_STRING, FIELD_REQUIRED, 6, 6, NULL, ods_code_check, NULL},
    {"name", FIELD_STRING, FIELD_REQUIRED, 1, 200, NULL, NULL, NULL},
    {"active", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static const constraint_message gp_practice_constraints[] = {
    {"gp_practices_ods_code_unique", 409, "/ods_code",
     "This GP practice is already listed for your organisation."},
    {"gp_practices_organisation_id_fkey", 403, "",
     "Your organisation is not known to this service."},
    {NULL, 0, NULL, NULL},
};

const record_def gp_practice_record = {
    .name = "gp_practice",
    .noun = "GP practice",
    .collection = "/v1/gp-practices",
    .id_param = "gp_practice_id",
    .table = "gp_practices",
    .json = "gp_practice_json",
    .fields = gp_practice_fields,
    .insert = &sql_gp_practice_insert,
    .update = &sql_gp_practice_update,
    .create_roles = ROLE_ADMIN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_ADMIN,
    .constraints = gp_practice_constraints,
};
