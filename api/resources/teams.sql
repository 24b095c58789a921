-- Teams (teams.c). $1 the access context, $2 the arguments.

-- name: team_insert
INSERT INTO teams (organisation_id, created_by, name, type)
SELECT ($1::access).org, ($1::access).sub, x.name, x.type
FROM jsonb_to_record($2::jsonb -> 'body') AS x(name text, type text)
RETURNING id, version, team_json(teams)::text, NULL::text;

-- name: team_update
UPDATE teams t SET name = x.name, type = x.type, version = t.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body') AS x(name text, type text)
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.version = ($2::jsonb ->> 'version')::int
RETURNING t.version, team_json(t)::text, NULL::text;
