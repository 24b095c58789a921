-- Who may see what: the teams a woman is linked to, the append-only audit
-- trail of every access to her record, and revoked tokens.

-- A woman is in a team's scope when she was referred to it, registered by
-- one of its clinicians, or (later) shares a joint-working agreement with it.
CREATE TABLE service_user_teams (
    service_user_id uuid NOT NULL REFERENCES service_users (id),
    team_id uuid NOT NULL REFERENCES teams (id),
    reason text NOT NULL CHECK (reason IN ('registration', 'referral', 'joint_working')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_user_id, team_id)
);
CREATE INDEX service_user_teams_team_idx ON service_user_teams (team_id, service_user_id);
INSERT INTO service_user_teams (service_user_id, team_id, reason)
SELECT DISTINCT service_user_id, team_id, 'referral' FROM referrals
ON CONFLICT DO NOTHING;
GRANT SELECT, INSERT ON service_user_teams TO perinatal_app;

-- The audit trail: one row per access to a woman's record, refusals too.
-- Lists name every woman they returned.
CREATE TABLE audit_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    organisation_id uuid NOT NULL,
    sub text NOT NULL,
    role text NOT NULL,
    teams uuid[],
    action text NOT NULL CHECK (action IN ('read', 'list', 'lookup', 'create', 'update',
        'transition', 'history')),
    resource text NOT NULL,
    resource_id uuid,
    service_user_ids uuid[] NOT NULL DEFAULT '{}',
    request_id text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('ok', 'not_found', 'forbidden', 'invalid',
        'rejected', 'conflict', 'error'))
);
CREATE INDEX audit_events_service_user_idx ON audit_events USING gin (service_user_ids);

-- Append-only, whoever asks: no update, no delete, no truncate.
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
GRANT SELECT, INSERT ON audit_events TO perinatal_app;

CREATE FUNCTION audit_event_json(e audit_events) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', e.id::text, 'at', e.at, 'sub', e.sub, 'role', e.role, 'teams', e.teams,
        'action', e.action, 'resource', e.resource, 'resource_id', e.resource_id,
        'request_id', e.request_id, 'outcome', e.outcome)
$$;

-- Revoked tokens by jti. Tokens live at most a day (PERINATAL_JWT_MAX_LIFETIME_S),
-- so each process keeps only recent revocations in memory.
CREATE TABLE revoked_tokens (
    jti text PRIMARY KEY CHECK (char_length(jti) BETWEEN 1 AND 128),
    organisation_id uuid NOT NULL,
    revoked_by text NOT NULL,
    reason text CHECK (char_length(reason) BETWEEN 1 AND 500),
    revoked_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX revoked_tokens_revoked_at_idx ON revoked_tokens (revoked_at);
GRANT SELECT, INSERT ON revoked_tokens TO perinatal_app;
