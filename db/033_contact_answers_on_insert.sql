-- A new contact can only bring her referral's answer earlier: the answer
-- is the earliest counting contact (010_contacts.sql), and a new one either
-- counts and is earlier than the answer held, or changes nothing. So a
-- contact's insert no longer scans the referral's contacts
-- (referral_answer_recompute); it compares with the answer held, under the
-- referral's row lock, which keeps concurrent contacts of one referral one
-- after the other: the second reads the answer the first committed.
-- Changes and entries in error still recompute from every contact.
--
-- The lock is FOR NO KEY UPDATE, as an UPDATE takes, no longer FOR UPDATE.
-- The foreign key's check of the new contact had already share-locked the
-- referral (FOR KEY SHARE), which FOR UPDATE conflicts with: two contacts
-- of one referral recorded at the same moment each held the share lock and
-- waited for the other's, and PostgreSQL broke the deadlock after a second
-- by failing one of them (409). FOR NO KEY UPDATE does not conflict with
-- the share lock, so the second simply waits for the first.
CREATE FUNCTION referral_answer_on_insert(c contacts) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    answered timestamptz;
BEGIN
    SELECT r.responded_at INTO answered FROM referrals r WHERE r.id = c.referral_id
    FOR NO KEY UPDATE;
    IF c.voided_at IS NULL AND c.attendance = 'attended' AND c.woman_present
            AND (answered IS NULL OR c.at < answered)
            AND EXISTS (SELECT 1 FROM vocabulary v WHERE v.domain = 'contact_mode'
                AND v.code = c.mode AND v.answers_referral) THEN
        UPDATE referrals SET responded_at = c.at, version = version + 1, updated_at = now()
        WHERE id = c.referral_id;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION referral_answer_recompute(referral uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    answered timestamptz;
BEGIN
    PERFORM 1 FROM referrals WHERE id = referral FOR NO KEY UPDATE;
    SELECT min(c.at) INTO answered
    FROM contacts c JOIN vocabulary v ON v.domain = 'contact_mode' AND v.code = c.mode
    WHERE c.referral_id = referral AND c.voided_at IS NULL AND c.attendance = 'attended'
        AND c.woman_present AND v.answers_referral;
    UPDATE referrals SET responded_at = answered, version = version + 1, updated_at = now()
    WHERE id = referral AND responded_at IS DISTINCT FROM answered;
END
$$;

CREATE OR REPLACE FUNCTION contacts_answer_referrals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.referral_id IS NOT NULL THEN
            PERFORM referral_answer_on_insert(NEW);
        END IF;
        RETURN NULL;
    END IF;
    IF NEW.referral_id IS NOT NULL THEN
        PERFORM referral_answer_recompute(NEW.referral_id);
    END IF;
    IF OLD.referral_id IS NOT NULL AND OLD.referral_id IS DISTINCT FROM NEW.referral_id THEN
        PERFORM referral_answer_recompute(OLD.referral_id);
    END IF;
    RETURN NULL;
END
$$;
