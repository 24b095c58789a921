-- Token revocation (revoked_tokens.c). $2 {jti, reason}.

-- name: revocation_insert
-- The first revocation stands; a repeat answers with it. Who revoked it and
-- why stay within the revoking organisation.
WITH ins AS (
    INSERT INTO revoked_tokens (jti, organisation_id, revoked_by, reason)
    VALUES ($2::jsonb ->> 'jti', ($1::access).org, ($1::access).sub, $2::jsonb ->> 'reason')
    ON CONFLICT (jti) DO NOTHING RETURNING *)
SELECT true, json_build_object('jti', jti, 'revoked_at', revoked_at, 'revoked_by', revoked_by,
    'reason', reason)::text
FROM ins
UNION ALL
SELECT false, json_build_object('jti', jti, 'revoked_at', revoked_at,
    'revoked_by', CASE WHEN organisation_id = ($1::access).org THEN revoked_by END,
    'reason', CASE WHEN organisation_id = ($1::access).org THEN reason END)::text
FROM revoked_tokens WHERE jti = $2::jsonb ->> 'jti'
LIMIT 1;
