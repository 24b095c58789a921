-- referral_due_at (002) is marked IMMUTABLE, but adding an interval to a
-- timestamptz is only STABLE in PostgreSQL (days and months depend on the
-- session's time zone), and PostgreSQL does not inline a function that
-- promises more than its body keeps: every referral's receipt ran it as a
-- separate SQL function, its body parsed and planned each time (about
-- 0.1 ms of a POST). Marked for what it is, it is inlined. The result is
-- the same: every caller passes a timestamptz, and the routine branch fixes
-- its zone with AT TIME ZONE.
ALTER FUNCTION referral_due_at(timestamptz, text) STABLE;
