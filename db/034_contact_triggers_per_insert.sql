-- A contact's triggers, cheaper at each insert (issue 9, item 15); the
-- rules are unchanged.
--
-- PL/pgSQL evaluates an IF or a RETURN whose expression holds a subquery
-- (EXISTS (...), (SELECT ...)) by starting an executor for the whole
-- expression at every call, and a PERFORM of a function is a query of its
-- own. The lookups are now SELECT INTOs, whose plans are kept for the
-- session, and the answer's insert path is written into the trigger.
--
-- A contact that does not count (not attended, her not present, a mode
-- that does not answer, entered in error) no longer locks its referral:
-- it cannot change the answer, so it has nothing to wait for.

CREATE OR REPLACE FUNCTION contacts_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    received timestamptz;
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
        SELECT r.received_at INTO received FROM referrals r WHERE r.id = NEW.referral_id;
        IF NEW.at < received THEN
            RAISE EXCEPTION 'contact % before the receipt of referral %', NEW.id, NEW.referral_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_after_receipt';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

-- A new contact can only bring its referral's answer earlier (033): one
-- that counts and is earlier than the answer held, read under the
-- referral's row lock (FOR NO KEY UPDATE, as 033 explains), becomes the
-- answer. Changes and entries in error recompute from every contact.
CREATE OR REPLACE FUNCTION contacts_answer_referrals() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    counts boolean;
    answered timestamptz;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.referral_id IS NULL OR NEW.voided_at IS NOT NULL
                OR NEW.attendance IS DISTINCT FROM 'attended' OR NEW.woman_present IS NOT TRUE THEN
            RETURN NULL;
        END IF;
        SELECT v.answers_referral INTO counts FROM vocabulary v
        WHERE v.domain = 'contact_mode' AND v.code = NEW.mode;
        IF counts IS NOT TRUE THEN
            RETURN NULL;
        END IF;
        SELECT r.responded_at INTO answered FROM referrals r WHERE r.id = NEW.referral_id
        FOR NO KEY UPDATE;
        IF answered IS NULL OR NEW.at < answered THEN
            UPDATE referrals SET responded_at = NEW.at, version = version + 1, updated_at = now()
            WHERE id = NEW.referral_id;
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

DROP FUNCTION referral_answer_on_insert(contacts);
