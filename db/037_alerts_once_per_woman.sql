-- An alert is raised once per record, reason and woman (was: per record and
-- reason). A health-visiting liaison update amended to name another woman
-- (the first was about the wrong one), or attached to another woman when
-- the first one's NHS number is corrected, is still the same chain of
-- updates: keyed by the chain alone, its safeguarding or risk alert stayed
-- with the first woman and the right one got none. Every other source's
-- record is about one woman, so nothing changes for them.
ALTER TABLE alerts DROP CONSTRAINT alerts_source_source_id_reason_key;
ALTER TABLE alerts ADD CONSTRAINT alerts_once_per_woman
    UNIQUE (source, source_id, reason, service_user_id);

CREATE OR REPLACE FUNCTION raise_alert(p_org uuid, p_service_user uuid, p_source text,
    p_source_id uuid, p_reason text, p_by text)
RETURNS uuid
LANGUAGE sql AS $$
    WITH made AS (
        INSERT INTO alerts (organisation_id, service_user_id, source, source_id, reason, created_by)
        VALUES (p_org, p_service_user, p_source, p_source_id, p_reason, p_by)
        ON CONFLICT (source, source_id, reason, service_user_id) DO NOTHING
        RETURNING id)
    SELECT id FROM made
    UNION ALL
    SELECT id FROM alerts WHERE source = p_source AND source_id = p_source_id AND reason = p_reason
        AND service_user_id = p_service_user
    LIMIT 1
$$;
