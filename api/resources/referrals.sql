-- Referrals (referrals.c). $1 the access context, $2 the arguments.

-- name: referral_woman
-- The woman a referral carries by her details ($2 {body: {service_user}}).
-- Her NHS number new to the organisation: she is recorded. Recorded, and
-- the caller may see her or her family name and date of birth agree: she
-- is matched, and a newer perinatal status given (its episode began
-- later) updates hers. Otherwise the referral is held for an admin's identity check:
-- no id (held true), and nothing about her record is returned.
WITH given AS (SELECT $2::jsonb -> 'body' -> 'service_user' AS w),
ins AS (SELECT (n).id FROM given g, service_user_new($1::access, g.w) n),
found AS (
    SELECT s.id, s.family_name = g.w ->> 'family_name'
            AND s.date_of_birth = (g.w ->> 'date_of_birth')::date AS same,
        EXISTS (SELECT FROM access_scope($1::access, s.organisation_id, s.id, NULL, NULL))
            AS seen
    FROM service_users s, given g
    WHERE s.organisation_id = ($1::access).org AND s.nhs_number = g.w ->> 'nhs_number'
        AND NOT EXISTS (SELECT FROM ins)),
status AS (
    UPDATE service_users s SET perinatal_stage = c.perinatal_stage,
        estimated_due_date = c.estimated_due_date, delivery_date = c.delivery_date,
        loss_date = c.loss_date,
        loss_gestation_weeks = c.loss_gestation_weeks, version = s.version + 1,
        updated_at = now()
    FROM found f, given g, service_user_columns(g.w) c
    WHERE s.id = f.id AND f.same
        AND perinatal_episode_start(c.perinatal_stage, c.estimated_due_date, c.delivery_date,
                c.loss_date)
            > perinatal_episode_start(s.perinatal_stage, s.estimated_due_date, s.delivery_date,
                s.loss_date))
SELECT id, false FROM ins
UNION ALL
SELECT CASE WHEN same OR seen THEN id END, NOT (same OR seen) FROM found;

-- name: referral_insert
-- Receipt: the due time and the flags are computed here, once. $2 {body,
-- service_user_id, by_details, held, status_view}. No row: no such woman the caller may
-- refer. Held for the identity check: no woman; the flags come from the
-- details as given.
WITH x AS (
    SELECT * FROM jsonb_to_record($2::jsonb -> 'body') AS x(team_id uuid, source text,
        channel text, received_at timestamptz, priority text, criteria text[], reason text,
        referrer jsonb, open_to_other_mental_health_team boolean)),
rcv AS (SELECT coalesce(x.received_at, now()) AS at FROM x),
woman AS (
    -- The window runs from her delivery, or from a pregnancy loss.
    SELECT su.id, coalesce(su.delivery_date, su.loss_date) AS delivery_date, su.date_of_birth,
        su.gp_practice_code FROM service_users su
    WHERE su.id = ($2::jsonb ->> 'service_user_id')::uuid
        AND su.organisation_id = ($1::access).org
        -- By id, a clinician may refer only a woman it can already see; by
        -- her details (matched by NHS number), anyone may refer her.
        AND (($2::jsonb ->> 'by_details')::boolean
            OR EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL,
                NULL)))
    UNION ALL
    SELECT NULL, coalesce(c.delivery_date, c.loss_date), c.date_of_birth, c.gp_practice_code
    FROM service_user_columns($2::jsonb -> 'body' -> 'service_user') c
    WHERE ($2::jsonb ->> 'held')::boolean),
ins AS (
    INSERT INTO referrals (organisation_id, service_user_id, team_id, source, channel,
        received_at, priority, criteria, reason, referrer_name, referrer_organisation,
        referrer_contact, open_to_other_mh_team, due_at, flag_discuss_individually,
        flag_discuss_with_camhs, flag_offer_joint_working, submitted_by, submitted_by_role,
        source_code, status, given_details, flag_gp_outside_area)
    SELECT ($1::access).org, su.id, x.team_id, x.source, x.channel, rcv.at, x.priority,
        coalesce(x.criteria, '{}'), x.reason, x.referrer ->> 'name', x.referrer ->> 'organisation',
        x.referrer ->> 'contact', coalesce(x.open_to_other_mental_health_team, false),
        referral_due_at(rcv.at, x.priority),
        -- A discharge from an MBU is always seen: never outside the window.
        x.source <> 'mbu_discharge'
            AND referral_outside_window(rcv.at, su.delivery_date, x.criteria),
        referral_under_18(rcv.at, su.date_of_birth),
        coalesce(x.open_to_other_mental_health_team, false)
            OR referral_open_elsewhere(su.id, x.team_id),
        ($1::access).sub, ($1::access).role, referral_source_code(x.source, ($1::access).role),
        CASE WHEN su.id IS NULL THEN 'identity_check' ELSE 'received' END,
        CASE WHEN su.id IS NULL THEN $2::jsonb -> 'body' -> 'service_user' END,
        -- Her GP practice is missing or not one the organisation covers.
        NOT gp_practice_covered(($1::access).org, su.gp_practice_code)
    FROM x, rcv, woman su
        -- Referrals are to a perinatal community team or an MMHS; others go
        -- through referred_on. (A team that does not exist is the foreign
        -- key's to report.)
    WHERE (NOT coalesce((SELECT tm.type NOT IN ('perinatal_community', 'mmhs') FROM teams tm
                WHERE tm.id = x.team_id AND tm.organisation_id = ($1::access).org), false)
            OR raise_rule('referrals_team_type_check'))
        -- A clinician refers to a team not theirs as a referrer does
        -- (status_view: /v1/submitted-referrals): the referral is then
        -- that team's, and the answer says where it stands, nothing about
        -- a woman beyond the caller's scope.
        AND (coalesce(($2::jsonb ->> 'status_view')::boolean, false)
            OR x.team_id = ANY (coalesce(($1::access).teams, ARRAY[x.team_id]))
            OR raise_rule('referrals_team_not_yours'))
    RETURNING id, version, received_at, service_user_id, team_id, status,
        CASE WHEN coalesce(($2::jsonb ->> 'status_view')::boolean, false)
        THEN referral_status_json(referrals) ELSE referral_json(referrals) END::text AS body),
hist AS (
    INSERT INTO workflow_transitions (workflow, record_id, to_state, at, by_sub, by_role)
    SELECT 'referral', id, status, received_at, ($1::access).sub, ($1::access).role
    FROM ins),
-- Referred to a team: she is in that team's scope from now on.
link AS (
    INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason)
    SELECT service_user_id, team_id, ($1::access).org, 'referral' FROM ins
    WHERE service_user_id IS NOT NULL
    ON CONFLICT DO NOTHING)
SELECT id, version, body, service_user_id::text FROM ins;

-- name: referral_apply
-- A workflow step's fields onto the referral. $2 {id, from, to, body}. A
-- change of priority moves the due time: an upgrade to emergency is due 4
-- hours after the change (when it became known), or when it was due already
-- if that is sooner (past due, it stays a breach), a downgrade 28 days after
-- receipt unless it was breached already (due, and not answered by then:
-- it keeps that due time). Taking over full care turns another trust's I1 into I2. The
-- identity check resolved: the referral is attached to her and its flags
-- are computed again from her record. Criteria changed: the window flag is
-- computed again (the window is 24 months for a difficulty arising from the
-- maternity experience, 9 months otherwise), from her delivery (or pregnancy
-- loss) date as recorded now (as given, while she is held).
WITH j AS (SELECT $2::jsonb -> 'body' AS j,
        ARRAY(SELECT jsonb_array_elements_text($2::jsonb -> 'body' -> 'criteria')) AS criteria),
found AS (
    SELECT w.id, coalesce(w.delivery_date, w.loss_date) AS delivery_date, w.date_of_birth,
        w.gp_practice_code
    FROM referral_identity_woman($1::access, ($2::jsonb ->> 'id')::uuid,
        $2::jsonb ->> 'from', $2::jsonb -> 'body') w)
UPDATE referrals r SET status = $2::jsonb ->> 'to',
    service_user_id = coalesce(found.id, r.service_user_id),
    flag_discuss_individually = CASE
        WHEN found.id IS NULL AND NOT j.j ? 'criteria' THEN r.flag_discuss_individually
        ELSE r.source <> 'mbu_discharge' AND referral_outside_window(r.received_at,
            CASE WHEN found.id IS NOT NULL THEN found.delivery_date
                WHEN r.service_user_id IS NOT NULL THEN (SELECT coalesce(s.delivery_date,
                    s.loss_date) FROM service_users s WHERE s.id = r.service_user_id)
                ELSE (SELECT coalesce(c.delivery_date, c.loss_date)
                    FROM service_user_columns(r.given_details) c) END,
            CASE WHEN j.j ? 'criteria' THEN j.criteria ELSE r.criteria END) END,
    flag_discuss_with_camhs = CASE WHEN found.id IS NULL THEN r.flag_discuss_with_camhs
        ELSE referral_under_18(r.received_at, found.date_of_birth) END,
    flag_offer_joint_working = CASE WHEN found.id IS NULL THEN r.flag_offer_joint_working
        ELSE r.open_to_other_mh_team OR referral_open_elsewhere(found.id, r.team_id) END,
    flag_gp_outside_area = CASE WHEN found.id IS NULL THEN r.flag_gp_outside_area
        ELSE NOT gp_practice_covered(r.organisation_id, found.gp_practice_code) END,
    priority = coalesce(j.j ->> 'priority', r.priority),
    due_at = CASE j.j ->> 'priority'
        WHEN 'emergency' THEN least(r.due_at, now() + interval '4 hours')
        WHEN 'routine' THEN CASE WHEN r.due_at < coalesce(r.responded_at, now()) THEN r.due_at
            ELSE referral_due_at(r.received_at, 'routine') END
        ELSE r.due_at END,
    criteria = CASE WHEN j.j ? 'criteria' THEN j.criteria ELSE r.criteria END,
    pathway = coalesce(j.j ->> 'pathway', r.pathway),
    allocated_clinician_id = coalesce((j.j ->> 'allocated_clinician_id')::uuid,
        r.allocated_clinician_id),
    signposted_to = coalesce(j.j ->> 'signposted_to', r.signposted_to),
    referred_to = coalesce(j.j ->> 'referred_to', r.referred_to),
    closed_reason = coalesce(j.j ->> 'reason', r.closed_reason),
    advice = coalesce(j.j ->> 'advice', r.advice),
    camhs_discussion = coalesce(j.j -> 'camhs_discussion', r.camhs_discussion),
    co_working = coalesce(j.j -> 'co_working', r.co_working),
    source_code = CASE WHEN r.source_code = 'I1'
        AND j.j -> 'co_working' ->> 'arrangement' = 'full_care_transfer' THEN 'I2'
        ELSE r.source_code END,
    risk_assessment = coalesce(j.j -> 'risk_assessment', r.risk_assessment),
    onward_referral = coalesce(j.j -> 'onward_referral', r.onward_referral),
    version = r.version + 1, updated_at = now()
FROM j LEFT JOIN found ON true
WHERE r.id = ($2::jsonb ->> 'id')::uuid AND r.organisation_id = ($1::access).org
RETURNING r.version, referral_json(r)::text, r.service_user_id::text;
