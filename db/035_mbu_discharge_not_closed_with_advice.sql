-- A referral on discharge from a mother and baby unit is always seen (seed
-- 002: "will be seen by the Perinatal Mental Health Team on discharge").
-- Migration 009 kept it from being signposted, referred on or declined,
-- but advice to the referrer (advice_given, from triage or the MDT) closed
-- it without contact just the same: those steps take the guard too.
UPDATE workflow_steps SET guards = guards || '{referral_guard_mbu_discharge}'::text[]
WHERE workflow = 'referral' AND to_state = 'advice_given'
    AND NOT 'referral_guard_mbu_discharge' = ANY (guards);
