-- Issue 13, item 7: a discharge plan is "attached to the referral (and to
-- her care plan when she has one)". Migration 019 left care_plan_id a bare
-- column because care plans were built alongside; now it must be her plan.
-- Filled on insert by discharge_plans_care_plan (db/repeatable/45_partners.sql).
UPDATE discharge_plans d SET care_plan_id = NULL
WHERE d.care_plan_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM care_plans p WHERE p.id = d.care_plan_id AND p.service_user_id = d.service_user_id);
ALTER TABLE discharge_plans ADD CONSTRAINT discharge_plans_care_plan_woman_fk
    FOREIGN KEY (care_plan_id, service_user_id) REFERENCES care_plans (id, service_user_id);
