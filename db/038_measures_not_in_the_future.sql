-- An administration cannot be completed in the future (five minutes of
-- clock skew allowed, as a referral's receipt): a mistyped year made it her
-- latest administration, the baseline of every change after it. NOT VALID:
-- rows recorded before are left as they are (none should be affected);
-- every new or changed row is checked.
ALTER TABLE measures ADD CONSTRAINT measures_completed_not_future
    CHECK (completed_at <= created_at + interval '5 minutes') NOT VALID;
