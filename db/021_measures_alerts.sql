-- Outcome measures scored by the service (issue 16) and the duty hours that
-- decide when an unacknowledged alert is overdue (issues 16 and 9).
--
-- An administration stores the item responses only: for each item the
-- position of the chosen option on the form (0 = the first option), never
-- the wording, which front ends show under each instrument's own licence.
-- The scores are the database's (measures_score, db/repeatable/70_measures.sql),
-- from the instrument definitions below, in the same transaction; a risk
-- item scoring above 0 raises an alert there (raise_alert, db/014_alerts.sql).

-- Vocabularies.
INSERT INTO vocabulary (domain, position, code, national_code, label) VALUES
    ('instrument', 1, 'epds', NULL, 'Edinburgh Postnatal Depression Scale'),
    ('instrument', 2, 'phq9', NULL, 'Patient Health Questionnaire (PHQ-9)'),
    ('instrument', 3, 'gad7', NULL, 'Generalised Anxiety Disorder scale (GAD-7)'),
    ('instrument', 4, 'core10', NULL, 'Clinical Outcomes in Routine Evaluation (CORE-10)'),
    ('instrument', 5, 'pbq', NULL, 'Postpartum Bonding Questionnaire'),
    ('administration', 1, 'self_report', NULL, 'Completed by her (self-report)'),
    ('administration', 2, 'clinician', NULL, 'Administered by a clinician');

-- The instrument definitions: one row per instrument (the version the
-- service scores), one per item, per scale and per band. Every rule names
-- its published source; needs_signoff marks the rules a local clinical
-- lead must confirm before they are relied on.
CREATE TABLE instruments (
    code text PRIMARY KEY,
    version text NOT NULL,
    name text NOT NULL,
    items integer NOT NULL CHECK (items BETWEEN 1 AND 50),
    -- Every item is answered by the position of an option, 0..max_position,
    -- which scores the same (or max_position - position when reversed).
    max_position integer NOT NULL CHECK (max_position BETWEEN 1 AND 9),
    scoring_source text NOT NULL,
    -- all_required: any missing item refuses the administration;
    -- prorate_one: one missing item is prorated (total x items / answered),
    -- more refuse it.
    missing_rule text NOT NULL CHECK (missing_rule IN ('all_required', 'prorate_one')),
    missing_source text NOT NULL,
    -- Points of change on the total that are a reliable change (NULL: none
    -- published). Every instrument here scores higher for worse.
    reliable_change integer,
    reliable_change_source text,
    reliable_change_needs_signoff boolean NOT NULL DEFAULT true,
    position integer NOT NULL UNIQUE,
    CHECK ((reliable_change IS NULL) = (reliable_change_source IS NULL))
);

CREATE TABLE instrument_items (
    instrument text NOT NULL REFERENCES instruments (code),
    item integer NOT NULL,
    reverse_scored boolean NOT NULL DEFAULT false,
    -- A risk item: what an answer scoring above 0 means (the alert's words).
    risk text CHECK (char_length(risk) BETWEEN 1 AND 80),
    source text NOT NULL,
    PRIMARY KEY (instrument, item)
);

CREATE TABLE instrument_scales (
    instrument text NOT NULL REFERENCES instruments (code),
    scale text NOT NULL CHECK (scale ~ '^[a-z_]{1,40}$'),
    -- NULL: every item (the total).
    items integer[],
    source text NOT NULL,
    position integer NOT NULL,
    PRIMARY KEY (instrument, scale)
);

-- The band of a score: the row with the highest from_score at or below it.
CREATE TABLE instrument_bands (
    instrument text NOT NULL,
    scale text NOT NULL,
    from_score integer NOT NULL,
    band text NOT NULL CHECK (band ~ '^[a-z_]{1,40}$'),
    source text NOT NULL,
    needs_signoff boolean NOT NULL DEFAULT false,
    PRIMARY KEY (instrument, scale, from_score),
    FOREIGN KEY (instrument, scale) REFERENCES instrument_scales (instrument, scale)
);

INSERT INTO instruments (code, version, name, items, max_position, scoring_source, missing_rule,
    missing_source, reliable_change, reliable_change_source, reliable_change_needs_signoff,
    position) VALUES
    ('epds', '1987', 'Edinburgh Postnatal Depression Scale', 10, 3,
     'Cox JL, Holden JM, Sagovsky R (1987). Detection of postnatal depression: development of the '
     '10-item Edinburgh Postnatal Depression Scale. Br J Psychiatry 150:782-6 (items 1, 2, 4 '
     'scored 0-3 in form order; items 3, 5-10 reverse-scored 3-0; total 0-30); as implemented in '
     'CamCOPS (github.com/ucam-department-of-psychiatry/camcops, server/camcops_server/tasks/epds.py)',
     'all_required', 'Cox et al. 1987: the total is the sum of all ten items; no prorating rule is '
     'published, so every item is required', 4,
     'Matthey S (2004). Calculating clinically significant change in postnatal depression studies '
     'using the Edinburgh Postnatal Depression Scale. J Affect Disord 78:269-72 (reliable change: '
     '4 points)', true, 1),
    ('phq9', '2001', 'Patient Health Questionnaire (PHQ-9)', 9, 3,
     'Kroenke K, Spitzer RL, Williams JB (2001). The PHQ-9: validity of a brief depression '
     'severity measure. J Gen Intern Med 16:606-13 (items 0-3, total 0-27); CamCOPS '
     'server/camcops_server/tasks/phq9.py',
     'all_required', 'No prorating rule adopted from the published sources: every item is '
     'required (refused, naming the missing items)', 6,
     'NHS Talking Therapies for anxiety and depression Manual (NHS England, 2024), measuring '
     'reliable change: PHQ-9 6 points', true, 2),
    ('gad7', '2006', 'Generalised Anxiety Disorder scale (GAD-7)', 7, 3,
     'Spitzer RL, Kroenke K, Williams JB, Lowe B (2006). A brief measure for assessing '
     'generalized anxiety disorder: the GAD-7. Arch Intern Med 166:1092-7 (items 0-3, total '
     '0-21); CamCOPS server/camcops_server/tasks/gad7.py',
     'all_required', 'No prorating rule adopted from the published sources: every item is '
     'required (refused, naming the missing items)', 4,
     'NHS Talking Therapies for anxiety and depression Manual (NHS England, 2024), measuring '
     'reliable change: GAD-7 4 points', true, 3),
    ('core10', '2013', 'Clinical Outcomes in Routine Evaluation (CORE-10)', 10, 4,
     'Barkham M et al. (2013). The CORE-10: a short measure of psychological distress for '
     'routine use in the psychological therapies. Couns Psychother Res 13:3-13; CORE-10 User '
     'Manual v1.0 (2007) (items 0-4; positively worded items 2 and 3 reversed; clinical score '
     '0-40); CamCOPS server/camcops_server/tasks/core10.py',
     'prorate_one', 'CORE-10 User Manual v1.0 (2007), scoring: with one item missing the '
     'clinical score is prorated (sum x 10 / 9, as CamCOPS core10.py clinical_score); with more '
     'missing no score is computed', 6,
     'Barkham et al. 2013 and CORE-10 User Manual v1.0 (2007), reliable and clinically '
     'significant change: 6 points on the clinical score', true, 4),
    ('pbq', '2006', 'Postpartum Bonding Questionnaire (2006 item order)', 25, 5,
     'Brockington IF, Fraser C, Wilson D (2006). The Postpartum Bonding Questionnaire: a '
     'validation. Arch Womens Ment Health 9:233-42 (2006 item order; options always, very '
     'often, quite often, sometimes, rarely, never; items 1, 4, 8, 9, 11, 16, 22, 25 score '
     'always 0 - never 5, all others always 5 - never 0); CamCOPS '
     'server/camcops_server/tasks/pbq.py (SCORED_A0N5_Q, FACTOR_1_Q..FACTOR_4_Q). The 2001 '
     'order and cut-offs (Brockington et al. 2001, Arch Womens Ment Health 3:133-40) differ and '
     'are not accepted',
     'all_required', 'No missing-item rule is published for the PBQ: every item is required '
     '(refused, naming the missing items)', NULL, NULL, true, 5);

-- Items. Reverse-scored: the option at position 0 scores max_position.
INSERT INTO instrument_items (instrument, item, reverse_scored, risk, source)
SELECT 'epds', i, i IN (3, 5, 6, 7, 8, 9, 10),
    CASE WHEN i = 10 THEN 'thoughts of harming herself' END,
    CASE WHEN i = 10 THEN 'Cox et al. 1987: item 10, the self-harm item'
        ELSE 'Cox et al. 1987' END
FROM generate_series(1, 10) i;
INSERT INTO instrument_items (instrument, item, reverse_scored, risk, source)
SELECT 'phq9', i, false,
    CASE WHEN i = 9 THEN 'thoughts she would be better off dead or of hurting herself' END,
    CASE WHEN i = 9 THEN 'Kroenke et al. 2001: item 9, thoughts of death or self-harm'
        ELSE 'Kroenke et al. 2001' END
FROM generate_series(1, 9) i;
INSERT INTO instrument_items (instrument, item, reverse_scored, risk, source)
SELECT 'gad7', i, false, NULL, 'Spitzer et al. 2006' FROM generate_series(1, 7) i;
INSERT INTO instrument_items (instrument, item, reverse_scored, risk, source)
SELECT 'core10', i, i IN (2, 3),
    CASE WHEN i = 6 THEN 'plans to end her life' END,
    CASE WHEN i IN (2, 3) THEN 'Barkham et al. 2013: positively worded item, reversed'
        WHEN i = 6 THEN 'Barkham et al. 2013: item 6, the risk item'
        ELSE 'Barkham et al. 2013' END
FROM generate_series(1, 10) i;
INSERT INTO instrument_items (instrument, item, reverse_scored, risk, source)
SELECT 'pbq', i, i NOT IN (1, 4, 8, 9, 11, 16, 22, 25),
    CASE WHEN i = 18 THEN 'harmful things done to the baby'
        WHEN i = 24 THEN 'feeling like hurting the baby' END,
    CASE WHEN i IN (1, 4, 8, 9, 11, 16, 22, 25)
        THEN 'Brockington et al. 2006: always 0 - never 5 (position 5 scores 5)'
        ELSE 'Brockington et al. 2006: always 5 - never 0 (position 0 scores 5)' END
        || CASE WHEN i IN (18, 24) THEN '; scale 4, risk of abuse' ELSE '' END
FROM generate_series(1, 25) i;

INSERT INTO instrument_scales (instrument, scale, items, source, position) VALUES
    ('epds', 'total', NULL, 'Cox et al. 1987', 1),
    ('phq9', 'total', NULL, 'Kroenke et al. 2001', 1),
    ('gad7', 'total', NULL, 'Spitzer et al. 2006', 1),
    ('core10', 'total', NULL, 'Barkham et al. 2013 (clinical score)', 1),
    ('pbq', 'total', NULL, 'Brockington et al. 2006', 1),
    ('pbq', 'impaired_bonding', '{1,2,6,7,8,9,10,12,13,15,16,17}',
     'Brockington et al. 2006, scale 1 (general factor); CamCOPS pbq.py FACTOR_1_Q', 2),
    ('pbq', 'rejection_and_anger', '{3,4,5,11,14,21,23}',
     'Brockington et al. 2006, scale 2 (rejection and pathological anger); CamCOPS FACTOR_2_Q', 3),
    ('pbq', 'infant_focused_anxiety', '{19,20,22,25}',
     'Brockington et al. 2006, scale 3 (infant-focused anxiety); CamCOPS FACTOR_3_Q', 4),
    ('pbq', 'risk_of_abuse', '{18,24}',
     'Brockington et al. 2006, scale 4 (incipient abuse); CamCOPS FACTOR_4_Q', 5);

INSERT INTO instrument_bands (instrument, scale, from_score, band, source, needs_signoff) VALUES
    ('epds', 'total', 0, 'below_threshold', 'Cox et al. 1987', true),
    ('epds', 'total', 10, 'possible_depression',
     'Cox et al. 1987 (9/10 for possible depression); CamCOPS epds.py', true),
    ('epds', 'total', 13, 'probable_depression',
     'Cox et al. 1987 (12/13 for probable depression); CamCOPS epds.py', true),
    ('phq9', 'total', 0, 'minimal', 'Kroenke et al. 2001', false),
    ('phq9', 'total', 5, 'mild', 'Kroenke et al. 2001 (5, 10, 15, 20)', false),
    ('phq9', 'total', 10, 'moderate', 'Kroenke et al. 2001', false),
    ('phq9', 'total', 15, 'moderately_severe', 'Kroenke et al. 2001', false),
    ('phq9', 'total', 20, 'severe', 'Kroenke et al. 2001', false),
    ('gad7', 'total', 0, 'minimal', 'Spitzer et al. 2006', false),
    ('gad7', 'total', 5, 'mild', 'Spitzer et al. 2006 (5, 10, 15)', false),
    ('gad7', 'total', 10, 'moderate', 'Spitzer et al. 2006', false),
    ('gad7', 'total', 15, 'severe', 'Spitzer et al. 2006', false),
    ('core10', 'total', 0, 'healthy', 'Barkham et al. 2013', false),
    ('core10', 'total', 6, 'low', 'Barkham et al. 2013', false),
    ('core10', 'total', 11, 'mild', 'Barkham et al. 2013 (clinical cut-off 11)', false),
    ('core10', 'total', 15, 'moderate', 'Barkham et al. 2013', false),
    ('core10', 'total', 20, 'moderately_severe', 'Barkham et al. 2013', false),
    ('core10', 'total', 25, 'severe', 'Barkham et al. 2013', false),
    -- The 2006 cut-offs (CamCOPS pbq.py footnotes): scale 1 >= 12, scale 2
    -- >= 13 (2001: 17), scale 3 >= 10, scale 4 >= 2 (2001: 3).
    ('pbq', 'impaired_bonding', 0, 'normal', 'Brockington et al. 2006', true),
    ('pbq', 'impaired_bonding', 12, 'high', 'Brockington et al. 2006: >= 12', true),
    ('pbq', 'rejection_and_anger', 0, 'normal', 'Brockington et al. 2006', true),
    ('pbq', 'rejection_and_anger', 13, 'high', 'Brockington et al. 2006: >= 13 (2001: 17)', true),
    ('pbq', 'infant_focused_anxiety', 0, 'normal', 'Brockington et al. 2006', true),
    ('pbq', 'infant_focused_anxiety', 10, 'high', 'Brockington et al. 2006: >= 10', true),
    ('pbq', 'risk_of_abuse', 0, 'normal', 'Brockington et al. 2006', true),
    ('pbq', 'risk_of_abuse', 2, 'high', 'Brockington et al. 2006: >= 2 (2001: 3)', true);

GRANT SELECT ON instruments, instrument_items, instrument_scales, instrument_bands
    TO perinatal_app;

-- A measure names a contact of the same woman only.
ALTER TABLE contacts ADD CONSTRAINT contacts_id_woman_unique UNIQUE (id, service_user_id);

CREATE TABLE measures (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    service_user_id uuid NOT NULL REFERENCES service_users (id),
    instrument text NOT NULL REFERENCES instruments (code),
    instrument_version text NOT NULL,
    completed_at timestamptz NOT NULL,
    administration text NOT NULL CHECK (administration IN ('self_report', 'clinician')),
    -- Who administered it (or was with her); created_by is who recorded it.
    staff_id uuid,
    contact_id uuid,
    -- Care plans are built in parallel (issue 15): no foreign key yet.
    care_plan_id uuid,
    -- {"1": 0, "2": 3, ...}: the position of the chosen option per item;
    -- a missing item is absent.
    responses jsonb NOT NULL CHECK (jsonb_typeof(responses) = 'object'),
    -- Computed by measures_score: total, band, scales, prorating, risk.
    scores jsonb NOT NULL,
    total numeric(5, 1) NOT NULL,
    alert_ids uuid[] NOT NULL DEFAULT '{}',
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT measures_staff_fk FOREIGN KEY (staff_id, organisation_id)
        REFERENCES staff (id, organisation_id),
    CONSTRAINT measures_contact_woman_fk FOREIGN KEY (contact_id, service_user_id)
        REFERENCES contacts (id, service_user_id)
);
CREATE INDEX measures_service_user_idx ON measures (service_user_id, completed_at, id);
CREATE INDEX measures_contact_idx ON measures (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX measures_care_plan_idx ON measures (care_plan_id) WHERE care_plan_id IS NOT NULL;
CREATE INDEX measures_org_idx ON measures (organisation_id, completed_at);
GRANT SELECT, INSERT ON measures TO perinatal_app;

-- Duty hours per team (Europe/London wall-clock times, ISO weekday 1 =
-- Monday). A team with no rows keeps the default: Monday to Friday 09:00 to
-- 17:00 (seed 002: "Monday to Friday 8 hours a day").
CREATE TABLE team_duty_hours (
    team_id uuid NOT NULL REFERENCES teams (id),
    weekday integer NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    starts time NOT NULL,
    ends time NOT NULL,
    PRIMARY KEY (team_id, weekday),
    CHECK (starts < ends)
);
GRANT SELECT ON team_duty_hours TO perinatal_app;

-- The duty list: open alerts of an organisation, oldest first.
ALTER TABLE alerts ADD COLUMN status text NOT NULL
    GENERATED ALWAYS AS (CASE WHEN acknowledged_at IS NULL THEN 'open' ELSE 'acknowledged' END)
    STORED;
CREATE INDEX alerts_status_idx ON alerts (organisation_id, status, raised_at, id);
