-- Infants (infants.c). $1 the access context, $2 {parent: the mother, id,
-- version, body}.

-- name: infant_mother_in_scope repeatable
-- Her infants' list (record_def.parent_in_scope): may the caller see the
-- mother, and who she is (the audit row of a 404 names her). No row: no
-- such woman in the caller's organisation; another organisation's woman is
-- not named in this one's trail, as for every list under her
-- (woman_parent_in_scope).
SELECT EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL, NULL)),
    su.id::text
FROM service_users su
WHERE su.id = ($2::jsonb ->> 'parent')::uuid AND su.organisation_id = ($1::access).org;

-- name: infant_insert
-- No row: no such woman in the caller's scope.
INSERT INTO infants (organisation_id, service_user_id, date_of_birth, nhs_number, created_by)
SELECT su.organisation_id, su.id, x.date_of_birth, x.nhs_number, ($1::access).sub
FROM service_users su, jsonb_to_record($2::jsonb -> 'body') AS x(date_of_birth date,
    nhs_number text)
WHERE su.id = ($2::jsonb ->> 'parent')::uuid AND su.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL, NULL))
RETURNING id, version, infant_json(infants)::text, service_user_id::text;

-- name: infant_update
-- The whole record after the merge patch (the lock checked the scope).
UPDATE infants t SET date_of_birth = x.date_of_birth, nhs_number = x.nhs_number,
    version = t.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body') AS x(date_of_birth date, nhs_number text)
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.version = ($2::jsonb ->> 'version')::int
RETURNING t.version, infant_json(t)::text, t.service_user_id::text;
