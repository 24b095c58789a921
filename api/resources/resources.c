/* The records this API serves: adding a resource adds its definition here. */
#include "resources.h"

static const record_def *const records[] = {
    &team_record,
    &staff_record,
    &staff_training_record,
    &gp_practice_record,
    &service_user_record,
    &referral_record,
    &contact_record,
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
}
