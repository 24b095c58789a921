-- What her record shows beyond its own columns, kept on the row so that a
-- read is one expression: the consents in force, the infants of this
-- delivery and the ethnic category's national code. As subqueries inside
-- service_user_json they cost about 0.3 ms of PostgreSQL's CPU a read
-- (two executor start-ups and a lookup through SPI), half of what an
-- audited read of her record costs the database (issue 10, item 1).
-- Kept by triggers (db/repeatable/15_service_users.sql): consents_touch
-- when a consent is recorded, infants_shown_count when an infant is
-- registered, corrected or voided, and service_users_shown when her stage,
-- delivery date or ethnic category changes.
ALTER TABLE service_users
    ADD COLUMN shown_consent json,
    ADD COLUMN shown_infant_count integer,
    ADD COLUMN shown_ethnic_category_code text;

-- The same rules as service_user_json had: the latest decision of each
-- scope on or before today; postnatal infants born from the day before
-- the delivery on, not entered in error, NULL for none.
UPDATE service_users s SET
    shown_ethnic_category_code = (SELECT v.national_code FROM vocabulary v
        WHERE v.domain = 'ethnic_category' AND v.code = s.ethnic_category),
    shown_infant_count = CASE WHEN s.perinatal_stage = 'postnatal' THEN (
        SELECT nullif(count(*), 0)::int FROM infants i
        WHERE i.service_user_id = s.id AND i.voided_at IS NULL
            AND i.date_of_birth >= s.delivery_date - 1) END,
    shown_consent = (SELECT json_build_object(
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
            ORDER BY c.scope, c.decided_on DESC, c.created_at DESC, c.id DESC) c);

ALTER TABLE service_users ALTER COLUMN shown_consent SET NOT NULL;
