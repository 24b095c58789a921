-- Joint-working agreements (joint_working.c). $1 the access context, $2
-- {id, version, parent, body}.

-- name: joint_working_agreement_insert
-- No row: no such woman in the caller's scope. A draft; the perinatal
-- party is a perinatal community team or an MMHS, the other a secondary-care
-- mental health team (jw_party_team_type_ok).
WITH x AS (
    SELECT * FROM jsonb_to_record($2::jsonb -> 'body') AS x(service_user_id uuid,
        care_plan_id uuid, period text, perinatal_team_id uuid, other_team jsonb,
        meeting_date date, present text, lead_service jsonb, lead_professional jsonb,
        woman_informed jsonb, wishes jsonb, domains jsonb))
INSERT INTO joint_working_agreements (organisation_id, service_user_id, care_plan_id, period,
    perinatal_team_id, other_team_id, other_team_name, other_team_organisation, meeting_date,
    present, lead_team_id, lead_team_name, lead_professional_staff_id, lead_professional_name,
    informed_ahead, service_information_given, told_lead_service, wishes, family_wishes,
    domains, created_by)
SELECT su.organisation_id, su.id, x.care_plan_id, x.period, x.perinatal_team_id,
    (x.other_team ->> 'team_id')::uuid, x.other_team ->> 'name',
    x.other_team ->> 'organisation', x.meeting_date, x.present,
    (x.lead_service ->> 'team_id')::uuid, x.lead_service ->> 'name',
    (x.lead_professional ->> 'staff_id')::uuid, x.lead_professional ->> 'name',
    (x.woman_informed ->> 'ahead_of_review')::boolean,
    (x.woman_informed ->> 'service_information_given')::boolean,
    (x.woman_informed ->> 'told_lead_service')::boolean,
    x.wishes ->> 'woman', x.wishes ->> 'family', coalesce(x.domains, '{}'), ($1::access).sub
FROM x, service_users su
WHERE su.id = x.service_user_id AND su.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL, NULL))
    AND (coalesce((SELECT t.type IN ('perinatal_community', 'mmhs') FROM teams t
            WHERE t.id = x.perinatal_team_id AND t.organisation_id = su.organisation_id), true)
        OR raise_rule('jwa_perinatal_team_type_check'))
    AND (jw_party_team_type_ok((x.other_team ->> 'team_id')::uuid)
        OR raise_rule('jwa_other_team_type_check'))
    AND (jw_domain_refs_ok(su.organisation_id, coalesce(x.domains, '{}'))
        OR raise_rule('jwa_domain_refs_check'))
RETURNING id, version, joint_working_agreement_json(joint_working_agreements)::text,
    service_user_id::text;

-- name: joint_working_agreement_update
-- The whole record after the merge patch; a draft only (the lock checked
-- the scope).
UPDATE joint_working_agreements t SET care_plan_id = x.care_plan_id, period = x.period,
    perinatal_team_id = x.perinatal_team_id,
    other_team_id = (x.other_team ->> 'team_id')::uuid, other_team_name = x.other_team ->> 'name',
    other_team_organisation = x.other_team ->> 'organisation', meeting_date = x.meeting_date,
    present = x.present, lead_team_id = (x.lead_service ->> 'team_id')::uuid,
    lead_team_name = x.lead_service ->> 'name',
    lead_professional_staff_id = (x.lead_professional ->> 'staff_id')::uuid,
    lead_professional_name = x.lead_professional ->> 'name',
    informed_ahead = (x.woman_informed ->> 'ahead_of_review')::boolean,
    service_information_given = (x.woman_informed ->> 'service_information_given')::boolean,
    told_lead_service = (x.woman_informed ->> 'told_lead_service')::boolean,
    wishes = x.wishes ->> 'woman', family_wishes = x.wishes ->> 'family',
    domains = coalesce(x.domains, '{}'), version = t.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body') AS x(service_user_id uuid, care_plan_id uuid,
    period text, perinatal_team_id uuid, other_team jsonb, meeting_date date, present text,
    lead_service jsonb, lead_professional jsonb, woman_informed jsonb, wishes jsonb,
    domains jsonb)
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.version = ($2::jsonb ->> 'version')::int
    AND (t.status = 'draft' OR raise_rule('jwa_not_draft'))
    AND (x.service_user_id = t.service_user_id OR raise_rule('jwa_woman_fixed'))
    AND (coalesce((SELECT tm.type IN ('perinatal_community', 'mmhs') FROM teams tm
            WHERE tm.id = x.perinatal_team_id AND tm.organisation_id = t.organisation_id), true)
        OR raise_rule('jwa_perinatal_team_type_check'))
    AND (jw_party_team_type_ok((x.other_team ->> 'team_id')::uuid)
        OR raise_rule('jwa_other_team_type_check'))
    AND (jw_domain_refs_ok(t.organisation_id, coalesce(x.domains, '{}'))
        OR raise_rule('jwa_domain_refs_check'))
RETURNING t.version, joint_working_agreement_json(t)::text, t.service_user_id::text;

-- name: joint_working_agreement_apply
-- A workflow step: the status moves (the trigger holds it to the listed
-- steps); ending records when.
UPDATE joint_working_agreements t SET status = $2::jsonb ->> 'to',
    ended_at = CASE WHEN $2::jsonb ->> 'to' = 'ended' THEN now() END,
    version = t.version + 1, updated_at = now()
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
RETURNING t.version, joint_working_agreement_json(t)::text, t.service_user_id::text;

-- name: joint_working_share_insert
-- No row: no such agreement in the caller's scope (404). Sent only once
-- agreed; to maternity or health visiting (named so, or a team of that
-- type) only with her consent in force on the day it was sent (409).
WITH x AS (
    SELECT * FROM jsonb_to_record($2::jsonb -> 'body') AS x(recipient text, team_id uuid,
        team_name text, shared_on date, note text))
INSERT INTO joint_working_shares (organisation_id, agreement_id, service_user_id, recipient,
    team_id, team_name, shared_on, note, created_by)
SELECT j.organisation_id, j.id, j.service_user_id, x.recipient, x.team_id, x.team_name,
    x.shared_on, x.note, ($1::access).sub
FROM x, joint_working_agreements j
WHERE j.id = ($2::jsonb ->> 'parent')::uuid AND j.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, j.organisation_id, j.service_user_id,
        NULL, NULL))
    AND (j.status IN ('agreed', 'shared') OR raise_rule('jws_agreement_state'))
    AND (jw_share_consented(j.service_user_id, x.recipient, x.team_id, x.shared_on)
        OR raise_rule('jws_consent'))
-- A step of the agreement being taken (ended, say) is waited for, and the
-- state checked again as it commits it.
FOR SHARE OF j
RETURNING id, version, joint_working_share_json(joint_working_shares)::text,
    service_user_id::text;

-- name: joint_working_difference_insert
-- No row: no such agreement in the caller's scope (404).
WITH x AS (
    SELECT * FROM jsonb_to_record($2::jsonb -> 'body') AS x(raised_on date, description text,
        escalated_to text, escalated_on date, resolved_on date, resolution text))
INSERT INTO joint_working_differences (organisation_id, agreement_id, service_user_id,
    raised_on, description, escalated_to, escalated_on, resolved_on, resolution, created_by)
SELECT j.organisation_id, j.id, j.service_user_id, x.raised_on, x.description, x.escalated_to,
    x.escalated_on, x.resolved_on, x.resolution, ($1::access).sub
FROM x, joint_working_agreements j
WHERE j.id = ($2::jsonb ->> 'parent')::uuid AND j.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, j.organisation_id, j.service_user_id,
        NULL, NULL))
RETURNING id, version, joint_working_difference_json(joint_working_differences)::text,
    service_user_id::text;

-- name: joint_working_difference_update
UPDATE joint_working_differences t SET raised_on = x.raised_on, description = x.description,
    escalated_to = x.escalated_to, escalated_on = x.escalated_on, resolved_on = x.resolved_on,
    resolution = x.resolution, version = t.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body') AS x(raised_on date, description text,
    escalated_to text, escalated_on date, resolved_on date, resolution text)
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.agreement_id = ($2::jsonb ->> 'parent')::uuid
    AND t.version = ($2::jsonb ->> 'version')::int
RETURNING t.version, joint_working_difference_json(t)::text, t.service_user_id::text;

-- name: joint_working_team_insert
-- No row: no such agreement in the caller's scope (404). Added to a draft
-- only (409); not the agreement's own teams again, and a secondary-care
-- mental health team (jw_party_team_type_ok; 422).
WITH x AS (
    SELECT (t ->> 'team_id')::uuid AS team_id, t ->> 'name' AS name,
        t ->> 'organisation' AS organisation
    FROM (SELECT $2::jsonb -> 'body' -> 'team' AS t) b)
INSERT INTO joint_working_teams (organisation_id, agreement_id, service_user_id, team_id, name,
    organisation, created_by)
SELECT j.organisation_id, j.id, j.service_user_id, x.team_id, x.name, x.organisation,
    ($1::access).sub
FROM x, joint_working_agreements j
WHERE j.id = ($2::jsonb ->> 'parent')::uuid AND j.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, j.organisation_id, j.service_user_id,
        NULL, NULL))
    AND (j.status = 'draft' OR raise_rule('jwt_agreement_state'))
    AND (x.team_id IS NULL OR x.team_id NOT IN (j.perinatal_team_id,
            coalesce(j.other_team_id, j.perinatal_team_id))
        OR raise_rule('jwt_team_of_agreement'))
    AND (jw_party_team_type_ok(x.team_id) OR raise_rule('jwt_team_type_check'))
-- A step out of draft being taken is waited for, and the state checked
-- again as it commits it: a team is never added to an agreement just agreed.
FOR SHARE OF j
RETURNING id, version, joint_working_team_json(joint_working_teams)::text,
    service_user_id::text;

-- name: agreement_parent_in_scope repeatable
-- The lists under an agreement (teams, shares, differences;
-- record_def.parent_in_scope): is its woman in the caller's scope? No row:
-- no such agreement.
SELECT EXISTS (SELECT 1 FROM access_scope($1::access, j.organisation_id, j.service_user_id,
        NULL, NULL)),
    j.service_user_id::text
FROM joint_working_agreements j
WHERE j.id = ($2::jsonb ->> 'parent')::uuid AND j.organisation_id = ($1::access).org;
