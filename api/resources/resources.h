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
/* Partners, her consents, MH6 partner offers, discharge plans (issue 13). */
extern const record_def partner_record, consent_record, partner_consent_record,
    partner_offer_record, discharge_plan_record;
/* partners.c: today's date in England (YYYY-MM-DD), for the date rules. */
void partners_today(char out[11]);

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
