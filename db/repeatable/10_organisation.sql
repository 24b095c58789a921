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
        'id', s.id, 'name', s.name, 'profession', s.profession, 'seniority', s.seniority,
        'team_id', s.team_id, 'mbu_clinical_staff', s.mbu_clinical_staff,
        'active', s.active, 'organisation_id', s.organisation_id, 'version', s.version,
        'created_at', s.created_at, 'updated_at', s.updated_at)
$$;

CREATE OR REPLACE FUNCTION staff_training_json(t staff_training) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', t.id, 'staff_id', t.staff_id, 'course', t.course, 'provider', t.provider,
        'completed_on', t.completed_on, 'valid_until', t.valid_until,
        'qualifies_for', t.qualifies_for, 'evidence_reference', t.evidence_reference,
        'organisation_id', t.organisation_id, 'version', t.version,
        'created_at', t.created_at, 'updated_at', t.updated_at)
$$;

CREATE OR REPLACE FUNCTION gp_practice_json(p gp_practices) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', p.id, 'ods_code', p.ods_code, 'name', p.name, 'active', p.active,
        'organisation_id', p.organisation_id, 'version', p.version,
        'created_at', p.created_at, 'updated_at', p.updated_at)
$$;

-- Is she registered with a GP practice the organisation covers (listed and
-- active)? False when her practice is not known. PL/pgSQL so that its plan
-- is kept for the session: as a SQL function (a lookup is not inlined) its
-- body was parsed and planned again at every referral's receipt.
CREATE OR REPLACE FUNCTION gp_practice_covered(org uuid, ods_code text) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM gp_practices p
        WHERE p.organisation_id = org AND p.ods_code = gp_practice_covered.ods_code
            AND p.active);
END
$$;
