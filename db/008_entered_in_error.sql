-- Entered in error: a clinical record is never deleted; a clinician of its
-- team marks it, with a reason, and it leaves every list and read but an
-- admin's. Referrals are the first such record.
ALTER TABLE referrals
    ADD COLUMN voided_at timestamptz,
    ADD COLUMN voided_by text,
    ADD COLUMN void_reason text CHECK (char_length(void_reason) BETWEEN 1 AND 4000),
    ADD CONSTRAINT referrals_voided_check CHECK ((voided_at IS NULL) = (voided_by IS NULL)
        AND (voided_at IS NULL) = (void_reason IS NULL));

ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN ('read',
    'list', 'lookup', 'create', 'update', 'transition', 'history', 'void'));
