-- One rule each, called directly: joint working asks consent_in_force
-- (db/repeatable/45_partners.sql), and England's day is england_today()
-- (db/repeatable/01_access.sql). The per-resource copies go.
DROP FUNCTION IF EXISTS jw_consent_in_force(uuid, text);
DROP FUNCTION IF EXISTS jw_today();
DROP FUNCTION IF EXISTS care_plan_today();
