-- Indicator reports for commissioners (issue 15): the registry of reports,
-- the frozen quarters (submissions) and the indexes the reports read by.
-- Each report is one SQL function report_<name>(org uuid, quarter_start
-- date, quarter_end date) RETURNS jsonb in db/repeatable/60_reports.sql,
-- listed here by name: adding a report (MH6, MH11, joint working) is its
-- function and one row. (Migrations run before db/repeatable/, so the row
-- names the function as text and nothing here calls it.)

CREATE TABLE reports (
    name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]{0,39}$'),
    position integer NOT NULL UNIQUE,
    function_name text NOT NULL UNIQUE CHECK (function_name ~ '^report_[a-z0-9_]{1,50}$'),
    title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    -- NHS England's small-number rule applies to every count (MH6 and MH11,
    -- contractual evidence, are exact: false).
    suppressed boolean NOT NULL
);
INSERT INTO reports (name, position, function_name, title, suppressed) VALUES
    ('response-times', 3, 'report_response_times', 'Referral response times', true),
    ('activity', 5, 'report_activity', 'Referral activity, caseload and people seen', true);
GRANT SELECT ON reports TO perinatal_app;

-- A submission freezes a quarter's figures as they were sent: the document
-- as published (suppressed as its report is) and the exact figures it was
-- made from, so that a figure once submitted can always be reproduced. A
-- correction is a new submission (sequence + 1) with the difference from
-- the previous one; nothing is ever changed or removed.
CREATE TABLE report_submissions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    report text NOT NULL REFERENCES reports (name),
    year integer NOT NULL CHECK (year BETWEEN 2000 AND 2199),
    quarter integer NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    sequence integer NOT NULL CHECK (sequence >= 1),
    document jsonb NOT NULL,
    exact_figures jsonb NOT NULL,
    previous_id uuid REFERENCES report_submissions (id),
    difference jsonb,
    note text CHECK (char_length(note) BETWEEN 1 AND 2000),
    submitted_by text NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT report_submissions_sequence_unique
        UNIQUE (organisation_id, report, year, quarter, sequence),
    CONSTRAINT report_submissions_previous_check
        CHECK ((sequence = 1) = (previous_id IS NULL) AND (sequence = 1) = (difference IS NULL))
);
CREATE INDEX report_submissions_list_idx
    ON report_submissions (organisation_id, report, submitted_at DESC, id DESC);

-- Append-only, whoever asks (the owner included): no update, no delete, no
-- truncate.
CREATE FUNCTION report_submissions_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'report submissions are append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER report_submissions_no_change BEFORE UPDATE OR DELETE ON report_submissions
    FOR EACH ROW EXECUTE FUNCTION report_submissions_append_only();
CREATE TRIGGER report_submissions_no_truncate BEFORE TRUNCATE ON report_submissions
    FOR EACH STATEMENT EXECUTE FUNCTION report_submissions_append_only();
GRANT SELECT, INSERT ON report_submissions TO perinatal_app;

-- The reports' reads (EXPLAIN ANALYZE at 1,000,000 referrals, bench/reports.sh):
-- response times take the referrals due in a quarter, activity those
-- received in it; both only the columns they count, so an index-only scan
-- answers without visiting the table.
CREATE INDEX referrals_report_due_idx ON referrals (organisation_id, due_at)
    INCLUDE (priority, responded_at, status) WHERE voided_at IS NULL;
CREATE INDEX referrals_report_received_idx ON referrals (organisation_id, received_at)
    INCLUDE (source, source_code, priority, status, service_user_id) WHERE voided_at IS NULL;
-- Caseload at a quarter's end: each accepted referral's span on the
-- caseload, from its acceptance to the step that took it out of accepted
-- (discharge, unable to engage), kept by the triggers below whoever writes
-- a step, so that the report reads the few spans open at the quarter's end
-- instead of every referral's history.
CREATE TABLE report_caseload_spans (
    referral_id uuid PRIMARY KEY REFERENCES referrals (id),
    organisation_id uuid NOT NULL,
    service_user_id uuid,
    accepted_at timestamptz NOT NULL,
    closed_at timestamptz,
    voided boolean NOT NULL DEFAULT false
);
CREATE INDEX report_caseload_open_idx ON report_caseload_spans (organisation_id, accepted_at)
    INCLUDE (service_user_id) WHERE closed_at IS NULL AND NOT voided;
CREATE INDEX report_caseload_closed_idx ON report_caseload_spans (organisation_id, closed_at)
    INCLUDE (accepted_at, service_user_id) WHERE closed_at IS NOT NULL AND NOT voided;
GRANT SELECT, INSERT, UPDATE ON report_caseload_spans TO perinatal_app;

INSERT INTO report_caseload_spans (referral_id, organisation_id, service_user_id, accepted_at,
    closed_at, voided)
SELECT r.id, r.organisation_id, r.service_user_id, a.at, c.at, r.voided_at IS NOT NULL
FROM (SELECT record_id, min(at) AS at FROM workflow_transitions
      WHERE workflow = 'referral' AND to_state = 'accepted'
          AND from_state IS DISTINCT FROM 'accepted'
      GROUP BY record_id) a
JOIN referrals r ON r.id = a.record_id
LEFT JOIN (SELECT record_id, min(at) AS at FROM workflow_transitions
           WHERE workflow = 'referral' AND from_state = 'accepted' AND to_state <> 'accepted'
           GROUP BY record_id) c ON c.record_id = a.record_id;

CREATE FUNCTION report_caseload_follow_step() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.to_state = 'accepted' THEN
        INSERT INTO report_caseload_spans (referral_id, organisation_id, service_user_id,
            accepted_at, voided)
        SELECT r.id, r.organisation_id, r.service_user_id, NEW.at, r.voided_at IS NOT NULL
        FROM referrals r WHERE r.id = NEW.record_id
        ON CONFLICT (referral_id) DO NOTHING;
    ELSE
        UPDATE report_caseload_spans SET closed_at = NEW.at
        WHERE referral_id = NEW.record_id AND closed_at IS NULL;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER report_caseload_follow_step AFTER INSERT ON workflow_transitions
    FOR EACH ROW WHEN (NEW.workflow = 'referral'
        AND 'accepted' IN (NEW.to_state, NEW.from_state)
        AND NEW.from_state IS DISTINCT FROM NEW.to_state)
    EXECUTE FUNCTION report_caseload_follow_step();

CREATE FUNCTION report_caseload_follow_void() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE report_caseload_spans SET voided = NEW.voided_at IS NOT NULL
    WHERE referral_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER report_caseload_follow_void AFTER UPDATE OF voided_at ON referrals
    FOR EACH ROW WHEN (OLD.voided_at IS DISTINCT FROM NEW.voided_at)
    EXECUTE FUNCTION report_caseload_follow_void();
