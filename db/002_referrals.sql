-- Referrals (service specification, seed 002): receipt, the response clock,
-- the computed flags and the workflow with its full history.

-- The workflow, held as data: a transition not listed here cannot be
-- recorded (foreign key) nor applied to a referral (trigger).
CREATE TABLE referral_workflow (
    from_status text NOT NULL,
    to_status text NOT NULL,
    PRIMARY KEY (from_status, to_status)
);
INSERT INTO referral_workflow (from_status, to_status) VALUES
    ('received', 'triaged'),
    ('received', 'withdrawn'),
    ('received', 'unable_to_engage'),
    ('triaged', 'mdt_review'),
    ('triaged', 'withdrawn'),
    ('triaged', 'unable_to_engage'),
    ('mdt_review', 'accepted'),
    ('mdt_review', 'signposted'),
    ('mdt_review', 'referred_on'),
    ('mdt_review', 'declined'),
    ('mdt_review', 'withdrawn'),
    ('mdt_review', 'unable_to_engage'),
    ('accepted', 'unable_to_engage'),
    ('accepted', 'discharged'),
    ('unable_to_engage', 'discharged');
GRANT SELECT ON referral_workflow TO perinatal_app;

CREATE TABLE referrals (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL,
    service_user_id uuid NOT NULL REFERENCES service_users (id),
    team_id uuid NOT NULL,
    source text NOT NULL CHECK (source IN ('gp', 'family', 'cmht', 'social_care', 'midwife',
        'health_visitor', 'self', 'mbu_discharge', 'psychiatric_liaison', 'crisis_team', 'other')),
    channel text NOT NULL CHECK (channel IN ('online_form', 'telephone', 'letter', 'electronic')),
    received_at timestamptz NOT NULL,
    priority text NOT NULL CHECK (priority IN ('emergency', 'routine')),
    criteria text[] NOT NULL CHECK (cardinality(criteria) BETWEEN 1 AND 11 AND criteria <@ ARRAY[
        'maternity_experience_illness', 'smi_pregnant', 'at_risk_after_delivery',
        'preconception_advice', 'family_history_bipolar_pp', 'previous_perinatal_illness',
        'non_psychotic_affecting_baby_care', 'medication_advice', 'mbu_discharge',
        'tokophobia_birth_trauma_ptsd', 'perinatal_loss_trauma']::text[]),
    reason text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 4000),
    referrer_name text CHECK (char_length(referrer_name) BETWEEN 1 AND 200),
    referrer_organisation text CHECK (char_length(referrer_organisation) BETWEEN 1 AND 200),
    referrer_contact text CHECK (char_length(referrer_contact) BETWEEN 1 AND 200),
    open_to_other_mh_team boolean NOT NULL DEFAULT false,
    -- The response clock: computed at receipt, closed by the first contact.
    due_at timestamptz NOT NULL,
    responded_at timestamptz CHECK (responded_at >= received_at),
    response_breached boolean GENERATED ALWAYS AS (responded_at > due_at) STORED,
    -- Flags computed by the server at receipt.
    flag_discuss_individually boolean NOT NULL,
    flag_discuss_with_camhs boolean NOT NULL,
    flag_offer_joint_working boolean NOT NULL,
    status text NOT NULL DEFAULT 'received',
    -- What the outcome steps record.
    pathway text CHECK (pathway IN ('perinatal', 'mmhs')),
    allocated_clinician_id uuid REFERENCES staff (id),
    signposted_to text,
    referred_to text,
    closed_reason text,
    risk_assessment jsonb,
    onward_referral jsonb,
    discharge_plan jsonb,
    submitted_by text NOT NULL,
    submitted_by_role text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT referrals_team_fk FOREIGN KEY (team_id, organisation_id)
        REFERENCES teams (id, organisation_id),
    -- Every self-referral aside, somebody referred her.
    CONSTRAINT referrals_referrer_check CHECK (source = 'self' OR referrer_name IS NOT NULL),
    CONSTRAINT referrals_accepted_check CHECK (status <> 'accepted'
        OR (pathway IS NOT NULL AND allocated_clinician_id IS NOT NULL)),
    CONSTRAINT referrals_discharged_check CHECK (status <> 'discharged'
        OR discharge_plan IS NOT NULL),
    CONSTRAINT referrals_unable_to_engage_check CHECK (status <> 'unable_to_engage'
        OR risk_assessment IS NOT NULL)
);

-- The working lists: by team in order of receipt, the overdue list by due
-- time (open and unanswered only), a referrer's own, a woman's.
CREATE INDEX referrals_team_received_idx ON referrals (team_id, received_at DESC, id DESC);
CREATE INDEX referrals_org_received_idx ON referrals (organisation_id, received_at DESC, id DESC);
CREATE INDEX referrals_overdue_idx ON referrals (team_id, due_at, id)
    WHERE responded_at IS NULL AND status IN ('received', 'triaged', 'mdt_review');
CREATE INDEX referrals_org_overdue_idx ON referrals (organisation_id, due_at, id)
    WHERE responded_at IS NULL AND status IN ('received', 'triaged', 'mdt_review');
CREATE INDEX referrals_submitter_idx ON referrals (submitted_by, received_at DESC, id DESC);
CREATE INDEX referrals_service_user_idx ON referrals (service_user_id);

CREATE FUNCTION referral_status_follows_workflow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
        SELECT 1 FROM referral_workflow
        WHERE from_status = OLD.status AND to_status = NEW.status) THEN
        RAISE EXCEPTION 'referral % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'referral_workflow_check';
    END IF;
    IF NEW.status = 'received' AND TG_OP = 'UPDATE' AND OLD.status <> 'received' THEN
        RAISE EXCEPTION 'a referral cannot return to received'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'referral_workflow_check';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER referrals_workflow BEFORE UPDATE OF status ON referrals
    FOR EACH ROW EXECUTE FUNCTION referral_status_follows_workflow();

CREATE TABLE referral_transitions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id uuid NOT NULL REFERENCES referrals (id),
    from_status text,
    to_status text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    by_sub text NOT NULL,
    by_role text NOT NULL,
    notes text,
    details jsonb NOT NULL DEFAULT '{}',
    -- Receipt has no from_status; every later step is a workflow edge.
    CONSTRAINT referral_transitions_workflow_fk FOREIGN KEY (from_status, to_status)
        REFERENCES referral_workflow (from_status, to_status),
    CONSTRAINT referral_transitions_receipt_check CHECK (
        from_status IS NOT NULL OR to_status = 'received')
);
CREATE INDEX referral_transitions_referral_idx ON referral_transitions (referral_id, id);

-- Due time: emergency 4 hours; routine 28 calendar days in England (so a
-- clock change in between does not move it by an hour).
CREATE FUNCTION referral_due_at(received timestamptz, priority text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE priority
        WHEN 'emergency' THEN received + interval '4 hours'
        ELSE ((received AT TIME ZONE 'Europe/London') + interval '28 days')
            AT TIME ZONE 'Europe/London'
    END
$$;

-- Outside the window: more than 9 months after delivery, or 24 months when a
-- cited criterion arises from the maternity experience. Then "discuss
-- individually"; never refused.
CREATE FUNCTION referral_outside_window(received timestamptz, delivery date, criteria text[])
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT delivery IS NOT NULL AND (received AT TIME ZONE 'Europe/London')::date >
        delivery + CASE WHEN criteria && ARRAY['maternity_experience_illness',
                'tokophobia_birth_trauma_ptsd', 'perinatal_loss_trauma']::text[]
            THEN interval '24 months' ELSE interval '9 months' END
$$;

-- Under 18 on the day the referral was received.
CREATE FUNCTION referral_under_18(received timestamptz, born date) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT born + interval '18 years' > (received AT TIME ZONE 'Europe/London')::date
$$;

-- MHSDS codes beside our words (domain brief, national codes).
CREATE FUNCTION referral_source_code(source text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE source WHEN 'gp' THEN 'A1' WHEN 'health_visitor' THEN 'A2'
        WHEN 'midwife' THEN 'A4' WHEN 'self' THEN 'B1' WHEN 'family' THEN 'B2'
        WHEN 'social_care' THEN 'C1' WHEN 'other' THEN 'M7' END
$$;

CREATE FUNCTION referral_json(r referrals) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', r.id, 'service_user_id', r.service_user_id, 'team_id', r.team_id,
        'source', r.source, 'source_code', referral_source_code(r.source),
        'channel', r.channel, 'received_at', r.received_at,
        'priority', r.priority,
        'priority_code', CASE r.priority WHEN 'emergency' THEN '1' ELSE '3' END,
        'criteria', to_json(r.criteria), 'reason', r.reason,
        'referrer', CASE WHEN r.referrer_name IS NULL THEN NULL ELSE json_build_object(
            'name', r.referrer_name, 'organisation', r.referrer_organisation,
            'contact', r.referrer_contact) END,
        'open_to_other_mental_health_team', r.open_to_other_mh_team,
        'status', r.status,
        'due_at', r.due_at, 'responded_at', r.responded_at,
        'response_breached', r.response_breached,
        'overdue', r.responded_at IS NULL AND r.due_at < now()
            AND r.status IN ('received', 'triaged', 'mdt_review'),
        'flags', json_build_object(
            'discuss_individually', r.flag_discuss_individually,
            'discuss_with_camhs', r.flag_discuss_with_camhs,
            'offer_joint_working', r.flag_offer_joint_working),
        'outcome', json_build_object(
            'pathway', r.pathway, 'allocated_clinician_id', r.allocated_clinician_id,
            'signposted_to', r.signposted_to, 'referred_to', r.referred_to,
            'reason', r.closed_reason),
        'risk_assessment', r.risk_assessment, 'onward_referral', r.onward_referral,
        'discharge_plan', r.discharge_plan,
        'submitted_by', r.submitted_by, 'version', r.version,
        'created_at', r.created_at, 'updated_at', r.updated_at)
$$;

-- What a referrer may see of a referral it submitted: where it stands.
CREATE FUNCTION referral_status_json(r referrals) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', r.id, 'team_id', r.team_id, 'priority', r.priority,
        'received_at', r.received_at, 'due_at', r.due_at, 'status', r.status,
        'responded_at', r.responded_at, 'version', r.version, 'updated_at', r.updated_at)
$$;

CREATE FUNCTION referral_transition_json(t referral_transitions) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', t.id, 'from', t.from_status, 'to', t.to_status, 'at', t.at,
        'by', t.by_sub, 'by_role', t.by_role, 'notes', t.notes, 'details', t.details)
$$;

GRANT SELECT, INSERT, UPDATE ON referrals TO perinatal_app;
GRANT SELECT, INSERT ON referral_transitions TO perinatal_app;
