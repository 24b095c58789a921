-- Teaching sessions (teaching_sessions.c). $1 the access context, $2
-- {id, version, body}. Who delivered it is checked by the table's trigger.

-- name: teaching_session_insert
INSERT INTO teaching_sessions (organisation_id, created_by, delivered_on, topic, audience,
    attendees, delivered_by)
SELECT ($1::access).org, ($1::access).sub, x.delivered_on, x.topic, x.audience, x.attendees,
    x.delivered_by
FROM jsonb_to_record($2::jsonb -> 'body')
    AS x(delivered_on date, topic text, audience text[], attendees integer, delivered_by uuid[])
RETURNING id, version, teaching_session_json(teaching_sessions)::text, NULL::text;

-- name: teaching_session_update
UPDATE teaching_sessions t SET delivered_on = x.delivered_on, topic = x.topic,
    audience = x.audience, attendees = x.attendees, delivered_by = x.delivered_by,
    version = t.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body')
    AS x(delivered_on date, topic text, audience text[], attendees integer, delivered_by uuid[])
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.version = ($2::jsonb ->> 'version')::int
RETURNING t.version, teaching_session_json(t)::text, NULL::text;
