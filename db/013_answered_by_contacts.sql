-- The clock runs until she is seen (seed 002, issue 9 item 4): a referral
-- is answered by its first attended contact (db/010_contacts.sql keeps
-- responded_at), never by a time typed into a workflow step.
UPDATE workflow_steps SET optional = array_remove(optional, 'first_contact_at'),
    guards = array_remove(guards, 'referral_guard_first_contact')
WHERE workflow = 'referral';
DROP FUNCTION IF EXISTS referral_guard_first_contact(access, uuid, jsonb);
