-- Infants and mother-and-baby-unit admissions (issue 12, items 4-6).
--
-- An infant is a record of its own, linked to its mother, replacing the
-- count service_users.infant_count: every counted infant becomes a row
-- (date of birth: her delivery date), and the count the API shows is
-- derived from the rows. A contact may name one of her infants.
--
-- An MBU admission (seeds 001, 002): the unit (ours, or an external
-- regional MBU), bed type 204, admission and discharge dates, admitted with
-- her baby or in pregnancy (and when the baby joined), and the lead
-- professional of the community team "allocated upon admission to the unit
-- who will then continue to provide the care co-ordination in the
-- community upon discharge". Its status is a workflow (admitted ->
-- discharged); the discharge creates a referral from MBU discharge to the
-- lead professional's team (db/repeatable/35_mbu.sql), which a contact
-- answers ("will be seen by the Perinatal Mental Health Team on
-- discharge").
-- (Migrations run before db/repeatable/, so they use none of its functions.)

INSERT INTO vocabulary (domain, position, code, national_code, label) VALUES
    -- MHSDS hospital bed type (mental health): mother and baby unit.
    ('bed_type', 1, 'mother_and_baby', '204', 'Mother and baby unit bed'),
    ('mbu_admitted_with', 1, 'baby', NULL, 'Admitted with her baby'),
    ('mbu_admitted_with', 2, 'pregnancy', NULL, 'Admitted in pregnancy'),
    ('mbu_admission_status', 1, 'admitted', NULL, 'In the unit'),
    ('mbu_admission_status', 2, 'discharged', NULL, 'Discharged from the unit');

-- ---- Infants -----------------------------------------------------------------

CREATE TABLE infants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    -- The mother.
    service_user_id uuid NOT NULL REFERENCES service_users (id),
    date_of_birth date NOT NULL,
    -- When known (a newborn has one within days); modulus 11.
    nhs_number text CONSTRAINT infants_nhs_number_check CHECK (nhs_number_valid(nhs_number)),
    -- Made by this migration from service_users.infant_count.
    migrated boolean NOT NULL DEFAULT false,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    voided_at timestamptz,
    voided_by text,
    void_reason text CHECK (char_length(void_reason) BETWEEN 1 AND 4000),
    CONSTRAINT infants_id_woman_unique UNIQUE (id, service_user_id),
    CONSTRAINT infants_voided_check CHECK ((voided_at IS NULL) = (voided_by IS NULL)
        AND (voided_at IS NULL) = (void_reason IS NULL))
);
CREATE INDEX infants_service_user_idx ON infants (service_user_id, id);
-- One infant per NHS number in an organisation (entered-in-error rows aside).
CREATE UNIQUE INDEX infants_nhs_number_unique ON infants (organisation_id, nhs_number)
    WHERE nhs_number IS NOT NULL AND voided_at IS NULL;
GRANT SELECT, INSERT, UPDATE ON infants TO perinatal_app;

-- An infant stays with its mother, and is born after her.
CREATE FUNCTION infants_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.service_user_id <> OLD.service_user_id THEN
        RAISE EXCEPTION 'infant % changes mother', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'infants_mother_fixed';
    END IF;
    IF EXISTS (SELECT 1 FROM service_users s WHERE s.id = NEW.service_user_id
            AND NEW.date_of_birth <= s.date_of_birth) THEN
        RAISE EXCEPTION 'infant % born before its mother', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'infants_born_after_mother';
    END IF;
    RETURN NEW;
END
$$;

-- Every counted infant becomes a row, born on her delivery date, nothing
-- lost: n rows for a count of n.
INSERT INTO infants (organisation_id, service_user_id, date_of_birth, migrated, created_by)
SELECT s.organisation_id, s.id, s.delivery_date, true, 'migration:016_infants_mbu'
FROM service_users s, generate_series(1, s.infant_count) AS n
WHERE s.infant_count IS NOT NULL AND s.delivery_date IS NOT NULL;
-- A count without a delivery date (none: the status check forbids it) is
-- refused rather than lost.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM service_users WHERE infant_count IS NOT NULL
            AND delivery_date IS NULL) THEN
        RAISE EXCEPTION 'an infant_count without a delivery date cannot become infant rows';
    END IF;
END
$$;

-- From now on (the rows copied above keep her delivery date as they were).
CREATE TRIGGER infants_check BEFORE INSERT OR UPDATE ON infants
    FOR EACH ROW EXECUTE FUNCTION infants_check();

-- The count is gone from her record (the API derives it from the rows);
-- the status check without it, otherwise unchanged.
ALTER TABLE service_users DROP CONSTRAINT service_users_perinatal_status_check;
ALTER TABLE service_users DROP COLUMN infant_count;
ALTER TABLE service_users ADD CONSTRAINT service_users_perinatal_status_check CHECK (
    (perinatal_stage = 'pregnant' AND estimated_due_date IS NOT NULL AND delivery_date IS NULL)
    OR (perinatal_stage = 'postnatal' AND delivery_date IS NOT NULL
        AND estimated_due_date IS NULL)
    OR (perinatal_stage = 'pre_conception' AND estimated_due_date IS NULL
        AND delivery_date IS NULL)
    OR (perinatal_stage = 'pregnancy_loss' AND loss_date IS NOT NULL
        AND loss_date > date_of_birth AND loss_gestation_weeks IS NOT NULL
        AND loss_gestation_weeks BETWEEN 1 AND 45
        AND estimated_due_date IS NULL AND delivery_date IS NULL));
-- The mapping from JSON loses a column: db/repeatable/ defines it afresh.
DROP FUNCTION IF EXISTS service_user_columns(jsonb);

-- A contact may name the infant (one of hers).
ALTER TABLE contacts ADD COLUMN infant_id uuid,
    ADD CONSTRAINT contacts_infant_woman_fk FOREIGN KEY (infant_id, service_user_id)
        REFERENCES infants (id, service_user_id);
CREATE INDEX contacts_infant_idx ON contacts (infant_id) WHERE infant_id IS NOT NULL;

-- ---- MBU admissions ------------------------------------------------------------

-- The lead professional's team comes into her scope on admission.
ALTER TABLE service_user_teams DROP CONSTRAINT service_user_teams_reason_check;
ALTER TABLE service_user_teams ADD CONSTRAINT service_user_teams_reason_check
    CHECK (reason IN ('registration', 'referral', 'joint_working', 'mbu_admission'));

CREATE TABLE mbu_admissions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    service_user_id uuid NOT NULL REFERENCES service_users (id),
    -- The unit: one of our teams of type mbu, or an external regional MBU
    -- by name (exactly one of the two).
    unit_team_id uuid,
    external_unit_name text CHECK (char_length(external_unit_name) BETWEEN 1 AND 200),
    -- MHSDS hospital bed type: mother_and_baby (204).
    bed_type text NOT NULL DEFAULT 'mother_and_baby' CHECK (bed_type IN ('mother_and_baby')),
    admitted_on date NOT NULL,
    discharged_on date,
    -- As admitted: with her baby, or in pregnancy; baby_joined_on is when
    -- a baby joined a mother admitted in pregnancy (with baby from then).
    admitted_with text NOT NULL CHECK (admitted_with IN ('baby', 'pregnancy')),
    baby_joined_on date,
    -- The infant in the unit with her (one of hers), when with baby.
    infant_id uuid,
    -- Allocated on admission: a member of staff of a perinatal community
    -- team of the organisation; lead_team_id is that team (kept from the
    -- allocation), to which the discharge referral goes.
    lead_professional_id uuid NOT NULL,
    lead_team_id uuid NOT NULL,
    status text NOT NULL DEFAULT 'admitted',
    -- The referral from MBU discharge made when she was discharged.
    discharge_referral_id uuid REFERENCES referrals (id),
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    voided_at timestamptz,
    voided_by text,
    void_reason text CHECK (char_length(void_reason) BETWEEN 1 AND 4000),
    CONSTRAINT mbu_admissions_unit_check
        CHECK ((unit_team_id IS NULL) <> (external_unit_name IS NULL)),
    CONSTRAINT mbu_admissions_unit_team_fk FOREIGN KEY (unit_team_id, organisation_id)
        REFERENCES teams (id, organisation_id),
    CONSTRAINT mbu_admissions_lead_professional_fk FOREIGN KEY (lead_professional_id,
        organisation_id) REFERENCES staff (id, organisation_id),
    CONSTRAINT mbu_admissions_lead_team_fk FOREIGN KEY (lead_team_id, organisation_id)
        REFERENCES teams (id, organisation_id),
    CONSTRAINT mbu_admissions_infant_fk FOREIGN KEY (infant_id, service_user_id)
        REFERENCES infants (id, service_user_id),
    CONSTRAINT mbu_admissions_status_check CHECK (status IN ('admitted', 'discharged')),
    CONSTRAINT mbu_admissions_discharge_check CHECK ((status = 'discharged')
        = (discharged_on IS NOT NULL)),
    CONSTRAINT mbu_admissions_discharged_on_check CHECK (discharged_on >= admitted_on),
    CONSTRAINT mbu_admissions_baby_joined_check CHECK (baby_joined_on IS NULL
        OR (admitted_with = 'pregnancy' AND baby_joined_on >= admitted_on
            AND baby_joined_on <= coalesce(discharged_on, baby_joined_on))),
    CONSTRAINT mbu_admissions_infant_check CHECK ((infant_id IS NOT NULL)
        = (admitted_with = 'baby' OR baby_joined_on IS NOT NULL)),
    CONSTRAINT mbu_admissions_voided_check CHECK ((voided_at IS NULL) = (voided_by IS NULL)
        AND (voided_at IS NULL) = (void_reason IS NULL))
);
-- One open admission per woman.
CREATE UNIQUE INDEX mbu_admissions_open_unique ON mbu_admissions (service_user_id)
    WHERE status = 'admitted' AND voided_at IS NULL;
CREATE INDEX mbu_admissions_org_idx ON mbu_admissions (organisation_id, created_at, id);
CREATE INDEX mbu_admissions_service_user_idx ON mbu_admissions (service_user_id);
CREATE INDEX mbu_admissions_awaiting_idx ON mbu_admissions (organisation_id, created_at, id)
    WHERE status = 'discharged' AND voided_at IS NULL;
GRANT SELECT, INSERT, UPDATE ON mbu_admissions TO perinatal_app;

INSERT INTO workflows (name, initial_state) VALUES ('mbu_admission', 'admitted');
INSERT INTO workflow_steps (workflow, from_state, to_state, roles, required, optional, guards)
VALUES ('mbu_admission', 'admitted', 'discharged', '{clinician,admin}', '{discharged_on}', '{}',
    '{mbu_admission_guard_discharge}');
CREATE TRIGGER mbu_admissions_workflow BEFORE UPDATE OF status ON mbu_admissions
    FOR EACH ROW EXECUTE FUNCTION workflow_state_follows('mbu_admission', 'status');

-- The lead professional is a member of staff of a perinatal community team
-- (checked whoever writes the row, at admission and at a change of lead).
CREATE FUNCTION mbu_admissions_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.service_user_id <> OLD.service_user_id THEN
        RAISE EXCEPTION 'admission % changes woman', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'mbu_admissions_woman_fixed';
    END IF;
    IF TG_OP = 'INSERT' OR NEW.lead_professional_id <> OLD.lead_professional_id THEN
        SELECT s.team_id INTO NEW.lead_team_id FROM staff s JOIN teams t ON t.id = s.team_id
        WHERE s.id = NEW.lead_professional_id AND s.organisation_id = NEW.organisation_id
            AND s.active AND t.type = 'perinatal_community';
        IF NEW.lead_team_id IS NULL THEN
            RAISE EXCEPTION 'lead professional of admission % is not in a community team', NEW.id
                USING ERRCODE = 'check_violation',
                    CONSTRAINT = 'mbu_admissions_lead_professional_check';
        END IF;
    END IF;
    IF NEW.unit_team_id IS NOT NULL AND (TG_OP = 'INSERT'
            OR NEW.unit_team_id IS DISTINCT FROM OLD.unit_team_id) AND NOT EXISTS (
            SELECT 1 FROM teams t WHERE t.id = NEW.unit_team_id
                AND t.organisation_id = NEW.organisation_id AND t.type = 'mbu') THEN
        RAISE EXCEPTION 'unit of admission % is not a mother and baby unit', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'mbu_admissions_unit_team_check';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER mbu_admissions_check BEFORE INSERT OR UPDATE ON mbu_admissions
    FOR EACH ROW EXECUTE FUNCTION mbu_admissions_check();

-- For reports (MH11, MH6), which count from this table: what each column means.
COMMENT ON TABLE mbu_admissions IS 'Mother-and-baby-unit admissions; rows with voided_at set were entered in error and count nothing.';
COMMENT ON COLUMN mbu_admissions.admitted_on IS 'Admission date (Europe/London calendar day); MH6 counts partners seen within 7 days of it.';
COMMENT ON COLUMN mbu_admissions.discharged_on IS 'Discharge date; NULL while status = admitted.';
COMMENT ON COLUMN mbu_admissions.admitted_with IS 'baby: admitted with her baby (MH11 counts these); pregnancy: admitted in pregnancy.';
COMMENT ON COLUMN mbu_admissions.baby_joined_on IS 'A mother admitted in pregnancy is with her baby from this day (NULL: not yet, or admitted with baby).';
COMMENT ON COLUMN mbu_admissions.lead_professional_id IS 'Community lead allocated on admission (staff of a perinatal_community team).';
COMMENT ON COLUMN mbu_admissions.lead_team_id IS 'The lead professional''s team; the discharge referral goes to it.';
COMMENT ON COLUMN mbu_admissions.discharge_referral_id IS 'The referral from MBU discharge made by the discharge; its responded_at is "seen on discharge".';
COMMENT ON COLUMN infants.service_user_id IS 'The mother.';
