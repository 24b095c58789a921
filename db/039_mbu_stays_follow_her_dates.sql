-- A stay in a mother and baby unit agrees with her other dates (issue 12
-- point 5: "admitted with her baby or in pregnancy (the date the baby
-- joined)"), since MH11 and MH6 count from these rows:
--   * the baby is with her (admitted with the baby, or the day it joined)
--     no earlier than the infant's date of birth;
--   * she is admitted in pregnancy only if her record does not say she had
--     already delivered (MH11 leaves out women admitted in pregnancy);
--   * her stays do not overlap: an intervention is tagged to the stay open
--     on its day (mbu_admission_open_on), and a back-dated stay inside an
--     earlier one took the earlier stay's offers. A readmission on the day
--     of a discharge is not an overlap.
-- An AFTER trigger, so that the table's own checks (the infant of the
-- woman, with baby or in pregnancy) answer first. Her row is locked by a
-- statement of its own first, so that two stays recorded at once for her
-- are compared after one another. Rows recorded before are left as they
-- are; every new or changed row is checked.
CREATE FUNCTION mbu_admissions_dates_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    born date;
    delivered date;
BEGIN
    IF NEW.voided_at IS NOT NULL THEN
        RETURN NULL;
    END IF;
    IF NEW.infant_id IS NOT NULL THEN
        SELECT i.date_of_birth INTO born FROM infants i WHERE i.id = NEW.infant_id;
        IF NEW.admitted_with = 'baby' AND NEW.admitted_on < born THEN
            RAISE EXCEPTION 'admission % with a baby not yet born', NEW.id
                USING ERRCODE = 'check_violation',
                    CONSTRAINT = 'mbu_admissions_admitted_before_birth';
        END IF;
        IF NEW.baby_joined_on < born THEN
            RAISE EXCEPTION 'admission %: the baby joined before it was born', NEW.id
                USING ERRCODE = 'check_violation',
                    CONSTRAINT = 'mbu_admissions_joined_before_birth';
        END IF;
    END IF;
    PERFORM 1 FROM service_users s WHERE s.id = NEW.service_user_id FOR NO KEY UPDATE;
    IF NEW.admitted_with = 'pregnancy' THEN
        SELECT s.delivery_date INTO delivered FROM service_users s
        WHERE s.id = NEW.service_user_id AND s.perinatal_stage = 'postnatal';
        IF delivered < NEW.admitted_on THEN
            RAISE EXCEPTION 'admission % in pregnancy after her delivery', NEW.id
                USING ERRCODE = 'check_violation',
                    CONSTRAINT = 'mbu_admissions_pregnancy_after_delivery';
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM mbu_admissions m
            WHERE m.service_user_id = NEW.service_user_id AND m.id <> NEW.id
                AND m.voided_at IS NULL
                AND m.admitted_on < coalesce(NEW.discharged_on, 'infinity'::date)
                AND NEW.admitted_on < coalesce(m.discharged_on, 'infinity'::date)) THEN
        RAISE EXCEPTION 'admission % overlaps another stay', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'mbu_admissions_stays_overlap';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER mbu_admissions_dates_check
    AFTER INSERT OR UPDATE OF admitted_on, admitted_with, baby_joined_on, infant_id,
        discharged_on, voided_at ON mbu_admissions
    FOR EACH ROW EXECUTE FUNCTION mbu_admissions_dates_check();
