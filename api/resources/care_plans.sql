-- Care plans and their interventions (care_plans.c). $1 the access
-- context, $2 {id, version, body, parent}. The versions are written by the
-- trigger of db/018_care_plans.sql, whatever writes a plan.

-- name: care_plan_refusal
-- Why this caller may not write a plan for her with this team: status,
-- pointer, detail; NULL when it may. No row: she is not in the caller's
-- scope (the insert then refuses her like any unknown woman).
WITH x AS (
    SELECT * FROM jsonb_to_record($2::jsonb -> 'body') AS x(service_user_id uuid, team_id uuid)),
why AS (
    SELECT CASE WHEN NOT x.team_id = ANY (coalesce(($1::access).teams, '{}'))
        THEN jsonb_build_object('status', 422, 'pointer', '/team_id',
            'detail', 'A clinician writes care plans for one of its own teams.')
        ELSE care_plan_allowed(($1::access).org, su.id, x.team_id) END AS r
    FROM x, service_users su
    WHERE su.id = x.service_user_id AND su.organisation_id = ($1::access).org
        AND EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL, NULL)))
SELECT r ->> 'status', r ->> 'pointer', r ->> 'detail' FROM why;

-- name: care_plan_insert
-- No row: no such woman in the caller's scope.
WITH x AS (
    SELECT * FROM jsonb_to_record($2::jsonb -> 'body') AS x(service_user_id uuid, team_id uuid,
        care_coordinator_id uuid, review_date date, safety_plan jsonb))
INSERT INTO care_plans (organisation_id, service_user_id, team_id, care_coordinator_id, goals,
    review_date, safety_plan, created_by, updated_by)
SELECT su.organisation_id, su.id, x.team_id, x.care_coordinator_id,
    ARRAY(SELECT jsonb_array_elements_text($2::jsonb -> 'body' -> 'goals')), x.review_date,
    x.safety_plan, ($1::access).sub, ($1::access).sub
FROM x, service_users su
WHERE su.id = x.service_user_id AND su.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL, NULL))
RETURNING id, version, care_plan_json(care_plans)::text, service_user_id::text;

-- name: care_plan_update
-- The whole plan after the merge patch (the lock checked the scope): a new
-- version, kept by the trigger.
UPDATE care_plans t SET service_user_id = x.service_user_id, team_id = x.team_id,
    care_coordinator_id = x.care_coordinator_id,
    goals = ARRAY(SELECT jsonb_array_elements_text($2::jsonb -> 'body' -> 'goals')),
    review_date = x.review_date, safety_plan = x.safety_plan, updated_by = ($1::access).sub,
    version = t.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body') AS x(service_user_id uuid, team_id uuid,
    care_coordinator_id uuid, review_date date, safety_plan jsonb)
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.version = ($2::jsonb ->> 'version')::int
RETURNING t.version, care_plan_json(t)::text, t.service_user_id::text;

-- name: care_plan_versions repeatable
-- Every version of a plan in scope, oldest first; no row: not there.
SELECT (SELECT json_agg(care_plan_version_json(v) ORDER BY v.version)
        FROM care_plan_versions v WHERE v.care_plan_id = t.id)::text,
    t.service_user_id::text
FROM care_plans t, access_scope($1::access, t.organisation_id, t.service_user_id, NULL, NULL)
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.voided_at IS NULL;

-- name: care_plan_version repeatable
-- One version of a plan in scope; no row: not there.
SELECT care_plan_version_json(v)::text, t.service_user_id::text
FROM care_plans t, access_scope($1::access, t.organisation_id, t.service_user_id, NULL, NULL),
    care_plan_versions v
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.voided_at IS NULL AND v.care_plan_id = t.id
    AND v.version = ($2::jsonb ->> 'version')::int;

-- name: intervention_insert
-- The offer: under a plan in the caller's scope (no row: not there), its
-- kind from the catalogue; the first step of its history.
WITH x AS (
    SELECT * FROM jsonb_to_record($2::jsonb -> 'body') AS x(code text, offered_on date,
        staff_id uuid, team_id uuid, assessment_date date, notes text)),
ins AS (
    INSERT INTO care_plan_interventions (organisation_id, care_plan_id, service_user_id, code,
        kind, offered_on, assessment_date, steps, notes, created_by)
    SELECT p.organisation_id, p.id, p.service_user_id, x.code, v.intervention_kind, x.offered_on,
        x.assessment_date, jsonb_build_object('offered', jsonb_build_object('on', x.offered_on,
            'staff_id', x.staff_id, 'team_id', x.team_id, 'recorded_by', ($1::access).sub,
            'recorded_at', now())),
        x.notes, ($1::access).sub
    FROM x JOIN vocabulary v ON v.domain = 'intervention' AND v.code = x.code,
        care_plans p
    WHERE p.id = ($2::jsonb ->> 'parent')::uuid AND p.organisation_id = ($1::access).org
        AND p.voided_at IS NULL
        AND EXISTS (SELECT 1 FROM access_scope($1::access, p.organisation_id, p.service_user_id,
            NULL, NULL))
    RETURNING id, version, status, created_at, steps, service_user_id,
        intervention_json(care_plan_interventions)::text AS body),
hist AS (
    INSERT INTO workflow_transitions (workflow, record_id, to_state, at, by_sub, by_role,
        details)
    SELECT 'intervention', id, status, created_at, ($1::access).sub, ($1::access).role,
        (steps -> 'offered') - 'recorded_by' - 'recorded_at'
    FROM ins)
SELECT id, version, body, service_user_id::text FROM ins;

-- name: intervention_apply
-- A lifecycle step onto the intervention: its day, who and which team (in
-- steps), the day in its column, a decline's or a stop's reason, and a
-- psychological therapy's assessment date given at its start when none was
-- recorded with the offer (the one recorded stands). $2 {id,
-- from, to, body}.
WITH j AS (SELECT $2::jsonb -> 'body' AS j, $2::jsonb ->> 'to' AS step)
UPDATE care_plan_interventions i SET status = j.step,
    accepted_on = CASE WHEN j.step = 'accepted' THEN (j.j ->> 'on')::date ELSE i.accepted_on END,
    declined_on = CASE WHEN j.step = 'declined' THEN (j.j ->> 'on')::date ELSE i.declined_on END,
    started_on = CASE WHEN j.step = 'started' THEN (j.j ->> 'on')::date ELSE i.started_on END,
    ended_on = CASE WHEN j.step IN ('completed', 'stopped') THEN (j.j ->> 'on')::date
        ELSE i.ended_on END,
    decline_reason = CASE WHEN j.step = 'declined' THEN j.j ->> 'reason' ELSE i.decline_reason END,
    stop_reason = CASE WHEN j.step = 'stopped' THEN j.j ->> 'reason' ELSE i.stop_reason END,
    assessment_date = coalesce(i.assessment_date, (j.j ->> 'assessment_date')::date),
    steps = i.steps || jsonb_build_object(j.step, jsonb_build_object('on', j.j -> 'on',
        'staff_id', j.j -> 'staff_id', 'team_id', j.j -> 'team_id',
        'recorded_by', ($1::access).sub, 'recorded_at', now())),
    version = i.version + 1, updated_at = now()
FROM j
WHERE i.id = ($2::jsonb ->> 'id')::uuid AND i.organisation_id = ($1::access).org
RETURNING i.version, intervention_json(i)::text, i.service_user_id::text;

-- name: care_plan_parent_in_scope repeatable
-- The interventions' list under a plan (record_def.parent_in_scope): is the
-- plan's woman in the caller's scope? No row: no such plan.
SELECT EXISTS (SELECT 1 FROM access_scope($1::access, p.organisation_id, p.service_user_id,
        NULL, NULL)),
    p.service_user_id::text
FROM care_plans p
WHERE p.id = ($2::jsonb ->> 'parent')::uuid AND p.organisation_id = ($1::access).org;
