-- Partners and significant others, her consents, MH6 partner offers and
-- discharge plans (db/019_partners_consents_discharge_plans.sql): what is in
-- force, the representations, and the rules that compare records.

-- Her consent to involve this partner, on a day (the rule of consent_in_force,
-- db/repeatable/15_service_users.sql).
CREATE OR REPLACE FUNCTION partner_consent_in_force(partner_id uuid, on_day date)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((
        SELECT c.decision = 'given' FROM consents c
        WHERE c.partner_id = $1 AND c.decided_on <= $2
        ORDER BY c.decided_on DESC, c.created_at DESC, c.id DESC LIMIT 1), false)
$$;

CREATE OR REPLACE FUNCTION consent_json(c consents) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'id', c.id, 'service_user_id', c.service_user_id, 'partner_id', c.partner_id,
        'scope', c.scope, 'decision', c.decision, 'on', c.decided_on, 'note', c.note,
        'migrated', c.migrated, 'recorded_by', c.created_by,
        'organisation_id', c.organisation_id, 'version', c.version,
        'created_at', c.created_at, 'updated_at', c.updated_at)
$$;

-- MH6 Group I: "Seen within 1 week of admission by a senior clinician": an
-- attended contact (not entered in error) naming the partner, held by staff
-- of a senior grade, from the day of admission to 7 days after it (England).
-- The admission comes from the MBU admissions record where it is kept.
-- (@>, not = ANY: the GIN index on partner_ids answers it, so the MH6
-- report does not read every contact for each partner.)
CREATE OR REPLACE FUNCTION mh6_partner_seen_within_week(partner_id uuid, admitted_on date)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT 1 FROM contacts c JOIN staff s ON s.id = c.staff_id
        WHERE c.partner_ids @> ARRAY[$1] AND c.voided_at IS NULL
            AND c.attendance = 'attended'
            AND s.seniority IN ('senior_practitioner', 'consultant')
            AND (c.at AT TIME ZONE 'Europe/London')::date BETWEEN $2 AND $2 + 7)
$$;

-- PL/pgSQL: its subqueries would have it planned again in every statement.
CREATE OR REPLACE FUNCTION partner_json(p partners) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN json_build_object(
        'id', p.id, 'service_user_id', p.service_user_id, 'name', p.name,
        'relationship', p.relationship,
        'contact', json_build_object('telephone', p.telephone, 'email', p.email,
            'address', p.address),
        'needs_assessment', CASE WHEN p.needs_assessed_on IS NOT NULL THEN json_build_object(
            'on', p.needs_assessed_on, 'staff_id', p.needs_assessed_by,
            'outcome', p.needs_assessment_outcome) END,
        -- The rule of partner_consent_in_force(), today: the latest decision
        -- on or before it (a later-dated one is not yet in force).
        'consent_in_force', coalesce((SELECT c.decision = 'given' FROM consents c
            WHERE c.partner_id = p.id
                AND c.decided_on <= (now() AT TIME ZONE 'Europe/London')::date
            ORDER BY c.decided_on DESC, c.created_at DESC, c.id DESC LIMIT 1), false),
        'consent', (SELECT consent_json(c) FROM consents c WHERE c.partner_id = p.id
            ORDER BY c.decided_on DESC, c.created_at DESC, c.id DESC LIMIT 1),
        -- MH6 Group I while she is in the mother and baby unit (her latest
        -- admission, not entered in error): seen within a week of admission
        -- by a senior clinician (mh6_partner_seen_within_week), and flagged
        -- as missed once the week is over without it. NULL: no admission.
        'seen_within_week_of_admission', (SELECT json_build_object(
                'mbu_admission_id', m.id, 'admitted_on', m.admitted_on,
                'due_by', m.admitted_on + 7, 'met', x.met,
                'missed', NOT x.met AND england_today() > m.admitted_on + 7)
            FROM mbu_admissions m,
                LATERAL (SELECT mh6_partner_seen_within_week(p.id, m.admitted_on) AS met) x
            WHERE m.service_user_id = p.service_user_id AND m.voided_at IS NULL
            ORDER BY m.admitted_on DESC, m.id DESC LIMIT 1),
        'organisation_id', p.organisation_id, 'version', p.version,
        'created_by', p.created_by, 'created_at', p.created_at, 'updated_at', p.updated_at);
END
$$;

-- PL/pgSQL: its subqueries would have it planned again in every statement.
CREATE OR REPLACE FUNCTION partner_offer_json(o partner_offers) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN json_build_object(
        'id', o.id, 'service_user_id', o.service_user_id, 'partner_id', o.partner_id,
        'support_type', o.support_type, 'mh6_item', o.mh6_item,
        'mh6_group', (SELECT i.mh6_group FROM mh6_items i WHERE i.code = o.mh6_item),
        'offered_on', o.offered_on, 'accepted_on', o.accepted_on, 'note', o.note,
        'organisation_id', o.organisation_id, 'version', o.version,
        'created_by', o.created_by, 'created_at', o.created_at, 'updated_at', o.updated_at);
END
$$;

-- A consent recorded changes what her record (or the partner's) shows:
-- its version moves, so that its ETag does, and her record keeps the
-- consents it shows (service_user_consent_shown). Her row is locked first,
-- by a statement of its own, so that what she shows is worked out after any
-- other consent being recorded for her has committed (infants_shown_count).
CREATE OR REPLACE FUNCTION consents_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.partner_id IS NOT NULL THEN
        UPDATE partners SET version = version + 1, updated_at = now() WHERE id = NEW.partner_id;
    ELSE
        PERFORM 1 FROM service_users WHERE id = NEW.service_user_id FOR NO KEY UPDATE;
        UPDATE service_users
        SET version = version + 1, updated_at = now(),
            shown_consent = service_user_consent_shown(NEW.service_user_id)
        WHERE id = NEW.service_user_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER consents_touch AFTER INSERT ON consents
    FOR EACH ROW EXECUTE FUNCTION consents_touch();

-- 000 (MH6): support is offered "with the mothers consent": an offer needs
-- her consent to involve this partner in force on the day it is made.
CREATE OR REPLACE FUNCTION partner_offers_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The partner's row share-locked first: a consent being recorded for
    -- the partner (consents_touch updates the row) commits before the check
    -- below reads the consents, or waits for this offer. (The offer's
    -- foreign key takes only a key-share lock, which that update does not
    -- wait for: a withdrawal and an offer made at once both committed.)
    PERFORM 1 FROM partners WHERE id = NEW.partner_id FOR SHARE;
    IF NOT partner_consent_in_force(NEW.partner_id, NEW.offered_on) THEN
        RAISE EXCEPTION 'partner % has no consent in force on %', NEW.partner_id,
            NEW.offered_on
            USING ERRCODE = 'check_violation', CONSTRAINT = 'partner_offers_consent_in_force';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER partner_offers_check BEFORE INSERT OR UPDATE OF partner_id, offered_on
    ON partner_offers FOR EACH ROW EXECUTE FUNCTION partner_offers_check();

-- A contact names partners of its own woman only.
CREATE OR REPLACE FUNCTION contacts_partners_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(NEW.partner_ids) AS x(id)
            WHERE NOT EXISTS (SELECT 1 FROM partners p
                WHERE p.id = x.id AND p.service_user_id = NEW.service_user_id)) THEN
        RAISE EXCEPTION 'contact % names a partner of another woman', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_partners_of_woman';
    END IF;
    RETURN NEW;
END
$$;
-- Only a contact that names partners has any to check: the condition keeps
-- the others from calling the function at all.
CREATE OR REPLACE TRIGGER contacts_partners_check BEFORE INSERT OR UPDATE OF partner_ids
    ON contacts FOR EACH ROW WHEN (NEW.partner_ids <> '{}')
    EXECUTE FUNCTION contacts_partners_check();

-- Discharge plans: for a referral in care (accepted, or closed as unable
-- to engage) until it is discharged; who is told, only while her sharing
-- consent for them is in force. The referral shows its plan, so its version
-- moves with the plan.
CREATE OR REPLACE FUNCTION discharge_plans_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NOT NEW.migrated AND NOT EXISTS (SELECT 1 FROM referrals r
            WHERE r.id = NEW.id AND r.status IN ('accepted', 'unable_to_engage')) THEN
        RAISE EXCEPTION 'referral % is not in care', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'discharge_plans_referral_in_care';
    END IF;
    -- A consent being recorded for her (consents_touch locks her row) is
    -- waited for, and then seen by the checks below. The referral's row
    -- first, then hers, the order of its steps (a discharge locks the
    -- referral, then her row: referrals_discharged_with_plan, and her
    -- caseload's rebuild), so that the two never wait for each other in a
    -- circle; in the mode they take, so that no lock is upgraded.
    IF NEW.inform_gp OR NEW.inform_health_visitor OR NEW.inform_maternity THEN
        PERFORM 1 FROM referrals r WHERE r.id = NEW.id FOR NO KEY UPDATE;
        PERFORM 1 FROM service_users s WHERE s.id = NEW.service_user_id FOR NO KEY UPDATE;
    END IF;
    IF NEW.inform_gp AND NOT consent_in_force(NEW.service_user_id, 'share_with_gp') THEN
        RAISE EXCEPTION 'no consent to share with the GP'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'discharge_plans_gp_consent';
    END IF;
    IF NEW.inform_health_visitor
            AND NOT consent_in_force(NEW.service_user_id, 'share_with_health_visiting') THEN
        RAISE EXCEPTION 'no consent to share with health visiting'
            USING ERRCODE = 'check_violation',
                CONSTRAINT = 'discharge_plans_health_visitor_consent';
    END IF;
    IF NEW.inform_maternity AND NOT consent_in_force(NEW.service_user_id, 'share_with_maternity')
            THEN
        RAISE EXCEPTION 'no consent to share with maternity'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'discharge_plans_maternity_consent';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER discharge_plans_check BEFORE INSERT OR UPDATE ON discharge_plans
    FOR EACH ROW EXECUTE FUNCTION discharge_plans_check();

CREATE OR REPLACE FUNCTION discharge_plans_touch_referral() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE referrals SET version = version + 1, updated_at = now() WHERE id = NEW.id;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER discharge_plans_touch_referral AFTER INSERT OR UPDATE
    ON discharge_plans FOR EACH ROW EXECUTE FUNCTION discharge_plans_touch_referral();

-- Whom her discharge plan (the referral's) tells without her sharing
-- consent in force today: 'share_with_gp' and the like, in that order;
-- empty when none. A consent withdrawn after the plan was written (issue
-- 13, item 7: "each only where her sharing consent is in force").
CREATE OR REPLACE FUNCTION discharge_plan_told_without_consent(referral uuid) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT array_remove(ARRAY[
        CASE WHEN d.inform_gp AND NOT consent_in_force(d.service_user_id, 'share_with_gp')
            THEN 'share_with_gp' END,
        CASE WHEN d.inform_health_visitor
                AND NOT consent_in_force(d.service_user_id, 'share_with_health_visiting')
            THEN 'share_with_health_visiting' END,
        CASE WHEN d.inform_maternity
                AND NOT consent_in_force(d.service_user_id, 'share_with_maternity')
            THEN 'share_with_maternity' END], NULL)
    FROM discharge_plans d WHERE d.id = referral
$$;

-- The database holds it too, whatever writes the referral: a referral
-- moves to discharged only with its plan recorded, and telling only those
-- her sharing consent allows today (the step's guard below says so first,
-- naming where to record or change it). Her row is locked first (as her
-- caseload's rebuild later in the step locks it), so a consent being
-- recorded is waited for and then seen.
CREATE OR REPLACE FUNCTION referrals_discharged_with_plan() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'discharged' AND OLD.status IS DISTINCT FROM 'discharged' THEN
        IF NOT EXISTS (SELECT 1 FROM discharge_plans d WHERE d.id = NEW.id) THEN
            RAISE EXCEPTION 'referral % discharged without its discharge plan', NEW.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'referrals_discharge_plan';
        END IF;
        PERFORM 1 FROM service_users s WHERE s.id = NEW.service_user_id FOR NO KEY UPDATE;
        IF discharge_plan_told_without_consent(NEW.id) <> '{}' THEN
            RAISE EXCEPTION 'referral % discharged with a plan telling without consent', NEW.id
                USING ERRCODE = 'check_violation',
                    CONSTRAINT = 'referrals_discharge_plan_consent';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER referrals_discharged_with_plan BEFORE UPDATE OF status ON referrals
    FOR EACH ROW EXECUTE FUNCTION referrals_discharged_with_plan();

-- The referral workflow's discharge step needs her discharge plan, telling
-- only those her sharing consent allows today.
CREATE OR REPLACE FUNCTION referral_guard_discharge_plan(a access, id uuid, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM discharge_plans d WHERE d.id = $2) THEN
            jsonb_build_object('status', 409, 'detail',
                'A discharge needs her discharge plan: record it first with '
                || 'POST /v1/referrals/' || $2 || '/discharge-plan.')
        WHEN x.told <> '{}' THEN
            jsonb_build_object('status', 409, 'detail',
                'Her discharge plan tells those her consent (' || array_to_string(x.told, ', ')
                || ') no longer allows: change its inform with PATCH /v1/referrals/' || $2
                || '/discharge-plan first.')
    END
    FROM (SELECT discharge_plan_told_without_consent($2) AS told) x
$$;

-- A discharge plan is attached to her care plan when she has one (issue 13,
-- item 7): the current plan of the referral's team, else her latest one;
-- none (NULL) when she has no plan, as for a woman discharged unable to
-- engage.
CREATE OR REPLACE FUNCTION discharge_plans_care_plan() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.care_plan_id IS NULL THEN
        SELECT p.id INTO NEW.care_plan_id FROM care_plans p
        WHERE p.service_user_id = NEW.service_user_id AND p.voided_at IS NULL
        ORDER BY (p.team_id = NEW.team_id) DESC, p.created_at DESC, p.id DESC
        LIMIT 1;
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER discharge_plans_care_plan BEFORE INSERT ON discharge_plans
    FOR EACH ROW EXECUTE FUNCTION discharge_plans_care_plan();
