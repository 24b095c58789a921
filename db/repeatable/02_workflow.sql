-- Workflows held as data (db/006_record_layer.sql): what refuses a step,
-- and how a step looks in a record's history.

-- The refusals of one step: every guard the step names is asked in turn
-- with the access context, the record's id and the request body. Returns a
-- JSON array of {"status", "detail", "pointer"?}, empty when the step may go
-- ahead. Guards are looked up by name, so a new workflow's guards need no
-- new C.
CREATE OR REPLACE FUNCTION workflow_refusals(wf text, step_from text, step_to text, a access,
    record_id uuid, body jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    guard text;
    refusal jsonb;
    refusals jsonb := '[]';
BEGIN
    FOR guard IN
        SELECT unnest(s.guards) FROM workflow_steps s
        WHERE s.workflow = wf AND s.from_state = step_from AND s.to_state = step_to
    LOOP
        EXECUTE format('SELECT %I($1, $2, $3)', guard) INTO refusal USING a, record_id, body;
        IF refusal IS NOT NULL THEN
            refusals := refusals || jsonb_build_array(refusal);
        END IF;
    END LOOP;
    RETURN refusals;
END
$$;

CREATE OR REPLACE FUNCTION workflow_transition_json(t workflow_transitions) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', t.id, 'from', t.from_state, 'to', t.to_state, 'at', t.at,
        'by', t.by_sub, 'by_role', t.by_role, 'notes', t.notes, 'details', t.details)
$$;
