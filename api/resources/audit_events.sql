-- The admins' view of the audit trail (audit_events.c). $2 {woman, before,
-- limit}: newest first.

-- name: audit_list repeatable
SELECT e.id, audit_event_json(e)::text FROM audit_events e
WHERE e.organisation_id = ($1::access).org
    AND e.service_user_ids @> ARRAY[($2::jsonb ->> 'woman')::uuid]
    AND (($2::jsonb ->> 'before') IS NULL OR e.id < ($2::jsonb ->> 'before')::bigint)
ORDER BY e.id DESC LIMIT ($2::jsonb ->> 'limit')::int;
