-- The lead service is one of the agreement's teams when it leaves draft
-- (joint_working_agreement_guard_complete): a team of the organisation
-- named as lead and not a party would lead without her record (issue 14
-- item 5). Its participating entry could still be entered in error once
-- the agreement was agreed, leaving the lead outside it for good. While
-- the agreement is agreed or shared, the lead's entry stays; the agreement
-- is ended and a new draft made to change its lead. The agreement's row is
-- shared-locked first, so a step being taken is waited for and then seen.
CREATE FUNCTION jwt_lead_stays() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM joint_working_agreements j
            WHERE j.id = OLD.agreement_id AND j.status IN ('agreed', 'shared')
                AND j.lead_team_id = OLD.team_id
                AND j.lead_team_id IS DISTINCT FROM j.perinatal_team_id
                AND j.lead_team_id IS DISTINCT FROM j.other_team_id
            FOR SHARE) THEN
        RAISE EXCEPTION 'team % leads agreement %', OLD.team_id, OLD.agreement_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'jwt_lead_stays';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER jwt_lead_stays BEFORE UPDATE OF voided_at ON joint_working_teams
    FOR EACH ROW WHEN (OLD.voided_at IS NULL AND NEW.voided_at IS NOT NULL
        AND OLD.team_id IS NOT NULL)
    EXECUTE FUNCTION jwt_lead_stays();
