-- Outcome measures and alerts (db/021_measures_alerts.sql): the scoring,
-- the representations, the change over an episode, the duty day, and the
-- paired outcomes report.

-- What is wrong with an administration's responses, as a JSON array of
-- {pointer, detail} (empty when it can be scored): the version the service
-- scores, items the instrument does not have, positions out of range, and
-- missing items by the instrument's missing-item rule. A risk item is never
-- prorated (CORE System Trust: no prorating when an item of the risk score
-- is missing): left out, the score would stand in for it with no alert.
CREATE OR REPLACE FUNCTION measure_problems(p_instrument text, p_version text, p_responses jsonb)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH ins AS (SELECT * FROM instruments WHERE code = p_instrument),
    given AS (
        SELECT r.key, r.value FROM jsonb_each(coalesce(p_responses, '{}')) r
        WHERE jsonb_typeof(r.value) <> 'null'),
    missing AS (
        SELECT i.item, i.risk FROM instrument_items i
        WHERE i.instrument = p_instrument AND NOT EXISTS (
            SELECT 1 FROM given g WHERE g.key = i.item::text)),
    problems AS (
        SELECT 0 AS k, '/instrument_version' AS pointer,
            format('The service scores %s version %s only.', upper(ins.code), ins.version)
                AS detail
        FROM ins WHERE p_version IS DISTINCT FROM ins.version
        UNION ALL
        SELECT 1, '/responses/' || g.key,
            format('%s has items 1 to %s.', upper(ins.code), ins.items)
        FROM given g, ins
        WHERE g.key !~ '^[1-9][0-9]?$' OR g.key::int > ins.items
        UNION ALL
        SELECT 1, '/responses/' || g.key,
            format('must be the position of the chosen option, 0 to %s.', ins.max_position)
        FROM given g, ins
        WHERE g.key ~ '^[1-9][0-9]?$' AND g.key::int <= ins.items
            AND (jsonb_typeof(g.value) <> 'number' OR g.value::numeric <> trunc(g.value::numeric)
                OR g.value::numeric NOT BETWEEN 0 AND ins.max_position)
        UNION ALL
        SELECT 2, '/responses/' || m.item,
            CASE WHEN ins.missing_rule = 'all_required' THEN
                    format('is missing: every %s item is required.', upper(ins.code))
                WHEN m.risk IS NOT NULL THEN
                    'is missing: a risk item is never prorated; it must be answered.'
                ELSE format('is missing: %s is prorated for one missing item only, and %s are '
                    'missing.', upper(ins.code), (SELECT count(*) FROM missing)) END
        FROM missing m, ins
        WHERE ins.missing_rule = 'all_required' OR m.risk IS NOT NULL
            OR (ins.missing_rule = 'prorate_one' AND (SELECT count(*) FROM missing) > 1))
    SELECT coalesce(jsonb_agg(jsonb_build_object('pointer', pointer, 'detail', detail)
        ORDER BY k, pointer), '[]')
    FROM problems
$$;

-- The score of one item: its position, or max_position - position when the
-- item is reverse-scored.
CREATE OR REPLACE FUNCTION measure_item_scores(p_instrument text, p_responses jsonb)
RETURNS TABLE (item integer, score integer, risk text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT i.item,
        CASE WHEN i.reverse_scored THEN ins.max_position - (p_responses ->> i.item::text)::int
            ELSE (p_responses ->> i.item::text)::int END,
        i.risk
    FROM instrument_items i JOIN instruments ins ON ins.code = i.instrument
    WHERE i.instrument = p_instrument AND jsonb_typeof(p_responses -> i.item::text) = 'number'
$$;

CREATE OR REPLACE FUNCTION instrument_band(p_instrument text, p_scale text, p_score numeric)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT b.band FROM instrument_bands b
    WHERE b.instrument = p_instrument AND b.scale = p_scale AND b.from_score <= p_score
    ORDER BY b.from_score DESC LIMIT 1
$$;

-- Scores an administration before it is stored, whoever writes it: the
-- total (prorated where the instrument's rule allows), its band, every
-- scale and its band, and the risk items scoring above 0, each of which
-- raises an alert in this transaction.
CREATE OR REPLACE FUNCTION measures_score() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ins instruments;
    problems jsonb;
    answered integer;
    raw_total integer;
    scales jsonb;
    risks jsonb := '[]';
    r record;
    alert uuid;
BEGIN
    SELECT * INTO ins FROM instruments WHERE code = NEW.instrument;
    NEW.responses := jsonb_strip_nulls(NEW.responses);
    problems := measure_problems(NEW.instrument, NEW.instrument_version, NEW.responses);
    IF jsonb_array_length(problems) > 0 THEN
        RAISE EXCEPTION 'measure responses refused: %', problems
            USING ERRCODE = 'check_violation', CONSTRAINT = 'measures_responses_check';
    END IF;
    SELECT count(*), coalesce(sum(s.score), 0) INTO answered, raw_total
    FROM measure_item_scores(NEW.instrument, NEW.responses) s;
    NEW.total := CASE WHEN answered = ins.items THEN raw_total
        ELSE round(raw_total * ins.items::numeric / answered, 1) END;
    SELECT coalesce(jsonb_agg(jsonb_build_object('scale', c.scale, 'score', x.score,
            'band', instrument_band(NEW.instrument, c.scale, x.score)) ORDER BY c.position), '[]')
        INTO scales
    FROM instrument_scales c,
        LATERAL (SELECT coalesce(sum(s.score), 0) AS score
            FROM measure_item_scores(NEW.instrument, NEW.responses) s
            WHERE s.item = ANY (c.items)) x
    WHERE c.instrument = NEW.instrument AND c.items IS NOT NULL;
    NEW.alert_ids := '{}';
    FOR r IN SELECT s.item, s.score, s.risk FROM measure_item_scores(NEW.instrument, NEW.responses) s
        WHERE s.risk IS NOT NULL AND s.score > 0 ORDER BY s.item
    LOOP
        alert := raise_alert(NEW.organisation_id, NEW.service_user_id, 'measure', NEW.id,
            format('%s item %s (%s) scored %s', upper(NEW.instrument), r.item, r.risk, r.score),
            NEW.created_by);
        NEW.alert_ids := NEW.alert_ids || alert;
        risks := risks || jsonb_build_object('item', r.item, 'score', r.score, 'alert_id', alert);
    END LOOP;
    NEW.scores := jsonb_build_object(
        'total', trim_scale(NEW.total),
        'band', instrument_band(NEW.instrument, 'total', NEW.total),
        'answered', answered,
        'prorated', answered < ins.items,
        'scales', scales,
        'risk', risks);
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER measures_score BEFORE INSERT OR UPDATE OF responses, instrument,
    instrument_version ON measures FOR EACH ROW EXECUTE FUNCTION measures_score();

-- A woman's episodes of care: from a referral's acceptance to its
-- discharge (open while not discharged), from the referral workflow's
-- history. A referral entered in error was no episode (as in the outcomes
-- report).
CREATE OR REPLACE FUNCTION referral_episodes(p_woman uuid)
RETURNS TABLE (referral_id uuid, accepted_at timestamptz, discharged_at timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT r.id, a.at, d.at
    FROM referrals r
    CROSS JOIN LATERAL (SELECT min(h.at) AS at FROM workflow_transitions h
        WHERE h.workflow = 'referral' AND h.record_id = r.id AND h.to_state = 'accepted') a
    LEFT JOIN LATERAL (SELECT max(h.at) AS at FROM workflow_transitions h
        WHERE h.workflow = 'referral' AND h.record_id = r.id AND h.to_state = 'discharged') d
        ON true
    WHERE r.service_user_id = p_woman AND a.at IS NOT NULL AND r.voided_at IS NULL
$$;

-- The change of an administration from her first administration of the
-- same instrument in the episode it falls in, and whether it is reliable
-- by the instrument's threshold (higher is worse for every instrument
-- here). NULL outside any episode. An administration entered in error is
-- nobody's baseline: the next valid one is.
CREATE OR REPLACE FUNCTION measure_change(m measures) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'episode_referral_id', e.referral_id,
        'baseline_id', b.id, 'baseline_completed_at', b.completed_at,
        'baseline_total', trim_scale(b.total), 'change', trim_scale(m.total - b.total),
        'reliable_change_threshold', ins.reliable_change,
        'reliable_change', CASE
            WHEN ins.reliable_change IS NULL OR b.id = m.id THEN NULL
            WHEN m.total - b.total <= -ins.reliable_change THEN 'improved'
            WHEN m.total - b.total >= ins.reliable_change THEN 'deteriorated'
            ELSE 'no_reliable_change' END)
    FROM instruments ins,
        LATERAL (SELECT * FROM referral_episodes(m.service_user_id) x
            WHERE x.accepted_at <= m.completed_at
                AND (x.discharged_at IS NULL OR x.discharged_at >= m.completed_at)
            ORDER BY x.accepted_at DESC LIMIT 1) e,
        LATERAL (SELECT f.id, f.completed_at, f.total FROM measures f
            WHERE f.service_user_id = m.service_user_id AND f.instrument = m.instrument
                AND f.completed_at >= e.accepted_at AND f.completed_at <= m.completed_at
                AND (f.voided_at IS NULL OR f.id = m.id)
            ORDER BY f.completed_at, f.id LIMIT 1) b
    WHERE ins.code = m.instrument
$$;

-- The 24/7 crisis route (seed 002): the services a front end offers when
-- an answer raised an alert, out of hours too.
CREATE OR REPLACE FUNCTION crisis_route() RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_agg(json_build_object('service', v.code, 'label', v.label) ORDER BY v.position)
    FROM vocabulary v
    WHERE v.domain = 'contact_service'
        AND v.code IN ('crisis_team', 'psychiatric_liaison', 'connection', 'access_mental_health')
$$;

-- PL/pgSQL: its subqueries would have it planned again in every statement.
CREATE OR REPLACE FUNCTION measure_json(m measures) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN json_build_object(
        'id', m.id, 'service_user_id', m.service_user_id, 'instrument', m.instrument,
        'instrument_version', m.instrument_version, 'completed_at', m.completed_at,
        'administration', m.administration, 'staff_id', m.staff_id,
        'contact_id', m.contact_id, 'care_plan_id', m.care_plan_id,
        'responses', m.responses, 'scores', m.scores, 'change', measure_change(m),
        'alerts', (SELECT coalesce(json_agg(json_build_object('id', r ->> 'alert_id',
                'item', (r ->> 'item')::int, 'score', (r ->> 'score')::int)), '[]')
            FROM jsonb_array_elements(m.scores -> 'risk') r),
        'crisis_route', CASE WHEN cardinality(m.alert_ids) > 0 THEN crisis_route() END,
        'entered_in_error', CASE WHEN m.voided_at IS NOT NULL THEN json_build_object(
            'at', m.voided_at, 'by', m.voided_by, 'reason', m.void_reason) END,
        'created_by', m.created_by,
        'organisation_id', m.organisation_id, 'version', m.version,
        'created_at', m.created_at, 'updated_at', m.updated_at);
END
$$;

-- The instrument table as clients read it (GET /v1/instruments): items and
-- value ranges, scales, bands, rules and their sources; never wording.
CREATE OR REPLACE FUNCTION instrument_json(i instruments) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'code', i.code, 'version', i.version, 'name', i.name, 'item_count', i.items,
        'positions', json_build_object('min', 0, 'max', i.max_position),
        'scoring_source', i.scoring_source,
        'missing_items', json_build_object('rule', i.missing_rule, 'source', i.missing_source),
        'reliable_change', CASE WHEN i.reliable_change IS NOT NULL THEN json_build_object(
            'points', i.reliable_change, 'source', i.reliable_change_source,
            'needs_local_signoff', i.reliable_change_needs_signoff) END,
        'items', (SELECT json_agg(json_build_object('item', t.item,
                'reverse_scored', t.reverse_scored,
                'max_score_position', CASE WHEN t.reverse_scored THEN 0 ELSE i.max_position END,
                'risk', t.risk, 'source', t.source) ORDER BY t.item)
            FROM instrument_items t WHERE t.instrument = i.code),
        'scales', (SELECT json_agg(json_build_object('scale', s.scale, 'items', s.items,
                'source', s.source,
                'bands', (SELECT coalesce(json_agg(json_build_object('band', b.band,
                        'from_score', b.from_score, 'source', b.source,
                        'needs_local_signoff', b.needs_signoff) ORDER BY b.from_score), '[]')
                    FROM instrument_bands b
                    WHERE b.instrument = s.instrument AND b.scale = s.scale))
                ORDER BY s.position)
            FROM instrument_scales s WHERE s.instrument = i.code))
$$;

-- The end of the duty day an alert raised at p_at must be acknowledged by,
-- for one team: the first end of a duty day (Europe/London) after p_at.
-- A team with no duty hours keeps Monday to Friday 09:00 to 17:00.
CREATE OR REPLACE FUNCTION duty_day_end(p_team uuid, p_at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH hours AS (
        SELECT h.weekday, h.ends FROM team_duty_hours h WHERE h.team_id = p_team
        UNION ALL
        SELECT d, time '17:00' FROM generate_series(1, 5) d
        WHERE NOT EXISTS (SELECT 1 FROM team_duty_hours h WHERE h.team_id = p_team)),
    days AS (
        SELECT (p_at AT TIME ZONE 'Europe/London')::date + k AS day
        FROM generate_series(0, 14) k)
    SELECT min((d.day + h.ends) AT TIME ZONE 'Europe/London')
    FROM days d JOIN hours h ON h.weekday = extract(isodow FROM d.day)
    WHERE (d.day + h.ends) AT TIME ZONE 'Europe/London' > p_at
$$;

-- An alert is due by the earliest end of a duty day among her teams (any
-- of them may act on it); with no team, by the default duty day.
CREATE OR REPLACE FUNCTION alert_due_by(p_woman uuid, p_at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT min(duty_day_end(l.team_id, p_at)) FROM service_user_teams l
            WHERE l.service_user_id = p_woman),
        duty_day_end(NULL, p_at))
$$;

CREATE OR REPLACE FUNCTION alert_json(a alerts) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', a.id, 'service_user_id', a.service_user_id, 'source', a.source,
        'source_id', a.source_id, 'reason', a.reason, 'raised_at', a.raised_at,
        'status', a.status, 'due_by', due,
        'overdue', a.acknowledged_at IS NULL AND now() >= due,
        'acknowledgement', CASE WHEN a.acknowledged_at IS NOT NULL THEN json_build_object(
            'at', a.acknowledged_at, 'by', a.acknowledged_by,
            'action_taken', a.action_taken) END,
        'crisis_route', crisis_route(),
        'created_by', a.created_by,
        'organisation_id', a.organisation_id, 'version', a.version,
        'created_at', a.created_at, 'updated_at', a.updated_at)
    FROM alert_due_by(a.service_user_id, a.raised_at) due
$$;

-- The paired outcomes report (issue 16 item 5), unsuppressed: the report
-- framework applies suppression. For each woman discharged in the quarter
-- (her last discharge in it, days in Europe/London), her first and last
-- administration of each instrument in that episode; per instrument the
-- number of women with both, the mean change (last - first), and how many
-- reliably improved, did not reliably change, or deteriorated by the
-- instrument's threshold (those three not given where it has none), in the
-- framework's shape (db/repeatable/60_reports.sql).
CREATE OR REPLACE FUNCTION report_outcomes(org uuid, quarter_start date, quarter_end date)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    -- The episodes of referral_episodes (first acceptance to last
    -- discharge) discharged in the quarter, from the copy kept by triggers
    -- (report_episodes, db/028_report_referral_facts.sql): one index range
    -- instead of every referral's history.
    WITH ep AS (
        SELECT DISTINCT ON (e.service_user_id) e.service_user_id, e.accepted_at,
            e.discharged_at
        FROM report_episodes e
        WHERE e.organisation_id = org AND NOT e.voided AND e.accepted_at IS NOT NULL
            AND e.service_user_id IS NOT NULL
            AND e.discharged_at >= report_day_start(quarter_start)
            AND e.discharged_at < report_day_start(quarter_end + 1)
        ORDER BY e.service_user_id, e.discharged_at DESC),
    adm AS (
        SELECT m.service_user_id, m.instrument, m.total,
            row_number() OVER (PARTITION BY m.service_user_id, m.instrument
                ORDER BY m.completed_at, m.id) AS n_first,
            row_number() OVER (PARTITION BY m.service_user_id, m.instrument
                ORDER BY m.completed_at DESC, m.id DESC) AS n_last
        FROM measures m JOIN ep ON ep.service_user_id = m.service_user_id
        WHERE m.organisation_id = org AND m.voided_at IS NULL
            AND m.completed_at >= ep.accepted_at AND m.completed_at <= ep.discharged_at),
    pairs AS (
        SELECT f.service_user_id, f.instrument, l.total - f.total AS change
        FROM adm f JOIN adm l ON l.service_user_id = f.service_user_id
            AND l.instrument = f.instrument AND l.n_last = 1
        WHERE f.n_first = 1 AND f.n_last > 1),
    per AS (
        SELECT i.code, i.position, i.reliable_change AS rc, count(p.change) AS paired,
            coalesce(sum(p.change), 0) AS sum_change,
            count(*) FILTER (WHERE p.change <= -i.reliable_change) AS improved,
            count(*) FILTER (WHERE abs(p.change) < i.reliable_change) AS unchanged,
            count(*) FILTER (WHERE p.change >= i.reliable_change) AS deteriorated
        FROM instruments i LEFT JOIN pairs p ON p.instrument = i.code
        GROUP BY i.code, i.position, i.reliable_change),
    figures AS (
        SELECT 0 AS position, 0 AS k, jsonb_build_object('figure', 'women_discharged',
            'breakdown', 'all', 'category', 'all', 'national_code', NULL, 'kind', 'count',
            'count', (SELECT count(*) FROM ep)) AS f
        UNION ALL
        SELECT per.position, v.k, jsonb_build_object('figure', v.figure,
                'breakdown', 'instrument', 'category', per.code, 'national_code', NULL,
                'kind', v.kind)
            || CASE WHEN v.kind = 'count' THEN jsonb_build_object('count', v.a)
                ELSE jsonb_build_object('numerator', v.a, 'denominator', per.paired) END
        FROM per CROSS JOIN LATERAL (VALUES
            (1, 'women_paired', 'count', per.paired::numeric),
            (2, 'mean_change', 'mean', per.sum_change),
            (3, 'reliably_improved', 'count', per.improved),
            (4, 'no_reliable_change', 'count', per.unchanged),
            (5, 'reliably_deteriorated', 'count', per.deteriorated)) AS v(k, figure, kind, a)
        -- Reliable change only where the instrument has a published threshold.
        WHERE v.k <= 2 OR per.rc IS NOT NULL)
    SELECT jsonb_build_object(
        'cohort', 'Women discharged in the quarter (the discharge of an episode of care from a '
            || 'referral''s acceptance, a referral to the organisation not entered in error; '
            || 'her last such discharge in the quarter), each counted once, and the outcome '
            || 'measures she completed during that episode, those entered in error left out '
            || '(issue 16).',
        'definitions', jsonb_build_object(
            'women_discharged', 'Women discharged in the quarter.',
            'women_paired', 'Of those, women with a first and a last administration of the '
                || 'instrument in the episode (two or more administrations).',
            'mean_change', 'Mean change of the total from her first to her last '
                || 'administration (last - first; negative is better for every instrument '
                || 'here), over the women paired.',
            'reliably_improved', 'Women paired whose total fell by at least the instrument''s '
                || 'reliable-change threshold (instruments with a published threshold only).',
            'no_reliable_change', 'Women paired whose total changed by less than the '
                || 'threshold.',
            'reliably_deteriorated', 'Women paired whose total rose by at least the '
                || 'threshold.'),
        'figures', (SELECT jsonb_agg(f ORDER BY position, k) FROM figures))
$$;
