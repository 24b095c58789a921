-- Idempotency keys belong to a caller within an organisation: the same sub
-- in two organisations must never see the other's stored response.
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys ADD COLUMN organisation_id uuid NOT NULL;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (organisation_id, owner_sub, key);
