#!/usr/bin/env bash
# bench/contacts.sh: the contact write benchmark (issue 9, item 15).
# Starts its own stack (state .run/bench-contacts, port 28445) with a
# DURABLE PostgreSQL (fsync and synchronous_commit on), loads 20 teams,
# 20,000 women each linked to one team with an open referral received 30
# days ago, and 200,000 earlier contacts (kept between runs), then drives
# POST /v1/contacts through nginx + TLS at 32 connections: each request a
# contact with a woman, answering her referral (the trigger recomputes the
# referral's responded_at), by a clinician token of her team (target
# >= 1,500/s). Every answer must be 201: any other status, or a socket
# error, fails the script and no figure is printed.
#
# Settings: DURATION (20s), PERINATAL_BENCH_CONNECTIONS (32),
# PERINATAL_SKIP_BUILD=1, PERINATAL_SKIP_PACKAGES=1, PERINATAL_BENCH_KEEP=1.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
export PERINATAL_STATE_DIR=${PERINATAL_STATE_DIR:-$repo/.run/bench-contacts}
export PERINATAL_HTTPS_PORT=${PERINATAL_HTTPS_PORT:-28445}
export PERINATAL_RATE_LIMIT=${PERINATAL_RATE_LIMIT:-100000r/s}
export PERINATAL_RATE_BURST=${PERINATAL_RATE_BURST:-100000}
export PERINATAL_PG_FAST=0 # the write figure must be for durable commits

duration=${DURATION:-20s}
connections=${PERINATAL_BENCH_CONNECTIONS:-32}
[[ $duration =~ ^[0-9]+[smh]?$ ]] || { echo "DURATION: e.g. 20s" >&2; exit 2; }
[[ $connections =~ ^[0-9]+$ ]] || { echo "PERINATAL_BENCH_CONNECTIONS: a number" >&2; exit 2; }

# shellcheck source=lib.sh
source "$repo/bench/lib.sh"
bench_start_stack

db() { psql -X -q -v ON_ERROR_STOP=1 -v org="$PERINATAL_DEMO_ORG" "$PERINATAL_MIGRATE_DATABASE_URL" "$@"; }

have=$(db -At -c "SELECT count(*) FROM referrals WHERE submitted_by = 'bench-contacts'")
if ((have < 20000)); then
    perinatal_log "loading 20,000 women with their referrals and 200,000 contacts (once)"
    db <<'SQL'
SET synchronous_commit = off;
BEGIN;
INSERT INTO teams (id, organisation_id, name, type, created_by)
SELECT ('00000000-0000-4000-8000-0000000030' || lpad(to_hex(n), 2, '0'))::uuid, :'org',
       'Bench contacts team ' || n, (ARRAY['perinatal_community', 'mmhs'])[1 + n % 2], 'bench'
FROM generate_series(1, 20) n ON CONFLICT DO NOTHING;
INSERT INTO staff (id, organisation_id, team_id, name, profession, created_by)
SELECT ('00000000-0000-4000-8000-0000000040' || lpad(to_hex(n), 2, '0'))::uuid, :'org',
       ('00000000-0000-4000-8000-0000000030' || lpad(to_hex(n), 2, '0'))::uuid,
       'Bench contacts clinician ' || n, 'nurse', 'bench'
FROM generate_series(1, 20) n ON CONFLICT DO NOTHING;
-- Women with NHS numbers in the unissued 997 range (modulus 11 valid).
INSERT INTO service_users (organisation_id, nhs_number, given_name, family_name, date_of_birth,
                           perinatal_stage, delivery_date, created_by)
SELECT :'org', base || (CASE 11 - w % 11 WHEN 11 THEN 0 ELSE 11 - w % 11 END), 'Bench',
       'Contact ' || n, DATE '1985-01-01' + (n % 7000), 'postnatal',
       current_date - (n % 300), 'bench-contacts'
FROM (SELECT n, base,
             substr(base, 1, 1)::int * 10 + substr(base, 2, 1)::int * 9
           + substr(base, 3, 1)::int * 8 + substr(base, 4, 1)::int * 7
           + substr(base, 5, 1)::int * 6 + substr(base, 6, 1)::int * 5
           + substr(base, 7, 1)::int * 4 + substr(base, 8, 1)::int * 3
           + substr(base, 9, 1)::int * 2 AS w
      FROM (SELECT n, (997000000 + n)::text AS base FROM generate_series(0, 22500) n) c) x
WHERE 11 - w % 11 <> 10
ON CONFLICT DO NOTHING;
CREATE TEMP TABLE women AS
SELECT id, ('00000000-0000-4000-8000-0000000030'
            || lpad(to_hex(1 + (row_number() OVER (ORDER BY id)) % 20), 2, '0'))::uuid AS team_id
FROM service_users WHERE created_by = 'bench-contacts' ORDER BY id LIMIT 20000;
INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason)
SELECT id, team_id, :'org', 'registration' FROM women ON CONFLICT DO NOTHING;
INSERT INTO referrals (organisation_id, service_user_id, team_id, source, channel, received_at,
    priority, criteria, reason, referrer_name, due_at, flag_discuss_individually,
    flag_discuss_with_camhs, flag_offer_joint_working, status, submitted_by, submitted_by_role,
    source_code)
SELECT :'org', w.id, w.team_id, 'gp', 'online_form', now() - interval '30 days', 'routine',
       ARRAY['previous_perinatal_illness'], 'Bench referral', 'Dr Bench',
       now() - interval '2 days', false, false, false, 'received', 'bench-contacts', 'clinician',
       'A1'
FROM women w;
INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason)
SELECT service_user_id, team_id, organisation_id, 'referral' FROM referrals
WHERE submitted_by = 'bench-contacts' ON CONFLICT DO NOTHING;
-- Earlier contacts: ten per woman over the 29 days since receipt.
INSERT INTO contacts (organisation_id, service_user_id, referral_id, team_id, staff_id, at,
    duration_minutes, service, mode, woman_present, attendance, created_by)
SELECT r.organisation_id, r.service_user_id, r.id, r.team_id,
       ('00000000-0000-4000-8000-0000000040' || right(r.team_id::text, 2))::uuid,
       r.received_at + (k * interval '2 days') + random() * interval '1 day', 60,
       'perinatal_team', (ARRAY['telephone', 'home_visit', 'video', 'face_to_face'])[1 + k % 4],
       true, 'attended', 'bench-contacts'
FROM referrals r CROSS JOIN generate_series(1, 10) k
WHERE r.submitted_by = 'bench-contacts';
COMMIT;
ANALYZE teams; ANALYZE staff; ANALYZE service_users; ANALYZE service_user_teams;
ANALYZE referrals; ANALYZE contacts;
SQL
fi

# One line per woman: her team's clinician token index, her id, her
# referral, her team; and one token per team.
women=$PERINATAL_STATE_DIR/bench-contact-women.txt
tokens=$PERINATAL_STATE_DIR/bench-contact-tokens.txt
db -At -F ' ' -c "SELECT r.team_id, r.service_user_id, r.id FROM referrals r
    WHERE r.submitted_by = 'bench-contacts' ORDER BY r.id" >"$women"
: >"$tokens"
for t in $(db -At -c "SELECT DISTINCT team_id FROM referrals WHERE submitted_by = 'bench-contacts' ORDER BY 1"); do
    printf '%s %s\n' "$t" "$(PERINATAL_TOKEN_TTL=3600 perinatal_token clinician --team "$t")" >>"$tokens"
done

figure() { sed -n "s/^BENCH $2: //p" "$1"; }
out=$PERINATAL_STATE_DIR/log/wrk-contacts-$(date +%Y%m%dT%H%M%S).txt
before=$(db -At -c "SELECT count(*) FROM contacts")
perinatal_log "wrk post contacts: -t2 -c$connections -d$duration"
bench_wrk -t2 -c"$connections" -d"$duration" --latency --timeout 10s \
    -s "$repo/bench/contacts.lua" "$PERINATAL_BASE_URL" -- "$women" "$tokens" >"$out"
after=$(db -At -c "SELECT count(*) FROM contacts")
requests=$(figure "$out" requests)
not_201=$(figure "$out" not_201)
socket_errors=$(figure "$out" socket_errors)
if [[ -z $requests || $not_201 != 0 || $socket_errors != 0 ]]; then
    perinatal_log "FAILED: ${not_201:-?} answers were not 201 (first: $(figure "$out" first_other)), ${socket_errors:-?} socket errors; see $out"
    exit 1
fi
# Every 201 is a contact written (nothing else writes them meanwhile); the
# requests still in flight when wrk stopped may add up to one per connection.
if ((after - before < requests || after - before > requests + connections)); then
    perinatal_log "FAILED: $requests answers 201 but $((after - before)) contacts written; see $out"
    exit 1
fi
echo
echo "== contact benchmark: $after contacts, 20 teams, durable commits =="
printf '   %-8s %3s connections   requests/s %6s   p50 %6s ms   p99 %6s ms   all %s answers 201; steal %s %%\n' \
    post "$connections" "$(figure "$out" requests_per_s)" "$(figure "$out" p50_ms)" \
    "$(figure "$out" p99_ms)" "$requests" "$(figure "$out" steal_pct)"
