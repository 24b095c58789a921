/* Joint-working agreements (issue 14; seed 003, the Perinatal Joint Working
 * Framework): for one woman and one period (antenatal, then postnatal), the
 * perinatal team and another secondary-care team agree who leads and, for
 * every need domain of the framework, either who delivers it ("need
 * identified": one team or person, so that work is not duplicated) or who
 * continues to monitor it ("no identified need"). The status is a workflow
 * (draft -> agreed -> shared -> ended); a draft may be incomplete, the step
 * out of draft is refused (409) naming what is missing. The deadlines (the
 * birthing conversation, psychological therapy, the assessment after birth)
 * are computed by the database (db/repeatable/50_joint_working.sql).
 *
 * Nested: where the document was sent (shares; maternity and health
 * visiting only with her consent) and the differences of opinion escalated
 * to senior clinical leads. And the due list: the women who need an
 * agreement and have none for their current period.
 *
 * Every one is a record about a woman: scoped by access_scope (a clinician
 * of a participating team of the organisation reads her record while the
 * agreement is agreed or shared) and audited. */
#include <string.h>
#include <time.h>

#include "resources.h"
#include "sql_statements.h"
#include "vocabulary.h"

/* One team or person: a team or member of staff of the organisation, or a
 * name (with its organisation when it is another's). */
static const field_spec who_fields[] = {
    {"team_id", FIELD_UUID, 0, 0, 0, NULL, NULL, NULL},
    {"staff_id", FIELD_UUID, 0, 0, 0, NULL, NULL, NULL},
    {"name", FIELD_STRING, 0, 1, 200, NULL, NULL, NULL},
    {"organisation", FIELD_STRING, 0, 1, 200, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

#define DOMAIN_COMMON                                                                              \
    {"need", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_jw_needs, NULL, NULL},                        \
        {"delivered_by", FIELD_OBJECT, 0, 0, 0, NULL, NULL, who_fields},                           \
        {"monitored_by", FIELD_OBJECT, 0, 0, 0, NULL, NULL, who_fields},                           \
    {                                                                                              \
        "notes", FIELD_STRING, 0, 1, 2000, NULL, NULL, NULL                                        \
    }

static const field_spec domain_fields[] = {
    DOMAIN_COMMON,
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* The six NICE offers for a first episode of psychosis (seed 003). */
static const field_spec nice_offer_fields[] = {
    {"family_intervention", FIELD_ENUM, 0, 0, 0, vocab_nice_offer_statuses, NULL, NULL},
    {"cbt_for_psychosis", FIELD_ENUM, 0, 0, 0, vocab_nice_offer_statuses, NULL, NULL},
    {"carer_education_support", FIELD_ENUM, 0, 0, 0, vocab_nice_offer_statuses, NULL, NULL},
    {"healthy_eating_activity_smoking", FIELD_ENUM, 0, 0, 0, vocab_nice_offer_statuses, NULL, NULL},
    {"physical_health_assessment", FIELD_ENUM, 0, 0, 0, vocab_nice_offer_statuses, NULL, NULL},
    {"supported_employment", FIELD_ENUM, 0, 0, 0, vocab_nice_offer_statuses, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec fep_fields[] = {
    DOMAIN_COMMON,
    {"nice_offers", FIELD_OBJECT, 0, 0, 0, NULL, NULL, nice_offer_fields},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec early_help_fields[] = {
    {"needed", FIELD_BOOL, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"referred_on", FIELD_DATE, 0, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec safeguarding_children_fields[] = {
    DOMAIN_COMMON,
    {"conference_lead", FIELD_OBJECT, 0, 0, 0, NULL, NULL, who_fields},
    {"early_help_referral", FIELD_OBJECT, 0, 0, 0, NULL, NULL, early_help_fields},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec additional_need_fields[] = {
    {"disordered_eating", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {"substance_misuse", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {"complex_trauma_or_personality_disorder", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {"learning_disability", FIELD_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec additional_needs_fields[] = {
    DOMAIN_COMMON,
    {"needs", FIELD_OBJECT, 0, 0, 0, NULL, NULL, additional_need_fields},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec high_risk_fields[] = {
    DOMAIN_COMMON,
    {"assess_within_days", FIELD_INT, 0, 1, 42, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec psychological_therapy_fields[] = {
    DOMAIN_COMMON,
    {"assessed_on", FIELD_DATE, 0, 0, 0, NULL, NULL, NULL},
    {"started_on", FIELD_DATE, 0, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* The need domains (vocabulary jw_domain), in the framework's order. */
static const field_spec domains_fields[] = {
    {"medical_review", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"lead_service", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"crisis_management", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"perinatal_mental_health_midwife", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"health_visiting_contact", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"birthing_conversation", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"high_risk_postnatal_monitoring", FIELD_OBJECT, 0, 0, 0, NULL, NULL, high_risk_fields},
    {"first_episode_psychosis", FIELD_OBJECT, 0, 0, 0, NULL, NULL, fep_fields},
    {"parent_infant_relationship", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"parent_infant_interventions", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"psychological_therapy", FIELD_OBJECT, 0, 0, 0, NULL, NULL, psychological_therapy_fields},
    {"occupational_therapy", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"couples_family_therapy", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"wellbeing_social_integration", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"carers_assessment", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"safeguarding_children", FIELD_OBJECT, 0, 0, 0, NULL, NULL, safeguarding_children_fields},
    {"safeguarding_adults", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domain_fields},
    {"additional_needs", FIELD_OBJECT, 0, 0, 0, NULL, NULL, additional_needs_fields},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec other_team_fields[] = {
    {"team_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"name", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL, NULL, NULL},
    {"organisation", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec lead_service_fields[] = {
    {"team_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"name", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec lead_professional_fields[] = {
    {"staff_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"name", FIELD_STRING, FIELD_NULLABLE, 1, 200, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec informed_fields[] = {
    {"ahead_of_review", FIELD_BOOL, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"service_information_given", FIELD_BOOL, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"told_lead_service", FIELD_BOOL, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};
static const field_spec wishes_fields[] = {
    {"woman", FIELD_STRING, FIELD_NULLABLE, 1, 4000, NULL, NULL, NULL},
    {"family", FIELD_STRING, FIELD_NULLABLE, 1, 4000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec agreement_fields[] = {
    {"service_user_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"care_plan_id", FIELD_UUID, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"period", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_jw_periods, NULL, NULL},
    {"perinatal_team_id", FIELD_UUID, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"other_team", FIELD_OBJECT, FIELD_REQUIRED, 0, 0, NULL, NULL, other_team_fields},
    {"meeting_date", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"present", FIELD_STRING, FIELD_NULLABLE, 1, 2000, NULL, NULL, NULL},
    {"lead_service", FIELD_OBJECT, FIELD_NULLABLE, 0, 0, NULL, NULL, lead_service_fields},
    {"lead_professional", FIELD_OBJECT, FIELD_NULLABLE, 0, 0, NULL, NULL, lead_professional_fields},
    {"woman_informed", FIELD_OBJECT, 0, 0, 0, NULL, NULL, informed_fields},
    {"wishes", FIELD_OBJECT, 0, 0, 0, NULL, NULL, wishes_fields},
    {"domains", FIELD_OBJECT, 0, 0, 0, NULL, NULL, domains_fields},
    /* Set by the server. */
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"status", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"additional_teams", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"missing_domains", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"deadlines", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"overdue", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"ended_at", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static json_object *member(json_object *o, const char *name)
{
    json_object *v;
    return o && json_object_object_get_ex(o, name, &v) ? v : NULL;
}

static const char *text(json_object *o, const char *name)
{
    json_object *v = member(o, name);
    return v ? json_object_get_string(v) : NULL;
}

static int present_count(json_object *o, const char *const *names)
{
    int n = 0;
    for (const char *const *p = names; *p; p++)
        n += member(o, *p) != NULL;
    return n;
}

static void today_iso(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* One team or one person: exactly one of team_id, staff_id, name; an
 * organisation only beside a name. */
static void who_rules(request *r, json_object *who, const char *ptr, field_errors *e)
{
    static const char *const one[] = {"team_id", "staff_id", "name", NULL};
    if (present_count(who, one) != 1)
        field_errors_add(e, ptr, "name one team or one person: team_id, staff_id or name");
    if (member(who, "organisation") && !member(who, "name"))
        field_errors_add(e, arena_printf(r->a, "%s/organisation", ptr),
                         "goes with name (a team or person of another organisation)");
}

/* The extra fields of a domain that belong to a need identified. */
static const char *const need_only[] = {
    "nice_offers",        "conference_lead", "early_help_referral", "needs",
    "assess_within_days", "assessed_on",     "started_on",          NULL};

static void domain_rules(request *r, const char *code, json_object *d, field_errors *e)
{
    const char *need = text(d, "need");
    const char *base = arena_printf(r->a, "/domains/%s", code);
    if (!need)
        return;
    bool identified = !strcmp(need, "need_identified");
    json_object *by = member(d, identified ? "delivered_by" : "monitored_by");
    const char *other = identified ? "monitored_by" : "delivered_by";
    if (!by)
        field_errors_add(
            e, arena_printf(r->a, "%s/%s", base, identified ? "delivered_by" : "monitored_by"),
            identified ? "say who will deliver this (one team or person)"
                       : "say who will continue to monitor potential need");
    else
        who_rules(r, by,
                  arena_printf(r->a, "%s/%s", base, identified ? "delivered_by" : "monitored_by"),
                  e);
    if (member(d, other))
        field_errors_add(e, arena_printf(r->a, "%s/%s", base, other),
                         identified ? "a need identified has who delivers it, not who monitors it"
                                    : "no identified need has who monitors it, not who delivers");
    if (!identified) {
        for (const char *const *p = need_only; *p; p++)
            if (member(d, *p))
                field_errors_add(e, arena_printf(r->a, "%s/%s", base, *p),
                                 "belongs to a need identified");
        return;
    }
    if (!strcmp(code, "first_episode_psychosis")) {
        json_object *offers = member(d, "nice_offers");
        for (const field_spec *f = nice_offer_fields; f->name; f++)
            if (!member(offers, f->name))
                field_errors_add(e, arena_printf(r->a, "%s/nice_offers/%s", base, f->name),
                                 "record what became of each of the six NICE offers");
    } else if (!strcmp(code, "safeguarding_children")) {
        json_object *lead = member(d, "conference_lead"), *help = member(d, "early_help_referral");
        if (!lead)
            field_errors_add(e, arena_printf(r->a, "%s/conference_lead", base),
                             "name who leads mental health services' representation at child "
                             "protection conferences");
        else
            who_rules(r, lead, arena_printf(r->a, "%s/conference_lead", base), e);
        if (!help)
            field_errors_add(e, arena_printf(r->a, "%s/early_help_referral", base),
                             "say whether a referral to Early Help is needed");
        else if (member(help, "referred_on") && !json_object_get_boolean(member(help, "needed")))
            field_errors_add(e, arena_printf(r->a, "%s/early_help_referral/referred_on", base),
                             "a referral is made only where it is needed");
    } else if (!strcmp(code, "additional_needs")) {
        json_object *needs = member(d, "needs");
        bool any = false;
        for (const field_spec *f = additional_need_fields; f->name; f++) {
            json_object *v = member(needs, f->name);
            if (!v)
                field_errors_add(e, arena_printf(r->a, "%s/needs/%s", base, f->name),
                                 "record each of the four additional needs (true or false)");
            any = any || (v && json_object_get_boolean(v));
        }
        if (needs && !any)
            field_errors_add(e, arena_printf(r->a, "%s/needs", base),
                             "a need identified names at least one additional need");
    } else if (!strcmp(code, "psychological_therapy")) {
        const char *assessed = text(d, "assessed_on"), *started = text(d, "started_on");
        char today[11];
        today_iso(today);
        if (started && !assessed)
            field_errors_add(e, arena_printf(r->a, "%s/assessed_on", base),
                             "a therapy started was assessed first: give the assessment date");
        if (started && assessed && strcmp(started, assessed) < 0)
            field_errors_add(e, arena_printf(r->a, "%s/started_on", base),
                             "cannot be before the assessment");
        if (assessed && strcmp(assessed, today) > 0)
            field_errors_add(e, arena_printf(r->a, "%s/assessed_on", base),
                             "must not be in the future");
        if (started && strcmp(started, today) > 0)
            field_errors_add(e, arena_printf(r->a, "%s/started_on", base),
                             "must not be in the future");
    }
    /* The other domains' extra fields belong to their own domain only (the
     * field tables refuse them elsewhere). */
}

static void agreement_rules(request *r, json_object *rec, field_errors *e)
{
    json_object *other = member(rec, "other_team");
    bool team = member(other, "team_id") != NULL, named = member(other, "name") != NULL;
    if (team == named)
        field_errors_add(e, "/other_team",
                         "give team_id (a team of your organisation) or name (a team of another "
                         "organisation)");
    if (member(other, "organisation") && !named)
        field_errors_add(e, "/other_team/organisation", "goes with name");
    json_object *lead = member(rec, "lead_service"), *prof = member(rec, "lead_professional");
    static const char *const lead_one[] = {"team_id", "name", NULL};
    static const char *const prof_one[] = {"staff_id", "name", NULL};
    if (lead && present_count(lead, lead_one) != 1)
        field_errors_add(e, "/lead_service", "give team_id or name (one service leads)");
    if (prof && present_count(prof, prof_one) != 1)
        field_errors_add(e, "/lead_professional", "give staff_id or name (one professional)");
    json_object *domains = member(rec, "domains");
    for (const field_spec *f = domains_fields; f->name; f++) {
        json_object *d = member(domains, f->name);
        if (d)
            domain_rules(r, f->name, d, e);
    }
}

static const record_filter agreement_filters[] = {
    {"service_user", FILTER_UUID, "service_user_id", NULL},
    {"status", FILTER_ENUM, "status", vocab_jw_statuses},
    {"period", FILTER_ENUM, "period", vocab_jw_periods},
    {"team", FILTER_UUID, "perinatal_team_id", NULL},
    {NULL, 0, NULL, NULL},
};

/* The overdue list: any deadline overdue (the birthing conversation,
 * psychological therapy, the assessment after birth), oldest first. */
static const record_view agreement_views[] = {
    {"overdue", "true", "jw_overdue(t)", "created_at", false,
     "joint_working_agreement_summary_json(t)", NULL},
    {NULL, NULL, NULL, NULL, false, NULL, NULL},
};

static const constraint_message agreement_constraints[] = {
    {"jwa_perinatal_team_fk", 422, "/perinatal_team_id", "No such team in your organisation."},
    {"jwa_perinatal_team_type_check", 422, "/perinatal_team_id",
     "The perinatal party is a perinatal community team or a maternal mental health service."},
    {"jwa_other_team_fk", 422, "/other_team/team_id",
     "No such team in your organisation (a team of another organisation is named: name)."},
    {"jwa_other_team_distinct_check", 422, "/other_team/team_id",
     "The other team is another team than the perinatal team."},
    {"jwa_other_team_type_check", 422, "/other_team/team_id",
     "The other team is a secondary-care mental health team: maternity, health visiting and "
     "social care are sent the agreement (POST .../shares), not given her record."},
    {"jwa_lead_team_fk", 422, "/lead_service/team_id", "No such team in your organisation."},
    {"jwa_lead_staff_fk", 422, "/lead_professional/staff_id",
     "No such member of staff in your organisation."},
    {"jwa_care_plan_woman_fk", 422, "/care_plan_id", "No such care plan of this woman."},
    {"jwa_domain_refs_check", 422, "/domains",
     "A team or member of staff named in a domain is not of your organisation."},
    {"jwa_one_per_period", 409, "/period",
     "She has an agreement for this period already: change it, or end it first."},
    {"jwa_not_draft", 409, "/status",
     "Only a draft agreement is changed; end this one and make a new draft to change it."},
    {"jwa_woman_fixed", 422, "/service_user_id",
     "An agreement stays with its woman: end it and make one for the right woman."},
    {"workflow_step_check", 409, "/to", "This step is not allowed from the current status."},
    {NULL, 0, NULL, NULL},
};

static const field_spec agreement_transition_fields[] = {
    {"to", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_jw_statuses, NULL, NULL},
    {"notes", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {"reason", FIELD_STRING, 0, 1, 4000, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const workflow_def agreement_workflow = {
    .name = "joint_working_agreement",
    .state_column = "status",
    .fields = agreement_transition_fields,
    .apply = &sql_joint_working_agreement_apply,
    .roles = ROLE_CLINICIAN,
};

const record_def joint_working_agreement_record = {
    .name = "joint_working_agreement",
    .noun = "joint-working agreement",
    .collection = "/v1/joint-working-agreements",
    .id_param = "agreement_id",
    .table = "joint_working_agreements",
    .json = "joint_working_agreement_json",
    .woman_column = "service_user_id",
    .fields = agreement_fields,
    .rules = agreement_rules,
    .insert = &sql_joint_working_agreement_insert,
    .insert_refused = {422, "/service_user_id", "No such service user in your organisation."},
    .update = &sql_joint_working_agreement_update,
    .filters = agreement_filters,
    .sort_column = "created_at",
    .sort_desc = true,
    .views = agreement_views,
    .workflow = &agreement_workflow,
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_CLINICIAN,
    .constraints = agreement_constraints,
};

/* ---- The due list ---------------------------------------------------------- */

static const field_spec due_fields[] = {
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

/* The women who need an agreement and have none for their current period
 * (the view joint_working_due, db/022_joint_working.sql). */
const record_def joint_working_due_record = {
    .name = "joint_working_due",
    .noun = "woman due a joint-working agreement",
    .collection = "/v1/joint-working-agreements/due",
    .id_param = "service_user_id",
    .table = "joint_working_due",
    .json = "joint_working_due_json",
    .woman_column = "service_user_id",
    .fields = due_fields,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .list_only = true,
};

/* ---- More participating teams ------------------------------------------------ */

static const field_spec participant_fields[] = {
    {"team_id", FIELD_UUID, 0, 0, 0, NULL, NULL, NULL},
    {"name", FIELD_STRING, 0, 1, 200, NULL, NULL, NULL},
    {"organisation", FIELD_STRING, 0, 1, 200, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static const field_spec team_fields[] = {
    {"team", FIELD_OBJECT, FIELD_REQUIRED, 0, 0, NULL, NULL, participant_fields},
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"agreement_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"entered_in_error", FIELD_OBJECT, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static void team_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    json_object *team = member(rec, "team");
    if (!member(team, "team_id") == !member(team, "name"))
        field_errors_add(e, "/team",
                         "give team_id (a team of your organisation) or name (a team of another "
                         "organisation)");
    if (member(team, "organisation") && !member(team, "name"))
        field_errors_add(e, "/team/organisation", "goes with name");
}

static const constraint_message team_constraints[] = {
    {"jwt_team_fk", 422, "/team/team_id", "No such team in your organisation."},
    {"jwt_team_once", 409, "/team/team_id", "This team takes part in the agreement already."},
    {"jwt_lead_stays", 409, "",
     "This team leads the agreement, which is in force: end the agreement and make a new draft "
     "to change its lead."},
    {"jwt_team_of_agreement", 422, "/team/team_id",
     "This is the agreement's perinatal team or its other team already."},
    {"jwt_team_type_check", 422, "/team/team_id",
     "A participating team is a secondary-care mental health team: maternity, health visiting "
     "and social care are sent the agreement (POST .../shares), not given her record."},
    {"jwt_agreement_state", 409, "/team",
     "Teams are added to a draft agreement only; end this one and make a new draft."},
    {NULL, 0, NULL, NULL},
};

const record_def joint_working_team_record = {
    .name = "joint_working_team",
    .noun = "participating team",
    .collection = "/v1/joint-working-agreements/{agreement_id}/teams",
    .id_param = "participant_id",
    .table = "joint_working_teams",
    .parent_column = "agreement_id",
    .parent_noun = "joint-working agreement",
    .parent_in_scope = &sql_agreement_parent_in_scope,
    .json = "joint_working_team_json",
    .woman_column = "service_user_id",
    .fields = team_fields,
    .rules = team_rules,
    .insert = &sql_joint_working_team_insert,
    .voidable = true,
    .void_may_conflict = true, /* the lead team of an agreement in force stays */
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .constraints = team_constraints,
};

/* ---- Where it was sent ----------------------------------------------------- */

static const field_spec share_fields[] = {
    {"recipient", FIELD_ENUM, FIELD_REQUIRED, 0, 0, vocab_jw_share_recipients, NULL, NULL},
    {"team_id", FIELD_UUID, 0, 0, 0, NULL, NULL, NULL},
    {"team_name", FIELD_STRING, 0, 1, 200, NULL, NULL, NULL},
    {"shared_on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"note", FIELD_STRING, 0, 1, 2000, NULL, NULL, NULL},
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"agreement_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static void share_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    const char *to = text(rec, "recipient"), *on = text(rec, "shared_on");
    bool team = to && !strcmp(to, "team");
    static const char *const one[] = {"team_id", "team_name", NULL};
    int n = present_count(rec, one);
    if (team && n != 1)
        field_errors_add(e, "/team_id",
                         "name the team: team_id (your organisation) or team_name (another)");
    if (!team && n)
        field_errors_add(e, member(rec, "team_id") ? "/team_id" : "/team_name",
                         "only a share with a team names a team");
    char today[11];
    today_iso(today);
    if (on && strcmp(on, today) > 0)
        field_errors_add(e, "/shared_on", "must not be in the future");
}

static const constraint_message share_constraints[] = {
    {"jws_team_fk", 422, "/team_id", "No such team in your organisation."},
    {"jws_agreement_state", 409, "/recipient",
     "Only an agreed (or already shared) agreement is sent; agree it first."},
    {"jws_consent", 409, "/recipient",
     "Her consent to share with this service was not in force on the day it was sent: the "
     "document is not sent."},
    {NULL, 0, NULL, NULL},
};

const record_def joint_working_share_record = {
    .name = "joint_working_share",
    .noun = "share",
    .collection = "/v1/joint-working-agreements/{agreement_id}/shares",
    .id_param = "share_id",
    .table = "joint_working_shares",
    .parent_column = "agreement_id",
    .parent_noun = "joint-working agreement",
    .parent_in_scope = &sql_agreement_parent_in_scope,
    .json = "joint_working_share_json",
    .woman_column = "service_user_id",
    .fields = share_fields,
    .rules = share_rules,
    .insert = &sql_joint_working_share_insert,
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .constraints = share_constraints,
};

/* ---- Differences of opinion ------------------------------------------------- */

static const field_spec difference_fields[] = {
    {"raised_on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"description", FIELD_STRING, FIELD_REQUIRED, 1, 4000, NULL, NULL, NULL},
    {"escalated_to", FIELD_STRING, FIELD_REQUIRED, 1, 500, NULL, NULL, NULL},
    {"escalated_on", FIELD_DATE, FIELD_REQUIRED, 0, 0, NULL, NULL, NULL},
    {"resolved_on", FIELD_DATE, FIELD_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"resolution", FIELD_STRING, FIELD_NULLABLE, 1, 4000, NULL, NULL, NULL},
    {"id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"agreement_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"service_user_id", FIELD_UUID, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"resolved", FIELD_BOOL, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    {"created_by", FIELD_STRING, FIELD_READONLY, 0, 0, NULL, NULL, NULL},
    RECORD_SERVER_FIELDS,
};

static void difference_rules(request *r, json_object *rec, field_errors *e)
{
    (void)r;
    const char *raised = text(rec, "raised_on"), *escalated = text(rec, "escalated_on"),
               *resolved = text(rec, "resolved_on");
    char today[11];
    today_iso(today);
    if (raised && strcmp(raised, today) > 0)
        field_errors_add(e, "/raised_on", "must not be in the future");
    if (escalated && strcmp(escalated, today) > 0)
        field_errors_add(e, "/escalated_on", "must not be in the future");
    if (resolved && strcmp(resolved, today) > 0)
        field_errors_add(e, "/resolved_on", "must not be in the future");
    if (raised && escalated && strcmp(escalated, raised) < 0)
        field_errors_add(e, "/escalated_on", "cannot be before it was raised");
    if (raised && resolved && strcmp(resolved, raised) < 0)
        field_errors_add(e, "/resolved_on", "cannot be before it was raised");
    if (!resolved != !member(rec, "resolution"))
        field_errors_add(e, resolved ? "/resolution" : "/resolved_on",
                         "a resolved difference has both the date and the resolution");
}

const record_def joint_working_difference_record = {
    .name = "joint_working_difference",
    .noun = "difference of opinion",
    .collection = "/v1/joint-working-agreements/{agreement_id}/differences",
    .id_param = "difference_id",
    .table = "joint_working_differences",
    .parent_column = "agreement_id",
    .parent_noun = "joint-working agreement",
    .parent_in_scope = &sql_agreement_parent_in_scope,
    .json = "joint_working_difference_json",
    .woman_column = "service_user_id",
    .fields = difference_fields,
    .rules = difference_rules,
    .insert = &sql_joint_working_difference_insert,
    .update = &sql_joint_working_difference_update,
    .create_roles = ROLE_CLINICIAN,
    .read_roles = ROLE_CLINICIAN | ROLE_ADMIN,
    .update_roles = ROLE_CLINICIAN,
};
