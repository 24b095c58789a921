-- GP practices (gp_practices.c). $1 the access context, $2 the arguments.

-- name: gp_practice_insert
INSERT INTO gp_practices (organisation_id, created_by, ods_code, name, active)
SELECT ($1::access).org, ($1::access).sub, x.ods_code, x.name, coalesce(x.active, true)
FROM jsonb_to_record($2::jsonb -> 'body') AS x(ods_code text, name text, active boolean)
RETURNING id, version, gp_practice_json(gp_practices)::text, NULL::text;

-- name: gp_practice_update
UPDATE gp_practices p SET ods_code = x.ods_code, name = x.name,
    active = coalesce(x.active, true), version = p.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body') AS x(ods_code text, name text, active boolean)
WHERE p.id = ($2::jsonb ->> 'id')::uuid AND p.organisation_id = ($1::access).org
    AND p.version = ($2::jsonb ->> 'version')::int
RETURNING p.version, gp_practice_json(p)::text, NULL::text;
