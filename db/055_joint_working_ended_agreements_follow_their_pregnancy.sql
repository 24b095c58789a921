-- Ended agreements kept their due date whatever came after (db/040), so
-- within one pregnancy an agreement ended and replaced before a dating
-- scan kept the old date while its replacement took the new one: the
-- joint-working report, which counts one birthing conversation per
-- pregnancy by her and its due date, counted two (one "not held"). And a
-- pregnancy lost before its conversation was due still had one due
-- through an ended agreement. Now a corrected due date (pregnant before and
-- after) moves every agreement that had the old one, ended included; a
-- loss takes the date from ended agreements too when it came before the
-- conversation was due (57 days before the due date; after that, a missed
-- conversation stays counted). The rest is db/052's.
CREATE OR REPLACE FUNCTION jwa_follow_due_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.estimated_due_date IS NOT NULL THEN
        UPDATE joint_working_agreements j SET estimated_due_date = NEW.estimated_due_date
        WHERE j.service_user_id = NEW.id
            AND (j.estimated_due_date = OLD.estimated_due_date
                OR (j.status <> 'ended' AND j.estimated_due_date IS NULL
                    AND j.period = 'antenatal'
                    AND (j.created_at AT TIME ZONE 'Europe/London')::date
                        >= coalesce(OLD.delivery_date, OLD.loss_date, '-infinity'::date)));
    ELSIF NEW.perinatal_stage = 'pregnancy_loss' AND OLD.estimated_due_date IS NOT NULL THEN
        UPDATE joint_working_agreements j SET estimated_due_date = NULL
        WHERE j.service_user_id = NEW.id AND j.estimated_due_date = OLD.estimated_due_date
            AND (j.status <> 'ended'
                OR coalesce(NEW.loss_date, 'infinity'::date) < OLD.estimated_due_date - 57);
    END IF;
    RETURN NULL;
END
$$;
