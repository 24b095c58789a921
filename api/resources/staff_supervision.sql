-- Supervision sessions (staff_supervision.c). $1 the access context, $2
-- {parent: the member of staff supervised, id, version, body}.

-- name: staff_supervision_insert
-- No row: no such member of staff in the caller's organisation.
INSERT INTO staff_supervision (organisation_id, staff_id, created_by, supervisor_id,
    supervised_on, intervention, notes)
SELECT s.organisation_id, s.id, ($1::access).sub, x.supervisor_id, x.supervised_on,
    x.intervention, x.notes
FROM staff s, jsonb_to_record($2::jsonb -> 'body')
    AS x(supervisor_id uuid, supervised_on date, intervention text, notes text)
WHERE s.id = ($2::jsonb ->> 'parent')::uuid AND s.organisation_id = ($1::access).org
RETURNING id, version, staff_supervision_json(staff_supervision)::text, NULL::text;

-- name: staff_supervision_update
UPDATE staff_supervision t SET supervisor_id = x.supervisor_id,
    supervised_on = x.supervised_on, intervention = x.intervention, notes = x.notes,
    version = t.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body')
    AS x(supervisor_id uuid, supervised_on date, intervention text, notes text)
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.version = ($2::jsonb ->> 'version')::int
RETURNING t.version, staff_supervision_json(t)::text, NULL::text;
