-- Her next pregnancy gave its due date to every agreement not ended that
-- had none (db/040), and so did a corrected due date: a postnatal
-- agreement of the pregnancy before (made while she had no due date) took
-- the new one, its birthing conversation became due for a pregnancy it
-- does not cover, and the joint-working report counted it there (seed
-- 003: the conversation is "before 32 weeks" of the pregnancy the
-- agreement covers). Now an agreement with no date takes hers only when it
-- is antenatal and made since her last delivery or loss (one made before
-- she was pregnant, for the pregnancy to come).
--
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
-- conversation stays counted). The rest is db/040's.
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
