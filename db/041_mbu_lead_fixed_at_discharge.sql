-- The lead professional of an admission is allocated on admission and may
-- change during the stay; once she is discharged it stays: the discharge
-- made the referral from MBU discharge to that professional's team
-- (mbu_discharge_referral), and a later change brought another team into
-- her scope for good while the referral stayed where it was.
CREATE FUNCTION mbu_admissions_lead_fixed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admission % is discharged: its lead professional stays', NEW.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'mbu_admissions_lead_after_discharge';
END
$$;
CREATE TRIGGER mbu_admissions_lead_fixed BEFORE UPDATE OF lead_professional_id ON mbu_admissions
    FOR EACH ROW WHEN (OLD.status = 'discharged'
        AND NEW.lead_professional_id IS DISTINCT FROM OLD.lead_professional_id)
    EXECUTE FUNCTION mbu_admissions_lead_fixed();
