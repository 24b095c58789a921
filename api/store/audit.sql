-- The audit trail (audit.c). $1 the access context, $2 {resource, action,
-- id, women, outcome}.

-- name: audit_insert
INSERT INTO audit_events (organisation_id, teams, sub, role, action, resource, resource_id,
    service_user_ids, request_id, outcome)
SELECT ($1::access).org, ($1::access).teams, ($1::access).sub, ($1::access).role,
    $2::jsonb ->> 'action', $2::jsonb ->> 'resource', ($2::jsonb ->> 'id')::uuid,
    ($2::jsonb ->> 'women')::uuid[], ($1::access).request_id, $2::jsonb ->> 'outcome';

-- name: audit_insert_batch
-- Group commit (audit_batch.c): the rows of several reads in one statement,
-- so one transaction and one WAL flush. $1 a JSON array of [access context
-- literal, {resource, action, id, women, outcome}] pairs, in queue order.
-- Unlike the other statements it takes no $2 and runs on the committer's
-- own connection.
INSERT INTO audit_events (organisation_id, teams, sub, role, action, resource, resource_id,
    service_user_ids, request_id, outcome)
SELECT (x.ctx).org, (x.ctx).teams, (x.ctx).sub, (x.ctx).role,
    x.args ->> 'action', x.args ->> 'resource', (x.args ->> 'id')::uuid,
    (x.args ->> 'women')::uuid[], (x.ctx).request_id, x.args ->> 'outcome'
FROM (SELECT (e.value ->> 0)::access AS ctx, e.value -> 1 AS args, e.n
      FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(value, n)) AS x
ORDER BY x.n;
