-- Staff training records (staff_training.c). $1 the access context, $2
-- {parent: the member of staff, id, version, body}.

-- name: staff_training_insert
-- No row: no such member of staff in the caller's organisation.
INSERT INTO staff_training (organisation_id, staff_id, created_by, course, provider,
    completed_on, valid_until, qualifies_for, evidence_reference)
SELECT s.organisation_id, s.id, ($1::access).sub, x.course, x.provider, x.completed_on,
    x.valid_until, x.qualifies_for, x.evidence_reference
FROM staff s, jsonb_to_record($2::jsonb -> 'body')
    AS x(course text, provider text, completed_on date, valid_until date, qualifies_for text,
        evidence_reference text)
WHERE s.id = ($2::jsonb ->> 'parent')::uuid AND s.organisation_id = ($1::access).org
RETURNING id, version, staff_training_json(staff_training)::text, NULL::text;

-- name: staff_training_update
UPDATE staff_training t SET course = x.course, provider = x.provider,
    completed_on = x.completed_on, valid_until = x.valid_until,
    qualifies_for = x.qualifies_for, evidence_reference = x.evidence_reference,
    version = t.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body')
    AS x(course text, provider text, completed_on date, valid_until date, qualifies_for text,
        evidence_reference text)
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.version = ($2::jsonb ->> 'version')::int
RETURNING t.version, staff_training_json(t)::text, NULL::text;
