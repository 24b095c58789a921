-- Care plans (db/018_care_plans.sql): who may have one, the
-- representations (the plan with its interventions, built in one query;
-- its versions; an intervention) and the guards of the intervention
-- lifecycle.

-- A care plan is for a woman in the team's care: NULL when she is, else
-- the refusal {status, pointer, detail} naming why. She is in the team's
-- care with any of:
--   an accepted referral of hers to the team;
--   an open mother-and-baby-unit admission (mbu_admission_open) whose unit
--     or whose lead professional's team is the team (the unit writes her
--     plan during the stay, the community team allocated on admission may);
--   an active (agreed or shared) joint-working agreement for her in which
--     the team is the lead service (db/022_joint_working.sql, lead_team_id).
CREATE OR REPLACE FUNCTION care_plan_allowed(org uuid, service_user_id uuid, team_id uuid)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM referrals r WHERE r.organisation_id = org
                AND r.service_user_id = care_plan_allowed.service_user_id
                AND r.team_id = care_plan_allowed.team_id AND r.status = 'accepted'
                AND r.voided_at IS NULL) THEN NULL
        WHEN mbu_admission_open(care_plan_allowed.service_user_id)
            AND EXISTS (SELECT 1 FROM mbu_admissions m WHERE m.organisation_id = org
                AND m.service_user_id = care_plan_allowed.service_user_id
                AND m.status = 'admitted' AND m.voided_at IS NULL
                AND care_plan_allowed.team_id IN (m.unit_team_id, m.lead_team_id)) THEN NULL
        WHEN EXISTS (SELECT 1 FROM joint_working_agreements j WHERE j.organisation_id = org
                AND j.service_user_id = care_plan_allowed.service_user_id
                AND j.status IN ('agreed', 'shared')
                AND j.lead_team_id = care_plan_allowed.team_id) THEN NULL
        ELSE jsonb_build_object('status', 409, 'pointer', '/team_id', 'detail',
            coalesce((SELECT 'She is not in this team''s care: her latest referral to it is '
                    || r.status || ', not accepted'
                FROM referrals r WHERE r.organisation_id = org
                    AND r.service_user_id = care_plan_allowed.service_user_id
                    AND r.team_id = care_plan_allowed.team_id AND r.voided_at IS NULL
                ORDER BY r.received_at DESC LIMIT 1),
                'She is not in this team''s care: she has no referral to it')
            || ', she has no open mother-and-baby-unit admission with it, and no agreed or shared '
            || 'joint-working agreement in which it leads. A care plan is written for a woman '
            || 'in the team''s care.')
    END
$$;

-- An intervention. A psychological therapy's start is due within 28 days
-- of its assessment (003): start_due_by, and once started whether it was
-- (day 28 is within, day 29 a breach); NULL for any other kind, or until
-- the assessment is known or the therapy started.
CREATE OR REPLACE FUNCTION intervention_json(i care_plan_interventions) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', i.id, 'care_plan_id', i.care_plan_id, 'service_user_id', i.service_user_id,
        'code', i.code, 'kind', i.kind, 'status', i.status,
        'offered_on', i.offered_on, 'accepted_on', i.accepted_on,
        'declined_on', i.declined_on, 'started_on', i.started_on, 'ended_on', i.ended_on,
        'assessment_date', i.assessment_date,
        'start_due_by', CASE WHEN i.kind = 'psychological_therapy'
            THEN i.assessment_date + 28 END,
        'started_within_28_days', CASE WHEN i.kind = 'psychological_therapy'
            THEN i.started_on - i.assessment_date <= 28 END,
        'decline_reason', i.decline_reason, 'stop_reason', i.stop_reason,
        'steps', i.steps, 'notes', i.notes, 'mbu_admission_id', i.mbu_admission_id,
        'entered_in_error', CASE WHEN i.voided_at IS NOT NULL THEN json_build_object(
            'at', i.voided_at, 'by', i.voided_by, 'reason', i.void_reason) END,
        'organisation_id', i.organisation_id, 'version', i.version,
        'created_by', i.created_by, 'created_at', i.created_at, 'updated_at', i.updated_at)
$$;

-- The stored representations (care_plan_interventions.representation, kept by its
-- trigger) are remade when intervention_json's definition has changed
-- since they were made: this file runs after every migration run.
DO $$
DECLARE
    made_by text := md5(pg_get_functiondef(
        'intervention_json(care_plan_interventions)'::regprocedure));
BEGIN
    IF made_by IS DISTINCT FROM (SELECT definition_md5 FROM care_plan_intervention_representation_source)
    THEN
        UPDATE care_plan_interventions i SET representation = intervention_json(i);
        INSERT INTO care_plan_intervention_representation_source (definition_md5) VALUES (made_by)
        ON CONFLICT (only_row) DO UPDATE SET definition_md5 = excluded.definition_md5;
    END IF;
END
$$;

-- A plan's interventions (those not entered in error, in the order
-- offered: the index care_plan_interventions_plan_idx, no sort), as a JSON
-- array of their stored representations (care_plan_interventions.representation).
-- PL/pgSQL, so that the plan of its one statement is kept for the session
-- (a SQL function with a FROM is never inlined, and PostgreSQL 15 would plan
-- its body again on every call); its one parameter is the plan's id, so the
-- kept plan is the generic one.
CREATE OR REPLACE FUNCTION care_plan_interventions_json(plan uuid) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce((SELECT json_agg(x.representation) FROM (
            SELECT i.representation FROM care_plan_interventions i
            WHERE i.care_plan_id = plan AND i.voided_at IS NULL
            ORDER BY i.created_at, i.id) x), '[]');
END
$$;

-- Her partners and significant others as each is read (partner_json: the
-- consent to involve them in force today, their MH6 week), in the order
-- recorded. PL/pgSQL for the reason above; partner_json is defined with the
-- partners (45_partners.sql), which a PL/pgSQL body may name before then.
CREATE OR REPLACE FUNCTION care_plan_partners_json(woman uuid) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce((SELECT json_agg(partner_json(x) ORDER BY x.created_at, x.id)
            FROM partners x WHERE x.service_user_id = woman), '[]');
END
$$;

-- The plan as read: its current version with its interventions and her
-- partners, in one statement (this function is inlined into it); past its
-- review date (England's day) it is flagged review_overdue.
CREATE OR REPLACE FUNCTION care_plan_json(p care_plans) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', p.id, 'service_user_id', p.service_user_id, 'team_id', p.team_id,
        'care_coordinator_id', p.care_coordinator_id, 'goals', to_json(p.goals),
        'review_date', p.review_date, 'review_overdue', p.review_date < england_today(),
        'safety_plan', p.safety_plan,
        'interventions', care_plan_interventions_json(p.id),
        'partners', care_plan_partners_json(p.service_user_id),
        'entered_in_error', CASE WHEN p.voided_at IS NOT NULL THEN json_build_object(
            'at', p.voided_at, 'by', p.voided_by, 'reason', p.void_reason) END,
        'organisation_id', p.organisation_id, 'version', p.version,
        'created_by', p.created_by, 'created_at', p.created_at,
        'updated_by', p.updated_by, 'updated_at', p.updated_at)
$$;

-- One version of a plan as it was: its content then, who changed what
-- (the fields that differ from the version before) and when.
CREATE OR REPLACE FUNCTION care_plan_version_json(v care_plan_versions) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'care_plan_id', v.care_plan_id, 'version', v.version,
        'changed_by', v.changed_by, 'changed_at', v.changed_at, 'changes', to_json(v.changes),
        'service_user_id', v.content -> 'service_user_id', 'team_id', v.content -> 'team_id',
        'care_coordinator_id', v.content -> 'care_coordinator_id',
        'goals', v.content -> 'goals', 'review_date', v.content -> 'review_date',
        'safety_plan', v.content -> 'safety_plan',
        'entered_in_error', v.content -> 'entered_in_error')
$$;

-- Guards of the intervention lifecycle: (a access, id uuid, body jsonb) ->
-- NULL, or the refusal.

-- Every step: under a plan not entered in error, its day not in the
-- future nor before the step it follows, taken by active staff of a team
-- of the organisation.
CREATE OR REPLACE FUNCTION intervention_guard_step(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM care_plans p WHERE p.id = i.care_plan_id
                AND p.voided_at IS NOT NULL) THEN jsonb_build_object('status', 409,
            'detail', 'Its care plan was entered in error: record the intervention under '
                || 'her current plan.')
        WHEN (body ->> 'on')::date > england_today() THEN jsonb_build_object('status', 422,
            'pointer', '/on', 'detail', 'must not be in the future')
        WHEN (body ->> 'on')::date < coalesce(i.started_on, i.accepted_on, i.offered_on) THEN
            jsonb_build_object('status', 422, 'pointer', '/on', 'detail',
                'cannot be before the step it follows (' || i.status || ' on '
                || coalesce(i.started_on, i.accepted_on, i.offered_on) || ')')
        WHEN NOT EXISTS (SELECT 1 FROM teams t WHERE t.organisation_id = a.org
                AND t.id = (body ->> 'team_id')::uuid) THEN
            jsonb_build_object('status', 422, 'pointer', '/team_id',
                'detail', 'No such team in your organisation.')
        WHEN NOT EXISTS (SELECT 1 FROM staff s WHERE s.organisation_id = a.org AND s.active
                AND s.id = (body ->> 'staff_id')::uuid
                AND s.team_id = (body ->> 'team_id')::uuid) THEN
            jsonb_build_object('status', 422, 'pointer', '/staff_id',
                'detail', 'No such active member of staff in that team of your organisation.')
    END
    FROM care_plan_interventions i WHERE i.id = intervention_guard_step.id
$$;

-- Starting a psychological therapy needs its assessment date (recorded at
-- the offer or given now), not in the future and not after the start. A
-- start more than 28 days after it is allowed, and flagged. One recorded at
-- the offer stands: the start does not replace it (a later date would hide
-- the breach); a wrong one is corrected by entering the offer in error.
CREATE OR REPLACE FUNCTION intervention_guard_assessment(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN i.kind = 'psychological_therapy' AND i.assessment_date IS NULL
                AND NOT body ? 'assessment_date' THEN
            jsonb_build_object('status', 422, 'pointer', '/assessment_date',
                'detail', 'a psychological therapy records its assessment date to start')
        WHEN (body ->> 'assessment_date')::date <> i.assessment_date THEN
            jsonb_build_object('status', 422, 'pointer', '/assessment_date',
                'detail', 'the assessment was recorded on ' || i.assessment_date
                    || ' with the offer; a wrong one is corrected by entering the offer '
                    || 'in error and offering again')
        WHEN (body ->> 'assessment_date')::date > england_today() THEN
            jsonb_build_object('status', 422, 'pointer', '/assessment_date',
                'detail', 'must not be in the future')
        WHEN (body ->> 'on')::date < coalesce((body ->> 'assessment_date')::date,
                i.assessment_date) THEN
            jsonb_build_object('status', 422, 'pointer', '/on',
                'detail', 'cannot be before the assessment')
    END
    FROM care_plan_interventions i WHERE i.id = intervention_guard_assessment.id
$$;
