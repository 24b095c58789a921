-- Discharge plans (discharge_plans.c). $1 the access context, $2 {parent:
-- the referral, id, version, body}.

-- name: discharge_plan_insert
-- No row: no such referral of a woman in the caller's scope.
INSERT INTO discharge_plans (id, organisation_id, service_user_id, team_id, follow_up,
    relapse_signs, inform_gp, inform_health_visitor, inform_maternity, referred_to, created_by)
SELECT r.id, r.organisation_id, r.service_user_id, r.team_id, x.follow_up, x.relapse_signs,
    coalesce((x.inform ->> 'gp')::boolean, false),
    coalesce((x.inform ->> 'health_visitor')::boolean, false),
    coalesce((x.inform ->> 'maternity')::boolean, false), x.referred_to, ($1::access).sub
FROM referrals r, jsonb_to_record($2::jsonb -> 'body')
    AS x(follow_up text, relapse_signs text, inform jsonb, referred_to text)
WHERE r.id = ($2::jsonb ->> 'parent')::uuid AND r.organisation_id = ($1::access).org
    AND r.service_user_id IS NOT NULL AND r.voided_at IS NULL
    AND EXISTS (SELECT 1 FROM access_scope($1::access, r.organisation_id, r.service_user_id,
        r.team_id, NULL))
RETURNING id, version, discharge_plan_json(discharge_plans)::text, service_user_id::text;

-- name: discharge_plan_update
UPDATE discharge_plans t SET follow_up = x.follow_up, relapse_signs = x.relapse_signs,
    inform_gp = coalesce((x.inform ->> 'gp')::boolean, false),
    inform_health_visitor = coalesce((x.inform ->> 'health_visitor')::boolean, false),
    inform_maternity = coalesce((x.inform ->> 'maternity')::boolean, false),
    referred_to = x.referred_to, version = t.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body')
    AS x(follow_up text, relapse_signs text, inform jsonb, referred_to text)
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.version = ($2::jsonb ->> 'version')::int
RETURNING t.version, discharge_plan_json(t)::text, t.service_user_id::text;
