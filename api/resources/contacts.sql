-- Contacts (contacts.c). $1 the access context, $2 {id, version, body}.
-- The answer of a referral (referrals.responded_at) follows from the
-- triggers of db/010_contacts.sql.

-- name: contact_insert
-- No row: no such woman in the caller's scope.
WITH x AS (
    SELECT * FROM jsonb_to_record($2::jsonb -> 'body') AS x(service_user_id uuid,
        referral_id uuid, team_id uuid, staff_id uuid, at timestamptz, duration_minutes int,
        service text, mode text, present jsonb, attendance text, note text, infant_id uuid,
        purpose text, joint_working_agreement_id uuid, partner_ids uuid[]))
INSERT INTO contacts (organisation_id, service_user_id, referral_id, team_id, staff_id, at,
    duration_minutes, service, mode, woman_present, partner_present, infant_present, attendance,
    note, created_by, infant_id, purpose, joint_working_agreement_id, partner_ids)
SELECT su.organisation_id, su.id, x.referral_id, x.team_id, x.staff_id, x.at,
    x.duration_minutes, x.service, x.mode, coalesce((x.present ->> 'woman')::boolean, false),
    coalesce((x.present ->> 'partner')::boolean, false),
    coalesce((x.present ->> 'infant')::boolean, false), x.attendance, x.note, ($1::access).sub,
    x.infant_id, x.purpose, x.joint_working_agreement_id, coalesce(x.partner_ids, '{}')
FROM x, service_users su
WHERE su.id = x.service_user_id AND su.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL, NULL))
    -- The referral it answers is one the caller may see (a team's referral
    -- is that team's); the same answer as no such referral.
    AND (x.referral_id IS NULL OR contact_referral_in_scope($1::access, x.referral_id)
        OR raise_rule('contacts_referral_not_in_scope'))
RETURNING id, version, contact_json(contacts)::text, service_user_id::text;

-- name: contact_update
-- The whole record after the merge patch (the lock checked the scope).
UPDATE contacts t SET service_user_id = x.service_user_id, referral_id = x.referral_id,
    team_id = x.team_id, staff_id = x.staff_id, at = x.at, duration_minutes = x.duration_minutes,
    service = x.service, mode = x.mode,
    woman_present = coalesce((x.present ->> 'woman')::boolean, false),
    partner_present = coalesce((x.present ->> 'partner')::boolean, false),
    infant_present = coalesce((x.present ->> 'infant')::boolean, false),
    attendance = x.attendance, note = x.note, infant_id = x.infant_id, purpose = x.purpose,
    joint_working_agreement_id = x.joint_working_agreement_id,
    partner_ids = coalesce(x.partner_ids, '{}'), version = t.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body') AS x(service_user_id uuid, referral_id uuid,
    team_id uuid, staff_id uuid, at timestamptz, duration_minutes int, service text, mode text,
    present jsonb, attendance text, note text, infant_id uuid, purpose text,
    joint_working_agreement_id uuid, partner_ids uuid[])
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.version = ($2::jsonb ->> 'version')::int
    AND (x.referral_id IS NULL OR x.referral_id IS NOT DISTINCT FROM t.referral_id
        OR contact_referral_in_scope($1::access, x.referral_id)
        OR raise_rule('contacts_referral_not_in_scope'))
RETURNING t.version, contact_json(t)::text, t.service_user_id::text;
