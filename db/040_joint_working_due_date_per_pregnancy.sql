-- Each joint-working agreement keeps the due date of the pregnancy it
-- covers (db/036), and the birthing conversation is due from that date
-- alone (jw_birthing_conversation). Before, her current due date won
-- whenever she was pregnant, and every agreement not ended took each new
-- due date: her next pregnancy re-dated the agreements of the one before
-- (seed 003: the framework is "completed first in the antenatal and then
-- postnatal period"; the conversation is "before 32 weeks" of a pregnancy).
-- Now, for the agreements not ended:
--   * a corrected due date (a dating scan: pregnant before and after) moves
--     the agreements that had the old one, or none;
--   * a new pregnancy (no due date before) gives its date to the agreements
--     that have none;
--   * a pregnancy loss takes the date of that pregnancy from its agreements
--     (no conversation is due after a loss).
-- Ended agreements keep theirs.
CREATE OR REPLACE FUNCTION jwa_follow_due_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.estimated_due_date IS NOT NULL THEN
        UPDATE joint_working_agreements j SET estimated_due_date = NEW.estimated_due_date
        WHERE j.service_user_id = NEW.id AND j.status <> 'ended'
            AND (j.estimated_due_date IS NULL
                OR j.estimated_due_date = OLD.estimated_due_date);
    ELSIF NEW.perinatal_stage = 'pregnancy_loss' AND OLD.estimated_due_date IS NOT NULL THEN
        UPDATE joint_working_agreements j SET estimated_due_date = NULL
        WHERE j.service_user_id = NEW.id AND j.status <> 'ended'
            AND j.estimated_due_date = OLD.estimated_due_date;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER service_users_jwa_due_date ON service_users;
CREATE TRIGGER service_users_jwa_due_date
    AFTER UPDATE OF estimated_due_date, perinatal_stage ON service_users
    FOR EACH ROW WHEN (NEW.estimated_due_date IS DISTINCT FROM OLD.estimated_due_date)
    EXECUTE FUNCTION jwa_follow_due_date();

-- Agreements of women who have had a loss since: their pregnancy's date
-- goes (as the loss would now take it).
UPDATE joint_working_agreements j SET estimated_due_date = NULL
FROM service_users s
WHERE s.id = j.service_user_id AND s.perinatal_stage = 'pregnancy_loss'
    AND j.status <> 'ended' AND j.estimated_due_date IS NOT NULL
    AND s.loss_date <= j.estimated_due_date;
