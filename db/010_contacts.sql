-- Contacts (issue 9, items 4, 13, 14): a planned or held care contact with
-- a woman. The first attended contact with her present, in a mode that
-- counts, answers the referral it names: referrals.responded_at becomes the
-- derived answer time, kept by the triggers below whatever writes a contact.

-- Vocabularies. Which contact modes answer a referral is a setting of the
-- vocabulary (answers_referral, only on contact_mode rows), so that the
-- service can change it and the response-times report counts by it.
ALTER TABLE vocabulary ADD COLUMN answers_referral boolean;
INSERT INTO vocabulary (domain, position, code, national_code, label, answers_referral) VALUES
    ('contact_service', 1, 'perinatal_team', NULL, 'Specialist perinatal mental health team', NULL),
    ('contact_service', 2, 'mmhs', NULL, 'Maternal mental health service', NULL),
    -- 002: "Access to mental health assessment and intervention will be
    -- provided 24 hours per day and 7 days per week either via Connection
    -- Service, Access Mental Health, Psychiatric liaison or Crisis home
    -- treatment team."
    ('contact_service', 3, 'crisis_team', NULL, 'Crisis resolution and home treatment team', NULL),
    ('contact_service', 4, 'psychiatric_liaison', NULL, 'Psychiatric liaison', NULL),
    ('contact_service', 5, 'connection', NULL, 'Connection (24/7 mental health helpline)', NULL),
    ('contact_service', 6, 'access_mental_health', NULL, 'Access Mental Health', NULL),
    ('contact_mode', 1, 'face_to_face', NULL, 'Face to face', true),
    ('contact_mode', 2, 'home_visit', NULL, 'Home visit', true),
    ('contact_mode', 3, 'telephone', NULL, 'Telephone', true),
    ('contact_mode', 4, 'video', NULL, 'Video', true),
    ('contact_mode', 5, 'joint_midwifery_clinic', NULL, 'Joint clinic with midwifery', false),
    -- Only for contacts migrated from a typed first-contact time: that time
    -- was the referral's answer, so it keeps counting.
    ('contact_mode', 6, 'unknown', NULL, 'Not recorded (migrated)', true),
    ('attendance', 1, 'attended', NULL, 'Attended', NULL),
    ('attendance', 2, 'did_not_attend', NULL, 'Did not attend', NULL),
    ('attendance', 3, 'cancelled_by_her', NULL, 'Cancelled by her', NULL),
    ('attendance', 4, 'cancelled_by_service', NULL, 'Cancelled by the service', NULL);
ALTER TABLE vocabulary ADD CONSTRAINT vocabulary_answers_referral_check
    CHECK ((domain = 'contact_mode') = (answers_referral IS NOT NULL));

-- A contact names a referral of the same woman only.
ALTER TABLE referrals ADD CONSTRAINT referrals_id_woman_unique UNIQUE (id, service_user_id);

CREATE TABLE contacts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    service_user_id uuid NOT NULL REFERENCES service_users (id),
    referral_id uuid,
    team_id uuid,
    staff_id uuid,
    at timestamptz NOT NULL,
    duration_minutes integer CHECK (duration_minutes BETWEEN 1 AND 1440),
    service text NOT NULL,
    mode text NOT NULL,
    woman_present boolean NOT NULL DEFAULT false,
    partner_present boolean NOT NULL DEFAULT false,
    infant_present boolean NOT NULL DEFAULT false,
    -- NULL: planned, no outcome yet.
    attendance text,
    note text CHECK (char_length(note) BETWEEN 1 AND 2000),
    -- Made by this migration from a referral's typed responded_at.
    migrated boolean NOT NULL DEFAULT false,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    voided_at timestamptz,
    voided_by text,
    void_reason text CHECK (char_length(void_reason) BETWEEN 1 AND 4000),
    CONSTRAINT contacts_referral_woman_fk FOREIGN KEY (referral_id, service_user_id)
        REFERENCES referrals (id, service_user_id),
    CONSTRAINT contacts_team_fk FOREIGN KEY (team_id, organisation_id)
        REFERENCES teams (id, organisation_id),
    CONSTRAINT contacts_staff_fk FOREIGN KEY (staff_id, organisation_id)
        REFERENCES staff (id, organisation_id),
    CONSTRAINT contacts_service_check CHECK (service IN ('perinatal_team', 'mmhs', 'crisis_team',
        'psychiatric_liaison', 'connection', 'access_mental_health')),
    CONSTRAINT contacts_mode_check CHECK (mode IN ('face_to_face', 'home_visit', 'telephone',
        'video', 'joint_midwifery_clinic', 'unknown')),
    CONSTRAINT contacts_mode_unknown_check CHECK (mode <> 'unknown' OR migrated),
    CONSTRAINT contacts_attendance_check CHECK (attendance IN ('attended', 'did_not_attend',
        'cancelled_by_her', 'cancelled_by_service')),
    -- Who was there is known of an attended contact only, and somebody was.
    CONSTRAINT contacts_present_check CHECK (CASE WHEN attendance = 'attended'
        THEN woman_present OR partner_present OR infant_present
        ELSE NOT (woman_present OR partner_present OR infant_present) END),
    CONSTRAINT contacts_voided_check CHECK ((voided_at IS NULL) = (voided_by IS NULL)
        AND (voided_at IS NULL) = (void_reason IS NULL))
);
-- The lists: newest first, overall, per woman, per referral and per team.
CREATE INDEX contacts_at_idx ON contacts (organisation_id, at, id);
CREATE INDEX contacts_service_user_idx ON contacts (service_user_id, at, id);
CREATE INDEX contacts_referral_idx ON contacts (referral_id, at) WHERE referral_id IS NOT NULL;
CREATE INDEX contacts_team_idx ON contacts (team_id, at, id) WHERE team_id IS NOT NULL;
GRANT SELECT, INSERT, UPDATE ON contacts TO perinatal_app;

-- The rules of a contact that compare with another record or the clock,
-- whoever writes it: it stays with its woman, cannot have an outcome while
-- in the future (five minutes of clock skew allowed), and cannot predate
-- the receipt of the referral it answers.
CREATE FUNCTION contacts_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.service_user_id <> OLD.service_user_id THEN
        RAISE EXCEPTION 'contact % changes woman', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_woman_fixed';
    END IF;
    IF NEW.attendance IS NOT NULL AND NEW.at > now() + interval '5 minutes' THEN
        RAISE EXCEPTION 'contact % has an outcome in the future', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_outcome_not_future';
    END IF;
    IF NEW.referral_id IS NOT NULL AND EXISTS (SELECT 1 FROM referrals r
            WHERE r.id = NEW.referral_id AND NEW.at < r.received_at) THEN
        RAISE EXCEPTION 'contact % before the receipt of referral %', NEW.id, NEW.referral_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_after_receipt';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER contacts_check BEFORE INSERT OR UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_check();

-- A referral's answer: the earliest contact that names it, attended with
-- her present, in a mode that counts, not entered in error. The referral's
-- row is locked first so that concurrent contacts of one referral are
-- counted one after the other (each sees the ones committed before it).
-- Its version moves when the answer does: the representation changed.
CREATE FUNCTION referral_answer_recompute(referral uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    answered timestamptz;
BEGIN
    PERFORM 1 FROM referrals WHERE id = referral FOR UPDATE;
    SELECT min(c.at) INTO answered
    FROM contacts c JOIN vocabulary v ON v.domain = 'contact_mode' AND v.code = c.mode
    WHERE c.referral_id = referral AND c.voided_at IS NULL AND c.attendance = 'attended'
        AND c.woman_present AND v.answers_referral;
    UPDATE referrals SET responded_at = answered, version = version + 1, updated_at = now()
    WHERE id = referral AND responded_at IS DISTINCT FROM answered;
END
$$;

CREATE FUNCTION contacts_answer_referrals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.referral_id IS NOT NULL THEN
        PERFORM referral_answer_recompute(NEW.referral_id);
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.referral_id IS NOT NULL
            AND OLD.referral_id IS DISTINCT FROM NEW.referral_id THEN
        PERFORM referral_answer_recompute(OLD.referral_id);
    END IF;
    RETURN NULL;
END
$$;

-- Item 4: every typed first-contact time becomes a contact (by nobody
-- recorded, mode unknown, the perinatal team, attended with her present),
-- which answers its referral at the same time as before.
INSERT INTO contacts (organisation_id, service_user_id, referral_id, team_id, at, service, mode,
    attendance, woman_present, migrated, created_by)
SELECT organisation_id, service_user_id, id, team_id, responded_at, 'perinatal_team', 'unknown',
    'attended', true, true, 'migration:010_contacts'
FROM referrals WHERE responded_at IS NOT NULL;

-- From now on the answer follows the contacts (created after the copy,
-- which changes no answer).
CREATE TRIGGER contacts_answer_referrals AFTER INSERT OR UPDATE OF referral_id, at, mode,
    attendance, woman_present, voided_at ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_answer_referrals();
