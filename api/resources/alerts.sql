-- Alerts (alerts.c). $1 the access context, $2 {id, body}.

-- name: alert_ack_lock
-- The alert in the caller's scope, locked: its status and woman.
SELECT t.status, t.service_user_id::text
FROM alerts t, access_scope($1::access, t.organisation_id, t.service_user_id, NULL, NULL)
WHERE t.id = ($2::jsonb ->> 'id')::uuid
FOR UPDATE OF t;

-- name: alert_acknowledge
-- After the lock: an open alert acknowledged with what was done.
UPDATE alerts t SET acknowledged_at = now(), acknowledged_by = ($1::access).sub,
    action_taken = $2::jsonb -> 'body' ->> 'action_taken', version = t.version + 1,
    updated_at = now()
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.acknowledged_at IS NULL
RETURNING t.version::text, alert_json(t)::text;

-- name: instruments_list repeatable
-- The instrument table, without wording (GET /v1/instruments).
SELECT json_build_object('items', coalesce(json_agg(instrument_json(i) ORDER BY i.position), '[]'),
    'next_cursor', NULL)::text
FROM instruments i
WHERE ($1::access).org IS NOT NULL AND $2::jsonb IS NOT NULL;
