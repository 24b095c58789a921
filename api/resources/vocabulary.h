/* Our words for coded values, one list per vocabulary. The database's
 * vocabulary table (db/006_record_layer.sql) is the source, with the
 * national codes beside these words: the integration test checks these
 * lists against it, and tests/openapi/check_vocabulary.py checks the
 * OpenAPI enums against them (perinatal-api vocabulary prints them). */
#ifndef PERINATAL_VOCABULARY_H
#define PERINATAL_VOCABULARY_H

typedef struct vocabulary {
    const char *domain;       /* vocabulary.domain */
    const char *const *codes; /* NULL-terminated, in vocabulary.position order */
} vocabulary;

extern const char *const vocab_team_types[];
extern const char *const vocab_professions[];
extern const char *const vocab_perinatal_stages[];
extern const char *const vocab_referral_sources[];
extern const char *const vocab_referral_channels[];
extern const char *const vocab_referral_priorities[];
extern const char *const vocab_referral_criteria[];
extern const char *const vocab_referral_statuses[];
extern const char *const vocab_pathways[];
extern const char *const vocab_risk_levels[];
extern const char *const vocab_referral_reasons[];
extern const char *const vocab_camhs_outcomes[];
extern const char *const vocab_co_working_arrangements[];
extern const char *const vocab_identity_resolutions[];
extern const char *const vocab_contact_services[];
extern const char *const vocab_contact_modes[];
extern const char *const vocab_attendance[];
extern const char *const vocab_ethnic_categories[];
extern const char *const vocab_seniorities[];
extern const char *const vocab_training_qualifies_for[];
extern const char *const vocab_teaching_audiences[];
extern const char *const vocab_bed_types[];
extern const char *const vocab_mbu_admitted_with[];
extern const char *const vocab_mbu_admission_statuses[];
extern const char *const vocab_jw_periods[];
extern const char *const vocab_jw_statuses[];
extern const char *const vocab_jw_needs[];
extern const char *const vocab_jw_domains[];
extern const char *const vocab_nice_offer_statuses[];
extern const char *const vocab_jw_share_recipients[];
extern const char *const vocab_contact_purposes[];
extern const char *const vocab_instruments[];
extern const char *const vocab_administrations[];
extern const char *const vocab_liaison_contact_types[];
extern const char *const vocab_liaison_concerns[];
extern const char *const vocab_interventions[];
extern const char *const vocab_intervention_kinds[];
extern const char *const vocab_intervention_statuses[];
extern const char *const vocab_partner_relationships[];
extern const char *const vocab_consent_scopes[];
extern const char *const vocab_consent_decisions[];
extern const char *const vocab_partner_support_types[];
extern const char *const vocab_mh6_items[];

/* Every vocabulary; ends with a NULL domain. */
extern const vocabulary vocabularies[];

/* Prints "domain code" per line (perinatal-api vocabulary). */
void vocabulary_print(void);

#endif
