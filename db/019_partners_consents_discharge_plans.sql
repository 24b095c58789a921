-- Partners and significant others, her consents as dated records, MH6
-- partner support offers, and discharge plans as their own record (issue
-- 13, points 4, 5 and 7).
--
-- Consents: her consent flags on service_users (partner involvement,
-- sharing with the GP and with health visiting) become dated records, and
-- sharing with maternity is new; a partner's involvement is consented per
-- partner. What is in force is the latest record (by its date, then by when
-- it was recorded): consent_in_force() in db/repeatable/45_partners.sql.

INSERT INTO vocabulary (domain, position, code, national_code, label) VALUES
    ('partner_relationship', 1, 'partner', NULL, 'Partner (husband, wife, civil partner, boyfriend, girlfriend)'),
    ('partner_relationship', 2, 'ex_partner', NULL, 'Former partner'),
    ('partner_relationship', 3, 'parent', NULL, 'Her parent'),
    ('partner_relationship', 4, 'sibling', NULL, 'Her brother or sister'),
    ('partner_relationship', 5, 'other_relative', NULL, 'Another relative'),
    ('partner_relationship', 6, 'friend', NULL, 'Friend'),
    ('partner_relationship', 7, 'other', NULL, 'Another significant other'),
    ('consent_scope', 1, 'share_with_gp', NULL, 'Share information with her GP'),
    ('consent_scope', 2, 'share_with_health_visiting', NULL, 'Share information with health visiting'),
    ('consent_scope', 3, 'share_with_maternity', NULL, 'Share information with maternity services'),
    ('consent_scope', 4, 'partner_involvement', NULL, 'Involve a partner or significant other in her care'),
    ('consent_decision', 1, 'given', NULL, 'Consent given'),
    ('consent_decision', 2, 'withdrawn', NULL, 'Consent withdrawn'),
    -- 000 (MH6): "emotional, practical and informational support offered to
    -- all partners and significant others with the mothers consent".
    ('partner_support_type', 1, 'emotional', NULL, 'Emotional support'),
    ('partner_support_type', 2, 'practical', NULL, 'Practical support'),
    ('partner_support_type', 3, 'informational', NULL, 'Informational support'),
    -- 000 (MH6): the interventions of Groups I to IV, in the seed's order.
    ('mh6_item', 1, 'seen_by_senior_clinician_within_week', NULL,
        'Group I: seen within 1 week of admission by a senior clinician to discuss the mother''s condition'),
    ('mh6_item', 2, 'ward_reviews_and_meetings', NULL,
        'Group I: offered the opportunity to attend ward reviews and significant meetings'),
    ('mh6_item', 3, 'further_discussions_welcome', NULL,
        'Group I: informed that requests for additional discussions are welcomed'),
    ('mh6_item', 4, 'joint_activities', NULL,
        'Group I: informed of the joint activities that are available'),
    ('mh6_item', 5, 'written_and_electronic_information', NULL,
        'Group I: directed to the range of written and electronic information available'),
    ('mh6_item', 6, 'partner_support_sessions', NULL, 'Group II: partner support sessions'),
    ('mh6_item', 7, 'family_sessions', NULL, 'Group II: family sessions'),
    ('mh6_item', 8, 'couple_sessions', NULL, 'Group II: couple sessions'),
    ('mh6_item', 9, 'parent_infant_activities', NULL,
        'Group III: parent-infant activities (massage, rhyme time, music sessions)'),
    ('mh6_item', 10, 'practical_parenting_support', NULL,
        'Group III: practical parenting advice or support with a nursery nurse or health visitor'),
    ('mh6_item', 11, 'recovery_narratives', NULL,
        'Group IV: written or video narratives of experience and recovery of perinatal patients'),
    ('mh6_item', 12, 'meeting_recovered_patients', NULL,
        'Group IV: meeting recovered patients (service or family days, charities)');

-- Each MH6 item's group (I to IV), which the quarterly milestones count by.
CREATE TABLE mh6_items (
    code text PRIMARY KEY,
    mh6_group text NOT NULL CHECK (mh6_group IN ('I', 'II', 'III', 'IV'))
);
INSERT INTO mh6_items (code, mh6_group) VALUES
    ('seen_by_senior_clinician_within_week', 'I'), ('ward_reviews_and_meetings', 'I'),
    ('further_discussions_welcome', 'I'), ('joint_activities', 'I'),
    ('written_and_electronic_information', 'I'),
    ('partner_support_sessions', 'II'), ('family_sessions', 'II'), ('couple_sessions', 'II'),
    ('parent_infant_activities', 'III'), ('practical_parenting_support', 'III'),
    ('recovery_narratives', 'IV'), ('meeting_recovered_patients', 'IV');
GRANT SELECT ON mh6_items TO perinatal_app;

-- Partners and significant others of a woman.
ALTER TABLE service_users ADD CONSTRAINT service_users_id_org_unique UNIQUE (id, organisation_id);
CREATE TABLE partners (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL,
    service_user_id uuid NOT NULL,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    relationship text NOT NULL CHECK (relationship IN ('partner', 'ex_partner', 'parent',
        'sibling', 'other_relative', 'friend', 'other')),
    telephone text CHECK (char_length(telephone) BETWEEN 1 AND 40),
    email text CHECK (char_length(email) BETWEEN 3 AND 254),
    address text CHECK (char_length(address) BETWEEN 1 AND 500),
    -- Her partner's needs assessment (002: "Assess the needs of Dads and
    -- partners"): when, by which member of staff, with what outcome.
    needs_assessed_on date,
    needs_assessed_by uuid,
    needs_assessment_outcome text CHECK (char_length(needs_assessment_outcome) BETWEEN 1 AND 4000),
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT partners_woman_fk FOREIGN KEY (service_user_id, organisation_id)
        REFERENCES service_users (id, organisation_id),
    CONSTRAINT partners_assessor_fk FOREIGN KEY (needs_assessed_by, organisation_id)
        REFERENCES staff (id, organisation_id),
    CONSTRAINT partners_needs_assessment_check CHECK (
        (needs_assessed_on IS NULL) = (needs_assessed_by IS NULL)
        AND (needs_assessed_on IS NULL) = (needs_assessment_outcome IS NULL)),
    CONSTRAINT partners_id_woman_unique UNIQUE (id, service_user_id)
);
CREATE INDEX partners_service_user_idx ON partners (service_user_id, id);
GRANT SELECT, INSERT, UPDATE ON partners TO perinatal_app;

-- Her consents, dated: each a decision (given or withdrawn) on a day, who
-- recorded it. A partner's involvement names the partner; the other scopes
-- do not (a partner_involvement row without a partner is her general
-- consent, as the old flag was).
CREATE TABLE consents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL,
    service_user_id uuid NOT NULL,
    partner_id uuid,
    scope text NOT NULL CHECK (scope IN ('share_with_gp', 'share_with_health_visiting',
        'share_with_maternity', 'partner_involvement')),
    decision text NOT NULL CHECK (decision IN ('given', 'withdrawn')),
    decided_on date NOT NULL,
    note text CHECK (char_length(note) BETWEEN 1 AND 2000),
    migrated boolean NOT NULL DEFAULT false,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT consents_woman_fk FOREIGN KEY (service_user_id, organisation_id)
        REFERENCES service_users (id, organisation_id),
    CONSTRAINT consents_partner_fk FOREIGN KEY (partner_id, service_user_id)
        REFERENCES partners (id, service_user_id),
    CONSTRAINT consents_partner_scope_check CHECK (partner_id IS NULL
        OR scope = 'partner_involvement')
);
CREATE INDEX consents_woman_idx ON consents (service_user_id, scope, decided_on, created_at);
CREATE INDEX consents_partner_idx ON consents (partner_id, decided_on, created_at)
    WHERE partner_id IS NOT NULL;
GRANT SELECT, INSERT ON consents TO perinatal_app;

-- Her flags, without loss: a true flag is a consent given on the day she
-- was registered (England), recorded by the migration.
INSERT INTO consents (organisation_id, service_user_id, scope, decision, decided_on, migrated,
    created_by, created_at)
SELECT s.organisation_id, s.id, f.scope, 'given',
    (s.created_at AT TIME ZONE 'Europe/London')::date, true, 'migration', s.created_at
FROM service_users s, LATERAL (VALUES
        ('partner_involvement', s.consent_partner_involvement),
        ('share_with_gp', s.consent_share_with_gp),
        ('share_with_health_visiting', s.consent_share_with_health_visiting)) AS f(scope, given)
WHERE f.given;
-- The flags go: the records are the one source. Their mapping function
-- (db/repeatable/15_service_users.sql) changes shape, so it goes first.
DROP FUNCTION IF EXISTS service_user_columns(jsonb);
ALTER TABLE service_users DROP COLUMN consent_partner_involvement,
    DROP COLUMN consent_share_with_gp, DROP COLUMN consent_share_with_health_visiting;

-- MH6 partner support offers: typed, with their MH6 item (its group from
-- mh6_items), offered and accepted dates. The partner's consent must be in
-- force on the day of the offer (db/repeatable/45_partners.sql's trigger).
CREATE TABLE partner_offers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL,
    service_user_id uuid NOT NULL,
    partner_id uuid NOT NULL,
    support_type text NOT NULL CHECK (support_type IN ('emotional', 'practical',
        'informational')),
    mh6_item text NOT NULL REFERENCES mh6_items (code),
    offered_on date NOT NULL,
    accepted_on date,
    note text CHECK (char_length(note) BETWEEN 1 AND 2000),
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT partner_offers_partner_fk FOREIGN KEY (partner_id, service_user_id)
        REFERENCES partners (id, service_user_id),
    CONSTRAINT partner_offers_accepted_check CHECK (accepted_on >= offered_on)
);
CREATE INDEX partner_offers_partner_idx ON partner_offers (partner_id, id);
GRANT SELECT, INSERT, UPDATE ON partner_offers TO perinatal_app;

-- Contacts name the partners who took part (MH6 Group I: seen within a week
-- of admission by a senior clinician). Partners of the same woman only: the
-- trigger of db/repeatable/45_partners.sql.
ALTER TABLE contacts ADD COLUMN partner_ids uuid[] NOT NULL DEFAULT '{}';
CREATE INDEX contacts_partner_ids_idx ON contacts USING gin (partner_ids);

-- Discharge plans: one per referral, its id the referral's (002: "Every
-- Service User discharged from the Service will have a discharge plan in
-- place, which may include referral to other services"). care_plan_id:
-- her care plan, when she has one; the care plans table is not here yet
-- (no foreign key until it is; the API shows it, read-only).
CREATE TABLE discharge_plans (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL,
    service_user_id uuid NOT NULL,
    team_id uuid NOT NULL,
    care_plan_id uuid,
    follow_up text CHECK (char_length(follow_up) BETWEEN 1 AND 4000),
    relapse_signs text CHECK (char_length(relapse_signs) BETWEEN 1 AND 4000),
    -- Who is told; each only while her sharing consent is in force.
    inform_gp boolean NOT NULL DEFAULT false,
    inform_health_visitor boolean NOT NULL DEFAULT false,
    inform_maternity boolean NOT NULL DEFAULT false,
    referred_to text CHECK (char_length(referred_to) BETWEEN 1 AND 500),
    -- The free text of a plan given with the discharge step, before this.
    summary text CHECK (char_length(summary) BETWEEN 1 AND 4000),
    migrated boolean NOT NULL DEFAULT false,
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT discharge_plans_referral_fk FOREIGN KEY (id, service_user_id)
        REFERENCES referrals (id, service_user_id),
    CONSTRAINT discharge_plans_content_check CHECK (migrated
        OR (follow_up IS NOT NULL AND relapse_signs IS NOT NULL))
);
CREATE INDEX discharge_plans_service_user_idx ON discharge_plans (service_user_id);
GRANT SELECT, INSERT, UPDATE ON discharge_plans TO perinatal_app;

-- The referrals' free-text plans become records (nobody told: the text did
-- not say), and the discharge step requires a record instead of the text.
INSERT INTO discharge_plans (id, organisation_id, service_user_id, team_id, follow_up,
    referred_to, summary, migrated, created_by, created_at, updated_at)
SELECT r.id, r.organisation_id, r.service_user_id, r.team_id,
    left(r.discharge_plan ->> 'follow_up', 4000), left(r.discharge_plan ->> 'referred_to', 500),
    left(coalesce(r.discharge_plan ->> 'summary', r.discharge_plan::text), 4000), true,
    'migration', r.updated_at, r.updated_at
FROM referrals r
WHERE r.discharge_plan IS NOT NULL AND r.service_user_id IS NOT NULL;
ALTER TABLE referrals DROP CONSTRAINT referrals_discharged_check;
ALTER TABLE referrals DROP COLUMN discharge_plan;
UPDATE workflow_steps SET required = array_remove(required, 'discharge_plan'),
    guards = guards || '{referral_guard_discharge_plan}'::text[]
WHERE workflow = 'referral' AND to_state = 'discharged';
