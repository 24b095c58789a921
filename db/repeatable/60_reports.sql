-- Indicator reports for commissioners (issue 15; seeds 002 and 004;
-- domain brief: national codes, suppression). Each report is one function
--   report_<name>(org uuid, quarter_start date, quarter_end date) RETURNS jsonb
-- listed in the table reports (db/020_reports.sql). It returns the exact
-- figures: {"cohort": text, "definitions": {figure: text}, "figures": [...]},
-- each figure {"figure", "breakdown", "category", "national_code", "kind"}
-- with "count" (kind count) or "numerator" and "denominator" (kind
-- percentage or mean). report_present turns them into what a caller sees,
-- applying NHS England's rule for sub-national figures when the report is
-- suppressed. quarter_end is the quarter's last day (inclusive); days are
-- England's (Europe/London).

-- NHS financial-year quarters: year 2026 is 2026/27; Q1 April-June, Q2
-- July-September, Q3 October-December, Q4 January-March (of 2027).
CREATE OR REPLACE FUNCTION report_quarter_start(year integer, quarter integer) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (make_date(year, 4, 1) + make_interval(months => 3 * (quarter - 1)))::date
$$;

CREATE OR REPLACE FUNCTION report_quarter_end(year integer, quarter integer) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (report_quarter_start(year, quarter) + interval '3 months' - interval '1 day')::date
$$;

-- The first instant of a day in England.
CREATE OR REPLACE FUNCTION report_day_start(day date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT day::timestamp AT TIME ZONE 'Europe/London'
$$;

-- A count as published: exact, or (suppressed) 0-4 "*" and the rest to the
-- nearest 5 (no count ends in .5 of 5, so no tie to break).
CREATE OR REPLACE FUNCTION report_count_value(n bigint, suppress boolean) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN NOT suppress THEN to_jsonb(n)
        WHEN n < 5 THEN '"*"'::jsonb
        ELSE to_jsonb((round(n / 5.0) * 5)::bigint) END
$$;

-- A percentage (100 x numerator / denominator) or a mean (numerator /
-- denominator) as published: "*" when suppressed and either is under 5 (a
-- mean's numerator is a sum, not a count, and may be negative, as a mean
-- change is: only its denominator, the count of people, is tested),
-- then from the exact figures, to a whole number (suppressed) or one
-- decimal (exact); null when there is nothing to divide by.
CREATE OR REPLACE FUNCTION report_ratio_value(kind text, numerator numeric, denominator numeric,
    suppress boolean) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN suppress AND ((kind = 'percentage' AND numerator < 5) OR denominator < 5)
            THEN '"*"'::jsonb
        WHEN denominator = 0 THEN 'null'::jsonb
        ELSE to_jsonb(round(CASE kind WHEN 'percentage' THEN 100 ELSE 1 END * numerator
            / denominator, CASE WHEN suppress THEN 0 ELSE 1 END)) END
$$;

-- The figures as published: each with its value; a percentage or mean also
-- with its numerator and denominator (a mean's numerator is a sum, not a
-- count: it is shown only when exact).
CREATE OR REPLACE FUNCTION report_present(figures jsonb, suppress boolean) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
            'figure', f ->> 'figure', 'breakdown', f ->> 'breakdown',
            'category', f ->> 'category', 'national_code', f ->> 'national_code',
            'kind', f ->> 'kind',
            'value', CASE f ->> 'kind'
                WHEN 'count' THEN report_count_value((f ->> 'count')::bigint, suppress)
                ELSE report_ratio_value(f ->> 'kind', (f ->> 'numerator')::numeric,
                    (f ->> 'denominator')::numeric, suppress) END)
        || CASE WHEN f ->> 'kind' = 'count' THEN '{}'::jsonb ELSE jsonb_build_object(
            'numerator', CASE WHEN f ->> 'kind' = 'mean' AND suppress THEN '"*"'::jsonb
                WHEN f ->> 'kind' = 'mean' THEN to_jsonb((f ->> 'numerator')::numeric)
                ELSE report_count_value((f ->> 'numerator')::bigint, suppress) END,
            'denominator', report_count_value((f ->> 'denominator')::bigint, suppress)) END
        ORDER BY n), '[]'::jsonb)
    FROM jsonb_array_elements(figures) WITH ORDINALITY AS e(f, n)
$$;

CREATE OR REPLACE FUNCTION report_suppression_rule() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'NHS England''s rule for sub-national figures, on every count (totals included): '
        || '0 to 4 is shown as "*", any other count is rounded to the nearest 5; a percentage '
        || 'is "*" when its numerator or denominator is under 5, a mean when the number it is '
        || 'over (its denominator) is under 5 (its numerator, a sum, is never shown); '
        || 'otherwise it is worked out from the exact figures and given to a whole number.'
$$;

-- Response times (seed 002: "Emergency Referrals within 4 Hours, Routine
-- Referrals within 28 days"; the response is the first attended contact).
CREATE OR REPLACE FUNCTION report_response_times(org uuid, quarter_start date, quarter_end date)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH counts AS (
        SELECT r.priority,
            count(*) FILTER (WHERE r.responded_at <= r.due_at) AS met,
            count(*) FILTER (WHERE r.responded_at > r.due_at) AS breached,
            count(*) FILTER (WHERE r.responded_at IS NULL AND r.status IN ('identity_check',
                'received', 'triaged', 'mdt_review', 'accepted') AND r.due_at < now())
                AS open_past_due,
            count(*) FILTER (WHERE r.responded_at IS NULL AND r.status IN ('identity_check',
                'received', 'triaged', 'mdt_review', 'accepted') AND r.due_at >= now())
                AS open_not_yet_due,
            count(*) FILTER (WHERE r.responded_at IS NULL AND r.status NOT IN ('identity_check',
                'received', 'triaged', 'mdt_review', 'accepted')) AS closed_without_contact,
            count(*) AS total
        FROM referrals r
        WHERE r.organisation_id = org AND r.voided_at IS NULL
            AND r.due_at >= report_day_start(quarter_start)
            AND r.due_at < report_day_start(quarter_end + 1)
        GROUP BY r.priority),
    categories AS (
        SELECT v.code, v.national_code, v.position FROM vocabulary v
        WHERE v.domain = 'referral_priority'
        UNION ALL SELECT 'all', NULL, 1000),
    rows AS (
        SELECT k.code, k.national_code, k.position,
            coalesce(sum(c.met), 0) AS met, coalesce(sum(c.breached), 0) AS breached,
            coalesce(sum(c.open_past_due), 0) AS open_past_due,
            coalesce(sum(c.open_not_yet_due), 0) AS open_not_yet_due,
            coalesce(sum(c.closed_without_contact), 0) AS closed_without_contact,
            coalesce(sum(c.total), 0) AS total
        FROM categories k LEFT JOIN counts c ON k.code IN (c.priority, 'all')
        GROUP BY k.code, k.national_code, k.position)
    SELECT jsonb_build_object(
        'cohort', 'Referrals to the organisation (any team) whose response was due in the '
            || 'quarter (due time: 4 hours after receipt for an emergency, 28 days for a '
            || 'routine referral, as priority stands now), by priority, not entered in error. '
            || 'The response is the first attended contact with her present, in a mode that '
            || 'counts (seed 002), by the perinatal team or out of hours by the crisis team, '
            || 'psychiatric liaison, Connection or Access Mental Health.',
        'definitions', jsonb_build_object(
            'met', 'Answered by the due time: first attended contact at or before it.',
            'breached', 'Answered after the due time.',
            'open_past_due', 'Not answered, still open (received, in triage or at the MDT, '
                || 'or accepted and not yet seen) and past its due time now.',
            'open_not_yet_due', 'Not answered, still open, and not yet due (a quarter '
                || 'still running).',
            'closed_without_contact', 'Closed without any attended contact (signposted, '
                || 'advice given, referred on, declined, withdrawn, unable to engage): '
                || 'counted apart, in neither met nor breached.',
            'total', 'Every referral of the cohort: the five figures above add up to it.',
            'met_percentage', 'met / (met + breached + open_past_due) x 100: the share '
                || 'answered in time of those whose time has run out, closed without '
                || 'contact left out.'),
        'figures', (SELECT jsonb_agg(f ORDER BY x.position, x.n) FROM (
            SELECT r.position, m.n, jsonb_build_object('figure', m.figure,
                    'breakdown', 'priority', 'category', r.code,
                    'national_code', r.national_code, 'kind', m.kind)
                || CASE WHEN m.kind = 'count' THEN jsonb_build_object('count', m.value)
                    ELSE jsonb_build_object('numerator', r.met,
                        'denominator', r.met + r.breached + r.open_past_due) END AS f
            FROM rows r CROSS JOIN LATERAL (VALUES
                (1, 'met', 'count', r.met), (2, 'breached', 'count', r.breached),
                (3, 'open_past_due', 'count', r.open_past_due),
                (4, 'open_not_yet_due', 'count', r.open_not_yet_due),
                (5, 'closed_without_contact', 'count', r.closed_without_contact),
                (6, 'total', 'count', r.total),
                (7, 'met_percentage', 'percentage', NULL)) AS m(n, figure, kind, value)) x))
    FROM (SELECT 1) one
$$;

-- Activity (seeds 002 and 004): referrals received in the quarter by
-- source, priority, outcome, perinatal stage and ethnic category; the
-- caseload at the quarter's end; the people seen in the year to its end.
CREATE OR REPLACE FUNCTION report_activity(org uuid, quarter_start date, quarter_end date)
RETURNS jsonb LANGUAGE sql STABLE
-- Enough memory to hash a quarter's referrals (about 85,000 at 1,000,000
-- referrals over three years) rather than sort them.
SET work_mem = '64MB' AS $$
    -- One index-only scan of the quarter's referrals: her stage and ethnic
    -- category are kept on each referral, following her record
    -- (db/028_report_referral_facts.sql); joining a quarter's ~76,000 women
    -- to their records took 2.5 to 3.6 s at 1,000,000 referrals.
    WITH counts AS (
        SELECT CASE WHEN GROUPING(source, source_code) = 0 THEN 'source'
                WHEN GROUPING(priority) = 0 THEN 'priority'
                WHEN GROUPING(status) = 0 THEN 'outcome'
                WHEN GROUPING(stage) = 0 THEN 'perinatal_stage'
                WHEN GROUPING(ethnicity) = 0 THEN 'ethnic_category'
                ELSE 'all' END AS breakdown,
            coalesce(source, priority, status, stage, ethnicity, 'all') AS category, source_code,
            sum(n)::bigint AS n
        -- Counted once by every combination (a few hundred), then summed
        -- by breakdown: one hash lookup per referral instead of five.
        FROM (SELECT r.source, r.source_code, r.priority, r.status,
                coalesce(r.woman_perinatal_stage, 'not_recorded') AS stage,
                coalesce(r.woman_ethnic_category, 'not_recorded') AS ethnicity, count(*) AS n
            FROM referrals r
            WHERE r.organisation_id = org AND r.voided_at IS NULL
                AND r.received_at >= report_day_start(quarter_start)
                AND r.received_at < report_day_start(quarter_end + 1)
            GROUP BY 1, 2, 3, 4, 5, 6) cohort
        GROUP BY GROUPING SETS ((source, source_code), (priority), (status), (stage),
            (ethnicity), ())),
    -- Every category of each breakdown, seen or not (a missing row would
    -- say as much as a small count); a source without a national code of
    -- its own is split by the code each referral carries (P1, I1, I2).
    categories AS (
        SELECT b.breakdown, v.code, v.national_code, b.position * 1000 + v.position AS position
        FROM (VALUES ('source', 'referral_source', 1), ('priority', 'referral_priority', 2),
                ('outcome', 'referral_status', 3), ('perinatal_stage', 'perinatal_stage', 4),
                ('ethnic_category', 'ethnic_category', 5)) AS b(breakdown, domain, position)
        JOIN vocabulary v ON v.domain = b.domain
        UNION ALL VALUES ('perinatal_stage', 'not_recorded', NULL, 4999),
            ('ethnic_category', 'not_recorded', NULL, 5999), ('all', 'all', NULL, 0)),
    referral_rows AS (
        SELECT k.position, k.breakdown, k.code,
            CASE WHEN k.breakdown = 'source' THEN coalesce(c.source_code, k.national_code)
                ELSE k.national_code END AS national_code,
            coalesce(c.n, 0) AS n
        FROM categories k LEFT JOIN counts c ON c.breakdown = k.breakdown AND c.category = k.code),
    -- Caseload: the women with a referral whose state at the quarter's end
    -- was accepted (accepted before it, not closed from accepted before it:
    -- a span, db/020_reports.sql), each once: her spans kept merged into
    -- islands, at most one of which covers the end (db/028).
    caseload AS (
        SELECT (SELECT count(*) FROM report_caseload_islands i
                WHERE i.organisation_id = org AND i.closed_at IS NULL
                    AND i.accepted_at < report_day_start(quarter_end + 1))
            + (SELECT count(*) FROM report_caseload_islands i
                WHERE i.organisation_id = org AND i.closed_at IS NOT NULL
                    AND i.closed_at >= report_day_start(quarter_end + 1)
                    AND i.accepted_at < report_day_start(quarter_end + 1)) AS n),
    seen AS (
        SELECT count(DISTINCT c.service_user_id) AS n
        FROM contacts c
        WHERE c.organisation_id = org AND c.voided_at IS NULL AND c.attendance = 'attended'
            AND c.woman_present
            AND c.at >= report_day_start((quarter_end + 1 - interval '1 year')::date)
            AND c.at < report_day_start(quarter_end + 1))
    SELECT jsonb_build_object(
        'cohort', 'Referrals to the organisation (any team) received in the quarter, not '
            || 'entered in error; the caseload and the people seen are women, each counted '
            || 'once.',
        'definitions', jsonb_build_object(
            'referrals', 'Referrals received in the quarter, by source (with the MHSDS '
                || 'referral source code each carries), priority (with the MHSDS clinical '
                || 'priority code), outcome (the status each has now), her perinatal stage '
                || 'and her ethnic category (NHS Data Dictionary code) as recorded now; '
                || '"not_recorded" where her record has none or the referral waits for an '
                || 'identity check. Each breakdown adds up to the total ("all").',
            'caseload', 'Women with a referral whose state at the end of the quarter was '
                || 'accepted (accepted on or before its last day, not yet discharged or '
                || 'closed as unable to engage).',
            'people_seen', 'Women with an attended contact, her present, in the year that '
                || 'ends with the quarter (seed 004: "cases seen in the previous year").'),
        'figures', (SELECT jsonb_agg(f ORDER BY position, nc) FROM (
                SELECT position, coalesce(national_code, '') AS nc,
                    jsonb_build_object('figure', 'referrals', 'breakdown', breakdown,
                        'category', code, 'national_code', national_code, 'kind', 'count',
                        'count', n) AS f
                FROM referral_rows
                UNION ALL
                SELECT 900000, '', jsonb_build_object('figure', 'caseload', 'breakdown', 'all',
                    'category', 'all', 'national_code', NULL, 'kind', 'count', 'count', n)
                FROM caseload
                UNION ALL
                SELECT 900001, '', jsonb_build_object('figure', 'people_seen',
                    'breakdown', 'all', 'category', 'all', 'national_code', NULL,
                    'kind', 'count', 'count', n)
                FROM seen) x))
$$;

-- The exact figures of a report of the registry (NULL when it has none).
CREATE OR REPLACE FUNCTION report_exact(org uuid, name text, year integer, quarter integer)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    fn text;
    out jsonb;
BEGIN
    SELECT function_name INTO fn FROM reports WHERE reports.name = report_exact.name;
    IF fn IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT %I($1, $2, $3)', fn) INTO out
        USING org, report_quarter_start(year, quarter), report_quarter_end(year, quarter);
    RETURN out;
END
$$;

-- What a caller sees: the report's frame (which report, which quarter, the
-- cohort, the rule applied, the definitions) and its figures as published.
-- suppress: NULL for the report's own rule, false for exact figures.
CREATE OR REPLACE FUNCTION report_document(org uuid, name text, year integer, quarter integer,
    exact jsonb, suppress boolean) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'report', rep.name, 'title', rep.title, 'organisation_id', org,
        'year', year, 'quarter', quarter,
        'financial_year', year || '/' || lpad(((year + 1) % 100)::text, 2, '0'),
        'period', jsonb_build_object('start', report_quarter_start(year, quarter),
            'end', report_quarter_end(year, quarter), 'time_zone', 'Europe/London'),
        'cohort', exact ->> 'cohort',
        'suppression', jsonb_build_object('applied', s.applied,
            'rule', CASE WHEN s.applied THEN report_suppression_rule()
                ELSE 'None: exact figures.' END),
        'definitions', exact -> 'definitions',
        'figures', report_present(exact -> 'figures', s.applied))
        -- A report with a payment milestone (MH6): met when the quarter's
        -- counts have been submitted (a submission snapshot says so itself).
        || CASE WHEN exact ? 'milestone' THEN jsonb_build_object('milestone',
            (exact -> 'milestone') || (SELECT jsonb_build_object('status',
                    CASE WHEN count(*) > 0 THEN 'submitted' ELSE 'not_submitted' END,
                    'submissions', count(*))
                FROM report_submissions x
                WHERE x.organisation_id = org AND x.report = rep.name
                    AND x.year = report_document.year AND x.quarter = report_document.quarter))
            ELSE '{}'::jsonb END
    FROM reports rep CROSS JOIN LATERAL (SELECT rep.suppressed AND coalesce(suppress, true)) s(applied)
    WHERE rep.name = report_document.name
$$;

-- The difference between two submissions' published figures: each figure
-- whose value changed, appeared or went, with both values.
CREATE OR REPLACE FUNCTION report_difference(previous jsonb, current jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH p AS (SELECT f - 'value' - 'numerator' - 'denominator' AS k, f -> 'value' AS v
               FROM jsonb_array_elements(previous -> 'figures') f),
         c AS (SELECT f - 'value' - 'numerator' - 'denominator' AS k, f -> 'value' AS v
               FROM jsonb_array_elements(current -> 'figures') f)
    SELECT coalesce(jsonb_agg(coalesce(c.k, p.k) || jsonb_build_object(
            'previous', p.v, 'current', c.v) ORDER BY coalesce(c.k, p.k)), '[]'::jsonb)
    FROM p FULL JOIN c ON c.k = p.k
    WHERE p.v IS DISTINCT FROM c.v
$$;

CREATE OR REPLACE FUNCTION report_submission_json(s report_submissions) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('id', s.id, 'report', s.report, 'year', s.year,
        'quarter', s.quarter, 'sequence', s.sequence, 'previous_id', s.previous_id,
        'submitted_by', s.submitted_by, 'submitted_at', s.submitted_at, 'note', s.note,
        'difference', s.difference, 'document', s.document)
$$;

CREATE OR REPLACE FUNCTION report_submission_summary_json(s report_submissions) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('id', s.id, 'report', s.report, 'year', s.year,
        'quarter', s.quarter, 'sequence', s.sequence, 'previous_id', s.previous_id,
        'submitted_by', s.submitted_by, 'submitted_at', s.submitted_at, 'note', s.note,
        'changed_figures', CASE WHEN s.difference IS NULL THEN NULL
            ELSE jsonb_array_length(s.difference) END)
$$;

-- MH11 (seed 001, "Training and supervision of clinical staff to deliver
-- interventions to improve mother/infant interaction and care"), exact
-- counts (contractual evidence). The seed's numerator and denominator as
-- it states them: numerator "all mothers admitted with their babies
-- (excluding women admitted in pregnancy)", denominator "all mothers
-- admitted with their babies" (so a woman admitted in pregnancy whose baby
-- joined her in the unit counts in the denominator only); the mothers of
-- the numerator offered a psychosocial mother-infant intervention during
-- the stay (interventions of kind parent_infant tagged with the admission,
-- db/023_reports_wiring.sql); and, at Q1 and Q4 only ("twice annually"),
-- the clinical staff of the unit trained (mh11_trained_mbu_staff on the
-- quarter's last day) with its share of the final value (1 trained = 50%,
-- 2 or more = 100%).
CREATE OR REPLACE FUNCTION report_mh11(org uuid, quarter_start date, quarter_end date)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH adm AS (
        SELECT m.id, m.service_user_id, m.admitted_with, m.admitted_on,
            mbu_admission_with_baby_since(m) AS with_baby_since
        FROM mbu_admissions m
        WHERE m.organisation_id = org AND m.voided_at IS NULL
            AND m.admitted_on <= quarter_end),
    numerator AS (
        SELECT DISTINCT a.service_user_id FROM adm a
        WHERE a.admitted_with = 'baby' AND a.admitted_on >= quarter_start),
    denominator AS (
        SELECT DISTINCT a.service_user_id FROM adm a
        WHERE a.with_baby_since BETWEEN quarter_start AND quarter_end),
    offered AS (
        SELECT DISTINCT a.service_user_id FROM adm a
        WHERE a.admitted_with = 'baby' AND a.admitted_on >= quarter_start
            AND EXISTS (SELECT 1 FROM care_plan_interventions i
                JOIN care_plans p ON p.id = i.care_plan_id
                WHERE i.mbu_admission_id = a.id AND i.kind = 'parent_infant'
                    AND i.voided_at IS NULL AND p.voided_at IS NULL)),
    n AS (
        SELECT (SELECT count(*) FROM numerator) AS numerator,
            (SELECT count(*) FROM denominator) AS denominator,
            (SELECT count(*) FROM offered) AS offered,
            CASE WHEN extract(month FROM quarter_start) IN (1, 4)
                THEN mh11_trained_mbu_staff(org, quarter_end) END AS trained)
    SELECT jsonb_build_object(
        'cohort', 'Admissions to a mother and baby unit recorded by the organisation, not '
            || 'entered in error; mothers are women, each counted once however many '
            || 'admissions she had. Seed 001 states the numerator and denominator as used '
            || 'here. Exact counts: MH11 is contractual evidence and is not suppressed.',
        'definitions', jsonb_build_object(
            'mothers_admitted_with_baby', 'Numerator (seed 001): all mothers admitted with '
                || 'their babies, excluding women admitted in pregnancy: admitted in the '
                || 'quarter with her baby.',
            'mothers_with_baby', 'Denominator (seed 001): all mothers admitted with their '
                || 'babies: with her baby in the unit from a day in the quarter (admitted '
                || 'with her baby in the quarter, or admitted in pregnancy and joined by her '
                || 'baby in the quarter).',
            'mothers_admitted_with_baby_percentage', 'Numerator / denominator x 100.',
            'mothers_offered_psychosocial_intervention', 'Of the numerator''s mothers, those '
                || 'offered a psychosocial mother-infant (parent-infant) intervention during '
                || 'the stay: an intervention of that kind offered on a day of her admission '
                || '(admission to discharge day), whatever became of the offer.',
            'mothers_offered_psychosocial_intervention_percentage', 'Mothers offered / '
                || 'numerator x 100 (seed 001: offered to all mothers admitted).',
            'clinical_staff_trained', 'Reported at Q1 and Q4 only (seed 001: "twice '
                || 'annually"): active clinical staff of the mother and baby unit with a '
                || 'training record qualifying them for a mother-infant intervention, valid '
                || 'on the quarter''s last day, each counted once.',
            'staff_trained_share_of_final_value', 'Reported at Q1 and Q4 only: the share of '
                || 'the final indicator value the trained staff earn (seed 001: 1 trained = '
                || '50%, 2 trained = 100%; none = 0%), as min(trained, 2) / 2 x 100.'),
        'figures', jsonb_build_array(
            jsonb_build_object('figure', 'mothers_admitted_with_baby', 'breakdown', 'all',
                'category', 'all', 'national_code', NULL, 'kind', 'count',
                'count', n.numerator),
            jsonb_build_object('figure', 'mothers_with_baby', 'breakdown', 'all',
                'category', 'all', 'national_code', NULL, 'kind', 'count',
                'count', n.denominator),
            jsonb_build_object('figure', 'mothers_admitted_with_baby_percentage',
                'breakdown', 'all', 'category', 'all', 'national_code', NULL,
                'kind', 'percentage', 'numerator', n.numerator, 'denominator', n.denominator),
            jsonb_build_object('figure', 'mothers_offered_psychosocial_intervention',
                'breakdown', 'all', 'category', 'all', 'national_code', NULL, 'kind', 'count',
                'count', n.offered),
            jsonb_build_object('figure', 'mothers_offered_psychosocial_intervention_percentage',
                'breakdown', 'all', 'category', 'all', 'national_code', NULL,
                'kind', 'percentage', 'numerator', n.offered, 'denominator', n.numerator))
        || CASE WHEN n.trained IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(
            jsonb_build_object('figure', 'clinical_staff_trained', 'breakdown', 'all',
                'category', 'all', 'national_code', NULL, 'kind', 'count',
                'count', n.trained),
            jsonb_build_object('figure', 'staff_trained_share_of_final_value',
                'breakdown', 'all', 'category', 'all', 'national_code', NULL,
                'kind', 'percentage', 'numerator', least(n.trained, 2), 'denominator', 2))
            END)
    FROM n
$$;

-- Joint working (seed 003, the Perinatal Joint Working Framework): the
-- birthing conversation before 32 weeks (jw_birthing_conversation), the
-- psychological therapy started within 28 days of its assessment (from
-- the care-plan interventions, the real record of the therapy), and the
-- agreements due and made.
CREATE OR REPLACE FUNCTION report_joint_working(org uuid, quarter_start date, quarter_end date)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH made AS (
        -- An agreement is made when it is agreed at the joint meeting (its
        -- step out of draft); one ended as a draft was never made.
        SELECT j.id, j.service_user_id, a.at AS agreed_at
        FROM joint_working_agreements j
        JOIN LATERAL (SELECT min(t.at) AS at FROM workflow_transitions t
            WHERE t.workflow = 'joint_working_agreement' AND t.record_id = j.id
                AND t.to_state = 'agreed') a ON a.at IS NOT NULL
        WHERE j.organisation_id = org),
    -- One conversation per pregnancy (her and its due date), whichever of
    -- her agreements for it held it (one ended and replaced within the
    -- pregnancy is not a second conversation due).
    birthing AS (
        SELECT (b ->> 'due_on')::date AS due_on, min((b ->> 'held_on')::date) AS held_on
        FROM made m JOIN joint_working_agreements j ON j.id = m.id
        CROSS JOIN LATERAL jw_birthing_conversation(j) b
        WHERE (b ->> 'due_on')::date BETWEEN quarter_start AND quarter_end
        GROUP BY m.service_user_id, (b ->> 'due_on')::date),
    therapy AS (
        SELECT i.started_on - i.assessment_date AS days
        FROM care_plan_interventions i
        JOIN care_plans p ON p.id = i.care_plan_id
        WHERE i.organisation_id = org AND i.kind = 'psychological_therapy'
            AND i.voided_at IS NULL AND p.voided_at IS NULL
            AND i.started_on BETWEEN quarter_start AND quarter_end),
    -- Assessed, and still not started when the quarter ended although their
    -- day 28 fell in it: the misses the started figures cannot show (seed
    -- 003: "any treatment commenced within 28 days of the assessment").
    waiting AS (
        SELECT 1 FROM care_plan_interventions i
        JOIN care_plans p ON p.id = i.care_plan_id
        WHERE i.organisation_id = org AND i.kind = 'psychological_therapy'
            AND i.voided_at IS NULL AND p.voided_at IS NULL AND i.status <> 'declined'
            AND i.assessment_date + 28 BETWEEN quarter_start AND quarter_end
            AND (i.started_on IS NULL OR i.started_on > quarter_end)),
    -- Women who needed an agreement in the quarter: a referral of hers to
    -- the organisation received in the quarter, not entered in error,
    -- flagged open to another mental health team (joint management
    -- offered), unless the perinatal team took over her full care.
    due AS (
        SELECT DISTINCT r.service_user_id
        FROM referrals r
        WHERE r.organisation_id = org AND r.voided_at IS NULL
            AND r.service_user_id IS NOT NULL
            AND r.received_at >= report_day_start(quarter_start)
            AND r.received_at < report_day_start(quarter_end + 1)
            AND (r.flag_offer_joint_working OR r.open_to_other_mh_team)
            AND coalesce(r.co_working ->> 'arrangement', '') <> 'full_care_transfer'),
    n AS (
        SELECT
            (SELECT count(*) FROM birthing) AS bc_due,
            (SELECT count(*) FROM birthing WHERE held_on <= due_on) AS bc_in_time,
            (SELECT count(*) FROM birthing WHERE held_on > due_on) AS bc_late,
            (SELECT count(*) FROM birthing WHERE held_on IS NULL) AS bc_not_held,
            (SELECT count(*) FROM therapy) AS pt_started,
            (SELECT count(*) FROM therapy WHERE days <= 28) AS pt_in_time,
            (SELECT count(*) FROM therapy WHERE days > 28) AS pt_late,
            (SELECT count(*) FROM therapy WHERE days IS NULL) AS pt_no_assessment,
            (SELECT count(*) FROM waiting) AS pt_waiting,
            (SELECT count(*) FROM due) AS due,
            (SELECT count(*) FROM due d WHERE EXISTS (SELECT 1 FROM made m
                WHERE m.service_user_id = d.service_user_id
                    AND m.agreed_at < report_day_start(quarter_end + 1))) AS due_with_agreement,
            (SELECT count(*) FROM made m WHERE m.agreed_at >= report_day_start(quarter_start)
                AND m.agreed_at < report_day_start(quarter_end + 1)) AS made)
    SELECT jsonb_build_object(
        'cohort', 'The organisation''s joint-working agreements (agreed at the joint meeting), '
            || 'the psychological therapies of its care plans, and the women referred to it '
            || 'in the quarter who needed an agreement (seed 003).',
        'definitions', jsonb_build_object(
            'birthing_conversations_due', 'Pregnancies whose birthing conversation was due '
                || 'in the quarter (seed 003: "needs to be completed before 32 weeks": due on '
                || 'her estimated due date - 57 days), counted once across her agreements '
                || 'for the pregnancy, unless they record no identified need.',
            'birthing_conversations_in_time', 'Of those due, held on or before the due day '
                || '(the first attended contact, her present, with that purpose, linked to '
                || 'one of her agreements for the pregnancy).',
            'birthing_conversations_late', 'Of those due, held after the due day.',
            'birthing_conversations_not_held', 'Of those due, not held (yet).',
            'birthing_conversations_in_time_percentage', 'In time / due x 100.',
            'psychological_therapies_started', 'Psychological therapies (care-plan '
                || 'interventions of that kind, not entered in error) started in the quarter.',
            'psychological_therapies_within_28_days', 'Of those, started within 28 days of '
                || 'the assessment (day 28 in time, day 29 late; seed 003).',
            'psychological_therapies_late', 'Of those, started more than 28 days after the '
                || 'assessment.',
            'psychological_therapies_no_assessment_date', 'Of those, with no assessment date '
                || 'recorded (neither in time nor late).',
            'psychological_therapies_within_28_days_percentage', 'Within 28 days / started '
                || 'x 100.',
            'psychological_therapies_not_started_by_day_28', 'Psychological therapies '
                || 'assessed (not declined, not entered in error) whose day 28 after the '
                || 'assessment fell in the quarter and that had not started when it ended: '
                || 'counted apart from those started.',
            'agreements_due', 'Women who needed an agreement in the quarter: a referral '
                || 'received in the quarter flagged open to another mental health team '
                || '(joint management offered), not a full transfer of her care.',
            'agreements_due_made', 'Of those women, the ones with an agreement agreed by the '
                || 'end of the quarter.',
            'agreements_made', 'Agreements agreed at the joint meeting in the quarter.'),
        'figures', (SELECT jsonb_agg(jsonb_build_object('figure', v.figure, 'breakdown', 'all',
                'category', 'all', 'national_code', NULL, 'kind', v.kind)
            || CASE WHEN v.kind = 'count' THEN jsonb_build_object('count', v.a)
                ELSE jsonb_build_object('numerator', v.a, 'denominator', v.b) END ORDER BY v.k)
            FROM (VALUES
                (1, 'birthing_conversations_due', 'count', n.bc_due, NULL::bigint),
                (2, 'birthing_conversations_in_time', 'count', n.bc_in_time, NULL),
                (3, 'birthing_conversations_late', 'count', n.bc_late, NULL),
                (4, 'birthing_conversations_not_held', 'count', n.bc_not_held, NULL),
                (5, 'birthing_conversations_in_time_percentage', 'percentage', n.bc_in_time,
                    n.bc_due),
                (6, 'psychological_therapies_started', 'count', n.pt_started, NULL),
                (7, 'psychological_therapies_within_28_days', 'count', n.pt_in_time, NULL),
                (8, 'psychological_therapies_late', 'count', n.pt_late, NULL),
                (9, 'psychological_therapies_no_assessment_date', 'count', n.pt_no_assessment,
                    NULL),
                (10, 'psychological_therapies_within_28_days_percentage', 'percentage',
                    n.pt_in_time, n.pt_started),
                (11, 'psychological_therapies_not_started_by_day_28', 'count', n.pt_waiting,
                    NULL),
                (12, 'agreements_due', 'count', n.due, NULL),
                (13, 'agreements_due_made', 'count', n.due_with_agreement, NULL),
                (14, 'agreements_made', 'count', n.made, NULL)) AS v(k, figure, kind, a, b)))
    FROM n
$$;

-- MH6 (seed 000, "Perinatal specific involvement and support for partners/
-- significant others"), exact counts (contractual evidence, like MH11).
-- Cohort: the partners and significant others (every relationship) of the
-- women admitted to a mother and baby unit in the quarter (admission day in
-- it, England; not entered in error), each counted once, with her consent to
-- involve that partner in force on the quarter's last day
-- (partner_consent_in_force: the latest decision dated on or before it is
-- "given"; withdrawn or never given: not counted). Offers count when made on
-- a day of such a stay (admission to discharge day, whatever the quarter);
-- the Group I item "seen within 1 week of admission by a senior clinician"
-- is also met (and taken up) by the contact that shows it
-- (mh6_partner_seen_within_week). The figures are the ones the quarter's
-- milestone names (seed 000): Q1 the evidence that offers are recorded (by
-- support type and by group); Q2 offered all of Group I and 1 or more of
-- Group II; Q3 all of Group I and 1 or more of each of Groups II and III,
-- and the numbers accepting in Groups I to III; Q4 the same with Group IV,
-- and the numbers accepting in each group. The milestone (25% each, no
-- threshold, no partial achievement) is met when its counts are submitted:
-- report_document adds its status from the submissions.
CREATE OR REPLACE FUNCTION report_mh6(org uuid, quarter_start date, quarter_end date)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH stays AS (
        SELECT m.service_user_id, m.admitted_on, m.discharged_on
        FROM mbu_admissions m
        WHERE m.organisation_id = org AND m.voided_at IS NULL
            AND m.admitted_on BETWEEN quarter_start AND quarter_end),
    -- Her partners first, then her consent for each (asked of every
    -- partner of the organisation, the rule cost most of the report).
    candidates AS MATERIALIZED (
        SELECT p.id, p.service_user_id
        FROM partners p
        WHERE p.organisation_id = org
            AND p.service_user_id IN (SELECT s.service_user_id FROM stays s)),
    -- The rule of partner_consent_in_force(c.id, quarter_end) (her latest
    -- decision about the partner on or before the day is "given"), written
    -- out so that it is planned once with the report: called per partner,
    -- each call started its own executor (60 us a partner, 3,400 partners
    -- a quarter in bench/reports.sh).
    cohort AS MATERIALIZED (
        SELECT c.id, c.service_user_id FROM candidates c
        CROSS JOIN LATERAL (SELECT k.decision FROM consents k
            WHERE k.partner_id = c.id AND k.decided_on <= quarter_end
            ORDER BY k.decided_on DESC, k.created_at DESC, k.id DESC LIMIT 1) k
        WHERE k.decision = 'given'),
    items AS (
        SELECT c.id AS partner_id, o.support_type, o.mh6_item, i.mh6_group,
            o.accepted_on IS NOT NULL AS accepted
        FROM cohort c
        JOIN partner_offers o ON o.partner_id = c.id
        JOIN mh6_items i ON i.code = o.mh6_item
        WHERE EXISTS (SELECT 1 FROM stays s WHERE s.service_user_id = c.service_user_id
            AND o.offered_on >= s.admitted_on
            AND (s.discharged_on IS NULL OR o.offered_on <= s.discharged_on)
            -- Group I's "seen within 1 week of admission" is only that
            -- within the week, as the contacts below.
            AND (o.mh6_item <> 'seen_by_senior_clinician_within_week'
                OR o.offered_on <= s.admitted_on + 7))
        UNION ALL
        -- mh6_partner_seen_within_week(c.id, s.admitted_on), written out for
        -- the same reason: a contact naming the partner is one of hers (the
        -- trigger contacts_partners_check), so her contacts are searched.
        SELECT c.id, NULL, 'seen_by_senior_clinician_within_week', 'I', true
        FROM cohort c
        WHERE EXISTS (SELECT 1 FROM stays s
            JOIN contacts ct ON ct.service_user_id = s.service_user_id
            JOIN staff st ON st.id = ct.staff_id
            WHERE s.service_user_id = c.service_user_id
                AND ct.partner_ids @> ARRAY[c.id] AND ct.voided_at IS NULL
                AND ct.attendance = 'attended'
                AND st.seniority IN ('senior_practitioner', 'consultant')
                AND (ct.at AT TIME ZONE 'Europe/London')::date
                    BETWEEN s.admitted_on AND s.admitted_on + 7)),
    per AS (
        SELECT c.id,
            coalesce(bool_or(x.support_type = 'emotional'), false) AS emotional,
            coalesce(bool_or(x.support_type = 'practical'), false) AS practical,
            coalesce(bool_or(x.support_type = 'informational'), false) AS informational,
            count(DISTINCT x.mh6_item) FILTER (WHERE x.mh6_group = 'I')
                = (SELECT count(*) FROM mh6_items WHERE mh6_group = 'I') AS all_i,
            coalesce(bool_or(x.mh6_group = 'I'), false) AS any_i,
            coalesce(bool_or(x.mh6_group = 'II'), false) AS any_ii,
            coalesce(bool_or(x.mh6_group = 'III'), false) AS any_iii,
            coalesce(bool_or(x.mh6_group = 'IV'), false) AS any_iv,
            coalesce(bool_or(x.accepted AND x.mh6_group = 'I'), false) AS acc_i,
            coalesce(bool_or(x.accepted AND x.mh6_group = 'II'), false) AS acc_ii,
            coalesce(bool_or(x.accepted AND x.mh6_group = 'III'), false) AS acc_iii,
            coalesce(bool_or(x.accepted AND x.mh6_group = 'IV'), false) AS acc_iv
        FROM cohort c LEFT JOIN items x ON x.partner_id = c.id
        GROUP BY c.id),
    n AS (
        SELECT CASE extract(month FROM quarter_start) WHEN 4 THEN 1 WHEN 7 THEN 2
                WHEN 10 THEN 3 ELSE 4 END AS q,
            count(*) AS partners,
            count(*) FILTER (WHERE emotional) AS emotional,
            count(*) FILTER (WHERE practical) AS practical,
            count(*) FILTER (WHERE informational) AS informational,
            count(*) FILTER (WHERE any_i) AS any_i, count(*) FILTER (WHERE any_ii) AS any_ii,
            count(*) FILTER (WHERE any_iii) AS any_iii, count(*) FILTER (WHERE any_iv) AS any_iv,
            count(*) FILTER (WHERE all_i AND any_ii) AS i_ii,
            count(*) FILTER (WHERE all_i AND any_ii AND any_iii) AS i_ii_iii,
            count(*) FILTER (WHERE all_i AND any_ii AND any_iii AND any_iv) AS i_ii_iii_iv,
            count(*) FILTER (WHERE acc_i) AS acc_i, count(*) FILTER (WHERE acc_ii) AS acc_ii,
            count(*) FILTER (WHERE acc_iii) AS acc_iii, count(*) FILTER (WHERE acc_iv) AS acc_iv
        FROM per),
    -- (position, figure, breakdown, category, count, quarters it is given in)
    f AS (
        SELECT v.* FROM n CROSS JOIN LATERAL (VALUES
            (1, 'partners', 'all', 'all', n.partners, '{1,2,3,4}'::int[]),
            (2, 'partners_offered_support', 'support_type', 'emotional', n.emotional, '{1}'),
            (3, 'partners_offered_support', 'support_type', 'practical', n.practical, '{1}'),
            (4, 'partners_offered_support', 'support_type', 'informational', n.informational,
                '{1}'),
            (5, 'partners_offered_group', 'mh6_group', 'I', n.any_i, '{1}'),
            (6, 'partners_offered_group', 'mh6_group', 'II', n.any_ii, '{1}'),
            (7, 'partners_offered_group', 'mh6_group', 'III', n.any_iii, '{1}'),
            (8, 'partners_offered_group', 'mh6_group', 'IV', n.any_iv, '{1}'),
            (9, 'partners_offered_group_i_all_and_group_ii', 'all', 'all', n.i_ii, '{2}'),
            (10, 'partners_offered_group_i_all_and_groups_ii_iii', 'all', 'all', n.i_ii_iii,
                '{3}'),
            (11, 'partners_offered_group_i_all_and_groups_ii_iii_iv', 'all', 'all',
                n.i_ii_iii_iv, '{4}'),
            (12, 'partners_accepting', 'mh6_group', 'I', n.acc_i, '{3,4}'),
            (13, 'partners_accepting', 'mh6_group', 'II', n.acc_ii, '{3,4}'),
            (14, 'partners_accepting', 'mh6_group', 'III', n.acc_iii, '{3,4}'),
            (15, 'partners_accepting', 'mh6_group', 'IV', n.acc_iv, '{4}'))
            AS v(k, figure, breakdown, category, value, quarters)
        WHERE n.q = ANY (v.quarters))
    SELECT jsonb_build_object(
        'cohort', 'Partners and significant others (every relationship recorded) of the women '
            || 'admitted to a mother and baby unit by the organisation in the quarter '
            || '(admission day in the quarter, England; not entered in error), each counted '
            || 'once however many admissions she had, and only where her consent to involve '
            || 'that partner is in force on the quarter''s last day (the latest decision dated '
            || 'on or before it is "given"; seed 000: "with the mothers consent"). Offers '
            || 'count when made on a day of such a stay (admission to discharge day). Exact '
            || 'counts: MH6 is contractual evidence and is not suppressed.',
        'definitions', jsonb_build_object(
            'partners', 'The cohort: partners and significant others with her consent.',
            'partners_offered_support', 'Q1 (seed 000: systems to record and evidence the '
                || 'emotional, practical and informational support offered): partners of the '
                || 'cohort with a recorded offer of that type of support.',
            'partners_offered_group', 'Q1 (seed 000: the types of interventions offered): '
                || 'partners of the cohort offered at least one intervention of that group '
                || '(Group I: seen within 1 week of admission by a senior clinician, ward '
                || 'reviews and significant meetings, further discussions welcome, joint '
                || 'activities, written and electronic information; Group II: partner '
                || 'support, family or couple sessions; Group III: parent-infant activities, '
                || 'practical parenting advice or support; Group IV: recovery narratives, '
                || 'meeting recovered patients). Seen within a week: an offer of that item, '
                || 'or an attended contact naming the partner held by a senior practitioner '
                || 'or consultant from the admission day to 7 days after.',
            'partners_offered_group_i_all_and_group_ii', 'Q2 milestone: partners of the '
                || 'cohort offered all of the interventions in Group I and 1 or more in '
                || 'Group II.',
            'partners_offered_group_i_all_and_groups_ii_iii', 'Q3 milestone: partners of the '
                || 'cohort offered all of the interventions in Group I and 1 or more in each '
                || 'of Group II and Group III.',
            'partners_offered_group_i_all_and_groups_ii_iii_iv', 'Q4 milestone: partners of '
                || 'the cohort offered all of the interventions in Group I and 1 or more in '
                || 'each of Group II, Group III and Group IV.',
            'partners_accepting', 'Q3 (Groups I to III) and Q4 (Groups I to IV) milestones: '
                || 'partners of the cohort who accepted at least one intervention of that '
                || 'group offered during the stay (an offer with an accepted date; being '
                || 'seen within a week of admission by a senior clinician counts as taken '
                || 'up).'),
        'milestone', jsonb_build_object('quarter', n.q, 'weighting_percent', 25,
            'report_by', quarter_end,
            'rule', CASE n.q
                WHEN 1 THEN 'Services will have developed systems to record and evidence the '
                    || 'emotional, practical and informational support offered to all '
                    || 'partners and significant others with the mother''s consent, and the '
                    || 'types of interventions offered from Groups I to IV.'
                WHEN 2 THEN 'Record numbers of partners/significant others offered all of the '
                    || 'interventions in Group I and 1 or more in Group II.'
                WHEN 3 THEN 'Record numbers of partners/significant others offered all of the '
                    || 'interventions in Group I and numbers accepting and 1 or more in each '
                    || 'of Group II & Group III and numbers accepting in each group.'
                ELSE 'Record numbers of partners/significant others offered all of '
                    || 'interventions in Group I and 1 from each of Group II, III & IV '
                    || 'together with numbers accepting in each group.' END,
            'achievement', 'Met when the quarter''s counts are submitted to the commissioner '
                || '(POST /v1/reports/mh6/submissions): the seed sets no threshold and no '
                || 'partial achievement.',
            'figures', (SELECT jsonb_agg(x.figure ORDER BY x.k)
                FROM (SELECT f.figure, min(f.k) AS k FROM f GROUP BY f.figure) x)),
        'figures', (SELECT jsonb_agg(jsonb_build_object('figure', f.figure,
                'breakdown', f.breakdown, 'category', f.category, 'national_code', NULL,
                'kind', 'count', 'count', f.value) ORDER BY f.k) FROM f))
    FROM n
$$;
