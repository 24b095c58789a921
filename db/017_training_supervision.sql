-- Issue 12, point 7: staff training and supervision (MH11, seed 001:
-- "Training and supervision of clinical staff to deliver interventions to
-- improve mother/infant interaction and care"; "the numbers of clinical
-- staff of the mother and baby unit who have been trained to deliver
-- psychological/psychosocial mother-infant activities"), and the teaching
-- the service gives to outside professionals (seed 002: "education and
-- training for professionals (midwives and health visitors, GP's, CPNs
-- etc.)").
-- (Migrations run before db/repeatable/, so they use none of its functions.)

-- What a course qualifies a member of staff to deliver, and what a
-- supervision session is for. mother_infant marks the psychosocial
-- mother-infant interventions MH11 counts (002: "interventions to promote
-- the parent infant relationship"; 003: "Parent-infant interventions");
-- the psychological therapies (002, 003) are not.
-- A later merge aligns this domain with the care-plan intervention
-- catalogue (vocabulary domain 'intervention'): the same codes, so that a
-- training's intervention and a care plan's are the one list.
ALTER TABLE vocabulary ADD COLUMN mother_infant boolean;
INSERT INTO vocabulary (domain, position, code, national_code, label, mother_infant) VALUES
    ('training_qualifies_for', 1, 'video_interaction_guidance', NULL,
        'Video Interaction Guidance (VIG)', true),
    ('training_qualifies_for', 2, 'watch_wait_wonder', NULL, 'Watch Wait Wonder', true),
    ('training_qualifies_for', 3, 'circle_of_security', NULL, 'Circle of Security', true),
    ('training_qualifies_for', 4, 'baby_massage', NULL, 'Baby massage', true),
    ('training_qualifies_for', 5, 'baby_yoga', NULL, 'Baby yoga', true),
    ('training_qualifies_for', 6, 'newborn_behavioural_observation', NULL,
        'Newborn Behavioural Observation system (NBO)', true),
    ('training_qualifies_for', 7, 'care_index', NULL, 'CARE-Index', true),
    ('training_qualifies_for', 8, 'gro_brain', NULL, 'Gro-brain', true),
    ('training_qualifies_for', 9, 'meaning_of_the_child', NULL, 'Meaning of the Child', true),
    ('training_qualifies_for', 10, 'parent_infant_psychotherapy', NULL,
        'Parent-infant psychotherapy', true),
    ('training_qualifies_for', 11, 'cbt', NULL, 'Cognitive Behavioural Therapy (CBT)', false),
    ('training_qualifies_for', 12, 'cft', NULL, 'Compassion Focused Therapy (CFT)', false),
    ('training_qualifies_for', 13, 'emdr', NULL,
        'Eye Movement Desensitisation and Reprocessing (EMDR)', false),
    ('training_qualifies_for', 14, 'cat', NULL, 'Cognitive Analytic Therapy (CAT)', false),
    ('training_qualifies_for', 15, 'mbt', NULL, 'Mentalisation Based Therapy (MBT)', false),
    ('training_qualifies_for', 16, 'dbt', NULL, 'Dialectical Behaviour Therapy (DBT)', false),
    ('training_qualifies_for', 17, 'act', NULL, 'Acceptance and Commitment Therapy (ACT)', false),
    ('training_qualifies_for', 18, 'interpersonal_therapy', NULL, 'Interpersonal therapy', false),
    ('training_qualifies_for', 19, 'trauma_focused_therapy', NULL, 'Trauma-focused therapy',
        false),
    ('training_qualifies_for', 20, 'family_intervention', NULL, 'Family work or intervention',
        false);
ALTER TABLE vocabulary ADD CONSTRAINT vocabulary_mother_infant_check
    CHECK (domain <> 'training_qualifies_for' OR mother_infant IS NOT NULL);

-- The outside professionals the service teaches (002).
INSERT INTO vocabulary (domain, position, code, national_code, label) VALUES
    ('teaching_audience', 1, 'midwives', NULL, 'Midwives'),
    ('teaching_audience', 2, 'health_visitors', NULL, 'Health visitors'),
    ('teaching_audience', 3, 'gps', NULL, 'GPs'),
    ('teaching_audience', 4, 'community_psychiatric_nurses', NULL,
        'Community psychiatric nurses (CPNs)'),
    ('teaching_audience', 5, 'other', NULL, 'Other professionals');

-- MH11 counts the clinical staff of the mother and baby unit only; kept by
-- admins (a member of staff of another team may work on the unit).
ALTER TABLE staff ADD COLUMN mbu_clinical_staff boolean NOT NULL DEFAULT false;
CREATE INDEX staff_mbu_clinical_idx ON staff (organisation_id) WHERE mbu_clinical_staff;

-- A training record names the intervention it qualifies for (optional: a
-- general course qualifies for none) and where the evidence is (the
-- certificate's reference). The code is checked against the vocabulary by
-- a foreign key (through a constant column: the vocabulary's key is the
-- domain and the code).
ALTER TABLE staff_training
    ADD COLUMN qualifies_for text,
    ADD COLUMN qualifies_for_domain text GENERATED ALWAYS AS ('training_qualifies_for') STORED,
    ADD COLUMN evidence_reference text
        CHECK (char_length(evidence_reference) BETWEEN 1 AND 200),
    ADD CONSTRAINT staff_training_qualifies_for_fk FOREIGN KEY (qualifies_for_domain, qualifies_for)
        REFERENCES vocabulary (domain, code);
CREATE INDEX staff_training_qualifies_idx ON staff_training (qualifies_for, staff_id)
    WHERE qualifies_for IS NOT NULL;

-- Supervision sessions ("training and supervision"): a member of staff
-- supervised by another member of staff of the same organisation, never by
-- themself, optionally for one intervention.
CREATE TABLE staff_supervision (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL,
    staff_id uuid NOT NULL,
    supervisor_id uuid NOT NULL,
    supervised_on date NOT NULL,
    intervention text,
    intervention_domain text GENERATED ALWAYS AS ('training_qualifies_for') STORED,
    notes text CHECK (char_length(notes) BETWEEN 1 AND 2000),
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT staff_supervision_staff_fk FOREIGN KEY (staff_id, organisation_id)
        REFERENCES staff (id, organisation_id),
    CONSTRAINT staff_supervision_supervisor_fk FOREIGN KEY (supervisor_id, organisation_id)
        REFERENCES staff (id, organisation_id),
    CONSTRAINT staff_supervision_not_self CHECK (supervisor_id <> staff_id),
    CONSTRAINT staff_supervision_intervention_fk FOREIGN KEY (intervention_domain, intervention)
        REFERENCES vocabulary (domain, code)
);
CREATE INDEX staff_supervision_staff_idx ON staff_supervision (staff_id, id);
CREATE INDEX staff_supervision_supervisor_idx ON staff_supervision (supervisor_id);
GRANT SELECT, INSERT, UPDATE ON staff_supervision TO perinatal_app;

-- Teaching given to outside professionals: organisation data (admins
-- write, clinicians read), not about any woman.
CREATE TABLE teaching_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    delivered_on date NOT NULL,
    topic text NOT NULL CHECK (char_length(topic) BETWEEN 1 AND 200),
    audience text[] NOT NULL CONSTRAINT teaching_sessions_audience_check
        CHECK (cardinality(audience) BETWEEN 1 AND 5 AND audience <@ ARRAY['midwives',
            'health_visitors', 'gps', 'community_psychiatric_nurses', 'other']),
    attendees integer NOT NULL CHECK (attendees BETWEEN 1 AND 10000),
    delivered_by uuid[] NOT NULL CHECK (cardinality(delivered_by) BETWEEN 1 AND 20),
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX teaching_sessions_org_idx ON teaching_sessions (organisation_id, id);
GRANT SELECT, INSERT, UPDATE ON teaching_sessions TO perinatal_app;

-- Every member of staff who delivered it is staff of the organisation (an
-- array cannot carry a foreign key), whoever writes it.
CREATE FUNCTION teaching_sessions_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(NEW.delivered_by) AS d(id)
            WHERE NOT EXISTS (SELECT 1 FROM staff s
                WHERE s.id = d.id AND s.organisation_id = NEW.organisation_id)) THEN
        RAISE EXCEPTION 'teaching session % names staff of another organisation', NEW.id
            USING ERRCODE = 'foreign_key_violation',
                CONSTRAINT = 'teaching_sessions_delivered_by_staff';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER teaching_sessions_check BEFORE INSERT OR UPDATE ON teaching_sessions
    FOR EACH ROW EXECUTE FUNCTION teaching_sessions_check();
