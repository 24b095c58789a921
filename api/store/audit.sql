-- The audit trail (audit.c). $1 the access context, $2 {resource, action,
-- id, women, outcome}.

-- name: audit_insert
INSERT INTO audit_events (organisation_id, teams, sub, role, action, resource, resource_id,
    service_user_ids, request_id, outcome)
SELECT ($1::access).org, ($1::access).teams, ($1::access).sub, ($1::access).role,
    $2::jsonb ->> 'action', $2::jsonb ->> 'resource', ($2::jsonb ->> 'id')::uuid,
    ($2::jsonb ->> 'women')::uuid[], ($1::access).request_id, $2::jsonb ->> 'outcome';
