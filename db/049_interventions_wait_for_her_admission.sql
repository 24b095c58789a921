-- An intervention offered while an admission of hers was being recorded
-- (or moved, discharged or entered in error) was tagged from a snapshot
-- without that change, and the admission's retagging
-- (mbu_admissions_retag_interventions) ran before the offer existed: both
-- committed, and the offer kept the wrong tag for good (MH11's "offered
-- during the stay", issue 13 item 8). Both now lock her row before they
-- look, so one waits for the other and sees it: the offer shares it, the
-- retagging takes it as db/039's check and her caseload's rebuild do (an
-- admission entered in error passes that check without it). (Replace
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

CREATE OR REPLACE FUNCTION mbu_admissions_retag_interventions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM service_users s WHERE s.id = NEW.service_user_id FOR NO KEY UPDATE;
    UPDATE care_plan_interventions i
    SET mbu_admission_id = mbu_admission_open_on(i.organisation_id, i.service_user_id,
            i.offered_on),
        version = i.version + 1, updated_at = now()
    WHERE i.service_user_id = NEW.service_user_id
        AND i.mbu_admission_id IS DISTINCT FROM mbu_admission_open_on(i.organisation_id,
            i.service_user_id, i.offered_on);
    RETURN NULL;
END
$$;
