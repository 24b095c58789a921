-- Care plans (issue 13, points 1, 2, 3, 6, 8, 9): the woman's plan (her
-- goals in her own words, the care coordinator, the team, the review date,
-- the safety plan), every version of it kept, and the interventions offered
-- under it from one coded catalogue, each with its lifecycle as a workflow.

-- The intervention catalogue: the vocabulary domain `intervention`, each
-- code with its kind (intervention_kind), so that reports select the
-- psychological therapies (the 28-day start) and the psychosocial
-- mother-infant interventions (MH11) by kind, never by a list of codes.
-- Every intervention named in seeds 002 (service specification) and 003
-- (joint-working guidance) is a code.
ALTER TABLE vocabulary ADD COLUMN intervention_kind text;
INSERT INTO vocabulary (domain, position, code, national_code, label) VALUES
    ('intervention_kind', 1, 'psychological_therapy', NULL, 'Maternal psychological therapy'),
    ('intervention_kind', 2, 'medication', NULL, 'Medication'),
    ('intervention_kind', 3, 'preconception', NULL, 'Pre-conception counselling'),
    ('intervention_kind', 4, 'occupational_therapy', NULL, 'Occupational therapy'),
    ('intervention_kind', 5, 'family_therapy', NULL, 'Couples and family therapy'),
    ('intervention_kind', 6, 'wellbeing', NULL, 'Wellbeing and social integration'),
    ('intervention_kind', 7, 'parent_infant', NULL,
        'Psychosocial mother-infant (parent-infant) intervention (MH11)'),
    ('intervention_kind', 8, 'psychosis_nice', NULL,
        'NICE care for first episode psychosis'),
    ('intervention_kind', 9, 'mmhs_class', NULL, 'Maternal Mental Health Service class'),
    ('intervention_kind', 10, 'partner_family', NULL,
        'Partner and family offer (recorded as a partner offer)'),
    ('intervention_status', 1, 'offered', NULL, 'Offered'),
    ('intervention_status', 2, 'accepted', NULL, 'Accepted'),
    ('intervention_status', 3, 'declined', NULL, 'Declined'),
    ('intervention_status', 4, 'started', NULL, 'Started'),
    ('intervention_status', 5, 'completed', NULL, 'Completed'),
    ('intervention_status', 6, 'stopped', NULL, 'Stopped');
INSERT INTO vocabulary (domain, position, code, national_code, label, intervention_kind) VALUES
    -- 003: "Cognitive Behavioural Therapy (CBT), Compassion Focused Therapy
    -- (CFT), Eye Movement Desensitisation Reprogramming (EMDR), Cognitive
    -- Analytic Therapy (CAT), Mentalisation Based Therapy (MBT), Dialectical
    -- Behavioural Therapy (DBT)"; 002 adds interpersonal, trauma focused
    -- therapy and ACT.
    ('intervention', 1, 'cbt', NULL, 'Cognitive behavioural therapy (CBT)', 'psychological_therapy'),
    ('intervention', 2, 'cft', NULL, 'Compassion focused therapy (CFT)', 'psychological_therapy'),
    ('intervention', 3, 'emdr', NULL, 'Eye movement desensitisation and reprocessing (EMDR)',
        'psychological_therapy'),
    ('intervention', 4, 'cat', NULL, 'Cognitive analytic therapy (CAT)', 'psychological_therapy'),
    ('intervention', 5, 'mbt', NULL, 'Mentalisation based therapy (MBT)', 'psychological_therapy'),
    ('intervention', 6, 'dbt', NULL, 'Dialectical behaviour therapy (DBT)', 'psychological_therapy'),
    ('intervention', 7, 'interpersonal_therapy', NULL, 'Interpersonal therapy',
        'psychological_therapy'),
    ('intervention', 8, 'trauma_focused_therapy', NULL, 'Trauma focused therapy',
        'psychological_therapy'),
    ('intervention', 9, 'act', NULL, 'Acceptance and commitment therapy (ACT)',
        'psychological_therapy'),
    ('intervention', 10, 'medication_review', NULL, 'Medication review', 'medication'),
    ('intervention', 11, 'preconception_counselling', NULL, 'Pre-conception counselling',
        'preconception'),
    ('intervention', 12, 'occupational_therapy', NULL, 'Occupational therapy',
        'occupational_therapy'),
    ('intervention', 13, 'couples_family_therapy', NULL, 'Couples and family therapy',
        'family_therapy'),
    ('intervention', 14, 'family_work', NULL, 'Family work', 'family_therapy'),
    ('intervention', 15, 'wellbeing_peer_support', NULL,
        'Wellbeing and social integration (peer support, local organisations)', 'wellbeing'),
    -- 002 and 003: the parent-infant interventions.
    ('intervention', 16, 'baby_massage', NULL, 'Baby massage', 'parent_infant'),
    ('intervention', 17, 'baby_yoga', NULL, 'Baby yoga', 'parent_infant'),
    ('intervention', 18, 'newborn_behavioural_observation', NULL,
        'Newborn Behavioural Observation (NBO)', 'parent_infant'),
    ('intervention', 19, 'video_interaction_guidance', NULL, 'Video interaction guidance (VIG)',
        'parent_infant'),
    ('intervention', 20, 'care_index', NULL, 'CARE-Index', 'parent_infant'),
    ('intervention', 21, 'gro_brain', NULL, 'Gro-brain', 'parent_infant'),
    ('intervention', 22, 'meaning_of_the_child', NULL, 'Meaning of the Child', 'parent_infant'),
    ('intervention', 23, 'parent_infant_psychotherapy', NULL, 'Parent-infant psychotherapy',
        'parent_infant'),
    ('intervention', 24, 'watch_wait_wonder', NULL, 'Watch Wait Wonder', 'parent_infant'),
    ('intervention', 25, 'circle_of_security', NULL, 'Circle of Security', 'parent_infant'),
    -- 003: the six NICE offers for first episode psychosis.
    ('intervention', 26, 'fep_family_intervention', NULL,
        'Family intervention (first episode psychosis)', 'psychosis_nice'),
    ('intervention', 27, 'fep_cbtp', NULL, 'CBT for psychosis (CBTp)', 'psychosis_nice'),
    ('intervention', 28, 'fep_carer_education', NULL,
        'Carer-focused education and support programme', 'psychosis_nice'),
    ('intervention', 29, 'fep_healthy_living', NULL,
        'Healthy eating, physical activity and stopping smoking', 'psychosis_nice'),
    ('intervention', 30, 'fep_physical_health_assessment', NULL,
        'Comprehensive physical health assessment', 'psychosis_nice'),
    ('intervention', 31, 'fep_supported_employment', NULL, 'Supported employment programme',
        'psychosis_nice'),
    -- 002: the Maternal Mental Health Service's "online input, yoga,
    -- relaxation and mindfulness classes".
    ('intervention', 32, 'mmhs_online_input', NULL, 'MMHS online input', 'mmhs_class'),
    ('intervention', 33, 'mmhs_yoga', NULL, 'MMHS yoga class', 'mmhs_class'),
    ('intervention', 34, 'mmhs_relaxation', NULL, 'MMHS relaxation class', 'mmhs_class'),
    ('intervention', 35, 'mmhs_mindfulness', NULL, 'MMHS mindfulness class', 'mmhs_class'),
    -- Partner and family offers (000 MH6 groups II-IV; 002/003 carers):
    -- listed for completeness, recorded as partner offers, never as the
    -- woman's interventions.
    ('intervention', 36, 'partner_support_sessions', NULL, 'Partner support sessions',
        'partner_family'),
    ('intervention', 37, 'family_sessions', NULL, 'Family sessions', 'partner_family'),
    ('intervention', 38, 'couple_sessions', NULL, 'Couple sessions', 'partner_family'),
    ('intervention', 39, 'partner_parent_infant_activities', NULL,
        'Parent-infant activities with the partner (massage, rhyme time, music)',
        'partner_family'),
    ('intervention', 40, 'partner_practical_parenting', NULL,
        'Practical parenting advice with a nursery nurse or health visitor', 'partner_family'),
    ('intervention', 41, 'partner_recovery_narratives', NULL,
        'Written or video recovery narratives', 'partner_family'),
    ('intervention', 42, 'partner_meeting_recovered', NULL, 'Meeting recovered patients',
        'partner_family'),
    ('intervention', 43, 'carers_assessment_advice', NULL,
        'Advice on a statutory carers assessment', 'partner_family');
ALTER TABLE vocabulary ADD CONSTRAINT vocabulary_intervention_kind_check
    CHECK ((domain = 'intervention') = (intervention_kind IS NOT NULL));

-- The plan. Her goals in her own words (a list, in her order); the care
-- coordinator is active staff of the plan's team (checked below, whoever
-- writes); the safety plan as the client gave it (its shape is the API's
-- field table; co-produced with her, or why not, is checked here too).
CREATE TABLE care_plans (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    service_user_id uuid NOT NULL REFERENCES service_users (id),
    team_id uuid NOT NULL,
    care_coordinator_id uuid NOT NULL,
    goals text[] NOT NULL,
    review_date date NOT NULL,
    safety_plan jsonb,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    updated_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    voided_at timestamptz,
    voided_by text,
    void_reason text CHECK (char_length(void_reason) BETWEEN 1 AND 4000),
    CONSTRAINT care_plans_id_woman_unique UNIQUE (id, service_user_id),
    CONSTRAINT care_plans_team_fk FOREIGN KEY (team_id, organisation_id)
        REFERENCES teams (id, organisation_id),
    CONSTRAINT care_plans_goals_check CHECK (cardinality(goals) BETWEEN 1 AND 20
        AND array_position(goals, NULL) IS NULL),
    CONSTRAINT care_plans_safety_plan_co_produced CHECK (safety_plan IS NULL
        OR (safety_plan -> 'co_produced' ->> 'with_woman')::boolean
        OR safety_plan -> 'co_produced' ? 'without_woman_reason'),
    CONSTRAINT care_plans_voided_check CHECK ((voided_at IS NULL) = (voided_by IS NULL)
        AND (voided_at IS NULL) = (void_reason IS NULL))
);
-- The lists: per woman, per team, by review date (the review-due list).
CREATE INDEX care_plans_service_user_idx ON care_plans (service_user_id, review_date, id);
CREATE INDEX care_plans_team_idx ON care_plans (team_id, review_date, id);
CREATE INDEX care_plans_review_idx ON care_plans (organisation_id, review_date, id);
GRANT SELECT, INSERT, UPDATE ON care_plans TO perinatal_app;

-- The care coordinator is active staff of the plan's team (on every write
-- that names one).
CREATE FUNCTION care_plans_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.service_user_id <> OLD.service_user_id THEN
        RAISE EXCEPTION 'care plan % changes woman', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'care_plans_woman_fixed';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.team_id <> OLD.team_id THEN
        RAISE EXCEPTION 'care plan % changes team', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'care_plans_team_fixed';
    END IF;
    IF (TG_OP = 'INSERT' OR NEW.care_coordinator_id IS DISTINCT FROM OLD.care_coordinator_id
            OR NEW.team_id IS DISTINCT FROM OLD.team_id)
        AND NOT EXISTS (SELECT 1 FROM staff s WHERE s.id = NEW.care_coordinator_id
            AND s.team_id = NEW.team_id AND s.organisation_id = NEW.organisation_id
            AND s.active) THEN
        RAISE EXCEPTION 'care plan % coordinator not of its team', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'care_plans_coordinator_check';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER care_plans_check BEFORE INSERT OR UPDATE ON care_plans
    FOR EACH ROW EXECUTE FUNCTION care_plans_check();

-- Versions: every version of a plan, as it was, one row each, written by
-- the trigger below whatever writes the plan (the first on insert, one per
-- change of its version), never changed or removed. content holds the
-- plan's fields at that version; changes names the fields that differ from
-- the version before (all of them for the first); changed_by and
-- changed_at say who and when.
CREATE TABLE care_plan_versions (
    care_plan_id uuid NOT NULL REFERENCES care_plans (id),
    version integer NOT NULL,
    organisation_id uuid NOT NULL,
    service_user_id uuid NOT NULL,
    content jsonb NOT NULL,
    changes text[] NOT NULL,
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (care_plan_id, version)
);
GRANT SELECT, INSERT ON care_plan_versions TO perinatal_app;

CREATE FUNCTION care_plan_versions_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'care plan versions are append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER care_plan_versions_no_change BEFORE UPDATE OR DELETE ON care_plan_versions
    FOR EACH ROW EXECUTE FUNCTION care_plan_versions_append_only();
CREATE TRIGGER care_plan_versions_no_truncate BEFORE TRUNCATE ON care_plan_versions
    FOR EACH STATEMENT EXECUTE FUNCTION care_plan_versions_append_only();

-- A plan's content at one version (what the versions keep).
CREATE FUNCTION care_plan_content(p care_plans) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
        'service_user_id', p.service_user_id, 'team_id', p.team_id,
        'care_coordinator_id', p.care_coordinator_id, 'goals', to_jsonb(p.goals),
        'review_date', p.review_date, 'safety_plan', p.safety_plan,
        'entered_in_error', CASE WHEN p.voided_at IS NOT NULL THEN jsonb_build_object(
            'at', p.voided_at, 'by', p.voided_by, 'reason', p.void_reason) END)
$$;

CREATE FUNCTION care_plans_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    now_content jsonb := care_plan_content(NEW);
    before jsonb;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.version = OLD.version THEN
            RETURN NULL;
        END IF;
        before := care_plan_content(OLD);
    END IF;
    INSERT INTO care_plan_versions (care_plan_id, version, organisation_id, service_user_id,
        content, changes, changed_by, changed_at)
    VALUES (NEW.id, NEW.version, NEW.organisation_id, NEW.service_user_id, now_content,
        ARRAY(SELECT k FROM jsonb_object_keys(now_content) k
            WHERE before IS NULL OR before -> k IS DISTINCT FROM now_content -> k ORDER BY k),
        CASE WHEN NEW.voided_at IS NOT NULL AND OLD.voided_at IS NULL THEN NEW.voided_by
            ELSE NEW.updated_by END,
        NEW.updated_at);
    RETURN NULL;
END
$$;
CREATE TRIGGER care_plans_version AFTER INSERT OR UPDATE ON care_plans
    FOR EACH ROW EXECUTE FUNCTION care_plans_version();

-- Interventions under a plan: the woman's (partner and family offers are
-- partner offers), each a code of the catalogue with its kind copied at the
-- offer. The lifecycle is the workflow `intervention`; each step's day, the
-- member of staff and the team are in steps ({"offered": {"on", "staff_id",
-- "team_id", "recorded_by", "recorded_at"}, ...}) and the days in columns
-- for the reports. A psychological therapy records its assessment date: it
-- should start within 28 days of it (a later start is allowed, and shown as
-- a breach).
-- mbu_admission_id: the mother-and-baby-unit admission the intervention
-- was offered during (MH11 counts psychosocial mother-infant interventions
-- offered during a stay). Nullable and without a foreign key until the MBU
-- admissions table (another branch) is merged; the foreign key and the
-- tagging at the offer come with that merge.
CREATE TABLE care_plan_interventions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    care_plan_id uuid NOT NULL,
    service_user_id uuid NOT NULL,
    code text NOT NULL,
    kind text NOT NULL,
    status text NOT NULL DEFAULT 'offered',
    assessment_date date,
    offered_on date NOT NULL,
    accepted_on date,
    declined_on date,
    started_on date,
    ended_on date,
    decline_reason text CHECK (char_length(decline_reason) BETWEEN 1 AND 4000),
    stop_reason text CHECK (char_length(stop_reason) BETWEEN 1 AND 4000),
    steps jsonb NOT NULL,
    notes text CHECK (char_length(notes) BETWEEN 1 AND 4000),
    -- The representation (intervention_json of the row), kept by the
    -- trigger below on every write, so that the plan read aggregates its
    -- interventions without building each one again (bench/care_plans.sh).
    representation json NOT NULL,
    mbu_admission_id uuid,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    voided_at timestamptz,
    voided_by text,
    void_reason text CHECK (char_length(void_reason) BETWEEN 1 AND 4000),
    CONSTRAINT care_plan_interventions_plan_fk FOREIGN KEY (care_plan_id, service_user_id)
        REFERENCES care_plans (id, service_user_id),
    CONSTRAINT care_plan_interventions_status_check CHECK (status IN ('offered', 'accepted',
        'declined', 'started', 'completed', 'stopped')),
    CONSTRAINT care_plan_interventions_kind_check CHECK (kind <> 'partner_family'),
    CONSTRAINT care_plan_interventions_stopped_check
        CHECK ((status = 'stopped') = (stop_reason IS NOT NULL)),
    CONSTRAINT care_plan_interventions_voided_check CHECK ((voided_at IS NULL) = (voided_by IS NULL)
        AND (voided_at IS NULL) = (void_reason IS NULL))
);
-- The plan's interventions in the order offered (the plan read and the
-- nested list walk it without a sort).
CREATE INDEX care_plan_interventions_plan_idx ON care_plan_interventions (care_plan_id, created_at,
    id);
CREATE INDEX care_plan_interventions_woman_idx ON care_plan_interventions (service_user_id);
GRANT SELECT, INSERT, UPDATE ON care_plan_interventions TO perinatal_app;

-- The offer's rules, whoever writes it: not in the future (England's day),
-- the assessment not in the future, offered by active staff of the team
-- named.
CREATE FUNCTION care_plan_interventions_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    today date := (now() AT TIME ZONE 'Europe/London')::date;
BEGIN
    IF NEW.offered_on > today THEN
        RAISE EXCEPTION 'intervention % offered in the future', NEW.id
            USING ERRCODE = 'check_violation',
                CONSTRAINT = 'care_plan_interventions_offered_not_future';
    END IF;
    IF NEW.assessment_date > today THEN
        RAISE EXCEPTION 'intervention % assessed in the future', NEW.id
            USING ERRCODE = 'check_violation',
                CONSTRAINT = 'care_plan_interventions_assessment_not_future';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM staff s
            WHERE s.id = (NEW.steps -> 'offered' ->> 'staff_id')::uuid
                AND s.team_id = (NEW.steps -> 'offered' ->> 'team_id')::uuid
                AND s.organisation_id = NEW.organisation_id AND s.active) THEN
        RAISE EXCEPTION 'intervention % offered by staff not of the team', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'care_plan_interventions_staff_check';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER care_plan_interventions_check BEFORE INSERT ON care_plan_interventions
    FOR EACH ROW EXECUTE FUNCTION care_plan_interventions_check();

-- The stored representation follows the row, whoever writes it.
-- intervention_json is defined in db/repeatable/40_care_plans.sql, which
-- also remakes every representation when that definition changes (recording which
-- definition made them below); no migration writes an intervention before
-- the repeatable files have run once.
CREATE FUNCTION care_plan_interventions_representation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.representation := intervention_json(NEW);
    RETURN NEW;
END
$$;
CREATE TRIGGER care_plan_interventions_representation BEFORE INSERT OR UPDATE ON care_plan_interventions
    FOR EACH ROW EXECUTE FUNCTION care_plan_interventions_representation();
CREATE TABLE care_plan_intervention_representation_source (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    definition_md5 text NOT NULL
);

INSERT INTO workflows (name, initial_state) VALUES ('intervention', 'offered');
INSERT INTO workflow_steps (workflow, from_state, to_state, roles, required, optional, guards)
VALUES
    ('intervention', 'offered', 'accepted', '{clinician}', '{on,staff_id,team_id}', '{}',
        '{intervention_guard_step}'),
    ('intervention', 'offered', 'declined', '{clinician}', '{on,staff_id,team_id}', '{reason}',
        '{intervention_guard_step}'),
    ('intervention', 'accepted', 'started', '{clinician}', '{on,staff_id,team_id}',
        '{assessment_date}', '{intervention_guard_step,intervention_guard_assessment}'),
    ('intervention', 'started', 'completed', '{clinician}', '{on,staff_id,team_id}', '{}',
        '{intervention_guard_step}'),
    ('intervention', 'started', 'stopped', '{clinician}', '{on,staff_id,team_id,reason}', '{}',
        '{intervention_guard_step}');
CREATE TRIGGER care_plan_interventions_workflow BEFORE UPDATE OF status ON care_plan_interventions
    FOR EACH ROW EXECUTE FUNCTION workflow_state_follows('intervention', 'status');
