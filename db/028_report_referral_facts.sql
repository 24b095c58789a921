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

-- Outcomes: each referral's episode as referral_episodes defines it (its
-- first acceptance to its last discharge), kept by triggers whoever writes
-- a step, so that the report reads the quarter's discharges from one index
-- instead of every referral's history (1 to 2 s at 1,000,000 referrals:
-- 38,000 discharges looked up one by one).
CREATE TABLE report_episodes (
    referral_id uuid PRIMARY KEY REFERENCES referrals (id),
    organisation_id uuid NOT NULL,
    service_user_id uuid,
    accepted_at timestamptz,
    discharged_at timestamptz,
    voided boolean NOT NULL DEFAULT false
);
CREATE INDEX report_episodes_discharged_idx ON report_episodes (organisation_id, discharged_at)
    INCLUDE (service_user_id, accepted_at)
    WHERE NOT voided AND accepted_at IS NOT NULL AND service_user_id IS NOT NULL;
GRANT SELECT, INSERT, UPDATE ON report_episodes TO perinatal_app;

INSERT INTO report_episodes (referral_id, organisation_id, service_user_id, accepted_at,
    discharged_at, voided)
SELECT r.id, r.organisation_id, r.service_user_id, x.accepted_at, x.discharged_at,
    r.voided_at IS NOT NULL
FROM (SELECT record_id, min(at) FILTER (WHERE to_state = 'accepted') AS accepted_at,
          max(at) FILTER (WHERE to_state = 'discharged') AS discharged_at
      FROM workflow_transitions
      WHERE workflow = 'referral' AND to_state IN ('accepted', 'discharged')
      GROUP BY record_id) x
JOIN referrals r ON r.id = x.record_id;

CREATE FUNCTION report_episodes_follow_step() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_episodes AS e (referral_id, organisation_id, service_user_id,
        accepted_at, discharged_at, voided)
    SELECT r.id, r.organisation_id, r.service_user_id,
        CASE WHEN NEW.to_state = 'accepted' THEN NEW.at END,
        CASE WHEN NEW.to_state = 'discharged' THEN NEW.at END, r.voided_at IS NOT NULL
    FROM referrals r WHERE r.id = NEW.record_id
    ON CONFLICT (referral_id) DO UPDATE
        SET accepted_at = least(e.accepted_at, EXCLUDED.accepted_at),
            discharged_at = greatest(e.discharged_at, EXCLUDED.discharged_at);
    RETURN NULL;
END
$$;
CREATE TRIGGER report_episodes_follow_step AFTER INSERT ON workflow_transitions
    FOR EACH ROW WHEN (NEW.workflow = 'referral' AND NEW.to_state IN ('accepted', 'discharged'))
    EXECUTE FUNCTION report_episodes_follow_step();

CREATE FUNCTION report_episodes_follow_referral() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE report_episodes SET organisation_id = NEW.organisation_id,
        service_user_id = NEW.service_user_id, voided = NEW.voided_at IS NOT NULL
    WHERE referral_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER report_episodes_follow_referral
    AFTER UPDATE OF voided_at, service_user_id, organisation_id ON referrals FOR EACH ROW
    WHEN (OLD.voided_at IS DISTINCT FROM NEW.voided_at
        OR OLD.service_user_id IS DISTINCT FROM NEW.service_user_id
        OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id)
    EXECUTE FUNCTION report_episodes_follow_referral();

-- Activity's caseload: the women on it at a quarter's end, each once. At
-- 1,000,000 referrals ~180,000 spans cover a quarter's end, and making the
-- women distinct cost 300 ms. Each woman's spans (report_caseload_spans,
-- db/020) are kept merged into islands, rebuilt for her whenever one of
-- her spans changes: a span covers an end T when accepted_at < T <=
-- closed_at (or it is open), spans that overlap or touch make one island,
-- so at most one island of hers covers T and the report counts islands.
CREATE TABLE report_caseload_islands (
    organisation_id uuid NOT NULL,
    service_user_id uuid NOT NULL,
    accepted_at timestamptz NOT NULL,
    closed_at timestamptz,
    PRIMARY KEY (organisation_id, service_user_id, accepted_at)
);
CREATE INDEX report_caseload_islands_open_idx ON report_caseload_islands
    (organisation_id, accepted_at) WHERE closed_at IS NULL;
CREATE INDEX report_caseload_islands_closed_idx ON report_caseload_islands
    (organisation_id, closed_at) INCLUDE (accepted_at) WHERE closed_at IS NOT NULL;
GRANT SELECT, INSERT, DELETE ON report_caseload_islands TO perinatal_app;

-- The islands of one woman's spans (of every woman's: both NULL).
CREATE FUNCTION report_caseload_islands_of(p_org uuid, p_woman uuid)
RETURNS TABLE (organisation_id uuid, service_user_id uuid, accepted_at timestamptz,
    closed_at timestamptz)
LANGUAGE sql STABLE AS $$
    WITH s AS (
        SELECT s.organisation_id, s.service_user_id, s.accepted_at,
            coalesce(s.closed_at, 'infinity') AS closed_at,
            max(coalesce(s.closed_at, 'infinity')) OVER (
                PARTITION BY s.organisation_id, s.service_user_id
                ORDER BY s.accepted_at, s.closed_at NULLS LAST
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_end
        FROM report_caseload_spans s
        WHERE NOT s.voided AND s.service_user_id IS NOT NULL
            AND (s.closed_at IS NULL OR s.closed_at > s.accepted_at)
            AND (p_woman IS NULL OR (s.service_user_id = p_woman AND s.organisation_id = p_org))),
    g AS (
        SELECT s.*, count(*) FILTER (WHERE s.before_end IS NULL OR s.accepted_at > s.before_end)
            OVER (PARTITION BY s.organisation_id, s.service_user_id
                ORDER BY s.accepted_at, s.closed_at ROWS UNBOUNDED PRECEDING) AS island
        FROM s)
    SELECT g.organisation_id, g.service_user_id, min(g.accepted_at),
        nullif(max(g.closed_at), 'infinity')
    FROM g GROUP BY g.organisation_id, g.service_user_id, g.island
$$;

INSERT INTO report_caseload_islands SELECT * FROM report_caseload_islands_of(NULL, NULL);

-- Her islands again, from her spans as they now stand; one transaction at
-- a time per woman, so that two never rebuild them at once: a lock on her
-- record's row (not an advisory lock: a bulk load of steps takes one per
-- woman and ran out of the lock table), which leaves references to her
-- (KEY SHARE) free.
CREATE FUNCTION report_caseload_islands_rebuild(p_org uuid, p_woman uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_org IS NULL OR p_woman IS NULL THEN
        RETURN;
    END IF;
    PERFORM 1 FROM service_users WHERE id = p_woman FOR NO KEY UPDATE;
    DELETE FROM report_caseload_islands
    WHERE organisation_id = p_org AND service_user_id = p_woman;
    INSERT INTO report_caseload_islands SELECT * FROM report_caseload_islands_of(p_org, p_woman);
END
$$;

CREATE FUNCTION report_caseload_islands_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.organisation_id, OLD.service_user_id)
            IS DISTINCT FROM (NEW.organisation_id, NEW.service_user_id) THEN
        PERFORM report_caseload_islands_rebuild(OLD.organisation_id, OLD.service_user_id);
    END IF;
    PERFORM report_caseload_islands_rebuild(NEW.organisation_id, NEW.service_user_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER report_caseload_islands_follow AFTER INSERT OR UPDATE ON report_caseload_spans
    FOR EACH ROW EXECUTE FUNCTION report_caseload_islands_follow();
