-- Her consents (consents.c). $1 the access context, $2 {parent, outer,
-- body}: parent her id, or the partner's (outer then hers).

-- name: consent_insert
-- No row: no such woman in the caller's scope.
INSERT INTO consents (organisation_id, service_user_id, scope, decision, decided_on, note,
    created_by)
SELECT su.organisation_id, su.id, x.scope, x.decision, x."on", x.note, ($1::access).sub
FROM service_users su, jsonb_to_record($2::jsonb -> 'body')
    AS x(scope text, decision text, "on" date, note text)
WHERE su.id = ($2::jsonb ->> 'parent')::uuid AND su.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL, NULL))
RETURNING id, version, consent_json(consents)::text, service_user_id::text;

-- name: partner_consent_insert
-- No row: no such partner of this woman in the caller's scope.
INSERT INTO consents (organisation_id, service_user_id, partner_id, scope, decision,
    decided_on, note, created_by)
SELECT p.organisation_id, p.service_user_id, p.id, 'partner_involvement', x.decision, x."on",
    x.note, ($1::access).sub
FROM partners p, jsonb_to_record($2::jsonb -> 'body') AS x(decision text, "on" date, note text)
WHERE p.id = ($2::jsonb ->> 'parent')::uuid
    AND p.service_user_id = ($2::jsonb ->> 'outer')::uuid
    AND p.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, p.organisation_id, p.service_user_id,
        NULL, NULL))
RETURNING id, version, consent_json(consents)::text, service_user_id::text;
