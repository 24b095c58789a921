/* Handlers of every resource, one file each, and their statements. */
#ifndef PERINATAL_RESOURCES_H
#define PERINATAL_RESOURCES_H

#include "db.h"
#include "http.h"

/* health.c */
void health_live(request *r);
void health_ready(request *r);
void health_metrics(request *r);
extern const stmt_def health_stmts[];

/* teams.c */
void teams_create(request *r);
void teams_list(request *r);
void teams_get(request *r);
void teams_update(request *r);
extern const stmt_def team_stmts[];
extern const constraint_message team_constraints[];

/* staff.c */
void staff_create(request *r);
void staff_list(request *r);
void staff_get(request *r);
void staff_update(request *r);
extern const stmt_def staff_stmts[];
extern const constraint_message staff_constraints[];

/* service_users.c */
void service_users_create(request *r);
void service_users_list(request *r);
void service_users_get(request *r);
void service_users_update(request *r);
extern const stmt_def service_user_stmts[];
extern const constraint_message service_user_constraints[];
/* Shared with referrals, which may carry a woman's details inline. */
#include "json_validate.h"
extern const field_spec service_user_fields[];

/* Records a woman from her validated JSON ($3), for organisation $1 by $2:
 * shared by registration and by a referral that carries her details. */
#define SERVICE_USER_RECORD                                                                        \
    "x(nhs_number text, given_name text, family_name text, date_of_birth date, "                   \
    "gp_practice_code text, postcode text, consent json, perinatal_status json)"

#define SERVICE_USER_INSERT_FROM_JSON                                                              \
    "INSERT INTO service_users (organisation_id, created_by, nhs_number, given_name, "             \
    "family_name, date_of_birth, gp_practice_code, postcode, consent_partner_involvement, "        \
    "consent_share_with_gp, consent_share_with_health_visiting, perinatal_stage, "                 \
    "estimated_due_date, delivery_date, infant_count) "                                            \
    "SELECT $1, $2, x.nhs_number, x.given_name, x.family_name, x.date_of_birth, "                  \
    "x.gp_practice_code, x.postcode, "                                                             \
    "coalesce((x.consent->>'partner_involvement')::boolean, false), "                              \
    "coalesce((x.consent->>'share_with_gp')::boolean, false), "                                    \
    "coalesce((x.consent->>'share_with_health_visiting')::boolean, false), "                       \
    "x.perinatal_status->>'stage', (x.perinatal_status->>'estimated_due_date')::date, "            \
    "(x.perinatal_status->>'delivery_date')::date, (x.perinatal_status->>'infant_count')::int "    \
    "FROM json_to_record($3::json) AS " SERVICE_USER_RECORD
void service_user_rules(request *r, json_object *rec, field_errors *e);

/* referrals.c */
void referrals_create(request *r);
void referrals_list(request *r);
void referrals_get(request *r);
void referrals_transition(request *r);
void referrals_history(request *r);
extern const stmt_def referral_stmts[];
extern const constraint_message referral_constraints[];

/* revoked_tokens.c */
void revoked_tokens_create(request *r);
extern const stmt_def revocation_stmts[];

/* audit_events.c: GET /v1/audit?service_user=<id>, who looked at her record
 * (admins). */
void audit_list(request *r);
extern const stmt_def audit_event_stmts[];

/* Registers every module's statements and constraint messages with db.c. */
void resources_register(void);

#endif
