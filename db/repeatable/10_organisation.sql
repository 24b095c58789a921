-- Representations of the organisation's own data, built where the data is.

CREATE OR REPLACE FUNCTION team_national_code(team_type text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT national_code('team_type', team_type)
$$;

CREATE OR REPLACE FUNCTION team_json(t teams) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', t.id, 'name', t.name, 'type', t.type,
        'national_code', team_national_code(t.type),
        'organisation_id', t.organisation_id, 'version', t.version,
        'created_at', t.created_at, 'updated_at', t.updated_at)
$$;

CREATE OR REPLACE FUNCTION staff_json(s staff) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', s.id, 'name', s.name, 'profession', s.profession, 'team_id', s.team_id,
        'active', s.active, 'organisation_id', s.organisation_id, 'version', s.version,
        'created_at', s.created_at, 'updated_at', s.updated_at)
$$;

CREATE OR REPLACE FUNCTION staff_training_json(t staff_training) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', t.id, 'staff_id', t.staff_id, 'course', t.course, 'provider', t.provider,
        'completed_on', t.completed_on, 'valid_until', t.valid_until,
        'organisation_id', t.organisation_id, 'version', t.version,
        'created_at', t.created_at, 'updated_at', t.updated_at)
$$;
