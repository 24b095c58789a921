-- Staff supervision and teaching given (db/017_training_supervision.sql),
-- and the MH11 count of trained clinical staff of the mother and baby unit.

CREATE OR REPLACE FUNCTION staff_supervision_json(t staff_supervision) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', t.id, 'staff_id', t.staff_id, 'supervisor_id', t.supervisor_id,
        'supervised_on', t.supervised_on, 'intervention', t.intervention, 'notes', t.notes,
        'organisation_id', t.organisation_id, 'version', t.version,
        'created_at', t.created_at, 'updated_at', t.updated_at)
$$;

CREATE OR REPLACE FUNCTION teaching_session_json(t teaching_sessions) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', t.id, 'delivered_on', t.delivered_on, 'topic', t.topic,
        'audience', to_json(t.audience), 'attendees', t.attendees,
        'delivered_by', to_json(t.delivered_by),
        'organisation_id', t.organisation_id, 'version', t.version,
        'created_at', t.created_at, 'updated_at', t.updated_at)
$$;

-- MH11 (seed 001): "the numbers of clinical staff of the mother and baby
-- unit who have been trained to deliver psychological/psychosocial
-- mother-infant activities", on a day: the organisation's active members of
-- staff marked as MBU clinical staff with a training record that qualifies
-- for a mother-infant intervention (vocabulary.mother_infant), completed on
-- or before the day and still valid on it (valid_until is the last day it
-- holds; NULL: it does not expire). Each member of staff counts once, however
-- many courses. The reports compute "clinical staff trained" with this
-- function only.
CREATE OR REPLACE FUNCTION mh11_trained_mbu_staff(org uuid, on_date date) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT count(DISTINCT s.id)::integer
    FROM staff s
    JOIN staff_training t ON t.staff_id = s.id AND t.organisation_id = s.organisation_id
    JOIN vocabulary v ON v.domain = 'training_qualifies_for' AND v.code = t.qualifies_for
    WHERE s.organisation_id = org AND s.mbu_clinical_staff AND s.active AND v.mother_infant
        AND t.completed_on <= on_date
        AND (t.valid_until IS NULL OR t.valid_until >= on_date)
$$;
