-- Demo data for a local stack: one organisation, four teams, two staff per
-- team, two GP practices it covers. Run as perinatal_owner after the
-- migrations (scripts/lib.sh does); idempotent: rows that exist are left as
-- they are. Fixed ids, so that tokens and tests can name them
-- (scripts/lib.sh: PERINATAL_DEMO_ORG/TEAM).
\set ON_ERROR_STOP on

BEGIN;

INSERT INTO organisations (id, name) VALUES
    ('00000000-0000-4000-8000-000000000001', 'Dorset Perinatal Mental Health Service (demo)')
ON CONFLICT DO NOTHING;

INSERT INTO teams (id, organisation_id, name, type, created_by) VALUES
    ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-000000000001',
     'Dorset Perinatal Community Team', 'perinatal_community', 'demo-data'),
    ('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-000000000001',
     'Dorset Maternal Mental Health Service', 'mmhs', 'demo-data'),
    ('00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-000000000001',
     'Wessex Mother and Baby Unit', 'mbu', 'demo-data'),
    ('00000000-0000-4000-8000-0000000000a4', '00000000-0000-4000-8000-000000000001',
     'Bournemouth Community Mental Health Team', 'cmht', 'demo-data')
ON CONFLICT DO NOTHING;

INSERT INTO staff (id, organisation_id, team_id, name, profession, created_by) VALUES
    ('00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-000000000001',
     '00000000-0000-4000-8000-0000000000a1', 'Dr Amara Okafor', 'psychiatrist', 'demo-data'),
    ('00000000-0000-4000-8000-0000000000b2', '00000000-0000-4000-8000-000000000001',
     '00000000-0000-4000-8000-0000000000a1', 'Rhian Evans', 'nurse', 'demo-data'),
    ('00000000-0000-4000-8000-0000000000b3', '00000000-0000-4000-8000-000000000001',
     '00000000-0000-4000-8000-0000000000a2', 'Dr Priya Nair', 'psychologist', 'demo-data'),
    ('00000000-0000-4000-8000-0000000000b4', '00000000-0000-4000-8000-000000000001',
     '00000000-0000-4000-8000-0000000000a2', 'Tom Hughes', 'midwife', 'demo-data'),
    ('00000000-0000-4000-8000-0000000000b5', '00000000-0000-4000-8000-000000000001',
     '00000000-0000-4000-8000-0000000000a3', 'Grace Mensah', 'nursery_nurse', 'demo-data'),
    ('00000000-0000-4000-8000-0000000000b6', '00000000-0000-4000-8000-000000000001',
     '00000000-0000-4000-8000-0000000000a3', 'Sian Roberts', 'occupational_therapist', 'demo-data'),
    ('00000000-0000-4000-8000-0000000000b7', '00000000-0000-4000-8000-000000000001',
     '00000000-0000-4000-8000-0000000000a4', 'Dr Mark Chen', 'psychiatrist', 'demo-data'),
    ('00000000-0000-4000-8000-0000000000b8', '00000000-0000-4000-8000-000000000001',
     '00000000-0000-4000-8000-0000000000a4', 'Lucy Patel', 'social_worker', 'demo-data')
ON CONFLICT DO NOTHING;

-- The GP practices the demo organisation covers (the tests' women are
-- registered with J82001).
INSERT INTO gp_practices (organisation_id, ods_code, name, created_by) VALUES
    ('00000000-0000-4000-8000-000000000001', 'J82001', 'Dorchester Surgery (demo)', 'demo-data'),
    ('00000000-0000-4000-8000-000000000001', 'J82002', 'Weymouth Medical Practice (demo)',
     'demo-data')
ON CONFLICT DO NOTHING;

COMMIT;
