-- Activity at 1,000,000 referrals (issue 15 item 9): the report counts a
-- quarter's referrals by her perinatal stage and ethnic category as
-- recorded now. Joining each quarter's ~76,000 women to their records cost
-- 2.5 to 3.6 s (EXPLAIN ANALYZE, bench/reports.sh); the two facts are kept
-- on each referral instead, by the triggers below, and read with the rest
-- from one index-only scan. They follow her record: a referral linked to
-- a woman (at creation, or when her identity check is resolved) takes her
-- values, and a correction of her stage or ethnic category is copied to
-- all her referrals in the same transaction. NULL while the referral has
-- no woman (waiting for the identity check).
ALTER TABLE referrals
    ADD COLUMN woman_perinatal_stage text,
    ADD COLUMN woman_ethnic_category text;
-- The referrals as they stand (before the triggers: one pass).
UPDATE referrals r SET woman_perinatal_stage = s.perinatal_stage,
    woman_ethnic_category = s.ethnic_category
FROM service_users s WHERE s.id = r.service_user_id;

-- Written only from her record: a value set by hand is replaced by hers.
CREATE FUNCTION referrals_woman_facts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.service_user_id IS NULL THEN
        NEW.woman_perinatal_stage := NULL;
        NEW.woman_ethnic_category := NULL;
    ELSE
        SELECT s.perinatal_stage, s.ethnic_category
        INTO NEW.woman_perinatal_stage, NEW.woman_ethnic_category
        FROM service_users s WHERE s.id = NEW.service_user_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER referrals_woman_facts
    BEFORE INSERT OR UPDATE OF service_user_id, woman_perinatal_stage, woman_ethnic_category
    ON referrals FOR EACH ROW EXECUTE FUNCTION referrals_woman_facts();

CREATE FUNCTION service_users_referral_facts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE referrals SET woman_perinatal_stage = NEW.perinatal_stage,
        woman_ethnic_category = NEW.ethnic_category
    WHERE service_user_id = NEW.id
        AND (woman_perinatal_stage IS DISTINCT FROM NEW.perinatal_stage
            OR woman_ethnic_category IS DISTINCT FROM NEW.ethnic_category);
    RETURN NULL;
END
$$;
CREATE TRIGGER service_users_referral_facts
    AFTER UPDATE OF perinatal_stage, ethnic_category ON service_users FOR EACH ROW
    WHEN (OLD.perinatal_stage IS DISTINCT FROM NEW.perinatal_stage
        OR OLD.ethnic_category IS DISTINCT FROM NEW.ethnic_category)
    EXECUTE FUNCTION service_users_referral_facts();

-- Activity reads the referrals received in the quarter with every column
-- it counts, its two new ones included: an index-only scan.
DROP INDEX referrals_report_received_idx;
CREATE INDEX referrals_report_received_idx ON referrals (organisation_id, received_at)
    INCLUDE (source, source_code, priority, status, woman_perinatal_stage,
        woman_ethnic_category, service_user_id) WHERE voided_at IS NULL;

-- Joint working's agreements due: the quarter's referrals flagged open to
-- another mental health team, not a full transfer of her care, exactly as
-- report_joint_working asks (770 ms of heap visits for the quarter's
-- 84,000 referrals at 1,000,000 without it).
CREATE INDEX referrals_report_joint_idx ON referrals (organisation_id, received_at)
    INCLUDE (service_user_id)
    WHERE voided_at IS NULL AND (flag_offer_joint_working OR open_to_other_mh_team)
        AND coalesce(co_working ->> 'arrangement', '') <> 'full_care_transfer';

-- Outcomes: the quarter's discharge steps, and each referral's first
-- acceptance and last discharge (referral_episodes), from indexes alone.
CREATE INDEX workflow_transitions_referral_discharged_idx ON workflow_transitions (at)
    INCLUDE (record_id) WHERE workflow = 'referral' AND to_state = 'discharged';
CREATE INDEX workflow_transitions_referral_episode_idx
    ON workflow_transitions (record_id, to_state, at)
    WHERE workflow = 'referral' AND to_state IN ('accepted', 'discharged');
