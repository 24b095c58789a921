-- Foundation: organisations, teams, staff, service users, idempotency keys.
-- Runs as the schema owner (perinatal_owner). The application connects as
-- perinatal_app, which owns nothing and is granted only what it needs.

CREATE TABLE organisations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The NHS number rule (modulus 11), held by the database as well as the API.
CREATE FUNCTION nhs_number_valid(n text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT n ~ '^[0-9]{10}$' AND (
        WITH s AS (
            SELECT 11 - (sum(substr(n, i, 1)::int * (11 - i)) % 11) AS check_digit
            FROM generate_series(1, 9) AS i
        )
        SELECT CASE check_digit WHEN 11 THEN 0 ELSE check_digit END = substr(n, 10, 1)::int
               AND check_digit <> 10
        FROM s)
$$;

CREATE TABLE teams (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    type text NOT NULL CHECK (type IN ('perinatal_community', 'mmhs', 'mbu', 'cmht',
        'early_intervention', 'crisis_home_treatment', 'psychiatric_liaison', 'maternity',
        'health_visiting', 'camhs', 'social_care')),
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT teams_name_unique UNIQUE (organisation_id, name),
    CONSTRAINT teams_id_org_unique UNIQUE (id, organisation_id)
);

-- MHSDS team type code beside our own words (domain brief, national codes).
CREATE FUNCTION team_national_code(team_type text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE team_type
        WHEN 'perinatal_community' THEN 'C02'
        WHEN 'mmhs' THEN 'F02'
        WHEN 'crisis_home_treatment' THEN 'A02'
        WHEN 'cmht' THEN 'A06'
        WHEN 'psychiatric_liaison' THEN 'A11'
    END
$$;

CREATE TABLE staff (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL,
    team_id uuid NOT NULL,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    profession text NOT NULL CHECK (profession IN ('psychiatrist', 'nurse', 'psychologist',
        'occupational_therapist', 'social_worker', 'nursery_nurse', 'peer_support_worker',
        'midwife', 'health_visitor', 'other')),
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- A member of staff belongs to a team of the same organisation.
    CONSTRAINT staff_team_fk FOREIGN KEY (team_id, organisation_id)
        REFERENCES teams (id, organisation_id)
);
CREATE INDEX staff_team_idx ON staff (team_id);

CREATE TABLE service_users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    nhs_number text NOT NULL CONSTRAINT service_users_nhs_number_check
        CHECK (nhs_number_valid(nhs_number)),
    given_name text NOT NULL CHECK (char_length(given_name) BETWEEN 1 AND 100),
    family_name text NOT NULL CHECK (char_length(family_name) BETWEEN 1 AND 100),
    date_of_birth date NOT NULL CHECK (date_of_birth >= DATE '1900-01-01'),
    gp_practice_code text CHECK (gp_practice_code ~ '^[A-Z][0-9]{5}$'),
    postcode text CHECK (postcode ~ '^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$'),
    consent_partner_involvement boolean NOT NULL DEFAULT false,
    consent_share_with_gp boolean NOT NULL DEFAULT false,
    consent_share_with_health_visiting boolean NOT NULL DEFAULT false,
    perinatal_stage text NOT NULL
        CHECK (perinatal_stage IN ('pre_conception', 'pregnant', 'postnatal')),
    estimated_due_date date,
    delivery_date date,
    infant_count integer CHECK (infant_count BETWEEN 1 AND 8),
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT service_users_nhs_number_unique UNIQUE (organisation_id, nhs_number),
    -- Pregnant: a due date and no delivery; postnatal: a delivery date;
    -- pre-conception: neither.
    CONSTRAINT service_users_perinatal_status_check CHECK (
        (perinatal_stage = 'pregnant' AND estimated_due_date IS NOT NULL
            AND delivery_date IS NULL AND infant_count IS NULL)
        OR (perinatal_stage = 'postnatal' AND delivery_date IS NOT NULL
            AND estimated_due_date IS NULL)
        OR (perinatal_stage = 'pre_conception' AND estimated_due_date IS NULL
            AND delivery_date IS NULL AND infant_count IS NULL))
);

-- Representations, built where the data is (one place for each shape).
CREATE FUNCTION team_json(t teams) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', t.id, 'name', t.name, 'type', t.type,
        'national_code', team_national_code(t.type),
        'organisation_id', t.organisation_id, 'version', t.version,
        'created_at', t.created_at, 'updated_at', t.updated_at)
$$;

CREATE FUNCTION staff_json(s staff) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', s.id, 'name', s.name, 'profession', s.profession, 'team_id', s.team_id,
        'active', s.active, 'organisation_id', s.organisation_id, 'version', s.version,
        'created_at', s.created_at, 'updated_at', s.updated_at)
$$;

-- Age is computed on the day in England, never stored.
CREATE FUNCTION service_user_json(s service_users) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', s.id, 'nhs_number', s.nhs_number,
        'given_name', s.given_name, 'family_name', s.family_name,
        'date_of_birth', s.date_of_birth,
        'age_years', date_part('year',
            age((now() AT TIME ZONE 'Europe/London')::date, s.date_of_birth))::int,
        'gp_practice_code', s.gp_practice_code, 'postcode', s.postcode,
        'consent', json_build_object(
            'partner_involvement', s.consent_partner_involvement,
            'share_with_gp', s.consent_share_with_gp,
            'share_with_health_visiting', s.consent_share_with_health_visiting),
        'perinatal_status', json_build_object(
            'stage', s.perinatal_stage,
            'estimated_due_date', s.estimated_due_date,
            'delivery_date', s.delivery_date,
            'infant_count', s.infant_count),
        'organisation_id', s.organisation_id, 'version', s.version,
        'created_by', s.created_by, 'created_at', s.created_at, 'updated_at', s.updated_at)
$$;

-- Idempotency-Key: the first response to a (caller, key) is kept and replayed.
CREATE TABLE idempotency_keys (
    owner_sub text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer,
    location text,
    etag text,
    body text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_sub, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

GRANT USAGE ON SCHEMA public TO perinatal_app;
GRANT SELECT ON organisations TO perinatal_app;
GRANT SELECT, INSERT, UPDATE ON teams, staff, service_users TO perinatal_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO perinatal_app;
