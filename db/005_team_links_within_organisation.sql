-- A woman is linked only to teams of her own organisation: a clinician token
-- naming another organisation's team must not bring her into its scope.
ALTER TABLE service_user_teams ADD COLUMN organisation_id uuid;
UPDATE service_user_teams l SET organisation_id = t.organisation_id
FROM teams t WHERE t.id = l.team_id;
ALTER TABLE service_user_teams ALTER COLUMN organisation_id SET NOT NULL;
ALTER TABLE service_user_teams DROP CONSTRAINT service_user_teams_team_id_fkey;
ALTER TABLE service_user_teams ADD CONSTRAINT service_user_teams_team_fk
    FOREIGN KEY (team_id, organisation_id) REFERENCES teams (id, organisation_id);
