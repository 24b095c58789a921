/* Registers every module's statements and constraint messages. */
#include "resources.h"
#include "audit.h"
#include "idempotency.h"

/* A token naming an organisation this database does not hold. */
static const constraint_message organisation_constraints[] = {
    {"teams_organisation_id_fkey", 403, "", "Your organisation is not known to this service."},
    {"service_users_organisation_id_fkey", 403, "",
     "Your organisation is not known to this service."},
    {NULL, 0, NULL, NULL},
};

void resources_register(void)
{
    db_register_constraints(organisation_constraints);
    db_register(health_stmts);
    db_register(idempotency_stmts);
    db_register(team_stmts);
    db_register(staff_stmts);
    db_register(service_user_stmts);
    db_register(referral_stmts);
    db_register(audit_stmts);
    db_register(audit_event_stmts);
    db_register(revocation_stmts);
    db_register_constraints(team_constraints);
    db_register_constraints(staff_constraints);
    db_register_constraints(service_user_constraints);
    db_register_constraints(referral_constraints);
}
