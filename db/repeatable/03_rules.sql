-- A rule a statement checks on rows it is about to write, reported like a
-- constraint: raises check_violation naming the rule, which the API maps to
-- its problem (db_problem's constraint messages). Use in a condition:
--   AND (<the rule holds> OR raise_rule('<table>_<rule>_check'))
CREATE OR REPLACE FUNCTION raise_rule(rule text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rule % refused the row', rule
        USING ERRCODE = 'check_violation', CONSTRAINT = rule;
END
$$;
