-- Who may see a record: the one scope rule of the service, used by every
-- statement that reads or changes a record (FROM <table> t,
-- access_scope($1, t.organisation_id, <woman>, <team>, <submitter>)).
--
-- A record belongs to an organisation; it may be about a woman, held by a
-- team (a referral to that team) and submitted by someone (a referrer).
--   admin      everything of its organisation;
--   clinician  a record held by one of its teams; else a record about a
--              woman linked to one of its teams (referred to it, registered
--              by it, or later in a joint-working agreement with it); else
--              (organisation data: teams, staff) everything;
--   referrer   only what it submitted;
--   anyone else nothing.
-- Written as a set-returning SQL function (one row when in scope, none
-- otherwise) so that PostgreSQL inlines it into the calling statement: the
-- role's branch folds away and the team condition can use an index.
CREATE OR REPLACE FUNCTION access_scope(a access, rec_org uuid, rec_woman uuid, rec_team uuid,
    rec_submitter text)
RETURNS SETOF boolean
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1 AS $$
    SELECT true WHERE a.org = rec_org AND CASE a.role
        WHEN 'admin' THEN true
        WHEN 'clinician' THEN CASE
            WHEN rec_team IS NOT NULL THEN rec_team = ANY (a.teams)
            WHEN rec_woman IS NOT NULL THEN EXISTS (
                SELECT 1 FROM service_user_teams l
                WHERE l.service_user_id = rec_woman AND l.team_id = ANY (a.teams))
                -- A participating team of an active (agreed or shared)
                -- joint-working agreement about her, for as long as it is
                -- active: derived, never a permanent link. Every team id
                -- there is a team of the agreement's organisation (foreign
                -- keys); a participating team added in error (voided) is not.
                OR EXISTS (
                SELECT 1 FROM joint_working_agreements j
                WHERE j.service_user_id = rec_woman AND j.status IN ('agreed', 'shared')
                    AND (j.perinatal_team_id = ANY (a.teams) OR j.other_team_id = ANY (a.teams)
                        OR EXISTS (SELECT 1 FROM joint_working_teams p
                            WHERE p.agreement_id = j.id AND p.voided_at IS NULL
                                AND p.team_id = ANY (a.teams))))
            ELSE true END
        WHEN 'referrer' THEN rec_submitter = a.sub
        ELSE false END
$$;

-- The national code of one of our words (vocabulary table), or NULL.
-- PL/pgSQL so that its plan is kept for the session: as a SQL function (a
-- lookup cannot be inlined) it was planned again in every statement that
-- called it, about 0.17 ms a read of her record. A SELECT INTO, not RETURN
-- (SELECT ...): a RETURN with a subquery starts an executor for the whole
-- expression at every call (38 against 9 microseconds a call here).
CREATE OR REPLACE FUNCTION national_code(vocabulary_domain text, our_code text) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    answer text;
BEGIN
    SELECT v.national_code INTO answer FROM vocabulary v
    WHERE v.domain = vocabulary_domain AND v.code = our_code;
    RETURN answer;
END
$$;

-- The clinical day in England: review dates, deadlines and the days of
-- workflow steps are England's calendar days.
CREATE OR REPLACE FUNCTION england_today() RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (now() AT TIME ZONE 'Europe/London')::date
$$;
