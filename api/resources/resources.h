/* Every resource: the record definitions (one file each, declared on the
 * record layer) and the handlers that are not records. */
#ifndef PERINATAL_RESOURCES_H
#define PERINATAL_RESOURCES_H

#include "db.h"
#include "http.h"
#include "json_body.h"
#include "problem.h"
#include "record.h"

/* The records, in the order their routes are listed. */
extern const record_def team_record, staff_record, staff_training_record, gp_practice_record,
    service_user_record, referral_record, contact_record;
/* care_plans.c: the plan and its interventions; the versions' handlers. */
extern const record_def care_plan_record, intervention_record;
bool care_plan_versions_list(request *r);
bool care_plan_version_get(request *r);

/* service_users.c: her record's rules, shared with a referral that carries
 * her details. */
extern const field_spec service_user_fields[];
void service_user_rules(request *r, json_object *rec, field_errors *e);

/* health.c */
bool health_live(request *r);
bool health_ready(request *r);
bool health_metrics(request *r);

/* revoked_tokens.c: POST /v1/revoked-tokens (admins). */
bool revoked_tokens_create(request *r);

/* audit_events.c: GET /v1/audit?service_user=<id>, who looked at her record
 * (admins). */
bool audit_events_list(request *r);

/* Registers every record (statements, constraint messages, routes). */
void resources_register(void);

#endif
