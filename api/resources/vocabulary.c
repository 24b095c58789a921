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
/* The intervention catalogue (db/018_care_plans.sql), with its kinds. */
const char *const vocab_interventions[] = {
    "cbt",
    "cft",
    "emdr",
    "cat",
    "mbt",
    "dbt",
    "interpersonal_therapy",
    "trauma_focused_therapy",
    "act",
    "medication_review",
    "preconception_counselling",
    "occupational_therapy",
    "couples_family_therapy",
    "family_work",
    "wellbeing_peer_support",
    "baby_massage",
    "baby_yoga",
    "newborn_behavioural_observation",
    "video_interaction_guidance",
    "care_index",
    "gro_brain",
    "meaning_of_the_child",
    "parent_infant_psychotherapy",
    "watch_wait_wonder",
    "circle_of_security",
    "fep_family_intervention",
    "fep_cbtp",
    "fep_carer_education",
    "fep_healthy_living",
    "fep_physical_health_assessment",
    "fep_supported_employment",
    "mmhs_online_input",
    "mmhs_yoga",
    "mmhs_relaxation",
    "mmhs_mindfulness",
    "partner_support_sessions",
    "family_sessions",
    "couple_sessions",
    "partner_parent_infant_activities",
    "partner_practical_parenting",
    "partner_recovery_narratives",
    "partner_meeting_recovered",
    "carers_assessment_advice",
    NULL,
};
const char *const vocab_intervention_kinds[] = {
    "psychological_therapy",
    "medication",
    "preconception",
    "occupational_therapy",
    "family_therapy",
    "wellbeing",
    "parent_infant",
    "psychosis_nice",
    "mmhs_class",
    "partner_family",
    NULL,
};
const char *const vocab_intervention_statuses[] = {"offered",   "accepted", "declined", "started",
                                                   "completed", "stopped",  NULL};
/* What a course qualifies for; a later merge aligns it with the care-plan
 * intervention catalogue (domain "intervention"). */
const char *const vocab_training_qualifies_for[] = {
    "video_interaction_guidance",
    "watch_wait_wonder",
    "circle_of_security",
    "baby_massage",
    "baby_yoga",
    "newborn_behavioural_observation",
    "care_index",
    "gro_brain",
    "meaning_of_the_child",
    "parent_infant_psychotherapy",
    "cbt",
    "cft",
    "emdr",
    "cat",
    "mbt",
    "dbt",
    "act",
    "interpersonal_therapy",
    "trauma_focused_therapy",
    "family_intervention",
    NULL,
};
const char *const vocab_teaching_audiences[] = {
    "midwives", "health_visitors", "gps", "community_psychiatric_nurses", "other", NULL,
};
const char *const vocab_bed_types[] = {"mother_and_baby", NULL};
const char *const vocab_mbu_admitted_with[] = {"baby", "pregnancy", NULL};
const char *const vocab_mbu_admission_statuses[] = {"admitted", "discharged", NULL};
/* Joint-working agreements (db/022_joint_working.sql). */
const char *const vocab_jw_periods[] = {"antenatal", "postnatal", NULL};
const char *const vocab_jw_statuses[] = {"draft", "agreed", "shared", "ended", NULL};
const char *const vocab_jw_needs[] = {"need_identified", "no_identified_need", NULL};
const char *const vocab_jw_domains[] = {
    "medical_review",
    "lead_service",
    "crisis_management",
    "perinatal_mental_health_midwife",
    "health_visiting_contact",
    "birthing_conversation",
    "high_risk_postnatal_monitoring",
    "first_episode_psychosis",
    "parent_infant_relationship",
    "parent_infant_interventions",
    "psychological_therapy",
    "occupational_therapy",
    "couples_family_therapy",
    "wellbeing_social_integration",
    "carers_assessment",
    "safeguarding_children",
    "safeguarding_adults",
    "additional_needs",
    NULL,
};
const char *const vocab_nice_offer_statuses[] = {"offered", "accepted", "declined",
                                                 "not_appropriate", NULL};
const char *const vocab_jw_share_recipients[] = {"team", "woman", "maternity", "health_visiting",
                                                 NULL};
const char *const vocab_contact_purposes[] = {"birthing_conversation", "assessment_after_birth",
                                              NULL};
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

const char *const vocab_instruments[] = {"epds", "phq9", "gad7", "core10", "pbq", NULL};
const char *const vocab_administrations[] = {"self_report", "clinician", NULL};

const char *const vocab_liaison_contact_types[] = {
    "antenatal_contact", "new_birth_visit", "six_to_eight_week_review", "other", NULL,
};
const char *const vocab_liaison_concerns[] = {
    "safeguarding",
    "risk",
    "maternal_mental_health",
    "parent_infant_relationship",
    "infant_health",
    "domestic_abuse",
    "other",
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
    {"training_qualifies_for", vocab_training_qualifies_for},
    {"teaching_audience", vocab_teaching_audiences},
    {"bed_type", vocab_bed_types},
    {"mbu_admitted_with", vocab_mbu_admitted_with},
    {"mbu_admission_status", vocab_mbu_admission_statuses},
    {"jw_period", vocab_jw_periods},
    {"jw_status", vocab_jw_statuses},
    {"jw_need", vocab_jw_needs},
    {"jw_domain", vocab_jw_domains},
    {"nice_offer_status", vocab_nice_offer_statuses},
    {"jw_share_recipient", vocab_jw_share_recipients},
    {"contact_purpose", vocab_contact_purposes},
    {"instrument", vocab_instruments},
    {"administration", vocab_administrations},
    {"liaison_contact_type", vocab_liaison_contact_types},
    {"liaison_concern", vocab_liaison_concerns},
    {"intervention", vocab_interventions},
    {"intervention_kind", vocab_intervention_kinds},
    {"intervention_status", vocab_intervention_statuses},
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
