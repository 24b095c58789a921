-- Cross-links between resources built in parallel (issues 12, 13, 14),
-- now that every table exists: the bare uuid columns become foreign keys
-- (each to a record of the same woman), and a liaison update can name
-- one of her infants.

-- A joint-working agreement sits alongside her care plan (issue 14): one
-- of hers. Pointers left dangling by the time before the key (none are
-- expected: care plans did not exist) are cleared, not kept unchecked.
UPDATE joint_working_agreements j SET care_plan_id = NULL
WHERE j.care_plan_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM care_plans p
    WHERE p.id = j.care_plan_id AND p.service_user_id = j.service_user_id);
ALTER TABLE joint_working_agreements ADD CONSTRAINT jwa_care_plan_woman_fk
    FOREIGN KEY (care_plan_id, service_user_id) REFERENCES care_plans (id, service_user_id);
CREATE INDEX jwa_care_plan_idx ON joint_working_agreements (care_plan_id)
    WHERE care_plan_id IS NOT NULL;

-- A measure may be taken under her care plan: one of hers.
UPDATE measures m SET care_plan_id = NULL
WHERE m.care_plan_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM care_plans p
    WHERE p.id = m.care_plan_id AND p.service_user_id = m.service_user_id);
ALTER TABLE measures ADD CONSTRAINT measures_care_plan_woman_fk
    FOREIGN KEY (care_plan_id, service_user_id) REFERENCES care_plans (id, service_user_id);

-- A liaison update names the infant (issue 12, point 4): an outbound one
-- the infant it is about (one of hers); an inbound one the infant record
-- whose NHS number the sender gave, linked when the update is attached to
-- her (on receipt when she is known, or when she is registered).
ALTER TABLE liaison_updates ADD COLUMN infant_id uuid,
    ADD CONSTRAINT liaison_updates_infant_woman_fk FOREIGN KEY (infant_id, service_user_id)
        REFERENCES infants (id, service_user_id);
CREATE INDEX liaison_updates_infant_idx ON liaison_updates (infant_id)
    WHERE infant_id IS NOT NULL;

-- An inbound update attached to her whose infant NHS number is one of her
-- infants' (not entered in error) is linked to that infant. BEFORE the
-- row is written, so the receipt's and the attachment's own statements
-- (liaison_update_receive, liaison_updates_attach) need not change.
CREATE FUNCTION liaison_updates_link_infant() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.direction = 'in' AND NEW.infant_id IS NULL AND NEW.service_user_id IS NOT NULL
            AND NEW.infant_nhs_number IS NOT NULL THEN
        NEW.infant_id := (SELECT i.id FROM infants i
            WHERE i.service_user_id = NEW.service_user_id
                AND i.nhs_number = NEW.infant_nhs_number AND i.voided_at IS NULL);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER liaison_updates_link_infant
    BEFORE INSERT OR UPDATE OF service_user_id ON liaison_updates
    FOR EACH ROW EXECUTE FUNCTION liaison_updates_link_infant();

-- An infant recorded (or its NHS number recorded) after her updates were
-- attached links those that named it.
CREATE FUNCTION infants_link_liaison_updates() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.nhs_number IS NOT NULL AND NEW.voided_at IS NULL THEN
        UPDATE liaison_updates l SET infant_id = NEW.id
        WHERE l.service_user_id = NEW.service_user_id AND l.direction = 'in'
            AND l.infant_id IS NULL AND l.infant_nhs_number = NEW.nhs_number;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER infants_link_liaison_updates AFTER INSERT OR UPDATE OF nhs_number ON infants
    FOR EACH ROW EXECUTE FUNCTION infants_link_liaison_updates();

-- Updates attached before this migration are linked now.
UPDATE liaison_updates l SET infant_id = i.id
FROM infants i
WHERE l.direction = 'in' AND l.infant_id IS NULL AND l.service_user_id = i.service_user_id
    AND l.infant_nhs_number = i.nhs_number AND i.voided_at IS NULL;
