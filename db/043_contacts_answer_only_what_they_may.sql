-- What a contact may answer (issue 9, item 4):
--   * not a referral entered in error;
--   * not a referral closed without contact (signposted, advice given,
--     referred on, declined, withdrawn, unable to engage) by a contact held
--     after it was closed: "closed without any contact" is neither met nor
--     breached, and stays so. A contact held before the closure, recorded
--     late, still answers it;
--   * and a discharged referral keeps an attended contact: "discharge with
--     no attended contact is only possible through the unable-to-engage
--     route", so the contact it was discharged on cannot be changed away
--     or entered in error while it is the only one.
-- The first two are checked when a contact is recorded or names another
-- referral or time (contacts recorded before are left as they are), beside
-- contacts_check; the third on the referral itself, whatever clears its
-- answer (referral_answer_recompute, when a contact changes).
CREATE FUNCTION contacts_referral_open() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    voided timestamptz;
    closed timestamptz;
BEGIN
    IF NEW.referral_id IS NULL OR (TG_OP = 'UPDATE'
            AND NEW.referral_id IS NOT DISTINCT FROM OLD.referral_id
            AND NEW.at IS NOT DISTINCT FROM OLD.at) THEN
        RETURN NEW;
    END IF;
    SELECT r.status, r.voided_at INTO state, voided FROM referrals r WHERE r.id = NEW.referral_id;
    IF voided IS NOT NULL THEN
        RAISE EXCEPTION 'contact % names referral % entered in error', NEW.id, NEW.referral_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_referral_entered_in_error';
    END IF;
    IF state IN ('signposted', 'advice_given', 'referred_on', 'declined', 'withdrawn',
            'unable_to_engage') THEN
        SELECT max(t.at) INTO closed FROM workflow_transitions t
        WHERE t.workflow = 'referral' AND t.record_id = NEW.referral_id AND t.to_state = state;
        IF NEW.at > closed THEN
            RAISE EXCEPTION 'contact % after referral % was closed', NEW.id, NEW.referral_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_after_closure';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER contacts_referral_open BEFORE INSERT OR UPDATE OF referral_id, at ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_referral_open();

CREATE FUNCTION referrals_discharged_keep_contact() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'referral % was discharged: it keeps an attended contact', NEW.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_discharge_needs_contact';
END
$$;
CREATE TRIGGER referrals_discharged_keep_contact BEFORE UPDATE OF responded_at ON referrals
    FOR EACH ROW WHEN (NEW.status = 'discharged' AND NEW.responded_at IS NULL
        AND OLD.responded_at IS NOT NULL)
    EXECUTE FUNCTION referrals_discharged_keep_contact();
