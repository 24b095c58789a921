-- Commissioner reports wired into the registry (issue 15 points 2-4, issue
-- 16 point 5): MH11 (seed 001, exact counts like MH6), joint working (seed
-- 003) and the paired outcomes (issue 16), each a function in
-- db/repeatable/60_reports.sql or 70_measures.sql and one row here. MH6
-- waits for partner offers (another branch) and keeps answering 404.
INSERT INTO reports (name, position, function_name, title, suppressed) VALUES
    ('mh11', 2, 'report_mh11',
        'MH11: psychosocial mother-infant interventions in the mother and baby unit', false),
    ('joint-working', 4, 'report_joint_working', 'Joint working (perinatal framework)', true),
    ('outcomes', 6, 'report_outcomes', 'Paired outcome measures', true);

-- An intervention offered while she has an admission to a mother and baby
-- unit open on the offer day (admitted on or before it, not discharged
-- before it: the admission and discharge days are days of the stay) is
-- tagged with that admission (MH11 counts psychosocial mother-infant
-- interventions offered during a stay). Now that both tables exist, the
-- tag is a foreign key.
ALTER TABLE care_plan_interventions
    ADD CONSTRAINT care_plan_interventions_mbu_admission_fk
        FOREIGN KEY (mbu_admission_id) REFERENCES mbu_admissions (id);
CREATE INDEX care_plan_interventions_mbu_admission_idx ON care_plan_interventions
    (mbu_admission_id) WHERE mbu_admission_id IS NOT NULL;

-- Her admission (of the intervention's organisation, not entered in error)
-- open on a day, or NULL.
CREATE FUNCTION mbu_admission_open_on(org uuid, woman uuid, day date) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT m.id FROM mbu_admissions m
    WHERE m.service_user_id = woman AND m.organisation_id = org AND m.voided_at IS NULL
        AND m.admitted_on <= day AND (m.discharged_on IS NULL OR m.discharged_on >= day)
    ORDER BY m.admitted_on DESC, m.id LIMIT 1
$$;

-- Set at the offer, whoever writes it (the API field is read-only). Named
-- to run after care_plan_interventions_check and before
-- care_plan_interventions_representation (BEFORE triggers fire in name
-- order), so that the stored representation carries the tag.
CREATE FUNCTION care_plan_interventions_mbu_admission() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.mbu_admission_id := mbu_admission_open_on(NEW.organisation_id, NEW.service_user_id,
        NEW.offered_on);
    RETURN NEW;
END
$$;
CREATE TRIGGER care_plan_interventions_mbu_admission BEFORE INSERT ON care_plan_interventions
    FOR EACH ROW EXECUTE FUNCTION care_plan_interventions_mbu_admission();

-- An admission recorded, moved, discharged or entered in error after the
-- offer: her interventions are tagged again, so the tag always follows the
-- admissions as they stand (a new version: its representation changed, so
-- its ETag does).
CREATE FUNCTION mbu_admissions_retag_interventions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE care_plan_interventions i
    SET mbu_admission_id = mbu_admission_open_on(i.organisation_id, i.service_user_id,
            i.offered_on),
        version = i.version + 1, updated_at = now()
    WHERE i.service_user_id = NEW.service_user_id
        AND i.mbu_admission_id IS DISTINCT FROM mbu_admission_open_on(i.organisation_id,
            i.service_user_id, i.offered_on);
    RETURN NULL;
END
$$;
CREATE TRIGGER mbu_admissions_retag_interventions
    AFTER INSERT OR UPDATE OF admitted_on, discharged_on, voided_at ON mbu_admissions
    FOR EACH ROW EXECUTE FUNCTION mbu_admissions_retag_interventions();

-- The reports' reads: admissions of an organisation by day.
CREATE INDEX mbu_admissions_report_idx ON mbu_admissions (organisation_id, admitted_on)
    WHERE voided_at IS NULL;
-- Joint working: the psychological therapies started in a quarter.
CREATE INDEX care_plan_interventions_therapy_started_idx ON care_plan_interventions
    (organisation_id, started_on) INCLUDE (assessment_date)
    WHERE kind = 'psychological_therapy' AND voided_at IS NULL;
