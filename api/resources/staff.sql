-- Staff (staff.c). $1 the access context, $2 the arguments.

-- name: staff_insert
INSERT INTO staff (organisation_id, created_by, name, profession, seniority, team_id, active,
    mbu_clinical_staff)
SELECT ($1::access).org, ($1::access).sub, x.name, x.profession, x.seniority, x.team_id,
    coalesce(x.active, true), coalesce(x.mbu_clinical_staff, false)
FROM jsonb_to_record($2::jsonb -> 'body')
    AS x(name text, profession text, seniority text, team_id uuid, active boolean,
        mbu_clinical_staff boolean)
RETURNING id, version, staff_json(staff)::text, NULL::text;

-- name: staff_update
UPDATE staff s SET name = x.name, profession = x.profession, seniority = x.seniority,
    team_id = x.team_id, active = coalesce(x.active, true),
    mbu_clinical_staff = coalesce(x.mbu_clinical_staff, false), version = s.version + 1,
    updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body')
    AS x(name text, profession text, seniority text, team_id uuid, active boolean,
        mbu_clinical_staff boolean)
WHERE s.id = ($2::jsonb ->> 'id')::uuid AND s.organisation_id = ($1::access).org
    AND s.version = ($2::jsonb ->> 'version')::int
RETURNING s.version, staff_json(s)::text, NULL::text;
