-- Under 18 on the day received, by her age as her record shows it (age(),
-- db/repeatable/15_service_users.sql): a woman born on 29 February is 18
-- on 1 March in a year that has no 29 February. "born + 18 years" gave
-- 28 February, so a referral received that day was not flagged for the
-- CAMHS discussion (seed 002) while her record showed her 17.
CREATE OR REPLACE FUNCTION referral_under_18(received timestamptz, born date) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT age((received AT TIME ZONE 'Europe/London')::date::timestamp, born::timestamp)
        < interval '18 years'
$$;
