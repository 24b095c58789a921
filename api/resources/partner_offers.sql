-- MH6 partner offers (partner_offers.c). $1 the access context, $2 {parent:
-- the partner, outer: the woman, id, version, body}.

-- name: partner_offer_insert
-- No row: no such partner of this woman in the caller's scope.
INSERT INTO partner_offers (organisation_id, service_user_id, partner_id, support_type,
    mh6_item, offered_on, accepted_on, note, created_by)
SELECT p.organisation_id, p.service_user_id, p.id, x.support_type, x.mh6_item, x.offered_on,
    x.accepted_on, x.note, ($1::access).sub
FROM partners p, jsonb_to_record($2::jsonb -> 'body') AS x(support_type text, mh6_item text,
    offered_on date, accepted_on date, note text)
WHERE p.id = ($2::jsonb ->> 'parent')::uuid
    AND p.service_user_id = ($2::jsonb ->> 'outer')::uuid
    AND p.organisation_id = ($1::access).org
    AND EXISTS (SELECT 1 FROM access_scope($1::access, p.organisation_id, p.service_user_id,
        NULL, NULL))
RETURNING id, version, partner_offer_json(partner_offers)::text, service_user_id::text;

-- name: partner_offer_update
UPDATE partner_offers t SET support_type = x.support_type, mh6_item = x.mh6_item,
    offered_on = x.offered_on, accepted_on = x.accepted_on, note = x.note,
    version = t.version + 1, updated_at = now()
FROM jsonb_to_record($2::jsonb -> 'body') AS x(support_type text, mh6_item text,
    offered_on date, accepted_on date, note text)
WHERE t.id = ($2::jsonb ->> 'id')::uuid AND t.organisation_id = ($1::access).org
    AND t.version = ($2::jsonb ->> 'version')::int
RETURNING t.version, partner_offer_json(t)::text, t.service_user_id::text;
