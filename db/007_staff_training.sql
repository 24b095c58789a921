-- Staff training records (MH11 counts the MBU's trained clinical staff):
-- what course a member of staff completed, when, and until when it holds.
ALTER TABLE staff ADD CONSTRAINT staff_id_org_unique UNIQUE (id, organisation_id);

CREATE TABLE staff_training (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL,
    staff_id uuid NOT NULL,
    course text NOT NULL CHECK (char_length(course) BETWEEN 1 AND 200),
    provider text CHECK (char_length(provider) BETWEEN 1 AND 200),
    completed_on date NOT NULL,
    valid_until date,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT staff_training_staff_fk FOREIGN KEY (staff_id, organisation_id)
        REFERENCES staff (id, organisation_id),
    CONSTRAINT staff_training_valid_until_check CHECK (valid_until > completed_on)
);
CREATE INDEX staff_training_staff_idx ON staff_training (staff_id, id);
GRANT SELECT, INSERT, UPDATE ON staff_training TO perinatal_app;
