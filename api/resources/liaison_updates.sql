-- Health-visiting liaison updates (liaison_updates.c, liaison_feed.c; the feed's statements are
-- liaison_inbox_*, apart from the record layer's liaison_update_*). $1
-- the access context, $2 the arguments. The rules and representations are
-- in db/repeatable/30_liaison.sql.

-- name: liaison_update_out_insert
-- An outbound update from her team. No row: no such woman in the caller's
-- scope (the consent was checked before, liaison_update_consent).
INSERT INTO liaison_updates (organisation_id, direction, service_user_id, nhs_number, summary,
    plan, contact_point, infant_id, created_by)
SELECT su.organisation_id, 'out', su.id, su.nhs_number, x.summary, x.plan, x.contact_point,
    x.infant_id, ($1::access).sub
FROM jsonb_to_record($2::jsonb -> 'body') AS x(summary text, plan text, contact_point text,
        infant_id uuid),
    service_users su
WHERE su.id = ($2::jsonb ->> 'parent')::uuid AND su.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL, NULL))
    -- The infant one of hers, and not entered in error (the foreign key
    -- knows only that it is hers).
    AND (x.infant_id IS NULL OR EXISTS (SELECT 1 FROM infants i
            WHERE i.id = x.infant_id AND i.service_user_id = su.id AND i.voided_at IS NULL)
        OR raise_rule('liaison_updates_infant_woman_fk'))
RETURNING id, version, liaison_update_json(liaison_updates)::text, service_user_id::text;

-- name: liaison_update_lock_woman
-- Her row share-locked until the update commits: a consent being recorded
-- for her (consents_touch locks her row) commits first, or waits for it.
SELECT 1 FROM service_users su
WHERE su.id = ($2::jsonb ->> 'parent')::uuid AND su.organisation_id = ($1::access).org
FOR SHARE OF su;

-- name: liaison_update_consent
-- Her consent to share with health visiting, for a woman in scope (no row:
-- not in scope, which the insert then answers 404). A statement of its own,
-- after liaison_update_lock_woman: its snapshot then holds a withdrawal
-- that the lock waited for (in the locking statement, the check would have
-- read the consents as they were before the wait).
SELECT consent_in_force(su.id, 'health_visiting')::text
FROM service_users su, access_scope($1::access, su.organisation_id, su.id, NULL, NULL)
WHERE su.id = ($2::jsonb ->> 'parent')::uuid;

-- name: liaison_inbox_receive
-- outcome, id, woman, the sender's representation. One autocommit
-- statement: the update (with its matching and alerts) and, when it is
-- stored or a resend, its audit row (as audit_insert writes it).
WITH rec AS (
    SELECT * FROM liaison_update_receive($1::access, $2::jsonb)),
audited AS (
    INSERT INTO audit_events (organisation_id, teams, sub, role, action, resource, resource_id,
        service_user_ids, request_id, outcome)
    SELECT ($1::access).org, ($1::access).teams, ($1::access).sub, ($1::access).role, 'create',
        'liaison_update', rec.id,
        CASE WHEN rec.woman IS NULL THEN '{}'::uuid[] ELSE ARRAY[rec.woman] END,
        ($1::access).request_id, 'ok'
    FROM rec WHERE rec.outcome IN ('created', 'replay'))
SELECT outcome, id::text, woman::text, json FROM rec;

-- name: liaison_inbox_feed repeatable plan_per_call
-- A page of updates in commit order: only those whose transaction is older
-- than every transaction still running, so that none can commit later
-- below the cursor. id, key (xact), representation, woman.
SELECT l.id::text, l.xact::text,
    CASE WHEN ($1::access).role = 'liaison' THEN liaison_update_sender_json(l)
        ELSE liaison_update_json(l) END::text,
    l.service_user_id::text
FROM liaison_updates l
WHERE l.organisation_id = ($1::access).org AND l.direction = $2::jsonb ->> 'direction'
    AND liaison_scope($1::access, l)
    AND (($2::jsonb ->> 'matched') IS NULL
        OR (l.service_user_id IS NOT NULL) = ($2::jsonb ->> 'matched')::boolean)
    AND (($2::jsonb ->> 'acknowledged') IS NULL
        OR (l.acknowledged_at IS NOT NULL) = ($2::jsonb ->> 'acknowledged')::boolean)
    AND l.xact < pg_snapshot_xmin(pg_current_snapshot())
    AND (($2::jsonb ->> 'after_id') IS NULL OR (l.xact, l.id) >
        (($2::jsonb ->> 'after_key')::xid8, ($2::jsonb ->> 'after_id')::uuid))
ORDER BY l.xact, l.id
LIMIT ($2::jsonb ->> 'limit')::int;

-- name: liaison_inbox_get repeatable
-- version, representation, woman.
SELECT l.version::text,
    CASE WHEN ($1::access).role = 'liaison' THEN liaison_update_sender_json(l)
        ELSE liaison_update_json(l) END::text,
    l.service_user_id::text
FROM liaison_updates l
WHERE l.id = ($2::jsonb ->> 'id')::uuid AND liaison_scope($1::access, l);

-- name: liaison_inbox_acknowledge
-- An outbound update of the caller's organisation, acknowledged once (a
-- second acknowledgement changes nothing). version, representation, woman.
WITH target AS (
    SELECT l.id, l.acknowledged_at FROM liaison_updates l
    WHERE l.id = ($2::jsonb ->> 'id')::uuid AND l.direction = 'out'
        AND liaison_scope($1::access, l)
    FOR UPDATE),
done AS (
    UPDATE liaison_updates l SET acknowledged_at = now(), acknowledged_by = ($1::access).sub,
        version = l.version + 1, updated_at = now()
    FROM target WHERE l.id = target.id AND target.acknowledged_at IS NULL
    RETURNING l.*)
SELECT d.version::text, liaison_update_sender_json(d)::text, d.service_user_id::text FROM done d
UNION ALL
SELECT l.version::text, liaison_update_sender_json(l)::text, l.service_user_id::text
FROM liaison_updates l, target WHERE l.id = target.id AND target.acknowledged_at IS NOT NULL;

-- name: liaison_inbox_women repeatable
-- The woman an update names, whoever asks (for the audit row of a refusal).
SELECT coalesce(array_agg(l.service_user_id) FILTER (WHERE l.service_user_id IS NOT NULL),
    '{}')::text
FROM liaison_updates l
WHERE l.id = ($2::jsonb ->> 'id')::uuid AND l.organisation_id = ($1::access).org;
