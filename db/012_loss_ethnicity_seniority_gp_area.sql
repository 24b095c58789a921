-- Issue 9, items 11 and 7: a woman's perinatal status gains pregnancy loss
-- (the Maternal Mental Health Service's perinatal-loss pathway) and she
-- gains an ethnic category (NHS Data Dictionary, for equity of access);
-- staff gain the profession psychotherapist and a seniority (MH6: partners
-- seen by a senior clinician); each organisation lists the GP practices it
-- covers ("registered with a GP in Dorset", seed 002) and a referral for a
-- woman whose practice is missing or not covered is flagged at receipt.
-- (Migrations run before db/repeatable/, so they use none of its functions.)

INSERT INTO vocabulary (domain, position, code, national_code, label) VALUES
    ('perinatal_stage', 4, 'pregnancy_loss', NULL,
        'Pregnancy loss (miscarriage, termination, stillbirth)'),
    -- NHS Data Dictionary: ETHNIC CATEGORY (2001 census categories).
    ('ethnic_category', 1, 'white_british', 'A', 'White: British'),
    ('ethnic_category', 2, 'white_irish', 'B', 'White: Irish'),
    ('ethnic_category', 3, 'white_other', 'C', 'White: any other White background'),
    ('ethnic_category', 4, 'mixed_white_black_caribbean', 'D',
        'Mixed: White and Black Caribbean'),
    ('ethnic_category', 5, 'mixed_white_black_african', 'E', 'Mixed: White and Black African'),
    ('ethnic_category', 6, 'mixed_white_asian', 'F', 'Mixed: White and Asian'),
    ('ethnic_category', 7, 'mixed_other', 'G', 'Mixed: any other mixed background'),
    ('ethnic_category', 8, 'asian_indian', 'H', 'Asian or Asian British: Indian'),
    ('ethnic_category', 9, 'asian_pakistani', 'J', 'Asian or Asian British: Pakistani'),
    ('ethnic_category', 10, 'asian_bangladeshi', 'K', 'Asian or Asian British: Bangladeshi'),
    ('ethnic_category', 11, 'asian_other', 'L', 'Asian or Asian British: any other Asian background'),
    ('ethnic_category', 12, 'black_caribbean', 'M', 'Black or Black British: Caribbean'),
    ('ethnic_category', 13, 'black_african', 'N', 'Black or Black British: African'),
    ('ethnic_category', 14, 'black_other', 'P', 'Black or Black British: any other Black background'),
    ('ethnic_category', 15, 'chinese', 'R', 'Other ethnic groups: Chinese'),
    ('ethnic_category', 16, 'other', 'S', 'Other ethnic groups: any other ethnic group'),
    ('ethnic_category', 17, 'not_stated', 'Z', 'Not stated (asked, and she chose not to say)'),
    ('ethnic_category', 18, 'not_known', '99', 'Not known (not asked, or could not be asked)'),
    -- Seniority: profession-neutral grades (every profession here has them;
    -- Agenda for Change bands do not cover doctors, medical grades cover no
    -- one else). senior_practitioner and consultant are senior clinicians
    -- for MH6.
    ('seniority', 1, 'trainee', NULL,
        'Trainee or student: in training, not yet independently qualified'),
    ('seniority', 2, 'practitioner', NULL, 'Practitioner: qualified and practising'),
    ('seniority', 3, 'senior_practitioner', NULL,
        'Senior practitioner: a senior clinician (MH6), such as a specialist or lead'),
    ('seniority', 4, 'consultant', NULL,
        'Consultant: a senior clinician (MH6), such as a consultant psychiatrist or psychologist');
-- Psychotherapist before "other", which stays last.
UPDATE vocabulary SET position = 11 WHERE domain = 'profession' AND code = 'other';
INSERT INTO vocabulary (domain, position, code, national_code, label) VALUES
    ('profession', 10, 'psychotherapist', NULL, 'Psychotherapist');

-- Pregnancy loss: the date of the loss (after her birth; not in the future
-- is the API's rule, a check constraint cannot know today) and the
-- gestation in completed weeks, 1 to 45 (from the earliest recognised loss
-- to beyond any post-term pregnancy); the other stages' dates absent.
ALTER TABLE service_users
    ADD COLUMN loss_date date,
    ADD COLUMN loss_gestation_weeks integer,
    -- Optional; NULL is "not recorded", not_stated is "she chose not to say".
    ADD COLUMN ethnic_category text CONSTRAINT service_users_ethnic_category_check
        CHECK (ethnic_category IN ('white_british', 'white_irish', 'white_other',
            'mixed_white_black_caribbean', 'mixed_white_black_african', 'mixed_white_asian',
            'mixed_other', 'asian_indian', 'asian_pakistani', 'asian_bangladeshi',
            'asian_other', 'black_caribbean', 'black_african', 'black_other', 'chinese',
            'other', 'not_stated', 'not_known'));
ALTER TABLE service_users DROP CONSTRAINT service_users_perinatal_stage_check;
ALTER TABLE service_users ADD CONSTRAINT service_users_perinatal_stage_check
    CHECK (perinatal_stage IN ('pre_conception', 'pregnant', 'postnatal', 'pregnancy_loss'));
ALTER TABLE service_users DROP CONSTRAINT service_users_perinatal_status_check;
ALTER TABLE service_users ADD CONSTRAINT service_users_perinatal_status_check CHECK (
    (perinatal_stage = 'pregnant' AND estimated_due_date IS NOT NULL
        AND delivery_date IS NULL AND infant_count IS NULL)
    OR (perinatal_stage = 'postnatal' AND delivery_date IS NOT NULL
        AND estimated_due_date IS NULL)
    OR (perinatal_stage = 'pre_conception' AND estimated_due_date IS NULL
        AND delivery_date IS NULL AND infant_count IS NULL)
    OR (perinatal_stage = 'pregnancy_loss' AND loss_date IS NOT NULL
        AND loss_date > date_of_birth AND loss_gestation_weeks IS NOT NULL
        AND loss_gestation_weeks BETWEEN 1 AND 45
        AND estimated_due_date IS NULL AND delivery_date IS NULL AND infant_count IS NULL));
ALTER TABLE service_users ADD CONSTRAINT service_users_loss_only_check CHECK (
    perinatal_stage = 'pregnancy_loss' OR (loss_date IS NULL AND loss_gestation_weeks IS NULL));
-- The mapping from JSON gains columns: its return type changes, so the
-- repeatable file defines it afresh (absent on a new database: db/repeatable/
-- runs after the migrations).
DROP FUNCTION IF EXISTS service_user_columns(jsonb);

-- Staff: psychotherapist, and a seniority (optional: NULL is not recorded,
-- as for every member of staff before this migration).
ALTER TABLE staff DROP CONSTRAINT staff_profession_check;
ALTER TABLE staff ADD CONSTRAINT staff_profession_check CHECK (profession IN ('psychiatrist',
    'nurse', 'psychologist', 'occupational_therapist', 'social_worker', 'nursery_nurse',
    'peer_support_worker', 'midwife', 'health_visitor', 'psychotherapist', 'other'));
ALTER TABLE staff ADD COLUMN seniority text CONSTRAINT staff_seniority_check
    CHECK (seniority IN ('trainee', 'practitioner', 'senior_practitioner', 'consultant'));

-- The GP practices an organisation covers (ODS codes), kept by its admins;
-- a practice that closes or moves away is made inactive, not deleted.
CREATE TABLE gp_practices (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    ods_code text NOT NULL CHECK (ods_code ~ '^[A-Z][0-9]{5}$'),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT gp_practices_ods_code_unique UNIQUE (organisation_id, ods_code)
);
GRANT SELECT, INSERT, UPDATE ON gp_practices TO perinatal_app;

-- Computed at receipt, never changed. Referrals received before this rule
-- are not flagged: no organisation had listed its practices.
ALTER TABLE referrals ADD COLUMN flag_gp_outside_area boolean NOT NULL DEFAULT false;
