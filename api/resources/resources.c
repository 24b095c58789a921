/* The records this API serves: adding a resource adds its definition here. */
#include "resources.h"

static const record_def *const records[] = {
    &team_record,
    &staff_record,
    &staff_training_record,
    &gp_practice_record,
    &service_user_record,
    &referral_record,
    &submitted_referral_record,
    &contact_record,
    &staff_supervision_record,
    &teaching_session_record,
    &infant_record,
    &mbu_admission_record,
    &joint_working_agreement_record,
    &joint_working_due_record,
    &joint_working_share_record,
    &joint_working_difference_record,
    &joint_working_team_record,
    &measure_record,
    &alert_record,
    &liaison_update_record,
    &care_plan_record,
    &intervention_record,
    /* issue 13: partners, her consents, MH6 offers, discharge plans */
    &partner_record,
    &consent_record,
    &partner_consent_record,
    &partner_offer_record,
    &discharge_plan_record,
    NULL,
};

void resources_register(void)
{
    record_register(records);
    reports_register();
}
