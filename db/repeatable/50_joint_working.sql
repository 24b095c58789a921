-- Joint-working agreements (db/022_joint_working.sql): the
-- deadlines, the representation, the guards of the workflow's steps.


-- The birthing conversation (seed 003: "needs to be completed before 32
-- weeks"): due on or before the due date - 57 days (32+0 weeks is due date
-- - 56 days). Held: the first attended contact with her present whose
-- purpose is the birthing conversation, linked to this agreement. Applies
-- while she is pregnant, unless the domain says no identified need.
-- Overdue: not held, the agreement not ended, and the due day has passed.
-- The due date is the one of the pregnancy the agreement covers, which it
-- keeps (db/036, db/040): her record has none once she has delivered, and
-- her next pregnancy's is not this agreement's; none after a loss.
CREATE OR REPLACE FUNCTION jw_birthing_conversation(j joint_working_agreements) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('due_on', d.due_on, 'contact_id', c.id, 'held_on', c.held_on,
        'on_time', CASE WHEN c.id IS NOT NULL THEN c.held_on <= d.due_on END,
        'overdue', j.status <> 'ended' AND c.id IS NULL AND england_today() > d.due_on)
    FROM (SELECT j.estimated_due_date - 57 AS due_on WHERE j.estimated_due_date IS NOT NULL) d
    LEFT JOIN LATERAL (
        SELECT c.id, (c.at AT TIME ZONE 'Europe/London')::date AS held_on FROM contacts c
        WHERE c.joint_working_agreement_id = j.id AND c.purpose = 'birthing_conversation'
            AND c.attendance = 'attended' AND c.woman_present AND c.voided_at IS NULL
        ORDER BY c.at LIMIT 1) c ON true
    WHERE coalesce(j.domains -> 'birthing_conversation' ->> 'need', '') <> 'no_identified_need'
$$;

-- Psychological therapy (seed 003): treatment commenced within 28 days of
-- the assessment: started on day 28 is in time, day 29 is a breach; not
-- started and past day 28 is overdue (and a breach).
CREATE OR REPLACE FUNCTION jw_psychological_therapy(j joint_working_agreements) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('assessed_on', src.assessed_on, 'due_on', src.assessed_on + 28,
        'started_on', src.started_on,
        'breached', coalesce(src.started_on, england_today()) > src.assessed_on + 28,
        'overdue', j.status <> 'ended' AND src.started_on IS NULL
            AND england_today() > src.assessed_on + 28)
    FROM (
        -- The assessment and start dates: from her care plans' psychological
        -- therapy interventions when she has one with its assessment date
        -- (not entered in error, not declined, its plan not entered in
        -- error; the one under the agreement's own plan first, then one
        -- not yet started, the longest waiting, so that a therapy overdue
        -- is never hidden by one assessed since, then the latest assessed),
        -- the day of its started step; else, as before the care plans
        -- existed, from the agreement's psychological_therapy domain
        -- (assessed_on, started_on).
        SELECT u.assessed_on, u.started_on FROM (
            (SELECT 1 AS rank, i.assessment_date AS assessed_on, i.started_on
            FROM care_plan_interventions i JOIN care_plans p ON p.id = i.care_plan_id
            WHERE i.service_user_id = j.service_user_id AND i.kind = 'psychological_therapy'
                AND i.assessment_date IS NOT NULL AND i.voided_at IS NULL
                AND i.status <> 'declined' AND p.voided_at IS NULL
            ORDER BY p.id IS NOT DISTINCT FROM j.care_plan_id DESC, i.started_on IS NULL DESC,
                CASE WHEN i.started_on IS NULL THEN i.assessment_date END,
                i.assessment_date DESC, i.created_at DESC, i.id
            LIMIT 1)
            UNION ALL
            SELECT 2, (j.domains -> 'psychological_therapy' ->> 'assessed_on')::date,
                (j.domains -> 'psychological_therapy' ->> 'started_on')::date
            WHERE j.domains -> 'psychological_therapy' ->> 'need' = 'need_identified'
        ) u
        ORDER BY u.rank LIMIT 1
    ) src
    WHERE src.assessed_on IS NOT NULL
$$;

-- A woman at high risk (the monitoring domain's need identified) is
-- assessed after birth: once her delivery is recorded, a contact is due
-- within assess_within_days of it (default 7; the delivery day + that many
-- days is the last day). Held: her first attended contact with her present
-- on or after the delivery.
CREATE OR REPLACE FUNCTION jw_assessment_after_birth(j joint_working_agreements) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('delivery_date', s.delivery_date, 'within_days', k.n,
        'due_on', s.delivery_date + k.n, 'contact_id', c.id, 'held_on', c.held_on,
        'on_time', CASE WHEN c.id IS NOT NULL THEN c.held_on <= s.delivery_date + k.n END,
        'overdue', j.status <> 'ended' AND c.id IS NULL AND england_today() > s.delivery_date + k.n)
    FROM service_users s
    CROSS JOIN LATERAL (SELECT coalesce((j.domains -> 'high_risk_postnatal_monitoring'
        ->> 'assess_within_days')::int, 7) AS n) k
    LEFT JOIN LATERAL (
        SELECT c.id, (c.at AT TIME ZONE 'Europe/London')::date AS held_on FROM contacts c
        WHERE c.service_user_id = j.service_user_id AND c.attendance = 'attended'
            AND c.woman_present AND c.voided_at IS NULL
            AND (c.at AT TIME ZONE 'Europe/London')::date >= s.delivery_date
        ORDER BY c.at LIMIT 1) c ON true
    WHERE s.id = j.service_user_id AND s.delivery_date IS NOT NULL
        AND j.domains -> 'high_risk_postnatal_monitoring' ->> 'need' = 'need_identified'
$$;

CREATE OR REPLACE FUNCTION jw_deadlines(j joint_working_agreements) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('birthing_conversation', jw_birthing_conversation(j),
        'psychological_therapy', jw_psychological_therapy(j),
        'assessment_after_birth', jw_assessment_after_birth(j))
$$;

-- Any deadline overdue (GET /v1/joint-working-agreements?overdue=true).
CREATE OR REPLACE FUNCTION jw_overdue(j joint_working_agreements) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((jw_birthing_conversation(j) ->> 'overdue')::boolean, false)
        OR coalesce((jw_psychological_therapy(j) ->> 'overdue')::boolean, false)
        OR coalesce((jw_assessment_after_birth(j) ->> 'overdue')::boolean, false)
$$;

-- The need domains of the framework not yet recorded, in its order.
CREATE OR REPLACE FUNCTION jw_missing_domains(domains jsonb) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(v.code ORDER BY v.position), '{}') FROM vocabulary v
    WHERE v.domain = 'jw_domain' AND NOT coalesce(domains -> v.code ? 'need', false)
$$;

-- Every team and member of staff a domain names is of the organisation.
CREATE OR REPLACE FUNCTION jw_domain_refs_ok(org uuid, domains jsonb) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT NOT EXISTS (
        SELECT 1 FROM jsonb_each(domains) d,
            LATERAL (VALUES (d.value -> 'delivered_by'), (d.value -> 'monitored_by'),
                (d.value -> 'conference_lead')) w(who)
        WHERE jsonb_typeof(w.who) = 'object' AND (
            (w.who ? 'team_id' AND NOT EXISTS (SELECT 1 FROM teams t
                WHERE t.id = (w.who ->> 'team_id')::uuid AND t.organisation_id = org))
            OR (w.who ? 'staff_id' AND NOT EXISTS (SELECT 1 FROM staff s
                WHERE s.id = (w.who ->> 'staff_id')::uuid AND s.organisation_id = org))))
$$;

-- PL/pgSQL: its subqueries would have it planned again in every statement.
CREATE OR REPLACE FUNCTION joint_working_agreement_json(j joint_working_agreements) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN json_build_object(
        'id', j.id, 'service_user_id', j.service_user_id, 'care_plan_id', j.care_plan_id,
        'period', j.period, 'status', j.status, 'perinatal_team_id', j.perinatal_team_id,
        'other_team', json_build_object('team_id', j.other_team_id, 'name', j.other_team_name,
            'organisation', j.other_team_organisation),
        'meeting_date', j.meeting_date, 'present', j.present,
        'lead_service', CASE WHEN coalesce(j.lead_team_id::text, j.lead_team_name) IS NOT NULL
            THEN json_build_object('team_id', j.lead_team_id, 'name', j.lead_team_name) END,
        'lead_professional', CASE WHEN coalesce(j.lead_professional_staff_id::text,
                j.lead_professional_name) IS NOT NULL
            THEN json_build_object('staff_id', j.lead_professional_staff_id,
                'name', j.lead_professional_name) END,
        'woman_informed', json_build_object('ahead_of_review', j.informed_ahead,
            'service_information_given', j.service_information_given,
            'told_lead_service', j.told_lead_service),
        'wishes', json_build_object('woman', j.wishes, 'family', j.family_wishes),
        'additional_teams', (SELECT coalesce(json_agg(json_build_object('id', p.id,
                'team_id', p.team_id, 'name', p.name, 'organisation', p.organisation)
                ORDER BY p.created_at, p.id), '[]')
            FROM joint_working_teams p WHERE p.agreement_id = j.id AND p.voided_at IS NULL),
        'domains', j.domains, 'missing_domains', to_json(jw_missing_domains(j.domains)),
        'deadlines', jw_deadlines(j), 'overdue', jw_overdue(j),
        'ended_at', j.ended_at,
        'organisation_id', j.organisation_id, 'version', j.version,
        'created_by', j.created_by, 'created_at', j.created_at, 'updated_at', j.updated_at);
END
$$;

-- What the overdue list shows of an agreement.
CREATE OR REPLACE FUNCTION joint_working_agreement_summary_json(j joint_working_agreements)
RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('id', j.id, 'service_user_id', j.service_user_id,
        'period', j.period, 'status', j.status, 'perinatal_team_id', j.perinatal_team_id,
        'deadlines', jw_deadlines(j), 'overdue', jw_overdue(j), 'version', j.version)
$$;

CREATE OR REPLACE FUNCTION joint_working_share_json(s joint_working_shares) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('id', s.id, 'agreement_id', s.agreement_id,
        'service_user_id', s.service_user_id, 'recipient', s.recipient, 'team_id', s.team_id,
        'team_name', s.team_name, 'shared_on', s.shared_on, 'note', s.note,
        'organisation_id', s.organisation_id, 'version', s.version, 'created_by', s.created_by,
        'created_at', s.created_at, 'updated_at', s.updated_at)
$$;

CREATE OR REPLACE FUNCTION joint_working_difference_json(d joint_working_differences)
RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('id', d.id, 'agreement_id', d.agreement_id,
        'service_user_id', d.service_user_id, 'raised_on', d.raised_on,
        'description', d.description, 'escalated_to', d.escalated_to,
        'escalated_on', d.escalated_on, 'resolved_on', d.resolved_on,
        'resolution', d.resolution, 'resolved', d.resolved_on IS NOT NULL,
        'organisation_id', d.organisation_id, 'version', d.version, 'created_by', d.created_by,
        'created_at', d.created_at, 'updated_at', d.updated_at)
$$;

CREATE OR REPLACE FUNCTION joint_working_team_json(p joint_working_teams) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object('id', p.id, 'agreement_id', p.agreement_id,
        'service_user_id', p.service_user_id,
        'team', json_build_object('team_id', p.team_id, 'name', p.name,
            'organisation', p.organisation),
        'entered_in_error', CASE WHEN p.voided_at IS NOT NULL THEN json_build_object(
            'at', p.voided_at, 'by', p.voided_by, 'reason', p.void_reason) END,
        'organisation_id', p.organisation_id, 'version', p.version, 'created_by', p.created_by,
        'created_at', p.created_at, 'updated_at', p.updated_at)
$$;

-- A woman on the due list.
-- PL/pgSQL: its subqueries would have it planned again in every statement.
CREATE OR REPLACE FUNCTION joint_working_due_json(d joint_working_due) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN json_build_object('service_user_id', d.service_user_id,
        'woman', (SELECT json_build_object('nhs_number', s.nhs_number,
                'given_name', s.given_name, 'family_name', s.family_name)
            FROM service_users s WHERE s.id = d.service_user_id),
        'period', d.period,
        'reasons', to_json(array_remove(ARRAY[
            CASE WHEN d.open_to_other_team THEN 'open_to_other_mental_health_team' END,
            CASE WHEN d.under_other_team THEN 'under_other_secondary_care_team' END], NULL)),
        'estimated_due_date', d.estimated_due_date, 'delivery_date', d.delivery_date);
END
$$;

-- A team of the organisation taking part in an agreement (the other team, a
-- participating team) reads her whole record while it is active
-- (access_scope). Issue 14: the agreement is between the perinatal team and
-- "the other secondary-care team(s)", and "maternity and health visiting
-- receive the document, not her record": so a party is a mental health team,
-- never maternity, health visiting or social care, which are sent the
-- document (joint_working_shares). NULL (a team named, of another
-- organisation): true.
CREATE OR REPLACE FUNCTION jw_party_team_type_ok(team uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT t.type NOT IN ('maternity', 'health_visiting', 'social_care')
        FROM teams t WHERE t.id = team), true)
$$;

-- A share needs her consent to share with maternity or health visiting,
-- in force on the day it was sent, when it goes to either: named so, or a
-- team of the organisation of that type.
CREATE OR REPLACE FUNCTION jw_share_consented(woman uuid, recipient text, team uuid,
    shared_on date)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN s.service IN ('maternity', 'health_visiting')
        THEN consent_in_force(woman, s.service, shared_on) ELSE true END
    FROM (SELECT CASE WHEN recipient = 'team'
        THEN (SELECT t.type FROM teams t WHERE t.id = team) ELSE recipient END AS service) s
$$;

-- Guards: (a access, id uuid, body jsonb) -> NULL, or the refusal.

-- Out of draft only complete: every need domain recorded, and the meeting,
-- who was there, the lead service (a team of the agreement when one of the
-- organisation) and professional, and what she was told.
CREATE OR REPLACE FUNCTION jw_guard_complete(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', 409, 'detail',
        concat_ws(' ', 'The agreement is incomplete and stays a draft.',
            CASE WHEN cardinality(m.domains) > 0 THEN 'Missing domains: '
                || array_to_string(m.domains, ', ') || '.' END,
            CASE WHEN cardinality(m.fields) > 0 THEN 'Missing: '
                || array_to_string(m.fields, ', ') || '.' END))
    FROM joint_working_agreements j,
        LATERAL (SELECT jw_missing_domains(j.domains) AS domains,
            array_remove(ARRAY[
                CASE WHEN j.meeting_date IS NULL THEN 'meeting_date' END,
                CASE WHEN j.present IS NULL THEN 'present' END,
                CASE WHEN j.lead_team_id IS NULL AND j.lead_team_name IS NULL
                    THEN 'lead_service' END,
                -- 003: the service that "will 'lead' on the coordination of
                -- her care" is one of the agreement's teams (a team of the
                -- organisation that is not would lead without her record).
                CASE WHEN j.lead_team_id IS NOT NULL
                    AND j.lead_team_id IS DISTINCT FROM j.perinatal_team_id
                    AND j.lead_team_id IS DISTINCT FROM j.other_team_id
                    AND NOT EXISTS (SELECT 1 FROM joint_working_teams p
                        WHERE p.agreement_id = j.id AND p.voided_at IS NULL
                            AND p.team_id = j.lead_team_id)
                    THEN 'lead_service/team_id (one of the agreement''s teams)' END,
                CASE WHEN j.lead_professional_staff_id IS NULL
                    AND j.lead_professional_name IS NULL THEN 'lead_professional' END,
                CASE WHEN j.informed_ahead IS NULL THEN 'woman_informed/ahead_of_review' END,
                CASE WHEN j.service_information_given IS NULL
                    THEN 'woman_informed/service_information_given' END,
                CASE WHEN j.told_lead_service IS NULL
                    THEN 'woman_informed/told_lead_service' END], NULL) AS fields) m
    WHERE j.id = jw_guard_complete.id
        AND (cardinality(m.domains) > 0 OR cardinality(m.fields) > 0)
$$;

-- Shared once it has been sent to somebody.
CREATE OR REPLACE FUNCTION jw_guard_shared(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', 409, 'detail',
        'Record where the agreement was sent (POST .../shares) before marking it shared.')
    WHERE NOT EXISTS (SELECT 1 FROM joint_working_shares s
        WHERE s.agreement_id = jw_guard_shared.id)
$$;
