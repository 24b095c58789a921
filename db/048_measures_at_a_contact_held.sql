-- "When and by whom it was completed (... at which contact)" (issue 16,
-- point 1): the contact named is one that took place or is yet to be
-- recorded, not one she missed, one cancelled, or one entered in error.
-- The contact's row is shared-locked, so a change of its attendance or its
-- entry in error being committed is waited for and then seen. (Planned
-- contacts, attendance not yet recorded, are allowed: the form may be
-- recorded during the visit, before its outcome.)
CREATE FUNCTION measures_contact_held() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    c contacts;
BEGIN
    -- Hers only: another's is refused by measures_contact_woman_fk, as if
    -- it did not exist.
    SELECT * INTO c FROM contacts
    WHERE id = NEW.contact_id AND service_user_id = NEW.service_user_id FOR SHARE;
    IF c.voided_at IS NOT NULL
            OR c.attendance IN ('did_not_attend', 'cancelled_by_her', 'cancelled_by_service') THEN
        RAISE EXCEPTION 'measure % at a contact not held', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'measures_contact_held';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER measures_contact_held BEFORE INSERT OR UPDATE OF contact_id ON measures
    FOR EACH ROW WHEN (NEW.contact_id IS NOT NULL) EXECUTE FUNCTION measures_contact_held();
