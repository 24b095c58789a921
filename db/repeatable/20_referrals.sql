-- Referrals: representations, national codes and the guards of the
-- referral workflow's steps (workflow_steps.guards).

CREATE OR REPLACE FUNCTION referral_source_code(source text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT national_code('referral_source', source)
$$;

CREATE OR REPLACE FUNCTION referral_json(r referrals) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', r.id, 'service_user_id', r.service_user_id, 'team_id', r.team_id,
        'source', r.source, 'source_code', referral_source_code(r.source),
        'channel', r.channel, 'received_at', r.received_at,
        'priority', r.priority,
        'priority_code', national_code('referral_priority', r.priority),
        'criteria', to_json(r.criteria), 'reason', r.reason,
        'referrer', CASE WHEN r.referrer_name IS NULL THEN NULL ELSE json_build_object(
            'name', r.referrer_name, 'organisation', r.referrer_organisation,
            'contact', r.referrer_contact) END,
        'open_to_other_mental_health_team', r.open_to_other_mh_team,
        'status', r.status,
        'due_at', r.due_at, 'responded_at', r.responded_at,
        'response_breached', r.response_breached,
        'overdue', r.responded_at IS NULL AND r.due_at < now()
            AND r.status IN ('received', 'triaged', 'mdt_review'),
        'flags', json_build_object(
            'discuss_individually', r.flag_discuss_individually,
            'discuss_with_camhs', r.flag_discuss_with_camhs,
            'offer_joint_working', r.flag_offer_joint_working),
        'outcome', json_build_object(
            'pathway', r.pathway, 'allocated_clinician_id', r.allocated_clinician_id,
            'signposted_to', r.signposted_to, 'referred_to', r.referred_to,
            'reason', r.closed_reason),
        'risk_assessment', r.risk_assessment, 'onward_referral', r.onward_referral,
        'discharge_plan', r.discharge_plan,
        'entered_in_error', CASE WHEN r.voided_at IS NOT NULL THEN json_build_object(
            'at', r.voided_at, 'by', r.voided_by, 'reason', r.void_reason) END,
        'submitted_by', r.submitted_by, 'version', r.version,
        'created_at', r.created_at, 'updated_at', r.updated_at)
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

-- The first contact closes the response clock once, and can be neither in
-- the future nor before the referral was received.
CREATE OR REPLACE FUNCTION referral_guard_first_contact(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN r.responded_at IS NOT NULL THEN jsonb_build_object('status', 422,
            'pointer', '/first_contact_at', 'detail', 'the first contact is already recorded')
        WHEN (body ->> 'first_contact_at')::timestamptz > now() + interval '5 minutes'
            THEN jsonb_build_object('status', 422,
            'pointer', '/first_contact_at', 'detail', 'must not be in the future')
        WHEN (body ->> 'first_contact_at')::timestamptz < r.received_at
            THEN jsonb_build_object('status', 422, 'pointer', '/first_contact_at',
            'detail', 'cannot be before the referral was received')
    END
    FROM referrals r WHERE r.id = referral_guard_first_contact.id AND body ? 'first_contact_at'
$$;

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
