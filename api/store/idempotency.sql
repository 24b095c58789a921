-- Idempotency keys (idempotency.c): a key belongs to the caller ($1's sub)
-- in its organisation. $2 {key, method, path, body} to claim or fetch, and
-- {key, status, location, etag, response} to store the first answer.

-- name: idem_claim
INSERT INTO idempotency_keys (owner_sub, key, request_hash, organisation_id)
VALUES (($1::access).sub, $2::jsonb ->> 'key', encode(sha256(convert_to(
    ($2::jsonb ->> 'method') || ' ' || ($2::jsonb ->> 'path') || E'\n' || ($2::jsonb ->> 'body'),
    'UTF8')), 'hex'), ($1::access).org)
ON CONFLICT DO NOTHING RETURNING 1;

-- name: idem_fetch repeatable
SELECT request_hash = encode(sha256(convert_to(
        ($2::jsonb ->> 'method') || ' ' || ($2::jsonb ->> 'path') || E'\n'
        || ($2::jsonb ->> 'body'), 'UTF8')), 'hex'),
    status, location, etag, body
FROM idempotency_keys
WHERE owner_sub = ($1::access).sub AND key = $2::jsonb ->> 'key'
    AND organisation_id = ($1::access).org;

-- name: idem_store
UPDATE idempotency_keys SET status = ($2::jsonb ->> 'status')::int,
    location = $2::jsonb ->> 'location', etag = $2::jsonb ->> 'etag',
    body = $2::jsonb ->> 'response'
WHERE owner_sub = ($1::access).sub AND key = $2::jsonb ->> 'key'
    AND organisation_id = ($1::access).org;
