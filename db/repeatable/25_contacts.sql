-- Contacts: the representation (db/010_contacts.sql).

CREATE OR REPLACE FUNCTION contact_json(c contacts) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', c.id, 'service_user_id', c.service_user_id, 'referral_id', c.referral_id,
        'team_id', c.team_id, 'staff_id', c.staff_id, 'at', c.at,
        'duration_minutes', c.duration_minutes, 'service', c.service, 'mode', c.mode,
        'present', json_build_object('woman', c.woman_present, 'partner', c.partner_present,
            'infant', c.infant_present),
        'infant_id', c.infant_id,
        'attendance', c.attendance, 'note', c.note, 'partner_ids', c.partner_ids,
        'migrated', c.migrated,
        'purpose', c.purpose, 'joint_working_agreement_id', c.joint_working_agreement_id,
        'entered_in_error', CASE WHEN c.voided_at IS NOT NULL THEN json_build_object(
            'at', c.voided_at, 'by', c.voided_by, 'reason', c.void_reason) END,
        'organisation_id', c.organisation_id, 'version', c.version,
        'created_by', c.created_by, 'created_at', c.created_at, 'updated_at', c.updated_at)
$$;

-- The referral a contact names is one the caller may see: the referral's
-- own scope (a team's referral is that team's), not only her scope, so a
-- team that has her in its care does not answer another team's referral.
-- PL/pgSQL, so that the plan of its query is kept for the session (a SQL
-- function holding a subquery is not inlined, and would be planned again
-- at every contact recorded).
CREATE OR REPLACE FUNCTION contact_referral_in_scope(a access, referral uuid) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM referrals r,
            access_scope(a, r.organisation_id, r.service_user_id, r.team_id, r.submitted_by)
        WHERE r.id = referral);
END
$$;
