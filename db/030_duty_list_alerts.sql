-- The duty list shows a referral whose woman has an alert nobody has
-- acknowledged (issue 9, item 12): found by her, among the open alerts only.
CREATE INDEX alerts_unacknowledged_woman_idx ON alerts (service_user_id)
    WHERE acknowledged_at IS NULL;
