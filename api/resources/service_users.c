/* Service users: the women in the service's care, with their perinatal
 * status. Lookup by NHS number is POST /v1/service-users/lookup (her NHS
 * number in the body, never in a URL). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nhs_number.h"
#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

static const char *gp_practice_check(const char *s)
{
    if (strlen(s) == 6 && s[0] >= 'A' && s[0] <= 'Z' && strspn(s + 1, "0123456789") == 5)
        return NULL;
    return "must be an ODS GP practice code: a capital letter and five digits";
}

/* UK postcode, upper case with one space before the inward code. */
static const char *postcode_check(const char *s)
{
    static const char *why = "must be a UK postcode in capitals with one space, such as DT1 2JY";
    size_t n = strlen(s);
    const char *space = strchr(s, ' ');
    if (!space || strchr(space + 1, ' ') || n - (size_t)(space - s) != 4)
        return why;
    const char *in = space + 1;
    if (!(in[0] >= '0' && in[0] <= '9') || !(in[1] >= 'A' && in[1] <= 'Z') ||
        !(in[2] >= 'A' && in[2] <= 'Z'))
        return why;
    size_t outlen = (size_t)(space - s);
    if (outlen < 2 || outlen > 4)
        return why;
    size_t i = 0;
    while (i < outlen && s[i] >= 'A' && s[i] <= 'Z')
        i++;
    if (i < 1 || i > 2 || !(s[i] >= '0' && s[i] <= '9') || outlen - i > 2)
        return why;
    /* At most one letter or digit after the district's first digit. */
    if (outlen - i == 2 &&
        !((s[i + 1] >= 'A' && s[i + 1] <= 'Z') || (s[i + 1] >= '0' && s[i + 1] <= '9')))
        return why;
    return NULL;
}

static const field_spec status_fields[] = {
    {"stage", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_perinatal_stages, NULL, NULL},
    {"estimated_due_date", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"delivery_date", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    /* Derived from her infant records (/v1/service-users/{id}/infants). */
    {"infant_count", FIELD_INT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    /* Pregnancy loss: its clinical bounds are rules (422), not the type. */
    {"loss_date", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"loss_gestation_weeks", FIELD_INT, FIELD_NULLABLE, INT32_MIN, INT32_MAX, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

const field_spec service_user_fields[] = {
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"nhs_number", FIELD_STRING, FIELD_REQUIRED, 10, 10, NULL, nhs_number_check, NULL},
    {"given_name", FIELD_STRING, FIELD_REQUIRED, 1, 100, NULL, NULL, NULL},
    {"family_name", FIELD_STRING, FIELD_REQUIRED, 1, 100, NULL, NULL, NULL},
    {"date_of_birth", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"age_years", FIELD_INT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"gp_practice_code", FIELD_STRING, FIELD_NULLABLE, 6, 6, NULL, gp_practice_check, NULL},
    {"postcode", FIELD_STRING, FIELD_NULLABLE, 6, 8, NULL, postcode_check, NULL},
    {"ethnic_category", FIELD_ENUM, FIELD_NULLABLE, 0, 0, vocab_ethnic_categories, NULL, NULL},
    {"ethnic_category_code", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    /* What is in force today, derived from her dated consent records
     * (/v1/service-users/{id}/consents, consents.c): read-only. */
    {"consent", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"perinatal_status", FIELD_OBJECT, FIELD_REQUIRED, 0, 0, NULL, NULL, status_fields},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static const constraint_message service_user_constraints[] = {
    {"service_users_nhs_number_unique", 409, "/nhs_number",
     "A woman with this NHS number is already recorded."},
    {"service_users_perinatal_status_check", 422, "/perinatal_status",
     "The perinatal status and its dates do not agree."},
    {"service_users_loss_only_check", 422, "/perinatal_status",
     "The perinatal status and its dates do not agree."},
    {"service_users_born_before_her_infants", 422, "/date_of_birth",
     "is on or after the date of birth of an infant of hers"},
    {"service_user_teams_team_fk", 403, "",
     "Your token names a team your organisation does not have."},
    {"service_users_organisation_id_fkey", 403, "",
     "Your organisation is not known to this service."},
    {NULL, 0, NULL, NULL},
};

/* Today's date in England, YYYY-MM-DD (close enough to the clinical day:
 * GMT/BST is within an hour of UTC, and the server's TZ is set to it). */
static void today(char out[11], long offset_days)
{
    time_t t = time(NULL) + offset_days * 86400;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static const char *get_str(json_object *o, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !v)
        return NULL;
    return json_object_get_string(v);
}

/* Gestation at a pregnancy loss, in completed weeks: from the earliest
 * recognised loss to beyond any post-term pregnancy (induction is offered
 * by 42 weeks). The database's service_users_perinatal_status_check holds
 * the same bounds. */
enum { LOSS_WEEKS_MIN = 1, LOSS_WEEKS_MAX = 45 };

/* The clinical rules of the record (422): dates that cannot be true, and a
 * perinatal status that does not hang together. */
void service_user_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    char now[11], due_limit[11], overdue_limit[11];
    today(now, 0);
    today(due_limit, 300);     /* a due date lies within a pregnancy's length */
    today(overdue_limit, -42); /* and a pregnancy goes at most a few weeks past it */
    const char *dob = get_str(rec, "date_of_birth");
    if (dob && strcmp(dob, now) > 0)
        field_errors_add(e, "/date_of_birth", "must not be in the future");
    json_object *status;
    if (!json_object_object_get_ex(rec, "perinatal_status", &status) || !status)
        return;
    const char *stage = get_str(status, "stage");
    const char *edd = get_str(status, "estimated_due_date");
    const char *delivered = get_str(status, "delivery_date");
    const char *lost = get_str(status, "loss_date");
    const char *weeks = get_str(status, "loss_gestation_weeks");
    if (!stage)
        return;
    if (strcmp(stage, "pregnancy_loss") != 0) {
        if (lost)
            field_errors_add(e, "/perinatal_status/loss_date",
                             "is only for the stage pregnancy_loss");
        if (weeks)
            field_errors_add(e, "/perinatal_status/loss_gestation_weeks",
                             "is only for the stage pregnancy_loss");
    }
    if (!strcmp(stage, "pregnant")) {
        if (!edd)
            field_errors_add(e, "/perinatal_status/estimated_due_date",
                             "is required when the stage is pregnant");
        else if (strcmp(edd, due_limit) > 0)
            field_errors_add(e, "/perinatal_status/estimated_due_date",
                             "is more than 300 days away");
        else if (strcmp(edd, overdue_limit) < 0)
            field_errors_add(e, "/perinatal_status/estimated_due_date",
                             "is more than 6 weeks ago: record the birth (postnatal) or the "
                             "loss");
        if (delivered)
            field_errors_add(e, "/perinatal_status/delivery_date",
                             "must be absent while pregnant (record the birth as postnatal)");
    } else if (!strcmp(stage, "postnatal")) {
        if (!delivered)
            field_errors_add(e, "/perinatal_status/delivery_date",
                             "is required when the stage is postnatal");
        else if (strcmp(delivered, now) > 0)
            field_errors_add(e, "/perinatal_status/delivery_date", "must not be in the future");
        else if (dob && strcmp(delivered, dob) <= 0)
            field_errors_add(e, "/perinatal_status/delivery_date",
                             "must be after the date of birth");
        if (edd)
            field_errors_add(e, "/perinatal_status/estimated_due_date",
                             "must be absent once postnatal");
    } else if (!strcmp(stage, "pregnancy_loss")) {
        /* The same bounds as service_users_perinatal_status_check. */
        if (!lost)
            field_errors_add(e, "/perinatal_status/loss_date",
                             "is required when the stage is pregnancy_loss");
        else if (strcmp(lost, now) > 0)
            field_errors_add(e, "/perinatal_status/loss_date", "must not be in the future");
        else if (dob && strcmp(lost, dob) <= 0)
            field_errors_add(e, "/perinatal_status/loss_date", "must be after the date of birth");
        if (!weeks)
            field_errors_add(e, "/perinatal_status/loss_gestation_weeks",
                             "is required when the stage is pregnancy_loss");
        else {
            long w = strtol(weeks, NULL, 10);
            if (w < LOSS_WEEKS_MIN || w > LOSS_WEEKS_MAX)
                field_errors_add(e, "/perinatal_status/loss_gestation_weeks",
                                 "must be between 1 and 45 (completed weeks of pregnancy)");
        }
        if (edd || delivered)
            field_errors_add(e, "/perinatal_status",
                             "a pregnancy loss takes no due date or delivery date");
    } else {
        if (edd || delivered)
            field_errors_add(e, "/perinatal_status",
                             "pre-conception takes no due date or delivery date");
    }
}

static const record_filter service_user_filters[] = {
    {"nhs_number", FILTER_NHS_NUMBER, "nhs_number", NULL},
    {NULL, 0, NULL, NULL},
};

const record_def service_user_record = {
    .name = "service_user",
    .noun = "service user",
    .collection = "/v1/service-users",
    .id_param = "service_user_id",
    .table = "service_users",
    .json = "service_user_json",
    .woman_column = "id",
    .fields = service_user_fields,
    .rules = service_user_rules,
    .insert = &sql_service_user_insert,
    .insert_refused = {409, "/nhs_number", "A woman with this NHS number is already recorded."},
    .update = &sql_service_user_update,
    .filters = service_user_filters,
    .lookup_param = "nhs_number",
    .lookup_women = &sql_service_user_women_by_nhs_number,
    .create_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .constraints = service_user_constraints,
};
