-- Her next pregnancy gave its due date to every agreement not ended that
-- had none (db/040), and so did a corrected due date: a postnatal
-- agreement of the pregnancy before (made while she had no due date) took
-- the new one, its birthing conversation became due for a pregnancy it
-- does not cover, and the joint-working report counted it there (seed
-- 003: the conversation is "before 32 weeks" of the pregnancy the
-- agreement covers). Now an agreement with no date takes hers only when it
-- is antenatal and made since her last delivery or loss (one made before
-- she was pregnant, for the pregnancy to come). The rest is db/040's.
CREATE OR REPLACE FUNCTION jwa_follow_due_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.estimated_due_date IS NOT NULL THEN
        UPDATE joint_working_agreements j SET estimated_due_date = NEW.estimated_due_date
        WHERE j.service_user_id = NEW.id AND j.status <> 'ended'
            AND (j.estimated_due_date = OLD.estimated_due_date
                OR (j.estimated_due_date IS NULL AND j.period = 'antenatal'
                    AND (j.created_at AT TIME ZONE 'Europe/London')::date
                        >= coalesce(OLD.delivery_date, OLD.loss_date, '-infinity'::date)));
    ELSIF NEW.perinatal_stage = 'pregnancy_loss' AND OLD.estimated_due_date IS NOT NULL THEN
        UPDATE joint_working_agreements j SET estimated_due_date = NULL
        WHERE j.service_user_id = NEW.id AND j.status <> 'ended'
            AND j.estimated_due_date = OLD.estimated_due_date;
    END IF;
    RETURN NULL;
END
$$;
