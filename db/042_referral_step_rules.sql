-- Rules of a referral's steps that hold whatever the step carries (issue 9):
--   * a flagged referral (outside the window, under 18, open to another
--     mental health team) is accepted or declined from triage only through
--     the MDT (item 1). The guard referral_guard_flagged_needs_mdt reads the
--     flags before the step; criteria given with the step itself can flag
--     it there and then (referral_apply works the window flag out again),
--     so the flags as the step leaves them are checked here too;
--   * the CAMHS discussion (item 5) and the co-working agreement (item 6)
--     are recorded as they happened: not dated in the future (England's
--     day).
CREATE FUNCTION referrals_step_rules() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'triaged' AND NEW.status IN ('accepted', 'declined')
            AND (NEW.flag_discuss_individually OR NEW.flag_discuss_with_camhs
                OR NEW.flag_offer_joint_working) THEN
        RAISE EXCEPTION 'referral % is flagged: through the MDT first', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'referrals_flagged_needs_mdt';
    END IF;
    IF NEW.camhs_discussion IS DISTINCT FROM OLD.camhs_discussion
            AND (NEW.camhs_discussion ->> 'date')::date > england_today() THEN
        RAISE EXCEPTION 'referral %: CAMHS discussion in the future', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'referrals_camhs_discussion_not_future';
    END IF;
    IF NEW.co_working IS DISTINCT FROM OLD.co_working
            AND (NEW.co_working ->> 'agreed_on')::date > england_today() THEN
        RAISE EXCEPTION 'referral %: co-working agreed in the future', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'referrals_co_working_not_future';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER referrals_step_rules
    BEFORE UPDATE OF status, camhs_discussion, co_working ON referrals
    FOR EACH ROW EXECUTE FUNCTION referrals_step_rules();
