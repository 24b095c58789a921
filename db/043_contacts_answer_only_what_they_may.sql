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
-- Checked when a contact is recorded or names another referral or time;
-- contacts recorded before are left as they are.
CREATE OR REPLACE FUNCTION contacts_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    received timestamptz;
    state text;
    voided timestamptz;
    closed timestamptz;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.service_user_id <> OLD.service_user_id THEN
        RAISE EXCEPTION 'contact % changes woman', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_woman_fixed';
    END IF;
    IF NEW.attendance IS NOT NULL AND NEW.at > now() + interval '5 minutes' THEN
        RAISE EXCEPTION 'contact % has an outcome in the future', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_outcome_not_future';
    END IF;
    IF NEW.referral_id IS NOT NULL THEN
        SELECT r.received_at, r.status, r.voided_at INTO received, state, voided
        FROM referrals r WHERE r.id = NEW.referral_id;
        IF NEW.at < received THEN
            RAISE EXCEPTION 'contact % before the receipt of referral %', NEW.id, NEW.referral_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_after_receipt';
        END IF;
        IF TG_OP = 'INSERT' OR NEW.referral_id IS DISTINCT FROM OLD.referral_id
                OR NEW.at IS DISTINCT FROM OLD.at THEN
            IF voided IS NOT NULL THEN
                RAISE EXCEPTION 'contact % names referral % entered in error', NEW.id,
                        NEW.referral_id
                    USING ERRCODE = 'check_violation',
                        CONSTRAINT = 'contacts_referral_entered_in_error';
            END IF;
            IF state IN ('signposted', 'advice_given', 'referred_on', 'declined', 'withdrawn',
                    'unable_to_engage') THEN
                SELECT max(t.at) INTO closed FROM workflow_transitions t
                WHERE t.workflow = 'referral' AND t.record_id = NEW.referral_id
                    AND t.to_state = state;
                IF NEW.at > closed THEN
                    RAISE EXCEPTION 'contact % after referral % was closed', NEW.id,
                            NEW.referral_id
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_after_closure';
                END IF;
            END IF;
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION referral_answer_recompute(referral uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    answered timestamptz;
    state text;
BEGIN
    SELECT r.status INTO state FROM referrals r WHERE r.id = referral FOR NO KEY UPDATE;
    SELECT min(c.at) INTO answered
    FROM contacts c JOIN vocabulary v ON v.domain = 'contact_mode' AND v.code = c.mode
    WHERE c.referral_id = referral AND c.voided_at IS NULL AND c.attendance = 'attended'
        AND c.woman_present AND v.answers_referral;
    IF answered IS NULL AND state = 'discharged' THEN
        RAISE EXCEPTION 'referral % was discharged: it keeps an attended contact', referral
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_discharge_needs_contact';
    END IF;
    UPDATE referrals SET responded_at = answered, version = version + 1, updated_at = now()
    WHERE id = referral AND responded_at IS DISTINCT FROM answered;
END
$$;
