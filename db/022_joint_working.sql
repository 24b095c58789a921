-- Joint-working agreements (issue 14; seed 003, the Perinatal Joint Working
-- Framework): for one woman and one period (antenatal, then postnatal), the
-- perinatal team and another secondary-care mental health team agree who
-- leads and, for every need domain of the framework, who delivers it ("need
-- identified") or who keeps monitoring it ("no identified need"). Its status
-- is a workflow (draft -> agreed -> shared -> ended); where it was sent and
-- the differences of opinion escalated to senior clinical leads are nested
-- records. While it is agreed or shared, a clinician of a participating team
-- of the organisation reads her record (access_scope, db/repeatable/
-- 01_access.sql): derived from the agreement, never a permanent team link.

INSERT INTO vocabulary (domain, position, code, national_code, label) VALUES
    ('jw_period', 1, 'antenatal', NULL, 'Antenatal period'),
    ('jw_period', 2, 'postnatal', NULL, 'Postnatal period'),
    ('jw_status', 1, 'draft', NULL, 'Draft'),
    ('jw_status', 2, 'agreed', NULL, 'Agreed at the joint meeting'),
    ('jw_status', 3, 'shared', NULL, 'Shared with the teams, the woman and agencies'),
    ('jw_status', 4, 'ended', NULL, 'Ended'),
    ('jw_need', 1, 'need_identified', NULL, 'Need identified: who will deliver this'),
    ('jw_need', 2, 'no_identified_need', NULL,
        'No identified need: who will continue to monitor potential need'),
    -- The need domains of the framework, in its order.
    ('jw_domain', 1, 'medical_review', NULL,
        'Medical review: medication in pregnancy or breastfeeding, side effects'),
    ('jw_domain', 2, 'lead_service', NULL,
        'Lead service / lead professional: delivering the care plan, monitoring, interventions'),
    ('jw_domain', 3, 'crisis_management', NULL,
        'Crisis management: safety plan, telephone support, urgent home treatment'),
    ('jw_domain', 4, 'perinatal_mental_health_midwife', NULL,
        'Referral to the perinatal mental health midwife'),
    ('jw_domain', 5, 'health_visiting_contact', NULL,
        'Contact health visiting: coordination of care in the postnatal period'),
    ('jw_domain', 6, 'birthing_conversation', NULL,
        'Perinatal mental health birthing conversation (before 32 weeks)'),
    ('jw_domain', 7, 'high_risk_postnatal_monitoring', NULL,
        'Monitoring high-risk women after birth'),
    ('jw_domain', 8, 'first_episode_psychosis', NULL,
        'NICE care for women with a first episode of psychosis'),
    ('jw_domain', 9, 'parent_infant_relationship', NULL,
        'Assess the parent-infant relationship (PBQ)'),
    ('jw_domain', 10, 'parent_infant_interventions', NULL, 'Offer parent-infant interventions'),
    ('jw_domain', 11, 'psychological_therapy', NULL,
        'Psychological therapy (started within 28 days of its assessment)'),
    ('jw_domain', 12, 'occupational_therapy', NULL, 'Occupational therapy'),
    ('jw_domain', 13, 'couples_family_therapy', NULL, 'Couples and family therapy'),
    ('jw_domain', 14, 'wellbeing_social_integration', NULL, 'Wellbeing and social integration'),
    ('jw_domain', 15, 'carers_assessment', NULL, 'Carers assessment'),
    ('jw_domain', 16, 'safeguarding_children', NULL, 'Safeguarding children'),
    ('jw_domain', 17, 'safeguarding_adults', NULL, 'Safeguarding adults'),
    ('jw_domain', 18, 'additional_needs', NULL,
        'Additional needs: disordered eating, substance misuse, complex trauma or personality '
        'disorder, learning disability'),
    -- What became of each of the six NICE offers for first-episode psychosis.
    ('nice_offer_status', 1, 'offered', NULL, 'Offered'),
    ('nice_offer_status', 2, 'accepted', NULL, 'Offered and accepted'),
    ('nice_offer_status', 3, 'declined', NULL, 'Offered and declined'),
    ('nice_offer_status', 4, 'not_appropriate', NULL, 'Not appropriate for her'),
    ('jw_share_recipient', 1, 'team', NULL, 'A team (participating or involved in her care)'),
    ('jw_share_recipient', 2, 'woman', NULL, 'The woman'),
    ('jw_share_recipient', 3, 'maternity', NULL, 'Maternity services'),
    ('jw_share_recipient', 4, 'health_visiting', NULL, 'Health visiting'),
    ('contact_purpose', 1, 'birthing_conversation', NULL,
        'Perinatal mental health birthing conversation'),
    ('contact_purpose', 2, 'assessment_after_birth', NULL,
        'Assessment after birth (a woman at high risk)');

CREATE TABLE joint_working_agreements (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    service_user_id uuid NOT NULL REFERENCES service_users (id),
    -- Her care plan, which the agreement sits alongside. No foreign key
    -- yet: care plans are built on another branch (issue 14 note); the
    -- merge adds the key.
    care_plan_id uuid,
    period text NOT NULL CHECK (period IN ('antenatal', 'postnatal')),
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'agreed', 'shared', 'ended')),
    -- The perinatal team, and the other secondary-care team: one of this
    -- organisation (a team id, whose clinicians then read her record while
    -- the agreement is active) and/or one of another organisation (named
    -- only).
    perinatal_team_id uuid NOT NULL,
    other_team_id uuid,
    other_team_name text CHECK (char_length(other_team_name) BETWEEN 1 AND 200),
    other_team_organisation text CHECK (char_length(other_team_organisation) BETWEEN 1 AND 200),
    meeting_date date,
    present text CHECK (char_length(present) BETWEEN 1 AND 2000),
    lead_team_id uuid,
    lead_team_name text CHECK (char_length(lead_team_name) BETWEEN 1 AND 200),
    lead_professional_staff_id uuid,
    lead_professional_name text CHECK (char_length(lead_professional_name) BETWEEN 1 AND 200),
    informed_ahead boolean,
    service_information_given boolean,
    told_lead_service boolean,
    wishes text CHECK (char_length(wishes) BETWEEN 1 AND 4000),
    family_wishes text CHECK (char_length(family_wishes) BETWEEN 1 AND 4000),
    -- {"<jw_domain code>": {"need": ..., "delivered_by" | "monitored_by": ...}}:
    -- validated by the API (joint_working_agreements.c); completeness is the
    -- guard of the step out of draft.
    domains jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(domains) = 'object'),
    ended_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT jwa_perinatal_team_fk FOREIGN KEY (perinatal_team_id, organisation_id)
        REFERENCES teams (id, organisation_id),
    CONSTRAINT jwa_other_team_fk FOREIGN KEY (other_team_id, organisation_id)
        REFERENCES teams (id, organisation_id),
    CONSTRAINT jwa_lead_team_fk FOREIGN KEY (lead_team_id, organisation_id)
        REFERENCES teams (id, organisation_id),
    CONSTRAINT jwa_lead_staff_fk FOREIGN KEY (lead_professional_staff_id, organisation_id)
        REFERENCES staff (id, organisation_id),
    CONSTRAINT jwa_other_team_check CHECK (other_team_id IS NOT NULL OR other_team_name IS NOT NULL),
    CONSTRAINT jwa_other_team_distinct_check CHECK (other_team_id <> perinatal_team_id),
    CONSTRAINT jwa_other_team_organisation_check
        CHECK (other_team_organisation IS NULL OR other_team_name IS NOT NULL),
    CONSTRAINT jwa_lead_team_one_check CHECK (lead_team_id IS NULL OR lead_team_name IS NULL),
    CONSTRAINT jwa_lead_professional_one_check
        CHECK (lead_professional_staff_id IS NULL OR lead_professional_name IS NULL),
    CONSTRAINT jwa_ended_check CHECK ((status = 'ended') = (ended_at IS NOT NULL)),
    CONSTRAINT jwa_id_woman_unique UNIQUE (id, service_user_id)
);
-- One agreement in force per woman and period (an ended one may be followed
-- by another).
CREATE UNIQUE INDEX jwa_one_per_period ON joint_working_agreements (service_user_id, period)
    WHERE status <> 'ended';
CREATE INDEX jwa_org_idx ON joint_working_agreements (organisation_id, id);
-- The scope rule's branch: the active agreements of a woman.
CREATE INDEX jwa_active_idx ON joint_working_agreements (service_user_id)
    WHERE status IN ('agreed', 'shared');
GRANT SELECT, INSERT, UPDATE ON joint_working_agreements TO perinatal_app;

INSERT INTO workflows (name, initial_state) VALUES ('joint_working_agreement', 'draft');
INSERT INTO workflow_steps (workflow, from_state, to_state, roles, required, optional, guards)
VALUES
    ('joint_working_agreement', 'draft', 'agreed', '{clinician}', '{}', '{}',
        '{jw_guard_complete}'),
    ('joint_working_agreement', 'agreed', 'shared', '{clinician}', '{}', '{}',
        '{jw_guard_shared}'),
    ('joint_working_agreement', 'draft', 'ended', '{clinician}', '{reason}', '{}', '{}'),
    ('joint_working_agreement', 'agreed', 'ended', '{clinician}', '{reason}', '{}', '{}'),
    ('joint_working_agreement', 'shared', 'ended', '{clinician}', '{reason}', '{}', '{}');
CREATE TRIGGER jwa_workflow BEFORE UPDATE OF status ON joint_working_agreements
    FOR EACH ROW EXECUTE FUNCTION workflow_state_follows('joint_working_agreement', 'status');

-- More participating teams than the one other team of the agreement (the
-- perinatal team and "the other secondary-care team(s)"): a team of the
-- organisation (its clinicians read her record while the agreement is
-- active, like the other team's) or one of another organisation, named
-- only. Added while a draft; one added in error is marked so (voided) and
-- its access ends.
CREATE TABLE joint_working_teams (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    agreement_id uuid NOT NULL,
    service_user_id uuid NOT NULL,
    team_id uuid,
    name text CHECK (char_length(name) BETWEEN 1 AND 200),
    organisation text CHECK (char_length(organisation) BETWEEN 1 AND 200),
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    voided_at timestamptz,
    voided_by text,
    void_reason text CHECK (char_length(void_reason) BETWEEN 1 AND 4000),
    CONSTRAINT jwt_agreement_fk FOREIGN KEY (agreement_id, service_user_id)
        REFERENCES joint_working_agreements (id, service_user_id),
    CONSTRAINT jwt_team_fk FOREIGN KEY (team_id, organisation_id)
        REFERENCES teams (id, organisation_id),
    CONSTRAINT jwt_one_check CHECK ((team_id IS NULL) <> (name IS NULL)
        AND (organisation IS NULL OR name IS NOT NULL)),
    CONSTRAINT jwt_voided_check CHECK ((voided_at IS NULL) = (voided_by IS NULL)
        AND (voided_at IS NULL) = (void_reason IS NULL))
);
CREATE UNIQUE INDEX jwt_team_once ON joint_working_teams (agreement_id, team_id)
    WHERE voided_at IS NULL;
CREATE INDEX jwt_agreement_idx ON joint_working_teams (agreement_id, id);
GRANT SELECT, INSERT, UPDATE ON joint_working_teams TO perinatal_app;

-- Where the document went, and when. Maternity and health visiting receive
-- the document only (never her record), and only with her consent.
CREATE TABLE joint_working_shares (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    agreement_id uuid NOT NULL,
    service_user_id uuid NOT NULL,
    recipient text NOT NULL CHECK (recipient IN ('team', 'woman', 'maternity', 'health_visiting')),
    team_id uuid,
    team_name text CHECK (char_length(team_name) BETWEEN 1 AND 200),
    shared_on date NOT NULL,
    note text CHECK (char_length(note) BETWEEN 1 AND 2000),
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT jws_agreement_fk FOREIGN KEY (agreement_id, service_user_id)
        REFERENCES joint_working_agreements (id, service_user_id),
    CONSTRAINT jws_team_fk FOREIGN KEY (team_id, organisation_id)
        REFERENCES teams (id, organisation_id),
    CONSTRAINT jws_team_check CHECK ((recipient = 'team')
        = (team_id IS NOT NULL OR team_name IS NOT NULL) AND (team_id IS NULL OR team_name IS NULL))
);
CREATE INDEX jws_agreement_idx ON joint_working_shares (agreement_id, id);
GRANT SELECT, INSERT ON joint_working_shares TO perinatal_app;

-- Differences of opinion between the teams, escalated to senior clinical
-- leads: recorded, dated, and resolved with the resolution.
CREATE TABLE joint_working_differences (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    agreement_id uuid NOT NULL,
    service_user_id uuid NOT NULL,
    raised_on date NOT NULL,
    description text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 4000),
    escalated_to text NOT NULL CHECK (char_length(escalated_to) BETWEEN 1 AND 500),
    escalated_on date NOT NULL,
    resolved_on date,
    resolution text CHECK (char_length(resolution) BETWEEN 1 AND 4000),
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT jwd_agreement_fk FOREIGN KEY (agreement_id, service_user_id)
        REFERENCES joint_working_agreements (id, service_user_id),
    CONSTRAINT jwd_resolved_check CHECK ((resolved_on IS NULL) = (resolution IS NULL)),
    CONSTRAINT jwd_dates_check CHECK (escalated_on >= raised_on
        AND (resolved_on IS NULL OR resolved_on >= raised_on))
);
CREATE INDEX jwd_agreement_idx ON joint_working_differences (agreement_id, id);
GRANT SELECT, INSERT, UPDATE ON joint_working_differences TO perinatal_app;

-- Contacts gain a purpose and the agreement they belong to (the birthing
-- conversation is a contact with that purpose, linked to the agreement).
ALTER TABLE contacts
    ADD COLUMN purpose text CONSTRAINT contacts_purpose_check
        CHECK (purpose IN ('birthing_conversation', 'assessment_after_birth')),
    ADD COLUMN joint_working_agreement_id uuid,
    ADD CONSTRAINT contacts_agreement_woman_fk
        FOREIGN KEY (joint_working_agreement_id, service_user_id)
        REFERENCES joint_working_agreements (id, service_user_id);
CREATE INDEX contacts_agreement_idx ON contacts (joint_working_agreement_id, at)
    WHERE joint_working_agreement_id IS NOT NULL;

-- The women who need an agreement and have none for their current period
-- (GET /v1/joint-working-agreements/due): her period follows her perinatal
-- stage (pregnant: antenatal; postnatal: postnatal; an agreement in any
-- status, ended included, is hers for the period); she needs one when a
-- referral still open or accepted is flagged open to another mental health
-- team (unless the perinatal team took over her full care), or when,
-- accepted, she is linked to another secondary-care mental health team.
CREATE VIEW joint_working_due AS
SELECT w.id, w.organisation_id, w.id AS service_user_id, w.period, w.open_to_other_team,
    w.under_other_team, w.estimated_due_date, w.delivery_date, 1 AS version
FROM (
    SELECT s.id, s.organisation_id, s.estimated_due_date, s.delivery_date,
        CASE s.perinatal_stage WHEN 'pregnant' THEN 'antenatal'
            WHEN 'postnatal' THEN 'postnatal' END AS period,
        EXISTS (SELECT 1 FROM referrals r
            WHERE r.service_user_id = s.id AND r.voided_at IS NULL
                AND r.status IN ('received', 'triaged', 'mdt_review', 'accepted')
                AND (r.flag_offer_joint_working OR r.open_to_other_mh_team)
                AND coalesce(r.co_working ->> 'arrangement', '') <> 'full_care_transfer')
            AS open_to_other_team,
        EXISTS (SELECT 1 FROM referrals r
            WHERE r.service_user_id = s.id AND r.voided_at IS NULL AND r.status = 'accepted'
                AND coalesce(r.co_working ->> 'arrangement', '') <> 'full_care_transfer')
        AND EXISTS (SELECT 1 FROM service_user_teams l JOIN teams t ON t.id = l.team_id
            WHERE l.service_user_id = s.id
                AND t.type IN ('cmht', 'early_intervention', 'crisis_home_treatment', 'camhs'))
            AS under_other_team
    FROM service_users s
    WHERE s.perinatal_stage IN ('pregnant', 'postnatal')) w
WHERE (w.open_to_other_team OR w.under_other_team)
    -- An agreement of this pregnancy (made since about 280 days before her
    -- due or delivery date) for the period; one of an earlier pregnancy
    -- does not count.
    AND NOT EXISTS (SELECT 1 FROM joint_working_agreements j
        WHERE j.service_user_id = w.id AND j.period = w.period
            AND j.created_at >= coalesce(w.estimated_due_date, w.delivery_date) - 280);
GRANT SELECT ON joint_working_due TO perinatal_app;
