-- The generic workflow statements (record.c). $1 the access context, $2
-- {workflow, id, from, to, body}.

-- name: workflow_step
-- The allowed next steps from here, and the step asked for (NULLs when it is
-- not listed): who may take it, what it needs, and its guards' refusals.
SELECT (SELECT string_agg(s.to_state, ', ' ORDER BY s.to_state) FROM workflow_steps s
        WHERE s.workflow = $2::jsonb ->> 'workflow' AND s.from_state = $2::jsonb ->> 'from'
            AND s.to_state <> s.from_state),
    step.roles::text, step.required::text, step.optional::text,
    CASE WHEN step.workflow IS NOT NULL THEN workflow_refusals(step.workflow, step.from_state,
        step.to_state, $1::access, ($2::jsonb ->> 'id')::uuid, $2::jsonb -> 'body')::text END
FROM (SELECT 1) one
LEFT JOIN workflow_steps step ON step.workflow = $2::jsonb ->> 'workflow'
    AND step.from_state = $2::jsonb ->> 'from' AND step.to_state = $2::jsonb ->> 'to';

-- name: workflow_history_insert
-- The step's row in the record's history: "to" and "notes" have columns,
-- every other field of the body is kept in details.
INSERT INTO workflow_transitions (workflow, record_id, from_state, to_state, by_sub, by_role,
    notes, details)
VALUES ($2::jsonb ->> 'workflow', ($2::jsonb ->> 'id')::uuid, $2::jsonb ->> 'from',
    $2::jsonb ->> 'to', ($1::access).sub, ($1::access).role, $2::jsonb -> 'body' ->> 'notes',
    ($2::jsonb -> 'body') - 'to' - 'notes');
