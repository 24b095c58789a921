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
-- Caseload at a quarter's end: the referrals' acceptances and closings by time.
CREATE INDEX workflow_transitions_report_idx ON workflow_transitions (workflow, to_state, at)
    INCLUDE (record_id, from_state);
