-- Service users (service_users.c). $1 the access context, $2 the arguments.

-- name: service_user_insert
-- A clinician who registers a woman brings her into the scope of its teams.
-- No row: her NHS number is recorded already.
WITH ins AS (SELECT s FROM service_user_new($1::access, $2::jsonb -> 'body') s),
link AS (
    INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason)
    SELECT (ins.s).id, t, ($1::access).org, 'registration'
    FROM ins, unnest(($1::access).teams) AS t)
SELECT (s).id, (s).version, service_user_json(s)::text, (s).id::text FROM ins;

-- name: service_user_update
UPDATE service_users s SET (nhs_number, given_name, family_name, date_of_birth,
        gp_practice_code, postcode, perinatal_stage, estimated_due_date, delivery_date,
        loss_date, loss_gestation_weeks, ethnic_category) = (SELECT * FROM service_user_columns($2::jsonb -> 'body')),
    version = s.version + 1, updated_at = now()
WHERE s.id = ($2::jsonb ->> 'id')::uuid AND s.organisation_id = ($1::access).org
    AND s.version = ($2::jsonb ->> 'version')::int
RETURNING s.version, service_user_json(s)::text, s.id::text;

-- name: service_user_women_by_nhs_number repeatable
-- Whom a lookup by NHS number asked about, in or out of the caller's scope.
SELECT coalesce(array_agg(id), '{}')::text FROM service_users
WHERE organisation_id = ($1::access).org AND nhs_number = $2::jsonb ->> 'value';

-- name: woman_parent_in_scope repeatable
-- A list under her (/v1/service-users/{id}/...: partners, consents,
-- measures, liaison updates; record_def.parent_in_scope): is she in the
-- caller's scope? No row: no such woman in the organisation.
SELECT EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL, NULL)),
    su.id::text
FROM service_users su
WHERE su.id = ($2::jsonb ->> 'parent')::uuid AND su.organisation_id = ($1::access).org;
