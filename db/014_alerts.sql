-- Alerts: something about a woman that her teams' duty worker must act on
-- (a safeguarding or risk concern in a health-visiting liaison update, a
-- risk item answered above 0 in an outcome measure). One row per event,
-- shown on the duty list of every team she is linked to (the scope rule's
-- woman branch); acknowledged once, by a clinician, with what was done.
-- Raised only through raise_alert(), in the same transaction as the record
-- that raised it, so that an alert is never lost while its cause is kept.

CREATE TABLE alerts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    service_user_id uuid NOT NULL REFERENCES service_users (id),
    -- What raised it: 'liaison_update', 'measure', ...; and that record's id.
    source text NOT NULL CHECK (source ~ '^[a-z_]{1,40}$'),
    source_id uuid NOT NULL,
    -- Why, in words a duty worker reads (no free text from outside).
    reason text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 200),
    raised_at timestamptz NOT NULL DEFAULT now(),
    acknowledged_at timestamptz,
    acknowledged_by text,
    action_taken text CHECK (char_length(action_taken) BETWEEN 1 AND 2000),
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL)),
    CHECK ((acknowledged_at IS NULL) = (action_taken IS NULL)),
    UNIQUE (source, source_id, reason)
);
CREATE INDEX alerts_open_idx ON alerts (organisation_id, raised_at, id) WHERE acknowledged_at IS NULL;
CREATE INDEX alerts_service_user_idx ON alerts (service_user_id, raised_at, id);
GRANT SELECT, INSERT, UPDATE ON alerts TO perinatal_app;

-- The one way to raise an alert. Raising the same (source, record, reason)
-- twice is one alert: a replayed or amended record does not raise it again.
CREATE FUNCTION raise_alert(p_org uuid, p_service_user uuid, p_source text, p_source_id uuid,
    p_reason text, p_by text)
RETURNS uuid
LANGUAGE sql AS $$
    WITH made AS (
        INSERT INTO alerts (organisation_id, service_user_id, source, source_id, reason, created_by)
        VALUES (p_org, p_service_user, p_source, p_source_id, p_reason, p_by)
        ON CONFLICT (source, source_id, reason) DO NOTHING
        RETURNING id)
    SELECT id FROM made
    UNION ALL
    SELECT id FROM alerts WHERE source = p_source AND source_id = p_source_id AND reason = p_reason
    LIMIT 1
$$;
