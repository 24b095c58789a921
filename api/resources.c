/* Registers every module's statements and constraint messages. */
#include "idempotency.h"
#include "resources.h"

void resources_register(void)
{
    db_register(health_stmts);
    db_register(idempotency_stmts);
    db_register(team_stmts);
    db_register(staff_stmts);
    db_register(service_user_stmts);
    db_register(referral_stmts);
    db_register_constraints(team_constraints);
    db_register_constraints(staff_constraints);
    db_register_constraints(service_user_constraints);
    db_register_constraints(referral_constraints);
}
