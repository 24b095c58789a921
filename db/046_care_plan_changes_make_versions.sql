-- A care plan changes only with a new version: care_plans_version keeps
-- the one before, and a change that kept the version number (a write the
-- app role could make by other means than the API, whose updates always
-- move it) left no version row and lost what the plan said.
CREATE FUNCTION care_plans_version_moves() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF care_plan_content(NEW) IS DISTINCT FROM care_plan_content(OLD)
            AND NEW.version IS DISTINCT FROM OLD.version + 1 THEN
        RAISE EXCEPTION 'care plan % changed without its next version', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'care_plans_version_moves';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER care_plans_version_moves BEFORE UPDATE ON care_plans
    FOR EACH ROW EXECUTE FUNCTION care_plans_version_moves();
