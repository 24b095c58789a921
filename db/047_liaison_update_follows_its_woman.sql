-- An inbound liaison update taken from a woman (her NHS number corrected:
-- db/repeatable/30_liaison.sql, liaison_updates_attach) kept the link to
-- her infant: held unmatched, it still named another woman's infant, and
-- attaching it to the woman who has that number then failed the
-- (infant_id, service_user_id) key, so she could not be registered. The
-- link now follows the woman: whenever an inbound update changes woman it
-- is linked again, to an infant of hers with the NHS number the sender
-- gave, or to none. (Replaces db/024's, which linked only an update with
-- no infant.)
CREATE OR REPLACE FUNCTION liaison_updates_link_infant() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.direction = 'in' AND TG_OP = 'UPDATE'
            AND NEW.service_user_id IS DISTINCT FROM OLD.service_user_id THEN
        NEW.infant_id := NULL;
    END IF;
    IF NEW.direction = 'in' AND NEW.infant_id IS NULL AND NEW.service_user_id IS NOT NULL
            AND NEW.infant_nhs_number IS NOT NULL THEN
        NEW.infant_id := (SELECT i.id FROM infants i
            WHERE i.service_user_id = NEW.service_user_id
                AND i.nhs_number = NEW.infant_nhs_number AND i.voided_at IS NULL);
    END IF;
    RETURN NEW;
END
$$;

-- Those already held with another woman's infant.
UPDATE liaison_updates SET infant_id = NULL
WHERE direction = 'in' AND service_user_id IS NULL AND infant_id IS NOT NULL;
