-- Partners (partners.c). $1 the access context, $2 {parent: her id, id,
-- version, body}.

-- name: partner_insert
-- No row: no such woman in the caller's scope.
INSERT INTO partners (organisation_id, service_user_id, created_by, name, relationship,
    telephone, email, address, needs_assessed_on, needs_assessed_by, needs_assessment_outcome)
SELECT su.organisation_id, su.id, ($1::access).sub, x.name, x.relationship,
    x.contact ->> 'telephone', x.contact ->> 'email', x.contact ->> 'address',
    (x.needs_assessment ->> 'on')::date, (x.needs_assessment ->> 'staff_id')::uuid,
    x.needs_assessment ->> 'outcome'
FROM service_users su, jsonb_to_record($2::jsonb -> 'body')
    AS x(name text, relationship text, contact jsonb, needs_assessment jsonb)
WHERE su.id = ($2::jsonb ->> 'parent')::uuid AND su.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL, NULL))
RETURNING id, version, partner_json(partners)::text, service_user_id::text;

-- name: partner_update
-- The whole record after the merge patch (the lock checked the scope).
UPDATE partners t SET name = x.name, relationship = x.relationship,
    telephone = x.contact ->> 'telephone', email = x.contact ->> 'email',
    address = x.contact ->> 'address',
    needs_assessed_on = (x.needs_assessment ->> 'on')::date,
    needs_assessed_by = (x.needs_assessment ->> 'staff_id')::uuid,
    needs_assessment_outcome = x.needs_assessment ->> 'outcome',
    version = t.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body')
    AS x(name text, relationship text, contact jsonb, needs_assessment jsonb)
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.version = ($2::jsonb ->> 'version')::int
RETURNING t.version, partner_json(t)::text, t.service_user_id::text;

-- name: partner_parent_partner repeatable
-- A list under one of her partners (consents, offers): the partner of the
-- woman in the path, she in the caller's scope?
SELECT EXISTS (SELECT 1 FROM access_scope($1::access, p.organisation_id, p.service_user_id,
        NULL, NULL)),
    p.service_user_id::text
FROM partners p
WHERE p.id = ($2::jsonb ->> 'parent')::uuid AND p.service_user_id = ($2::jsonb ->> 'outer')::uuid
    AND p.organisation_id = ($1::access).org;
