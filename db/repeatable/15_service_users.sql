-- Service users: the woman's record as the API shows it.

-- Age is computed on the day in England, never stored.
-- One expression, so that PostgreSQL inlines it into the statement that
-- reads her (a SQL function with a subquery is not inlined and is planned
-- again on every call; a PL/pgSQL one runs its subqueries through SPI, two
-- executor start-ups a read). What is derived from other records is kept
-- on her row by the triggers below (db/031_service_user_shown.sql):
-- measured with pgbench on the read statement, 4,300 reads/s with the
-- subqueries, 8,600 with the kept columns.
CREATE OR REPLACE FUNCTION service_user_json(s service_users) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', s.id, 'nhs_number', s.nhs_number,
        'given_name', s.given_name, 'family_name', s.family_name,
        'date_of_birth', s.date_of_birth,
        'age_years', date_part('year',
            age((now() AT TIME ZONE 'Europe/London')::date, s.date_of_birth))::int,
        'gp_practice_code', s.gp_practice_code, 'postcode', s.postcode,
        'ethnic_category', s.ethnic_category,
        'ethnic_category_code', s.shown_ethnic_category_code,
        -- Derived from her dated consent records (/v1/service-users/{id}/consents).
        'consent', s.shown_consent,
        'perinatal_status', json_build_object(
            'stage', s.perinatal_stage,
            'estimated_due_date', s.estimated_due_date,
            'delivery_date', s.delivery_date,
            -- Derived (read-only) from her infant records.
            'infant_count', s.shown_infant_count,
            'loss_date', s.loss_date,
            'loss_gestation_weeks', s.loss_gestation_weeks),
        'organisation_id', s.organisation_id, 'version', s.version,
        'created_by', s.created_by, 'created_at', s.created_at, 'updated_at', s.updated_at)
$$;

-- Her consent of a scope on a day: the latest decision on or before it (by
-- its date, then by when it was recorded) is "given". Scopes are the
-- consent_scope codes; 'gp', 'health_visiting' and 'maternity' are read as
-- share_with_<them>. Her own consents only (not a partner's).
CREATE OR REPLACE FUNCTION consent_in_force(service_user_id uuid, consent_scope text,
    on_day date)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((
        SELECT c.decision = 'given' FROM consents c
        WHERE c.service_user_id = $1 AND c.partner_id IS NULL
            AND c.scope = CASE WHEN $2 IN ('gp', 'health_visiting', 'maternity')
                THEN 'share_with_' || $2 ELSE $2 END
            AND c.decided_on <= $3
        ORDER BY c.decided_on DESC, c.created_at DESC, c.id DESC LIMIT 1), false)
$$;

-- ... in force today (England): what liaison and discharge plans ask. Here,
-- before the files that use it (30_liaison.sql's liaison_scope).
CREATE OR REPLACE FUNCTION consent_in_force(service_user_id uuid, consent_scope text)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT consent_in_force($1, $2, (now() AT TIME ZONE 'Europe/London')::date)
$$;

-- Her consents as her record shows them: the rule of consent_in_force()
-- (above), the latest decision of each scope on or
-- before today, in one scan of her records. A decision is never dated in
-- the future (the API refuses it), so the answer changes only when a
-- consent is recorded, which is when consents_touch keeps it.
CREATE OR REPLACE FUNCTION service_user_consent_shown(woman uuid) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'partner_involvement', coalesce(bool_or(c.decision = 'given')
            FILTER (WHERE c.scope = 'partner_involvement'), false),
        'share_with_gp', coalesce(bool_or(c.decision = 'given')
            FILTER (WHERE c.scope = 'share_with_gp'), false),
        'share_with_health_visiting', coalesce(bool_or(c.decision = 'given')
            FILTER (WHERE c.scope = 'share_with_health_visiting'), false),
        'share_with_maternity', coalesce(bool_or(c.decision = 'given')
            FILTER (WHERE c.scope = 'share_with_maternity'), false))
    FROM (SELECT DISTINCT ON (c.scope) c.scope, c.decision FROM consents c
        WHERE c.service_user_id = woman AND c.partner_id IS NULL
            AND c.decided_on <= (now() AT TIME ZONE 'Europe/London')::date
        ORDER BY c.scope, c.decided_on DESC, c.created_at DESC, c.id DESC) c
$$;

-- Her infants of this delivery: postnatal only, born from the day before
-- it on (twins either side of midnight), not entered in error; NULL for none.
CREATE OR REPLACE FUNCTION service_user_infant_count(woman uuid, stage text, delivered date)
RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN stage = 'postnatal' THEN (
        SELECT nullif(count(*), 0)::int FROM infants i
        WHERE i.service_user_id = woman AND i.voided_at IS NULL
            AND i.date_of_birth >= delivered - 1) END
$$;

-- Her own columns that what she shows depends on.
CREATE OR REPLACE FUNCTION service_users_shown() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.ethnic_category IS DISTINCT FROM OLD.ethnic_category THEN
        NEW.shown_ethnic_category_code := national_code('ethnic_category', NEW.ethnic_category);
    END IF;
    IF TG_OP = 'INSERT' OR NEW.perinatal_stage IS DISTINCT FROM OLD.perinatal_stage
            OR NEW.delivery_date IS DISTINCT FROM OLD.delivery_date THEN
        NEW.shown_infant_count := service_user_infant_count(NEW.id, NEW.perinatal_stage,
                                                            NEW.delivery_date);
    END IF;
    IF TG_OP = 'INSERT' THEN
        NEW.shown_consent := service_user_consent_shown(NEW.id);
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER service_users_shown
    BEFORE INSERT OR UPDATE OF ethnic_category, perinatal_stage, delivery_date ON service_users
    FOR EACH ROW EXECUTE FUNCTION service_users_shown();

-- An infant registered, corrected or entered in error changes the count
-- her record shows: it is kept, and her version moves so that her ETag
-- does (as a consent's does, consents_touch). Her row is locked first, by
-- a statement of its own: the count below is then taken after any other
-- transaction changing it has committed (two infants registered at once
-- would otherwise each count from a snapshot without the other, and the
-- second to commit would show 1).
CREATE OR REPLACE FUNCTION infants_shown_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM service_users WHERE id = NEW.service_user_id FOR NO KEY UPDATE;
    UPDATE service_users s
    SET shown_infant_count = n.count, version = s.version + 1, updated_at = now()
    FROM (SELECT w.id, service_user_infant_count(w.id, w.perinatal_stage, w.delivery_date) AS count
          FROM service_users w WHERE w.id = NEW.service_user_id) n
    WHERE s.id = n.id AND s.shown_infant_count IS DISTINCT FROM n.count;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER infants_shown_count
    AFTER INSERT OR UPDATE OF date_of_birth, voided_at ON infants
    FOR EACH ROW EXECUTE FUNCTION infants_shown_count();

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
