-- Health-visiting liaison updates (db/015_liaison_updates.sql): the consent
-- rule, the two representations, the receipt of an inbound update and the
-- liaison system's scope.

-- Whether her consent to share for a purpose is in force today is
-- consent_in_force(woman, 'health_visiting') over her dated consent records
-- (db/repeatable/45_partners.sql).

-- What the sending system sees of an update: what it sent (or, out, what
-- was addressed to it) and our id. Never whether the woman is known to the
-- service: no service_user_id, no matched state, no version (attaching an
-- update to her would move it).
-- PL/pgSQL: its subqueries would have it planned again in every statement.
CREATE OR REPLACE FUNCTION liaison_update_sender_json(l liaison_updates) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN CASE l.direction WHEN 'in' THEN json_build_object(
        'id', l.id, 'direction', l.direction, 'sender_record_id', l.sender_record_id,
        'nhs_number', l.nhs_number, 'contact_date', l.contact_date,
        'contact_type', l.contact_type,
        'concerns', json_build_object('codes', l.concern_codes, 'text', l.concern_text),
        'infant', json_build_object('name', l.infant_name,
            'date_of_birth', l.infant_date_of_birth, 'nhs_number', l.infant_nhs_number),
        'supersedes', l.supersedes, 'superseded_at', l.superseded_at,
        'received_at', l.created_at)
    ELSE (jsonb_build_object(
        'id', l.id, 'direction', l.direction, 'nhs_number', l.nhs_number,
        'summary', l.summary, 'plan', l.plan, 'contact_point', l.contact_point,
        'acknowledged_at', l.acknowledged_at, 'created_at', l.created_at)
        -- The infant it is about, as the health-visiting service knows
        -- infants: its date of birth and NHS number (never our id); not
        -- once the infant record is entered in error (its details were
        -- wrong).
        || coalesce((SELECT jsonb_build_object('infant', jsonb_build_object('name', NULL,
                'date_of_birth', i.date_of_birth, 'nhs_number', i.nhs_number))
            FROM infants i WHERE i.id = l.infant_id AND i.voided_at IS NULL), '{}'))::json END;
END
$$;

-- The whole update, for her clinicians and admins.
CREATE OR REPLACE FUNCTION liaison_update_json(l liaison_updates) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', l.id, 'direction', l.direction, 'service_user_id', l.service_user_id,
        'matched_at', l.matched_at, 'nhs_number', l.nhs_number,
        'sender', l.sender, 'sender_record_id', l.sender_record_id,
        'supersedes', l.supersedes, 'superseded_at', l.superseded_at,
        'contact_date', l.contact_date, 'contact_type', l.contact_type,
        'concerns', CASE WHEN l.direction = 'in' THEN
            json_build_object('codes', l.concern_codes, 'text', l.concern_text) END,
        'infant', CASE WHEN l.direction = 'in' THEN json_build_object('name', l.infant_name,
            'date_of_birth', l.infant_date_of_birth, 'nhs_number', l.infant_nhs_number) END,
        'infant_id', l.infant_id,
        'summary', l.summary, 'plan', l.plan, 'contact_point', l.contact_point,
        'acknowledged', CASE WHEN l.acknowledged_at IS NOT NULL THEN json_build_object(
            'at', l.acknowledged_at, 'by', l.acknowledged_by) END,
        'organisation_id', l.organisation_id, 'version', l.version,
        'created_by', l.created_by, 'created_at', l.created_at, 'updated_at', l.updated_at)
$$;

-- Which updates a caller of the /v1/liaison-updates routes sees: a liaison
-- system the inbound updates it sent and every outbound update of its
-- organisation (addressed to the organisation's health-visiting service);
-- an admin everything of its organisation. The record scope rule
-- (access_scope) gives a liaison token nothing: it never reads a woman's
-- record, only these.
CREATE OR REPLACE FUNCTION liaison_scope(a access, l liaison_updates) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT a.org = l.organisation_id AND CASE a.role
        WHEN 'admin' THEN true
        -- An outbound update leaves only while her consent to share with
        -- health visiting is in force: withdrawn before the system reads
        -- it, it is no longer served (feed, read, acknowledgement).
        WHEN 'liaison' THEN (l.direction = 'out'
                AND consent_in_force(l.service_user_id, 'health_visiting'))
            OR l.sender = a.sub
        ELSE false END
$$;

-- Serialises, per NHS number of an organisation, the receipt of an inbound
-- update and her registration (or a corrected number): each reads the other
-- only after the other has committed. Without it, an update received while
-- she was being registered was stored unmatched (her row not yet
-- committed), and the registration's attach did not see it (the update not
-- yet committed): unmatched for good, its alert never raised.
-- The lock is one of 1,024 stripes (the two-key form, its first key naming
-- this use): a transaction registering many women at once (a bulk load, a
-- data migration) takes at most 1,024 locks, where one per number ran out
-- of the lock table ("out of shared memory") at about 13,000 women. Two
-- numbers sharing a stripe wait for each other; two such bulk transactions
-- at once may deadlock (one is aborted: a single registration takes one
-- stripe, a correction its two in order, and never do).
CREATE OR REPLACE FUNCTION liaison_nhs_number_stripe(org uuid, nhs_number text) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT (hashtextextended(org::text || '|nhs|' || nhs_number, 16) & 1023)::int
$$;

CREATE OR REPLACE FUNCTION liaison_nhs_number_lock(org uuid, nhs_number text) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(7301, liaison_nhs_number_stripe(org, nhs_number))
$$;

-- Registration (or a corrected NHS number) attaches the updates held
-- unmatched for her NHS number in her organisation, and raises their
-- alerts. A corrected number also detaches the inbound updates attached to
-- her under the old one (they were about whoever has that number): each
-- goes to the woman recorded with it, whose alerts it raises, or is held
-- unmatched again for the admin's list. (Replaces db/015's, which only
-- attached.)
CREATE OR REPLACE FUNCTION liaison_updates_attach() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    l liaison_updates;
    detached uuid[];
BEGIN
    -- A corrected number takes the old number's lock as well: an update for
    -- the old number received meanwhile waits, and then finds she no longer
    -- has it (it is not attached to her). In stripe order, so that two
    -- corrections never wait for each other in a circle.
    PERFORM pg_advisory_xact_lock(7301, x.stripe)
    FROM (SELECT DISTINCT liaison_nhs_number_stripe(NEW.organisation_id, n) AS stripe
        FROM unnest(CASE WHEN TG_OP = 'UPDATE' THEN ARRAY[OLD.nhs_number, NEW.nhs_number]
            ELSE ARRAY[NEW.nhs_number] END) n
        WHERE n IS NOT NULL ORDER BY 1) x;
    IF TG_OP = 'UPDATE' THEN
        WITH d AS (
            UPDATE liaison_updates u SET service_user_id = NULL, matched_at = NULL,
                updated_at = now()
            WHERE u.service_user_id = NEW.id AND u.direction = 'in'
                AND u.nhs_number IS DISTINCT FROM NEW.nhs_number
            RETURNING u.id)
        SELECT array_agg(d.id) INTO detached FROM d;
        FOR l IN UPDATE liaison_updates u SET service_user_id = s.id, matched_at = now(),
                updated_at = now()
            FROM service_users s
            WHERE u.id = ANY (detached) AND s.organisation_id = u.organisation_id
                AND s.nhs_number = u.nhs_number
            RETURNING u.*
        LOOP
            PERFORM liaison_update_alerts(l);
        END LOOP;
    END IF;
    FOR l IN UPDATE liaison_updates SET service_user_id = NEW.id, matched_at = now(),
            updated_at = now()
        WHERE organisation_id = NEW.organisation_id AND nhs_number = NEW.nhs_number
            AND service_user_id IS NULL AND direction = 'in'
        RETURNING *
    LOOP
        PERFORM liaison_update_alerts(l);
    END LOOP;
    RETURN NULL;
END
$$;

-- Receives an inbound update (validated by the API) from the caller, a
-- liaison system. outcome: 'created' (a new update, or an amendment),
-- 'replay' (this body under this sender id was received before: that
-- update), 'conflict' (another body under this sender id without naming the
-- current update in supersedes), 'stale' (supersedes names another update
-- than the current one of this sender id), 'no_such_update' (supersedes
-- given, but nothing was received under this sender id). Posts of one sender id are serialised by an
-- advisory lock, so concurrent resends store one row.
CREATE OR REPLACE FUNCTION liaison_update_receive(a access, body jsonb)
RETURNS TABLE (outcome text, id uuid, woman uuid, json text)
LANGUAGE plpgsql AS $$
DECLARE
    hash text := md5(body::text);
    record_id text := body ->> 'sender_record_id';
    wanted uuid := (body ->> 'supersedes')::uuid;
    prior liaison_updates;
    cur liaison_updates;
    made liaison_updates;
    woman_id uuid;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(
        a.org::text || '|' || a.sub || '|' || record_id, 15));
    -- Before any row is touched (a registration attaching her updates
    -- takes the same lock, then the rows).
    PERFORM liaison_nhs_number_lock(a.org, body ->> 'nhs_number');
    -- One look at what came under this sender id (usually nothing): a
    -- resend of any of its bodies, and the current update.
    FOR prior IN SELECT * FROM liaison_updates l
        WHERE l.organisation_id = a.org AND l.direction = 'in' AND l.sender = a.sub
            AND l.sender_record_id = record_id
        ORDER BY l.created_at
    LOOP
        IF prior.body_hash = hash THEN
            RETURN QUERY SELECT 'replay', prior.id, prior.service_user_id,
                liaison_update_sender_json(prior)::text;
            RETURN;
        END IF;
        IF prior.superseded_at IS NULL THEN
            cur := prior;
        END IF;
    END LOOP;
    IF cur.id IS NOT NULL AND wanted IS DISTINCT FROM cur.id THEN
        RETURN QUERY SELECT CASE WHEN wanted IS NULL THEN 'conflict' ELSE 'stale' END,
            cur.id, NULL::uuid, NULL::text;
        RETURN;
    ELSIF cur.id IS NULL AND wanted IS NOT NULL THEN
        RETURN QUERY SELECT 'no_such_update', NULL::uuid, NULL::uuid, NULL::text;
        RETURN;
    END IF;
    IF cur.id IS NOT NULL THEN
        UPDATE liaison_updates l SET superseded_at = now(), updated_at = now(),
            version = l.version + 1
        WHERE l.id = cur.id;
    END IF;
    SELECT s.id INTO woman_id FROM service_users s
    WHERE s.organisation_id = a.org AND s.nhs_number = body ->> 'nhs_number';
    made.id := gen_random_uuid();
    INSERT INTO liaison_updates (id, organisation_id, direction, service_user_id, matched_at,
        nhs_number, sender, sender_record_id, body_hash, supersedes, original_id, contact_date,
        contact_type, concern_codes, concern_text, infant_name, infant_date_of_birth,
        infant_nhs_number, created_by)
    VALUES (made.id, a.org, 'in', woman_id, CASE WHEN woman_id IS NOT NULL THEN now() END,
        body ->> 'nhs_number', a.sub, record_id, hash, cur.id,
        coalesce(cur.original_id, made.id), (body ->> 'contact_date')::date,
        body ->> 'contact_type',
        coalesce(ARRAY(SELECT jsonb_array_elements_text(body -> 'concerns' -> 'codes')), '{}'),
        body -> 'concerns' ->> 'text', body -> 'infant' ->> 'name',
        (body -> 'infant' ->> 'date_of_birth')::date, body -> 'infant' ->> 'nhs_number', a.sub)
    RETURNING * INTO made;
    IF woman_id IS NOT NULL AND made.concern_codes && ARRAY['safeguarding', 'risk'] THEN
        PERFORM liaison_update_alerts(made);
    END IF;
    RETURN QUERY SELECT 'created', made.id, made.service_user_id,
        liaison_update_sender_json(made)::text;
END
$$;
