-- A referral closed without any contact is "neither met nor breached"
-- (issue 9, item 4) and stays so: db/043 refuses a contact recorded after
-- the closure, or moved to after it, but a contact already recorded (a
-- planned one, its outcome not yet known) that was then marked attended,
-- or a contact recorded while the closing step was being committed,
-- still answered it. The rule is now held by the referral itself, whatever
-- gives it its answer: a referral so closed takes no answer held after it
-- was closed (409 for the change that would give it one; and when the
-- answer it had before the closure goes, it is closed without contact).
-- One held before the closure, recorded late, still answers it.
CREATE FUNCTION referrals_closed_stay_unanswered() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    closed timestamptz;
BEGIN
    SELECT max(t.at) INTO closed FROM workflow_transitions t
    WHERE t.workflow = 'referral' AND t.record_id = NEW.id AND t.to_state = NEW.status;
    IF NEW.responded_at > closed THEN
        IF OLD.responded_at IS NULL THEN
            RAISE EXCEPTION 'referral % was closed without contact before %', NEW.id,
                    NEW.responded_at
                USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_after_closure';
        END IF;
        -- Its answer from before the closure is gone (entered in error,
        -- say): what is left came after it, so it was closed without one.
        NEW.responded_at := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER referrals_closed_stay_unanswered BEFORE UPDATE OF responded_at ON referrals
    FOR EACH ROW WHEN (NEW.status IN ('signposted', 'advice_given', 'referred_on', 'declined',
            'withdrawn', 'unable_to_engage')
        AND NEW.responded_at IS NOT NULL
        AND NEW.responded_at IS DISTINCT FROM OLD.responded_at)
    EXECUTE FUNCTION referrals_closed_stay_unanswered();
