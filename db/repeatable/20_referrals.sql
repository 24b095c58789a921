-- Referrals: representations, national codes and the guards of the
-- referral workflow's steps (workflow_steps.guards).

-- The MHSDS referral source code at receipt: a mental health team's
-- referral is ours (P1) when its referrer holds a token of this
-- organisation, another trust's (I1) when it came through a referrer's
-- form; every other source has its own code (M7 for any other service).
CREATE OR REPLACE FUNCTION referral_source_code(source text, submitted_by_role text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(national_code('referral_source', source),
        CASE WHEN submitted_by_role = 'referrer' THEN 'I1' ELSE 'P1' END)
$$;

-- Open: not yet at an outcome (mdt_review is not one).
CREATE OR REPLACE FUNCTION referral_open(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT status IN ('identity_check', 'received', 'triaged', 'mdt_review')
$$;

-- On the clock: open, or accepted and not yet seen (no contact answers it).
CREATE OR REPLACE FUNCTION referral_on_clock(r referrals) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT r.responded_at IS NULL
        AND r.status IN ('identity_check', 'received', 'triaged', 'mdt_review', 'accepted')
        AND r.voided_at IS NULL
$$;

CREATE OR REPLACE FUNCTION referral_flags_json(r referrals) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'discuss_individually', r.flag_discuss_individually,
        'discuss_with_camhs', r.flag_discuss_with_camhs,
        'offer_joint_working', r.flag_offer_joint_working,
        'gp_outside_area', r.flag_gp_outside_area)
$$;

-- She has an open referral to another mental health team (not this one):
-- joint management is offered, and the MDT discusses the referral. At
-- receipt, and again when a held referral is attached to her. PL/pgSQL so
-- that its plan is kept for the session (a SQL function holding a
-- subquery is not inlined, and would be planned at every statement).
CREATE OR REPLACE FUNCTION referral_open_elsewhere(woman uuid, team uuid) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    open_referral uuid;
BEGIN
    SELECT o.id INTO open_referral FROM referrals o JOIN teams t ON t.id = o.team_id
    WHERE o.service_user_id = woman AND o.team_id <> team
        AND t.type IN ('cmht', 'early_intervention', 'crisis_home_treatment',
            'psychiatric_liaison', 'camhs')
        AND o.status IN ('received', 'triaged', 'mdt_review', 'accepted')
        AND o.voided_at IS NULL
    LIMIT 1;
    RETURN open_referral IS NOT NULL;
END
$$;

-- Met or breached once seen; breached too while on the clock past due;
-- neither when closed without contact.
CREATE OR REPLACE FUNCTION referral_breached(r referrals) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN r.responded_at IS NOT NULL THEN r.responded_at > r.due_at
        WHEN referral_on_clock(r) AND r.due_at < now() THEN true END
$$;

-- A referral's discharge plan (db/019_partners_consents_discharge_plans.sql;
-- its id is the referral's): what follows, the signs of relapse, who is
-- told (each only while her sharing consent is in force), referral on.
-- care_plan_id: her care plan, once care plans exist (read-only here).
CREATE OR REPLACE FUNCTION discharge_plan_json(d discharge_plans) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', d.id, 'referral_id', d.id, 'service_user_id', d.service_user_id,
        'team_id', d.team_id, 'care_plan_id', d.care_plan_id,
        'follow_up', d.follow_up, 'relapse_signs', d.relapse_signs,
        'inform', json_build_object('gp', d.inform_gp,
            'health_visitor', d.inform_health_visitor, 'maternity', d.inform_maternity),
        'referred_to', d.referred_to, 'summary', d.summary, 'migrated', d.migrated,
        'organisation_id', d.organisation_id, 'version', d.version,
        'created_by', d.created_by, 'created_at', d.created_at, 'updated_at', d.updated_at)
$$;

-- PL/pgSQL like service_user_json (db/repeatable/15_service_users.sql): its
-- subqueries would make a SQL function be planned again in every statement.
-- Its two lookups are statements of their own, so that the RETURN is a
-- simple expression: with a subquery in it, every call started an executor
-- for the whole expression (110 against 73 microseconds a referral here).
CREATE OR REPLACE FUNCTION referral_json(r referrals) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    plan json;
    priority_code text;
BEGIN
    SELECT discharge_plan_json(d) INTO plan FROM discharge_plans d WHERE d.id = r.id;
    priority_code := national_code('referral_priority', r.priority);
    RETURN json_build_object(
        'id', r.id, 'service_user_id', r.service_user_id, 'team_id', r.team_id,
        'source', r.source, 'source_code', r.source_code, 'reason_code', r.reason_code,
        'channel', r.channel, 'received_at', r.received_at,
        'priority', r.priority,
        'priority_code', priority_code,
        'criteria', to_json(r.criteria), 'reason', r.reason,
        'referrer', CASE WHEN r.referrer_name IS NULL THEN NULL ELSE json_build_object(
            'name', r.referrer_name, 'organisation', r.referrer_organisation,
            'contact', r.referrer_contact) END,
        'open_to_other_mental_health_team', r.open_to_other_mh_team,
        'status', r.status,
        'due_at', r.due_at, 'responded_at', r.responded_at,
        'response_breached', referral_breached(r),
        'overdue', referral_on_clock(r) AND r.due_at < now(),
        -- As the response-times report counts it: closed (unable to engage,
        -- and discharged from there, included) with no attended contact.
        'closed_without_contact', r.responded_at IS NULL
            AND r.status NOT IN ('identity_check', 'received', 'triaged', 'mdt_review',
                'accepted'),
        'flags', referral_flags_json(r),
        'outcome', json_build_object(
            'pathway', r.pathway, 'allocated_clinician_id', r.allocated_clinician_id,
            'signposted_to', r.signposted_to, 'referred_to', r.referred_to,
            'reason', r.closed_reason, 'advice', r.advice,
            'camhs_discussion', r.camhs_discussion, 'co_working', r.co_working),
        'risk_assessment', r.risk_assessment, 'onward_referral', r.onward_referral,
        'discharge_plan', plan,
        -- Held for the identity check: the details as they were given.
        'given_details', r.given_details,
        'entered_in_error', CASE WHEN r.voided_at IS NOT NULL THEN json_build_object(
            'at', r.voided_at, 'by', r.voided_by, 'reason', r.void_reason) END,
        'submitted_by', r.submitted_by, 'version', r.version,
        'created_at', r.created_at, 'updated_at', r.updated_at);
END
$$;

-- What a working list shows of a referral (the duty, MDT and caseload
-- lists, the overdue list): enough to pick the next one up; the full
-- record is one GET away, or ?view=full. The woman as recorded (s, joined
-- by the list: NULL while her identity is checked), else as given;
-- open_alerts: her alerts nobody has acknowledged (GET
-- /v1/alerts?service_user=), counted by the list. A pure expression, so
-- that PostgreSQL inlines it into the list's statement: as PL/pgSQL with
-- its two subqueries it was two executor start-ups a row, most of a page's
-- time (the lists, api/resources/referrals.c: referral_views).
DROP FUNCTION IF EXISTS referral_summary_json(referrals);
CREATE OR REPLACE FUNCTION referral_summary_json(r referrals, s service_users, open_alerts bigint)
RETURNS json LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', r.id, 'service_user_id', r.service_user_id, 'team_id', r.team_id,
        'woman', CASE WHEN s.id IS NOT NULL THEN json_build_object('nhs_number', s.nhs_number,
                'given_name', s.given_name, 'family_name', s.family_name)
            ELSE json_build_object('nhs_number', r.given_details ->> 'nhs_number',
                'given_name', r.given_details ->> 'given_name',
                'family_name', r.given_details ->> 'family_name') END,
        'priority', r.priority, 'status', r.status, 'received_at', r.received_at,
        'due_at', r.due_at, 'overdue', referral_on_clock(r) AND r.due_at < now(),
        'response_breached', referral_breached(r), 'flags', referral_flags_json(r),
        'open_alerts', open_alerts, 'version', r.version)
$$;

-- What a referrer may see of a referral it submitted: where it stands.
CREATE OR REPLACE FUNCTION referral_status_json(r referrals) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', r.id, 'team_id', r.team_id, 'priority', r.priority,
        'received_at', r.received_at, 'due_at', r.due_at, 'status', r.status,
        'responded_at', r.responded_at, 'version', r.version, 'updated_at', r.updated_at)
$$;

-- Guards: (a access, id uuid, body jsonb) -> NULL, or the refusal.

-- The duty clinician and the allocated clinician are active staff of the
-- organisation.
CREATE OR REPLACE FUNCTION referral_guard_staff(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', 422,
        'pointer', CASE WHEN body ? 'duty_clinician_id' THEN '/duty_clinician_id'
            ELSE '/allocated_clinician_id' END,
        'detail', 'No such active member of staff in your organisation.')
    WHERE (SELECT count(*) FROM staff s WHERE s.organisation_id = a.org AND s.active
        AND s.id IN ((body ->> 'duty_clinician_id')::uuid,
            (body ->> 'allocated_clinician_id')::uuid))
        < (body ? 'duty_clinician_id')::int + (body ? 'allocated_clinician_id')::int
$$;

-- The MDT meets about a referral once it has been received.
CREATE OR REPLACE FUNCTION referral_guard_meeting_date(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', 422, 'pointer', '/meeting_date',
        'detail', 'cannot be before the referral was received')
    FROM referrals r
    WHERE r.id = referral_guard_meeting_date.id
        AND (body ->> 'meeting_date')::date < (r.received_at AT TIME ZONE 'Europe/London')::date
$$;

-- A flagged referral (outside the window, under 18, open to another mental
-- health team) is accepted or declined by the MDT, not by triage alone.
CREATE OR REPLACE FUNCTION referral_guard_flagged_needs_mdt(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', 409, 'detail',
        'This referral is flagged (' || concat_ws(', ',
            CASE WHEN r.flag_discuss_individually THEN 'outside the window' END,
            CASE WHEN r.flag_discuss_with_camhs THEN 'under 18' END,
            CASE WHEN r.flag_offer_joint_working THEN 'open to another mental health team' END)
        || '): it goes through the MDT first (move it to mdt_review).')
    FROM referrals r
    WHERE r.id = referral_guard_flagged_needs_mdt.id AND r.status = 'triaged'
        AND (r.flag_discuss_individually OR r.flag_discuss_with_camhs
            OR r.flag_offer_joint_working)
$$;

-- One criterion at least is needed to accept (given now or before).
CREATE OR REPLACE FUNCTION referral_guard_criteria(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', 422, 'pointer', '/criteria',
        'detail', 'at least one acceptance criterion is needed to accept')
    FROM referrals r
    WHERE r.id = referral_guard_criteria.id
        AND coalesce(jsonb_array_length(body -> 'criteria'), cardinality(r.criteria)) = 0
$$;

-- Under 18: the CAMHS discussion is recorded before acceptance.
CREATE OR REPLACE FUNCTION referral_guard_camhs(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', 409, 'detail',
        'She was under 18 when referred: record the discussion with CAMHS '
        || '(camhs_discussion: date, with_whom, outcome) to accept.')
    FROM referrals r
    WHERE r.id = referral_guard_camhs.id AND r.flag_discuss_with_camhs
        AND NOT body ? 'camhs_discussion' AND r.camhs_discussion IS NULL
$$;

-- Open to another mental health team: acceptance records the arrangement.
CREATE OR REPLACE FUNCTION referral_guard_co_working(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', 409, 'detail',
        'She is open to another mental health team: record the arrangement agreed '
        || '(co_working: arrangement, other_team, agreed_on) to accept.')
    FROM referrals r
    WHERE r.id = referral_guard_co_working.id AND r.flag_offer_joint_working
        AND NOT body ? 'co_working' AND r.co_working IS NULL
$$;

-- An MBU discharge is always seen by the community team.
CREATE OR REPLACE FUNCTION referral_guard_mbu_discharge(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', 409, 'detail',
        'A discharge from a mother and baby unit is always seen on discharge: it cannot be '
        || 'signposted, referred on, declined or closed with advice.')
    FROM referrals r
    WHERE r.id = referral_guard_mbu_discharge.id AND r.source = 'mbu_discharge'
$$;

-- Discharge needs her seen; without an attended contact the way out is
-- unable_to_engage, with a risk assessment.
CREATE OR REPLACE FUNCTION referral_guard_seen(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', 409, 'detail',
        'She has not been seen (no attended contact): close through unable_to_engage, '
        || 'with a risk assessment.')
    FROM referrals r
    WHERE r.id = referral_guard_seen.id AND r.status = 'accepted' AND r.responded_at IS NULL
$$;

-- A change of priority says why.
CREATE OR REPLACE FUNCTION referral_guard_priority(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN body ? 'priority' AND NOT body ? 'priority_reason' THEN jsonb_build_object(
            'status', 422, 'pointer', '/priority_reason',
            'detail', 'is required to change the priority')
        WHEN body ? 'priority_reason' AND NOT body ? 'priority' THEN jsonb_build_object(
            'status', 422, 'pointer', '/priority', 'detail', 'give the new priority')
        WHEN body ->> 'priority' = r.priority THEN jsonb_build_object(
            'status', 422, 'pointer', '/priority', 'detail', 'is the priority already')
    END
    FROM referrals r WHERE r.id = referral_guard_priority.id
$$;

-- Resolving the identity check: attach needs a woman recorded with the NHS
-- number given; correct needs the corrected details.
CREATE OR REPLACE FUNCTION referral_guard_identity(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN body ->> 'resolution' = 'correct' AND NOT body ? 'service_user' THEN
            jsonb_build_object('status', 422, 'pointer', '/service_user',
                'detail', 'give the corrected details to correct them')
        WHEN body ->> 'resolution' = 'attach' AND body ? 'service_user' THEN
            jsonb_build_object('status', 422, 'pointer', '/service_user',
                'detail', 'attach uses the details given; send resolution correct to change them')
        WHEN body ->> 'resolution' = 'attach' AND NOT EXISTS (
            SELECT 1 FROM service_users s WHERE s.organisation_id = a.org
                AND s.nhs_number = r.given_details ->> 'nhs_number') THEN
            jsonb_build_object('status', 422, 'pointer', '/resolution',
                'detail', 'no woman is recorded with this NHS number: correct the details')
    END
    FROM referrals r WHERE r.id = referral_guard_identity.id
$$;

-- The woman a resolved identity check attaches: the one recorded with the
-- NHS number given (attach), or found or recorded from the corrected
-- details (correct); she comes into the referral's team's scope. Returns
-- her row (read inside the function, which sees the row it inserted);
-- nothing for any other step: one not from identity_check, or the
-- withdrawal of a held referral (no resolution), which stays attached to
-- no woman (it attached the clinician who held it to the woman with that
-- NHS number, and so gave them her record).
CREATE OR REPLACE FUNCTION referral_identity_woman(a access, referral uuid, from_state text,
    body jsonb)
RETURNS SETOF service_users LANGUAGE plpgsql AS $$
DECLARE
    details jsonb;
    team uuid;
    woman service_users;
BEGIN
    IF from_state IS DISTINCT FROM 'identity_check' OR NOT body ? 'resolution' THEN
        RETURN;
    END IF;
    SELECT CASE WHEN body ->> 'resolution' = 'correct' THEN body -> 'service_user'
        ELSE r.given_details END, r.team_id INTO details, team
    FROM referrals r WHERE r.id = referral;
    SELECT * INTO woman FROM service_user_new(a, details);
    IF woman.id IS NULL THEN
        SELECT * INTO woman FROM service_users s
        WHERE s.organisation_id = a.org AND s.nhs_number = details ->> 'nhs_number';
    END IF;
    INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason)
    VALUES (woman.id, team, a.org, 'referral') ON CONFLICT DO NOTHING;
    RETURN NEXT woman;
END
$$;
