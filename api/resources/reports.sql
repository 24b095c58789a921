-- Indicator reports for commissioners (reports.c; the reports themselves are
-- db/repeatable/60_reports.sql, listed in the table reports). $1 the access
-- context (the caller's organisation is the report's), $2 the arguments.

-- name: report_read repeatable
-- $2 {report, year, quarter, exact}: known (a report of the registry),
-- started (the quarter's first day is not after today in England), the
-- document (when both).
SELECT rep.name IS NOT NULL,
    report_quarter_start(a.year, a.quarter) <= (now() AT TIME ZONE 'Europe/London')::date,
    CASE WHEN rep.name IS NOT NULL
        AND report_quarter_start(a.year, a.quarter) <= (now() AT TIME ZONE 'Europe/London')::date
        THEN report_document(($1::access).org, rep.name, a.year, a.quarter,
            report_exact(($1::access).org, rep.name, a.year, a.quarter),
            NOT a.exact)::text END
FROM jsonb_to_record($2::jsonb) AS a(report text, year integer, quarter integer, exact boolean)
LEFT JOIN reports rep ON rep.name = a.report;

-- name: report_warm repeatable
-- $2 {year, quarter}: every report of the registry worked out for no
-- organisation (no rows), so that a new connection has read the catalogue
-- and statistics the reports need before the first real one: MH6's first
-- run on a new connection took 590 ms at 1,000,000 referrals, 180 ms after
-- this (which takes about 60 ms).
SELECT count(report_exact('00000000-0000-0000-0000-000000000000', rep.name, a.year, a.quarter))
FROM reports rep, jsonb_to_record($2::jsonb) AS a(year integer, quarter integer)
WHERE ($1::access).org IS NOT NULL;

-- name: report_known repeatable
-- $2 {report}: one row when the registry lists it.
SELECT ($1::access).org FROM reports WHERE name = $2::jsonb ->> 'report';

-- name: report_submission_insert
-- $2 {report, year, quarter, note}: freezes the quarter's figures as the
-- report publishes them (and the exact ones), the next in the quarter's
-- sequence, with the difference from the one before. No row: the quarter
-- has not ended (or the report is not listed).
WITH a AS (
    SELECT x.report, x.year, x.quarter, x.note
    FROM jsonb_to_record($2::jsonb) AS x(report text, year integer, quarter integer, note text)
    JOIN reports rep ON rep.name = x.report
    WHERE report_quarter_end(x.year, x.quarter) < (now() AT TIME ZONE 'Europe/London')::date),
prev AS (
    SELECT s.id, s.sequence, s.document FROM report_submissions s, a
    WHERE s.organisation_id = ($1::access).org AND s.report = a.report AND s.year = a.year
        AND s.quarter = a.quarter
    ORDER BY s.sequence DESC LIMIT 1),
made AS (
    SELECT a.*, e.exact, report_document(($1::access).org, a.report, a.year, a.quarter, e.exact,
        NULL) AS document
    FROM a CROSS JOIN LATERAL (SELECT report_exact(($1::access).org, a.report, a.year,
        a.quarter) AS exact) e)
INSERT INTO report_submissions (organisation_id, report, year, quarter, sequence, document,
    exact_figures, previous_id, difference, note, submitted_by)
SELECT ($1::access).org, m.report, m.year, m.quarter, coalesce(p.sequence, 0) + 1,
    -- A milestone's snapshot is its submission: submitted, this one included.
    CASE WHEN m.document ? 'milestone' THEN jsonb_set(m.document, '{milestone}',
        (m.document -> 'milestone') || jsonb_build_object('status', 'submitted',
            'submissions', coalesce(p.sequence, 0) + 1)) ELSE m.document END,
    m.exact, p.id, CASE WHEN p.id IS NOT NULL THEN report_difference(p.document, m.document) END,
    m.note, ($1::access).sub
FROM made m LEFT JOIN prev p ON true
RETURNING id, report_submission_json(report_submissions)::text;

-- name: report_submission_list repeatable
-- $2 {report, year, quarter, before, limit}: newest quarter first, then the
-- latest submission of a quarter first; the cursor is the sort key.
SELECT k.key::text, report_submission_summary_json(s)::text
FROM report_submissions s
CROSS JOIN LATERAL (SELECT s.year::bigint * 100000 + s.quarter * 10000 + s.sequence AS key) k
WHERE s.organisation_id = ($1::access).org AND s.report = $2::jsonb ->> 'report'
    AND (($2::jsonb ->> 'year') IS NULL OR s.year = ($2::jsonb ->> 'year')::int)
    AND (($2::jsonb ->> 'quarter') IS NULL OR s.quarter = ($2::jsonb ->> 'quarter')::int)
    AND (($2::jsonb ->> 'before') IS NULL OR k.key < ($2::jsonb ->> 'before')::bigint)
ORDER BY k.key DESC LIMIT ($2::jsonb ->> 'limit')::int;

-- name: report_submission_read repeatable
-- $2 {report, id}
SELECT report_submission_json(s)::text, s.document::text
FROM report_submissions s
WHERE s.organisation_id = ($1::access).org AND s.report = $2::jsonb ->> 'report'
    AND s.id = ($2::jsonb ->> 'id')::uuid;
