-- Outcome measures (measures.c). $1 the access context, $2 the arguments.
-- The scores, and the alerts of risk items, are the trigger's
-- (measures_score, db/repeatable/70_measures.sql).

-- name: measure_check
-- The instrument's refusals of the responses ($2 the body): a JSON array
-- of {pointer, detail}, empty when it can be scored.
SELECT measure_problems($2::jsonb ->> 'instrument', $2::jsonb ->> 'instrument_version',
    $2::jsonb -> 'responses')::text
WHERE ($1::access).org IS NOT NULL;

-- name: measure_insert
-- $2 {parent: her id, body}. No row: no such woman in the caller's scope.
WITH x AS (
    SELECT * FROM jsonb_to_record($2::jsonb -> 'body') AS x(instrument text,
        instrument_version text, completed_at timestamptz, administration text, staff_id uuid,
        contact_id uuid, care_plan_id uuid, responses jsonb))
INSERT INTO measures (organisation_id, service_user_id, instrument, instrument_version,
    completed_at, administration, staff_id, contact_id, care_plan_id, responses, scores, total,
    created_by)
SELECT su.organisation_id, su.id, x.instrument, x.instrument_version, x.completed_at,
    x.administration, x.staff_id, x.contact_id, x.care_plan_id, x.responses, '{}', 0,
    ($1::access).sub
FROM x, service_users su
WHERE su.id = ($2::jsonb ->> 'parent')::uuid AND su.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, su.organisation_id, su.id, NULL, NULL))
RETURNING id, version, measure_json(measures)::text, service_user_id::text;
