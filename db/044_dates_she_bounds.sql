-- Her date of birth bounds the dates recorded about her:
--   * her infants are born after her (infants_check holds it when an infant
--     is recorded; a later correction of her own date of birth could put an
--     infant before her);
--   * a consent of hers is not dated before she was born (such a decision
--     would be "in force" on every day of her life).
-- Checked when either is written from now on.
CREATE FUNCTION service_users_born_before_her_infants() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM infants i WHERE i.service_user_id = NEW.id
            AND i.voided_at IS NULL AND i.date_of_birth <= NEW.date_of_birth) THEN
        RAISE EXCEPTION 'woman % born after an infant of hers', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'service_users_born_before_her_infants';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER service_users_born_before_her_infants BEFORE UPDATE OF date_of_birth
    ON service_users FOR EACH ROW WHEN (NEW.date_of_birth IS DISTINCT FROM OLD.date_of_birth)
    EXECUTE FUNCTION service_users_born_before_her_infants();

CREATE FUNCTION consents_not_before_her_birth() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM service_users s WHERE s.id = NEW.service_user_id
            AND NEW.decided_on < s.date_of_birth) THEN
        RAISE EXCEPTION 'consent % dated before her birth', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'consents_not_before_her_birth';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER consents_not_before_her_birth BEFORE INSERT OR UPDATE OF decided_on ON consents
    FOR EACH ROW EXECUTE FUNCTION consents_not_before_her_birth();
