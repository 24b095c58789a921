-- Mother-and-baby-unit admissions (mbu_admissions.c). $1 the access
-- context, $2 {id, version, body} or a workflow step's {id, from, to, body}.

-- name: mbu_admission_insert
-- No row: no such woman in the caller's scope. The lead professional's
-- team (set by the trigger from the lead professional) and our unit's team
-- come into her scope; the history starts at admitted.
WITH x AS (
    SELECT * FROM jsonb_to_record($2::jsonb -> 'body') AS x(service_user_id uuid,
        unit_team_id uuid, external_unit_name text, bed_type text, admitted_on date,
        admitted_with text, baby_joined_on date, infant_id uuid, lead_professional_id uuid)),
ins AS (
    INSERT INTO mbu_admissions (organisation_id, service_user_id, unit_team_id,
        external_unit_name, bed_type, admitted_on, admitted_with, baby_joined_on, infant_id,
        lead_professional_id, created_by)
    SELECT su.organisation_id, su.id, x.unit_team_id, x.external_unit_name,
        coalesce(x.bed_type, 'mother_and_baby'), x.admitted_on, x.admitted_with,
        x.baby_joined_on, x.infant_id, x.lead_professional_id, ($1::access).sub
    FROM x, service_users su
    WHERE su.id = x.service_user_id AND su.organisation_id = ($1::access).org
        AND EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL, NULL))
    RETURNING id, version, mbu_admission_json(mbu_admissions)::text AS body, service_user_id,
        lead_team_id, unit_team_id, organisation_id, status),
hist AS (
    INSERT INTO workflow_transitions (workflow, record_id, to_state, by_sub, by_role)
    SELECT 'mbu_admission', id, status, ($1::access).sub, ($1::access).role FROM ins),
link AS (
    INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason)
    SELECT service_user_id, team, organisation_id, 'mbu_admission'
    FROM ins, unnest(ARRAY[lead_team_id, unit_team_id]) AS team
    WHERE team IS NOT NULL
    ON CONFLICT DO NOTHING)
SELECT id, version, body, service_user_id::text FROM ins;

-- name: mbu_admission_update
-- The whole record after the merge patch (the lock checked the scope). A
-- new lead professional's team comes into her scope too.
WITH upd AS (
    UPDATE mbu_admissions t SET service_user_id = x.service_user_id,
        unit_team_id = x.unit_team_id, external_unit_name = x.external_unit_name,
        bed_type = coalesce(x.bed_type, 'mother_and_baby'), admitted_on = x.admitted_on,
        admitted_with = x.admitted_with, baby_joined_on = x.baby_joined_on,
        infant_id = x.infant_id, lead_professional_id = x.lead_professional_id,
        version = t.version + 1, updated_at = now()
    FROM jsonb_to_record($2::jsonb -> 'body') AS x(service_user_id uuid, unit_team_id uuid,
        external_unit_name text, bed_type text, admitted_on date, admitted_with text,
        baby_joined_on date, infant_id uuid, lead_professional_id uuid)
    WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
        AND t.version = ($2::jsonb ->> 'version')::int
    RETURNING t.version, mbu_admission_json(t)::text AS body, t.service_user_id, t.lead_team_id,
        t.unit_team_id, t.organisation_id),
link AS (
    INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason)
    SELECT service_user_id, team, organisation_id, 'mbu_admission'
    FROM upd, unnest(ARRAY[lead_team_id, unit_team_id]) AS team
    WHERE team IS NOT NULL
    ON CONFLICT DO NOTHING)
SELECT version, body, service_user_id::text FROM upd;

-- name: mbu_admission_apply
-- A workflow step onto the admission. The discharge makes the referral
-- from MBU discharge (mbu_discharge_referral) in the same transaction.
WITH ref AS (
    SELECT mbu_discharge_referral($1::access, ($2::jsonb ->> 'id')::uuid,
        ($2::jsonb -> 'body' ->> 'discharged_on')::date) AS id
    WHERE $2::jsonb ->> 'to' = 'discharged')
UPDATE mbu_admissions t SET status = $2::jsonb ->> 'to',
    discharged_on = coalesce(($2::jsonb -> 'body' ->> 'discharged_on')::date, t.discharged_on),
    discharge_referral_id = coalesce((SELECT id FROM ref), t.discharge_referral_id),
    version = t.version + 1, updated_at = now()
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
RETURNING t.version, mbu_admission_json(t)::text, t.service_user_id::text;
