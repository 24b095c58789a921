-- Infants and mother-and-baby-unit admissions (db/016_infants_mbu.sql):
-- representations, the discharge step's guard and the referral a
-- discharge makes, and the questions other records ask of them.

CREATE OR REPLACE FUNCTION infant_json(i infants) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', i.id, 'service_user_id', i.service_user_id, 'date_of_birth', i.date_of_birth,
        'nhs_number', i.nhs_number, 'migrated', i.migrated,
        'entered_in_error', CASE WHEN i.voided_at IS NOT NULL THEN json_build_object(
            'at', i.voided_at, 'by', i.voided_by, 'reason', i.void_reason) END,
        'organisation_id', i.organisation_id, 'version', i.version,
        'created_by', i.created_by, 'created_at', i.created_at, 'updated_at', i.updated_at)
$$;

-- Columns of mbu_admissions, for reports (MH11, MH6):
--   admitted_with 'baby' | 'pregnancy'   as admitted (MH11 counts 'baby');
--   baby_joined_on                       a baby joined a mother admitted in
--                                        pregnancy: with baby from that day;
--   admitted_on, discharged_on           calendar dates (Europe/London);
--   status 'admitted' | 'discharged'     (voided_at set: entered in error,
--                                        count nothing from it);
--   lead_professional_id, lead_team_id   the community lead allocated on
--                                        admission and that person's team.
-- With her baby: admitted with it, or since the baby joined.
CREATE OR REPLACE FUNCTION mbu_admission_with_baby_since(m mbu_admissions) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN m.admitted_with = 'baby' THEN m.admitted_on ELSE m.baby_joined_on END
$$;

-- Seen on discharge: the first attended contact answering the referral
-- the discharge made (that referral's responded_at), or NULL.
CREATE OR REPLACE FUNCTION mbu_admission_seen_at(m mbu_admissions) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT r.responded_at FROM referrals r WHERE r.id = m.discharge_referral_id
$$;

CREATE OR REPLACE FUNCTION mbu_admission_json(m mbu_admissions) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', m.id, 'service_user_id', m.service_user_id,
        'unit_team_id', m.unit_team_id, 'external_unit_name', m.external_unit_name,
        'bed_type', m.bed_type, 'bed_type_code', national_code('bed_type', m.bed_type),
        'admitted_on', m.admitted_on, 'discharged_on', m.discharged_on,
        'admitted_with', m.admitted_with, 'baby_joined_on', m.baby_joined_on,
        'with_baby', mbu_admission_with_baby_since(m) IS NOT NULL,
        'with_baby_since', mbu_admission_with_baby_since(m),
        'infant_id', m.infant_id,
        'lead_professional_id', m.lead_professional_id, 'lead_team_id', m.lead_team_id,
        'status', m.status,
        -- MH6: partners seen within 1 week of admission.
        'partner_contact_due_by', m.admitted_on + 7,
        'discharge_referral_id', m.discharge_referral_id,
        'seen_after_discharge_at', mbu_admission_seen_at(m),
        'entered_in_error', CASE WHEN m.voided_at IS NOT NULL THEN json_build_object(
            'at', m.voided_at, 'by', m.voided_by, 'reason', m.void_reason) END,
        'organisation_id', m.organisation_id, 'version', m.version,
        'created_by', m.created_by, 'created_at', m.created_at, 'updated_at', m.updated_at)
$$;

-- Whether she is in a mother and baby unit now (an admission not yet
-- discharged, not entered in error): the care-plan issue allows a care
-- plan on it.
CREATE OR REPLACE FUNCTION mbu_admission_open(service_user_id uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (SELECT 1 FROM mbu_admissions m
        WHERE m.service_user_id = mbu_admission_open.service_user_id
            AND m.status = 'admitted' AND m.voided_at IS NULL)
$$;

-- Guard of the discharge step: the date is neither before the admission
-- nor in the future (England).
CREATE OR REPLACE FUNCTION mbu_admission_guard_discharge(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN (body ->> 'discharged_on')::date < m.admitted_on THEN jsonb_build_object(
            'status', 422, 'pointer', '/discharged_on',
            'detail', 'cannot be before the admission (' || m.admitted_on || ')')
        WHEN (body ->> 'discharged_on')::date > (now() AT TIME ZONE 'Europe/London')::date
            THEN jsonb_build_object('status', 422, 'pointer', '/discharged_on',
                'detail', 'must not be in the future')
        WHEN (body ->> 'discharged_on')::date < m.baby_joined_on THEN jsonb_build_object(
            'status', 422, 'pointer', '/discharged_on',
            'detail', 'cannot be before the baby joined (' || m.baby_joined_on || ')')
    END
    FROM mbu_admissions m WHERE m.id = mbu_admission_guard_discharge.id
$$;

-- The referral a discharge makes (issue 9's pathway rules): from MBU
-- discharge, to the lead professional's community team, routine (due 28
-- days after receipt, raised by triage if need be), criterion mbu_discharge,
-- never window-flagged; P1 from our own unit, I1 from another trust's
-- regional unit. Received now, when the discharge is recorded. Returns its id.
CREATE OR REPLACE FUNCTION mbu_discharge_referral(a access, admission uuid, discharged date)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    m mbu_admissions;
    su service_users;
    unit text;
    made uuid;
BEGIN
    SELECT * INTO m FROM mbu_admissions WHERE id = admission;
    SELECT * INTO su FROM service_users WHERE id = m.service_user_id;
    unit := coalesce((SELECT t.name FROM teams t WHERE t.id = m.unit_team_id),
        m.external_unit_name);
    INSERT INTO referrals (organisation_id, service_user_id, team_id, source, channel,
        received_at, priority, criteria, reason, referrer_name, open_to_other_mh_team, due_at,
        flag_discuss_individually, flag_discuss_with_camhs, flag_offer_joint_working,
        submitted_by, submitted_by_role, source_code, status, flag_gp_outside_area)
    VALUES (m.organisation_id, m.service_user_id, m.lead_team_id, 'mbu_discharge', 'electronic',
        now(), 'routine', '{mbu_discharge}',
        'Discharged from ' || unit || ' on ' || discharged
            || ': to be seen on discharge by the community team of her lead professional.',
        unit, false, referral_due_at(now(), 'routine'), false,
        referral_under_18(now(), su.date_of_birth),
        EXISTS (SELECT 1 FROM referrals o JOIN teams t ON t.id = o.team_id
            WHERE o.service_user_id = su.id AND o.team_id <> m.lead_team_id
                AND t.type IN ('cmht', 'early_intervention', 'crisis_home_treatment',
                    'psychiatric_liaison', 'camhs')
                AND o.status IN ('received', 'triaged', 'mdt_review', 'accepted')
                AND o.voided_at IS NULL),
        a.sub, a.role, CASE WHEN m.unit_team_id IS NOT NULL THEN 'P1' ELSE 'I1' END,
        'received', NOT gp_practice_covered(m.organisation_id, su.gp_practice_code))
    RETURNING id INTO made;
    INSERT INTO workflow_transitions (workflow, record_id, to_state, by_sub, by_role, notes,
        details)
    VALUES ('referral', made, 'received', a.sub, a.role,
        'Made on discharge from a mother and baby unit',
        jsonb_build_object('mbu_admission_id', admission));
    INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason)
    VALUES (m.service_user_id, m.lead_team_id, m.organisation_id, 'mbu_admission')
    ON CONFLICT DO NOTHING;
    RETURN made;
END
$$;
