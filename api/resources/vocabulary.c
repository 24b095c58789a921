/* The vocabularies (see vocabulary.h). */
#include "vocabulary.h"

#include <stddef.h>
#include <stdio.h>

const char *const vocab_team_types[] = {
    "perinatal_community",
    "mmhs",
    "mbu",
    "cmht",
    "early_intervention",
    "crisis_home_treatment",
    "psychiatric_liaison",
    "maternity",
    "health_visiting",
    "camhs",
    "social_care",
    NULL,
};
const char *const vocab_professions[] = {
    "psychiatrist",           "nurse",         "psychologist",
    "occupational_therapist", "social_worker", "nursery_nurse",
    "peer_support_worker",    "midwife",       "health_visitor",
    "psychotherapist",        "other",         NULL,
};
const char *const vocab_seniorities[] = {"trainee", "practitioner", "senior_practitioner",
                                         "consultant", NULL};
const char *const vocab_perinatal_stages[] = {"pre_conception", "pregnant", "postnatal",
                                              "pregnancy_loss", NULL};
const char *const vocab_ethnic_categories[] = {
    "white_british",
    "white_irish",
    "white_other",
    "mixed_white_black_caribbean",
    "mixed_white_black_african",
    "mixed_white_asian",
    "mixed_other",
    "asian_indian",
    "asian_pakistani",
    "asian_bangladeshi",
    "asian_other",
    "black_caribbean",
    "black_african",
    "black_other",
    "chinese",
    "other",
    "not_stated",
    "not_known",
    NULL,
};
const char *const vocab_referral_sources[] = {
    "gp",          "family",        "cmht",
    "social_care", "midwife",       "health_visitor",
    "self",        "mbu_discharge", "psychiatric_liaison",
    "crisis_team", "other",         NULL,
};
const char *const vocab_referral_channels[] = {"online_form", "telephone", "letter", "electronic",
                                               NULL};
const char *const vocab_referral_priorities[] = {"emergency", "routine", NULL};
const char *const vocab_referral_criteria[] = {
    "maternity_experience_illness",
    "smi_pregnant",
    "at_risk_after_delivery",
    "preconception_advice",
    "family_history_bipolar_pp",
    "previous_perinatal_illness",
    "non_psychotic_affecting_baby_care",
    "medication_advice",
    "mbu_discharge",
    "tokophobia_birth_trauma_ptsd",
    "perinatal_loss_trauma",
    "complex_illness_in_perinatal_period",
    NULL,
};
const char *const vocab_referral_statuses[] = {
    "received",     "triaged",        "mdt_review", "accepted",         "signposted",
    "referred_on",  "declined",       "withdrawn",  "unable_to_engage", "discharged",
    "advice_given", "identity_check", NULL,
};
const char *const vocab_pathways[] = {"perinatal", "mmhs", NULL};
const char *const vocab_risk_levels[] = {"low", "moderate", "high", NULL};
const char *const vocab_referral_reasons[] = {"13", "27", "29", NULL};
const char *const vocab_camhs_outcomes[] = {"consultation", "joint_working", "camhs_leads", NULL};
const char *const vocab_co_working_arrangements[] = {"co_working", "full_care_transfer", NULL};
const char *const vocab_identity_resolutions[] = {"attach", "correct", NULL};
const char *const vocab_contact_services[] = {
    "perinatal_team",       "mmhs", "crisis_team", "psychiatric_liaison", "connection",
    "access_mental_health", NULL,
};
const char *const vocab_contact_modes[] = {
    "face_to_face", "home_visit", "telephone", "video", "joint_midwifery_clinic", "unknown", NULL,
};
const char *const vocab_attendance[] = {"attended", "did_not_attend", "cancelled_by_her",
                                        "cancelled_by_service", NULL};
const char *const vocab_partner_relationships[] = {
    "partner", "ex_partner", "parent", "sibling", "other_relative", "friend", "other", NULL,
};
const char *const vocab_consent_scopes[] = {"share_with_gp", "share_with_health_visiting",
                                            "share_with_maternity", "partner_involvement", NULL};
const char *const vocab_consent_decisions[] = {"given", "withdrawn", NULL};
const char *const vocab_partner_support_types[] = {"emotional", "practical", "informational", NULL};
const char *const vocab_mh6_items[] = {
    "seen_by_senior_clinician_within_week",
    "ward_reviews_and_meetings",
    "further_discussions_welcome",
    "joint_activities",
    "written_and_electronic_information",
    "partner_support_sessions",
    "family_sessions",
    "couple_sessions",
    "parent_infant_activities",
    "practical_parenting_support",
    "recovery_narratives",
    "meeting_recovered_patients",
    NULL,
};

const vocabulary vocabularies[] = {
    {"team_type", vocab_team_types},
    {"profession", vocab_professions},
    {"perinatal_stage", vocab_perinatal_stages},
    {"referral_source", vocab_referral_sources},
    {"referral_channel", vocab_referral_channels},
    {"referral_priority", vocab_referral_priorities},
    {"referral_criterion", vocab_referral_criteria},
    {"referral_status", vocab_referral_statuses},
    {"pathway", vocab_pathways},
    {"risk_level", vocab_risk_levels},
    {"referral_reason", vocab_referral_reasons},
    {"camhs_outcome", vocab_camhs_outcomes},
    {"co_working_arrangement", vocab_co_working_arrangements},
    {"identity_resolution", vocab_identity_resolutions},
    {"contact_service", vocab_contact_services},
    {"contact_mode", vocab_contact_modes},
    {"attendance", vocab_attendance},
    {"ethnic_category", vocab_ethnic_categories},
    {"seniority", vocab_seniorities},
    {"partner_relationship", vocab_partner_relationships},
    {"consent_scope", vocab_consent_scopes},
    {"consent_decision", vocab_consent_decisions},
    {"partner_support_type", vocab_partner_support_types},
    {"mh6_item", vocab_mh6_items},
    {NULL, NULL},
};

void vocabulary_print(void)
{
    for (const vocabulary *v = vocabularies; v->domain; v++)
        for (const char *const *c = v->codes; *c; c++)
            printf("%s %s\n", v->domain, *c);
}
