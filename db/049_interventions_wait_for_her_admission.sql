-- An intervention offered while an admission of hers is being recorded was
-- tagged from a snapshot without it, and the admission's retagging
-- (mbu_admissions_retag_interventions) ran before the offer existed: both
-- committed, the offer untagged for good, and MH11's "offered during the
-- stay" missed it (issue 13, item 8). The admission locks her row first
-- (mbu_admissions_dates_check, db/039); the offer now shares that lock
-- before it looks, so one waits for the other and sees it. (Replaces
-- db/023's.)
CREATE OR REPLACE FUNCTION care_plan_interventions_mbu_admission() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM service_users s WHERE s.id = NEW.service_user_id FOR SHARE;
    NEW.mbu_admission_id := mbu_admission_open_on(NEW.organisation_id, NEW.service_user_id,
        NEW.offered_on);
    RETURN NEW;
END
$$;
