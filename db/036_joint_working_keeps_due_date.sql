-- The birthing conversation is due 57 days before her due date (seed 003:
-- "before 32 weeks"), but her record keeps no due date once she has
-- delivered (db/016: a postnatal woman's estimated_due_date is NULL), so the
-- deadline, and a missed conversation with it, left the agreement and the
-- joint-working report the day her delivery was recorded. Each agreement
-- now keeps her due date as last known while she was pregnant: taken from
-- her record when the agreement is made, and followed while it is in force.
-- (An agreement whose woman had delivered before this migration cannot get
-- it back: the date is gone from her record.)
ALTER TABLE joint_working_agreements ADD COLUMN estimated_due_date date;
UPDATE joint_working_agreements j SET estimated_due_date = s.estimated_due_date
FROM service_users s WHERE s.id = j.service_user_id AND s.estimated_due_date IS NOT NULL;

CREATE FUNCTION jwa_take_due_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT s.estimated_due_date INTO NEW.estimated_due_date FROM service_users s
    WHERE s.id = NEW.service_user_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER jwa_take_due_date BEFORE INSERT ON joint_working_agreements
    FOR EACH ROW EXECUTE FUNCTION jwa_take_due_date();

CREATE FUNCTION jwa_follow_due_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE joint_working_agreements j SET estimated_due_date = NEW.estimated_due_date
    WHERE j.service_user_id = NEW.id AND j.status <> 'ended';
    RETURN NULL;
END
$$;
CREATE TRIGGER service_users_jwa_due_date AFTER UPDATE OF estimated_due_date ON service_users
    FOR EACH ROW WHEN (NEW.estimated_due_date IS NOT NULL
        AND NEW.estimated_due_date IS DISTINCT FROM OLD.estimated_due_date)
    EXECUTE FUNCTION jwa_follow_due_date();
