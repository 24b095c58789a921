-- A draft ended (the way to drop an agreement begun for the wrong woman
-- or by mistake) took her off the due list for the rest of the period,
-- though no agreement was ever made (issue 14 item 1: "women who need one
-- and have none for the current period"). An agreement ended as a draft no
-- longer counts as hers; one agreed and later ended still does. (Replaces
-- db/022's view, its columns unchanged.)
CREATE OR REPLACE VIEW joint_working_due AS
SELECT w.id, w.organisation_id, w.id AS service_user_id, w.period, w.open_to_other_team,
    w.under_other_team, w.estimated_due_date, w.delivery_date, 1 AS version
FROM (
    SELECT s.id, s.organisation_id, s.estimated_due_date, s.delivery_date,
        CASE s.perinatal_stage WHEN 'pregnant' THEN 'antenatal'
            WHEN 'postnatal' THEN 'postnatal' END AS period,
        EXISTS (SELECT 1 FROM referrals r
            WHERE r.service_user_id = s.id AND r.voided_at IS NULL
                AND r.status IN ('received', 'triaged', 'mdt_review', 'accepted')
                AND (r.flag_offer_joint_working OR r.open_to_other_mh_team)
                AND coalesce(r.co_working ->> 'arrangement', '') <> 'full_care_transfer')
            AS open_to_other_team,
        EXISTS (SELECT 1 FROM referrals r
            WHERE r.service_user_id = s.id AND r.voided_at IS NULL AND r.status = 'accepted'
                AND coalesce(r.co_working ->> 'arrangement', '') <> 'full_care_transfer')
        AND EXISTS (SELECT 1 FROM service_user_teams l JOIN teams t ON t.id = l.team_id
            WHERE l.service_user_id = s.id
                AND t.type IN ('cmht', 'early_intervention', 'crisis_home_treatment', 'camhs'))
            AS under_other_team
    FROM service_users s
    WHERE s.perinatal_stage IN ('pregnant', 'postnatal')) w
WHERE (w.open_to_other_team OR w.under_other_team)
    -- An agreement of this pregnancy (made since about 280 days before her
    -- due or delivery date) for the period; one of an earlier pregnancy
    -- does not count.
    AND NOT EXISTS (SELECT 1 FROM joint_working_agreements j
        WHERE j.service_user_id = w.id AND j.period = w.period
            AND j.created_at >= coalesce(w.estimated_due_date, w.delivery_date) - 280
            -- Ended as a draft: never made (as the joint-working report
            -- counts it), so she still needs one.
            AND NOT (j.status = 'ended' AND NOT EXISTS (SELECT 1 FROM workflow_transitions t
                WHERE t.workflow = 'joint_working_agreement' AND t.record_id = j.id
                    AND t.to_state = 'agreed')));
