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
    service_user_record, referral_record, submitted_referral_record, contact_record;
extern const record_def staff_supervision_record, teaching_session_record;

/* staff_training.c: is the date (YYYY-MM-DD) after today in England? */
bool date_after_today(const char *date);
extern const record_def infant_record, mbu_admission_record;
/* joint_working.c */
extern const record_def joint_working_agreement_record, joint_working_due_record,
    joint_working_share_record, joint_working_difference_record, joint_working_team_record;
/* measures.c, alerts.c (issue 16). */
extern const record_def measure_record, alert_record;
extern const record_def liaison_update_record;
/* care_plans.c: the plan and its interventions; the versions' handlers. */
extern const record_def care_plan_record, intervention_record;
bool care_plan_versions_list(request *r);
bool care_plan_version_get(request *r);
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

/* alerts.c: POST /v1/alerts/{id}/acknowledgements (clinicians, once), and
 * GET /v1/instruments (the instrument table). */
bool alert_acknowledge(request *r);
bool instruments_list(request *r);
/* liaison_feed.c: the health-visiting systems' routes (/v1/liaison-updates):
 * post an inbound update, list, read one, acknowledge an outbound one. */
bool liaison_updates_receive(request *r);
bool liaison_updates_list(request *r);
bool liaison_updates_get(request *r);
bool liaison_updates_acknowledge(request *r);
/* reports.c: the indicator reports (commissioners and admins) and their
 * frozen quarters (submissions: admins make them). */
bool reports_get(request *r);
/* Connects and warms the report lane in the background (at start-up). */
void reports_lane_open(const char *conninfo);
bool report_submissions_create(request *r);
bool report_submissions_list(request *r);
bool report_submission_get(request *r);
void reports_register(void);

/* Registers every record (statements, constraint messages, routes). */
void resources_register(void);

#endif
