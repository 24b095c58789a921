-- The record layer: one access context for every statement, workflows held
-- as data (steps, who may take them, what they need, guard functions, one
-- history table), and one vocabulary table with the national codes beside
-- our words. Functions that change over time live in db/repeatable/, which
-- is applied again after every migration run.

-- Who is asking, passed to every statement as its first parameter:
-- organisation, subject, role, the teams of a clinician (NULL for every
-- other role) and the request id for the audit trail.
CREATE TYPE access AS (org uuid, sub text, role text, teams uuid[], request_id text);

-- One source per vocabulary: the C validation tables and the OpenAPI enums
-- are checked against these rows by tests.
CREATE TABLE vocabulary (
    domain text NOT NULL,
    code text NOT NULL,
    national_code text,
    label text NOT NULL,
    position integer NOT NULL,
    PRIMARY KEY (domain, code)
);
INSERT INTO vocabulary (domain, position, code, national_code, label) VALUES
    ('team_type', 1, 'perinatal_community', 'C02', 'Specialist perinatal mental health community team'),
    ('team_type', 2, 'mmhs', 'F02', 'Maternal mental health service'),
    ('team_type', 3, 'mbu', NULL, 'Mother and baby unit'),
    ('team_type', 4, 'cmht', 'A06', 'Community mental health team'),
    ('team_type', 5, 'early_intervention', NULL, 'Early intervention in psychosis team'),
    ('team_type', 6, 'crisis_home_treatment', 'A02', 'Crisis resolution and home treatment team'),
    ('team_type', 7, 'psychiatric_liaison', 'A11', 'Psychiatric liaison team'),
    ('team_type', 8, 'maternity', NULL, 'Maternity service'),
    ('team_type', 9, 'health_visiting', NULL, 'Health visiting service'),
    ('team_type', 10, 'camhs', NULL, 'Child and adolescent mental health service'),
    ('team_type', 11, 'social_care', NULL, 'Social care'),
    ('referral_source', 1, 'gp', 'A1', 'General practitioner'),
    ('referral_source', 2, 'family', 'B2', 'Carer or relative'),
    ('referral_source', 3, 'cmht', NULL, 'Community mental health team'),
    ('referral_source', 4, 'social_care', 'C1', 'Social services'),
    ('referral_source', 5, 'midwife', 'A4', 'Midwife'),
    ('referral_source', 6, 'health_visitor', 'A2', 'Health visitor'),
    ('referral_source', 7, 'self', 'B1', 'Self-referral'),
    ('referral_source', 8, 'mbu_discharge', NULL, 'Discharge from a mother and baby unit'),
    ('referral_source', 9, 'psychiatric_liaison', NULL, 'Psychiatric liaison'),
    ('referral_source', 10, 'crisis_team', NULL, 'Crisis team'),
    ('referral_source', 11, 'other', 'M7', 'Other'),
    ('referral_channel', 1, 'online_form', NULL, 'Online form'),
    ('referral_channel', 2, 'telephone', NULL, 'Telephone'),
    ('referral_channel', 3, 'letter', NULL, 'Letter'),
    ('referral_channel', 4, 'electronic', NULL, 'Electronic referral'),
    ('referral_priority', 1, 'emergency', '1', 'Emergency: seen within 4 hours'),
    ('referral_priority', 2, 'routine', '3', 'Routine: seen within 28 days'),
    ('referral_criterion', 1, 'maternity_experience_illness', NULL, 'Illness arising from the maternity experience'),
    ('referral_criterion', 2, 'smi_pregnant', NULL, 'Severe mental illness and pregnant'),
    ('referral_criterion', 3, 'at_risk_after_delivery', NULL, 'At risk of illness after delivery'),
    ('referral_criterion', 4, 'preconception_advice', NULL, 'Pre-conception advice'),
    ('referral_criterion', 5, 'family_history_bipolar_pp', NULL, 'Family history of bipolar disorder or postpartum psychosis'),
    ('referral_criterion', 6, 'previous_perinatal_illness', NULL, 'Previous perinatal illness'),
    ('referral_criterion', 7, 'non_psychotic_affecting_baby_care', NULL, 'Non-psychotic illness affecting the care of the baby'),
    ('referral_criterion', 8, 'medication_advice', NULL, 'Advice on medication'),
    ('referral_criterion', 9, 'mbu_discharge', NULL, 'Discharge from a mother and baby unit'),
    ('referral_criterion', 10, 'tokophobia_birth_trauma_ptsd', NULL, 'Tokophobia, birth trauma or PTSD'),
    ('referral_criterion', 11, 'perinatal_loss_trauma', NULL, 'Perinatal loss or trauma'),
    ('referral_status', 1, 'received', NULL, 'Received'),
    ('referral_status', 2, 'triaged', NULL, 'Triaged by the duty clinician'),
    ('referral_status', 3, 'mdt_review', NULL, 'For multidisciplinary team review'),
    ('referral_status', 4, 'accepted', NULL, 'Accepted'),
    ('referral_status', 5, 'signposted', NULL, 'Signposted'),
    ('referral_status', 6, 'referred_on', NULL, 'Referred on'),
    ('referral_status', 7, 'declined', NULL, 'Declined'),
    ('referral_status', 8, 'withdrawn', NULL, 'Withdrawn'),
    ('referral_status', 9, 'unable_to_engage', NULL, 'Unable to engage'),
    ('referral_status', 10, 'discharged', NULL, 'Discharged'),
    ('pathway', 1, 'perinatal', NULL, 'Specialist perinatal community pathway'),
    ('pathway', 2, 'mmhs', NULL, 'Maternal mental health service pathway'),
    ('risk_level', 1, 'low', NULL, 'Low'),
    ('risk_level', 2, 'moderate', NULL, 'Moderate'),
    ('risk_level', 3, 'high', NULL, 'High'),
    ('profession', 1, 'psychiatrist', NULL, 'Psychiatrist'),
    ('profession', 2, 'nurse', NULL, 'Nurse'),
    ('profession', 3, 'psychologist', NULL, 'Psychologist'),
    ('profession', 4, 'occupational_therapist', NULL, 'Occupational therapist'),
    ('profession', 5, 'social_worker', NULL, 'Social worker'),
    ('profession', 6, 'nursery_nurse', NULL, 'Nursery nurse'),
    ('profession', 7, 'peer_support_worker', NULL, 'Peer support worker'),
    ('profession', 8, 'midwife', NULL, 'Midwife'),
    ('profession', 9, 'health_visitor', NULL, 'Health visitor'),
    ('profession', 10, 'other', NULL, 'Other'),
    ('perinatal_stage', 1, 'pre_conception', NULL, 'Pre-conception'),
    ('perinatal_stage', 2, 'pregnant', NULL, 'Pregnant'),
    ('perinatal_stage', 3, 'postnatal', NULL, 'Postnatal');
GRANT SELECT ON vocabulary TO perinatal_app;

-- Workflows: each has an initial state; a step is allowed only when listed.
CREATE TABLE workflows (
    name text PRIMARY KEY,
    initial_state text NOT NULL
);
CREATE TABLE workflow_steps (
    workflow text NOT NULL REFERENCES workflows (name),
    from_state text NOT NULL,
    to_state text NOT NULL,
    -- Who may take the step.
    roles text[] NOT NULL,
    -- Body fields the step needs, and those it may carry besides them
    -- ("to" and "notes" are always allowed).
    required text[] NOT NULL DEFAULT '{}',
    optional text[] NOT NULL DEFAULT '{}',
    -- Functions (a access, id uuid, body jsonb) RETURNS jsonb, NULL when the
    -- step may go ahead, else {"status": 409 | 422, "detail": ..., and for
    -- 422 "pointer": ...}: db/repeatable/workflow.sql calls them.
    guards text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (workflow, from_state, to_state)
);
GRANT SELECT ON workflows, workflow_steps TO perinatal_app;

INSERT INTO workflows (name, initial_state) VALUES ('referral', 'received');
INSERT INTO workflow_steps (workflow, from_state, to_state, roles, required, optional, guards)
SELECT 'referral', w.from_status, w.to_status, '{clinician,admin}',
    CASE w.to_status
        WHEN 'triaged' THEN '{duty_clinician_id,notes}'
        WHEN 'mdt_review' THEN '{meeting_date}'
        WHEN 'accepted' THEN '{pathway,allocated_clinician_id}'
        WHEN 'signposted' THEN '{signposted_to}'
        WHEN 'referred_on' THEN '{referred_to}'
        WHEN 'declined' THEN '{reason}'
        WHEN 'withdrawn' THEN '{reason}'
        WHEN 'unable_to_engage' THEN '{risk_assessment}'
        WHEN 'discharged' THEN '{discharge_plan}'
    END::text[],
    CASE w.to_status WHEN 'unable_to_engage' THEN '{first_contact_at,onward_referral}'
        ELSE '{first_contact_at}' END::text[],
    '{referral_guard_first_contact,referral_guard_staff,referral_guard_meeting_date}'
FROM referral_workflow w;

-- One history for every workflow: who moved which record from where to
-- where, when, with what. The first row of a record has no from_state.
CREATE TABLE workflow_transitions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow text NOT NULL REFERENCES workflows (name),
    record_id uuid NOT NULL,
    from_state text,
    to_state text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    by_sub text NOT NULL,
    by_role text NOT NULL,
    notes text,
    details jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT workflow_transitions_step_fk FOREIGN KEY (workflow, from_state, to_state)
        REFERENCES workflow_steps (workflow, from_state, to_state)
);
CREATE INDEX workflow_transitions_record_idx ON workflow_transitions (record_id, id);
INSERT INTO workflow_transitions (workflow, record_id, from_state, to_state, at, by_sub, by_role,
    notes, details)
SELECT 'referral', referral_id, from_status, to_status, at, by_sub, by_role, notes, details
FROM referral_transitions ORDER BY id;
GRANT SELECT, INSERT ON workflow_transitions TO perinatal_app;

-- A record's state changes only along a listed step, whoever writes it:
-- BEFORE UPDATE OF <state column>, arguments: workflow name, column name.
CREATE FUNCTION workflow_state_follows() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_state text := to_jsonb(OLD) ->> TG_ARGV[1];
    new_state text := to_jsonb(NEW) ->> TG_ARGV[1];
BEGIN
    IF new_state IS DISTINCT FROM old_state AND NOT EXISTS (
        SELECT 1 FROM workflow_steps
        WHERE workflow = TG_ARGV[0] AND from_state = old_state AND to_state = new_state) THEN
        RAISE EXCEPTION '% % cannot go from % to %', TG_ARGV[0], OLD.id, old_state, new_state
            USING ERRCODE = 'check_violation', CONSTRAINT = 'workflow_step_check';
    END IF;
    RETURN NEW;
END
$$;

-- The referral's own workflow trigger and tables give way to the generic ones.
DROP TRIGGER referrals_workflow ON referrals;
CREATE TRIGGER referrals_workflow BEFORE UPDATE OF status ON referrals
    FOR EACH ROW EXECUTE FUNCTION workflow_state_follows('referral', 'status');
DROP FUNCTION referral_status_follows_workflow();
DROP FUNCTION referral_transition_json(referral_transitions);
DROP TABLE referral_transitions;
DROP TABLE referral_workflow;

-- The receipt time may be given by staff keying in a letter or a call, but
-- it cannot lie in the future (five minutes of clock skew allowed).
ALTER TABLE referrals ADD CONSTRAINT referrals_received_not_future
    CHECK (received_at <= created_at + interval '5 minutes');
