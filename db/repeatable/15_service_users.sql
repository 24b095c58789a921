-- Service users: the woman's record as the API shows it.

-- Age is computed on the day in England, never stored.
-- PL/pgSQL, not SQL: a SQL function with subqueries is not inlined, and its
-- body is planned again on every statement that calls it (1.5-4 ms a read on
-- the 2-core machine); PL/pgSQL keeps the plans of its subqueries for the
-- session (0.3-1.5 ms, measured back to back with pgbench on one row).
CREATE OR REPLACE FUNCTION service_user_json(s service_users) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN json_build_object(
        'id', s.id, 'nhs_number', s.nhs_number,
        'given_name', s.given_name, 'family_name', s.family_name,
        'date_of_birth', s.date_of_birth,
        'age_years', date_part('year',
            age((now() AT TIME ZONE 'Europe/London')::date, s.date_of_birth))::int,
        'gp_practice_code', s.gp_practice_code, 'postcode', s.postcode,
        'ethnic_category', s.ethnic_category,
        'ethnic_category_code', national_code('ethnic_category', s.ethnic_category),
        -- Derived from her dated consent records (/v1/service-users/{id}/consents):
        -- the rule of consent_in_force() (db/repeatable/45_partners.sql), the
        -- latest decision of each scope on or before today, in one scan of
        -- her records (four calls of it cost some forty times as much).
        'consent', (SELECT json_build_object(
            'partner_involvement', coalesce(bool_or(c.decision = 'given')
                FILTER (WHERE c.scope = 'partner_involvement'), false),
            'share_with_gp', coalesce(bool_or(c.decision = 'given')
                FILTER (WHERE c.scope = 'share_with_gp'), false),
            'share_with_health_visiting', coalesce(bool_or(c.decision = 'given')
                FILTER (WHERE c.scope = 'share_with_health_visiting'), false),
            'share_with_maternity', coalesce(bool_or(c.decision = 'given')
                FILTER (WHERE c.scope = 'share_with_maternity'), false))
            FROM (SELECT DISTINCT ON (c.scope) c.scope, c.decision FROM consents c
                WHERE c.service_user_id = s.id AND c.partner_id IS NULL
                    AND c.decided_on <= (now() AT TIME ZONE 'Europe/London')::date
                ORDER BY c.scope, c.decided_on DESC, c.created_at DESC, c.id DESC) c),
        'perinatal_status', json_build_object(
            'stage', s.perinatal_stage,
            'estimated_due_date', s.estimated_due_date,
            'delivery_date', s.delivery_date,
            -- Derived (read-only) from her infant records: postnatal only,
            -- those of this delivery (born from the day before it on: twins
            -- either side of midnight), not entered in error; NULL for none.
            'infant_count', CASE WHEN s.perinatal_stage = 'postnatal' THEN (
                SELECT nullif(count(*), 0)::int FROM infants i
                WHERE i.service_user_id = s.id AND i.voided_at IS NULL
                    AND i.date_of_birth >= s.delivery_date - 1) END,
            'loss_date', s.loss_date,
            'loss_gestation_weeks', s.loss_gestation_weeks),
        'organisation_id', s.organisation_id, 'version', s.version,
        'created_by', s.created_by, 'created_at', s.created_at, 'updated_at', s.updated_at);
END
$$;

-- The columns of a woman's record from its JSON (validated by the API):
-- registration, a referral that carries her details, and a PATCH all store
-- her through this one mapping.
CREATE OR REPLACE FUNCTION service_user_columns(body jsonb)
RETURNS TABLE (nhs_number text, given_name text, family_name text, date_of_birth date,
    gp_practice_code text, postcode text, perinatal_stage text, estimated_due_date date,
    delivery_date date, loss_date date, loss_gestation_weeks integer, ethnic_category text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT body ->> 'nhs_number', body ->> 'given_name', body ->> 'family_name',
        (body ->> 'date_of_birth')::date, body ->> 'gp_practice_code', body ->> 'postcode',
        body -> 'perinatal_status' ->> 'stage',
        (body -> 'perinatal_status' ->> 'estimated_due_date')::date,
        (body -> 'perinatal_status' ->> 'delivery_date')::date,
        (body -> 'perinatal_status' ->> 'loss_date')::date,
        (body -> 'perinatal_status' ->> 'loss_gestation_weeks')::int,
        body ->> 'ethnic_category'
$$;

-- Records a woman from her JSON for the caller's organisation, unless one
-- with her NHS number is there already (then no row): registration and a
-- referral that carries her details both record her through this.
CREATE OR REPLACE FUNCTION service_user_new(a access, body jsonb) RETURNS SETOF service_users
LANGUAGE sql AS $$
    INSERT INTO service_users (organisation_id, created_by, nhs_number, given_name, family_name,
        date_of_birth, gp_practice_code, postcode, perinatal_stage,
        estimated_due_date, delivery_date, loss_date, loss_gestation_weeks,
        ethnic_category)
    SELECT a.org, a.sub, c.* FROM service_user_columns(body) c
    ON CONFLICT (organisation_id, nhs_number) DO NOTHING
    RETURNING *
$$;

-- When her present perinatal episode began, to tell which of two statuses
-- is the newer: a pregnancy about 280 days before its due date, a postnatal
-- period on the delivery, a pregnancy loss on the loss; pre-conception is
-- older than any.
CREATE OR REPLACE FUNCTION perinatal_episode_start(stage text, due date, delivered date,
    lost date)
RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE stage WHEN 'pregnant' THEN due - 280 WHEN 'postnatal' THEN delivered
        WHEN 'pregnancy_loss' THEN lost ELSE '-infinity'::date END
$$;
