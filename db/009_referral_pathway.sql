-- The referral pathway as the service specification (seed 002) runs it:
-- the duty clinician may decide, flagged referrals go through the MDT,
-- triage may correct the priority and criteria, MBU discharges are always
-- seen, an under-18 acceptance records the CAMHS discussion and an
-- acceptance of a woman open to another team records the arrangement,
-- referrals go to perinatal or maternal mental health teams only, and the
-- national source and reason codes are always there.

-- Vocabulary: the outcome "advice given", the missing criterion, the
-- reason codes, and the arrangements of an acceptance.
INSERT INTO vocabulary (domain, position, code, national_code, label) VALUES
    ('referral_status', 11, 'advice_given', NULL, 'Advice given to the referrer (closed)'),
    ('referral_criterion', 12, 'complex_illness_in_perinatal_period', NULL,
        'Developing a complex, moderate or severe mental illness in pregnancy or postnatally'),
    ('referral_reason', 1, '13', '13', 'Perinatal mental health'),
    ('referral_reason', 2, '27', '27', 'Preconception concern'),
    ('referral_reason', 3, '29', '29', 'Partner assessment'),
    ('camhs_outcome', 1, 'consultation', NULL, 'CAMHS consultation'),
    ('camhs_outcome', 2, 'joint_working', NULL, 'Joint working with CAMHS'),
    ('camhs_outcome', 3, 'camhs_leads', NULL, 'CAMHS leads'),
    ('co_working_arrangement', 1, 'co_working', NULL, 'Co-working with the existing team'),
    ('co_working_arrangement', 2, 'full_care_transfer', NULL,
        'The perinatal team takes over full care');
UPDATE vocabulary SET label = 'Personal or family history of bipolar disorder or postpartum psychosis'
WHERE domain = 'referral_criterion' AND code = 'family_history_bipolar_pp';
-- A referral from a mental health team is P1 (ours) or I1/I2 (another
-- trust's), decided per referral, not by the source word alone.
UPDATE vocabulary SET national_code = NULL
WHERE domain = 'referral_source' AND code IN ('cmht', 'mbu_discharge', 'psychiatric_liaison',
    'crisis_team');

-- Criteria are optional at receipt (families and women refer themselves);
-- one is needed to accept (a guard).
ALTER TABLE referrals DROP CONSTRAINT referrals_criteria_check;
ALTER TABLE referrals ALTER COLUMN criteria SET DEFAULT '{}';
ALTER TABLE referrals ADD CONSTRAINT referrals_criteria_check CHECK (cardinality(criteria) <= 12
    AND criteria <@ ARRAY['maternity_experience_illness', 'smi_pregnant',
        'at_risk_after_delivery', 'preconception_advice', 'family_history_bipolar_pp',
        'previous_perinatal_illness', 'non_psychotic_affecting_baby_care', 'medication_advice',
        'mbu_discharge', 'tokophobia_birth_trauma_ptsd', 'perinatal_loss_trauma',
        'complex_illness_in_perinatal_period']::text[]);

ALTER TABLE referrals
    ADD COLUMN source_code text,
    ADD COLUMN advice text CHECK (char_length(advice) BETWEEN 1 AND 4000),
    ADD COLUMN camhs_discussion jsonb,
    ADD COLUMN co_working jsonb,
    -- Referral reason (MHSDS): pre-pregnancy advice is a preconception
    -- concern, everything else perinatal mental health.
    ADD COLUMN reason_code text GENERATED ALWAYS AS (
        CASE WHEN 'preconception_advice' = ANY (criteria) THEN '27' ELSE '13' END) STORED;
-- (Migrations run before db/repeatable/, so they use none of its functions.)
UPDATE referrals r SET source_code = coalesce((SELECT v.national_code FROM vocabulary v
        WHERE v.domain = 'referral_source' AND v.code = r.source),
    CASE WHEN r.submitted_by_role = 'referrer' THEN 'I1' ELSE 'P1' END);
ALTER TABLE referrals ALTER COLUMN source_code SET NOT NULL;
ALTER TABLE referrals ADD CONSTRAINT referrals_source_code_check
    CHECK (source_code IN ('A1', 'A2', 'A4', 'B1', 'B2', 'C1', 'I1', 'I2', 'M7', 'P1'));
ALTER TABLE referrals ADD CONSTRAINT referrals_advice_given_check
    CHECK (status <> 'advice_given' OR advice IS NOT NULL);

-- The working lists: an accepted referral nobody has seen is still on the
-- clock, so the overdue indexes take it in.
DROP INDEX referrals_overdue_idx;
DROP INDEX referrals_org_overdue_idx;
CREATE INDEX referrals_overdue_idx ON referrals (team_id, due_at, id)
    WHERE responded_at IS NULL AND status IN ('received', 'triaged', 'mdt_review', 'accepted');
CREATE INDEX referrals_org_overdue_idx ON referrals (organisation_id, due_at, id)
    WHERE responded_at IS NULL AND status IN ('received', 'triaged', 'mdt_review', 'accepted');
CREATE INDEX referrals_team_status_idx ON referrals (team_id, status, received_at DESC, id DESC);

-- The workflow: the duty clinician decides from triage, the MDT may give
-- advice too, and a correction of an open referral (priority, criteria) is
-- a step that stays where it is (PATCH, or POST .../transitions to the
-- current status).
INSERT INTO workflow_steps (workflow, from_state, to_state, roles, required, optional) VALUES
    ('referral', 'triaged', 'accepted', '{clinician,admin}', '{pathway,allocated_clinician_id}',
        '{criteria,camhs_discussion,co_working}'),
    ('referral', 'triaged', 'signposted', '{clinician,admin}', '{signposted_to}', '{}'),
    ('referral', 'triaged', 'advice_given', '{clinician,admin}', '{advice}', '{}'),
    ('referral', 'triaged', 'referred_on', '{clinician,admin}', '{referred_to}', '{}'),
    ('referral', 'triaged', 'declined', '{clinician,admin}', '{reason}', '{}'),
    ('referral', 'mdt_review', 'advice_given', '{clinician,admin}', '{advice}', '{}'),
    ('referral', 'received', 'received', '{clinician,admin}', '{}',
        '{priority,priority_reason,criteria}'),
    ('referral', 'triaged', 'triaged', '{clinician,admin}', '{}',
        '{priority,priority_reason,criteria}'),
    ('referral', 'mdt_review', 'mdt_review', '{clinician,admin}', '{}',
        '{priority,priority_reason,criteria}');
UPDATE workflow_steps SET optional = optional || '{priority,priority_reason,criteria}'
WHERE workflow = 'referral' AND from_state = 'received' AND to_state = 'triaged';
UPDATE workflow_steps SET optional = optional || '{criteria}'
WHERE workflow = 'referral' AND to_state = 'mdt_review' AND from_state <> 'mdt_review';
UPDATE workflow_steps SET optional = optional || '{criteria,camhs_discussion,co_working}'
WHERE workflow = 'referral' AND from_state = 'mdt_review' AND to_state = 'accepted';
-- Every step's guards, by where it goes.
UPDATE workflow_steps SET optional = optional || '{first_contact_at}'
WHERE workflow = 'referral' AND NOT 'first_contact_at' = ANY (optional);
UPDATE workflow_steps SET guards = '{referral_guard_first_contact}'::text[] || CASE
        WHEN to_state = from_state THEN '{referral_guard_priority}'
        WHEN to_state = 'triaged' THEN '{referral_guard_staff,referral_guard_priority}'
        WHEN to_state = 'mdt_review' THEN '{referral_guard_meeting_date}'
        WHEN to_state = 'accepted' THEN '{referral_guard_flagged_needs_mdt,referral_guard_staff,'
            'referral_guard_criteria,referral_guard_camhs,referral_guard_co_working}'
        WHEN to_state = 'declined' THEN '{referral_guard_flagged_needs_mdt,'
            'referral_guard_mbu_discharge}'
        WHEN to_state IN ('signposted', 'referred_on') THEN '{referral_guard_mbu_discharge}'
        WHEN to_state = 'discharged' THEN '{referral_guard_seen}'
        ELSE '{}' END::text[]
WHERE workflow = 'referral';

-- The woman given inline: when her NHS number matches a woman the caller
-- may not see and her family name or date of birth differ, the referral is
-- received but held, attached to no woman, in identity_check, until an admin
-- attaches it to the woman recorded (her identity confirmed) or corrects
-- the details. No second record with one NHS number is ever made.
INSERT INTO vocabulary (domain, position, code, national_code, label) VALUES
    ('referral_status', 12, 'identity_check', NULL,
        'Held until an admin has checked who the woman is'),
    ('identity_resolution', 1, 'attach', NULL,
        'Her identity is confirmed: attach to the woman recorded with this NHS number'),
    ('identity_resolution', 2, 'correct', NULL, 'The details were wrong: use the corrected ones');
ALTER TABLE referrals ALTER COLUMN service_user_id DROP NOT NULL;
ALTER TABLE referrals ADD COLUMN given_details jsonb;
ALTER TABLE referrals ADD CONSTRAINT referrals_woman_check
    CHECK (service_user_id IS NOT NULL OR (status IN ('identity_check', 'withdrawn')
        AND given_details IS NOT NULL));
INSERT INTO workflow_steps (workflow, from_state, to_state, roles, required, optional, guards)
VALUES
    ('referral', 'identity_check', 'received', '{admin}', '{resolution}', '{service_user}',
        '{referral_guard_identity}'),
    ('referral', 'identity_check', 'withdrawn', '{clinician,admin}', '{reason}', '{}', '{}');
DROP INDEX referrals_overdue_idx;
DROP INDEX referrals_org_overdue_idx;
CREATE INDEX referrals_overdue_idx ON referrals (team_id, due_at, id)
    WHERE responded_at IS NULL
        AND status IN ('identity_check', 'received', 'triaged', 'mdt_review', 'accepted');
CREATE INDEX referrals_org_overdue_idx ON referrals (organisation_id, due_at, id)
    WHERE responded_at IS NULL
        AND status IN ('identity_check', 'received', 'triaged', 'mdt_review', 'accepted');
