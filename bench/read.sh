#!/usr/bin/env bash
# bench/read.sh: read benchmark. Starts its own stack (state .run/bench, port
# 28443, rate limit out of the way), loads PERINATAL_BENCH_ROWS service users
# (default 100,000; kept between runs), mints a token and runs wrk against
# GET /v1/service-users/{id} with random ids. Prints requests/s, p50 and p99,
# then stops the stack. Traffic goes to localhost only, for DURATION.
#
# Settings (environment): DURATION (20s), PERINATAL_BENCH_THREADS (2),
# PERINATAL_BENCH_CONNECTIONS (32), PERINATAL_BENCH_ROWS (100000),
# PERINATAL_BENCH_ROLE (clinician; admin reads the whole organisation),
# PERINATAL_WORKERS (application threads), PERINATAL_SKIP_BUILD=1,
# PERINATAL_SKIP_PACKAGES=1, PERINATAL_BENCH_KEEP=1 (leave the stack running).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
export PERINATAL_STATE_DIR=${PERINATAL_STATE_DIR:-$repo/.run/bench}
export PERINATAL_HTTPS_PORT=${PERINATAL_HTTPS_PORT:-28443}
# The benchmark must measure the application, not the rate limiter.
export PERINATAL_RATE_LIMIT=${PERINATAL_RATE_LIMIT:-100000r/s}
export PERINATAL_RATE_BURST=${PERINATAL_RATE_BURST:-100000}
# Durable: every read writes its audit row, and that row must survive a
# crash once the data has been returned, so commits wait for the flush.
export PERINATAL_PG_FAST=0

duration=${DURATION:-20s}
threads=${PERINATAL_BENCH_THREADS:-2}
connections=${PERINATAL_BENCH_CONNECTIONS:-32}
rows=${PERINATAL_BENCH_ROWS:-100000}
role=${PERINATAL_BENCH_ROLE:-clinician}
[[ $duration =~ ^[0-9]+[smh]?$ ]] || { echo "DURATION: e.g. 20s" >&2; exit 2; }
if ! [[ $rows =~ ^[0-9]+$ ]] || ((rows < 1 || rows > 1000000)); then
    echo "PERINATAL_BENCH_ROWS: 1..1000000" >&2
    exit 2
fi

# shellcheck source=lib.sh
source "$repo/bench/lib.sh"
bench_start_stack

# --- Data -------------------------------------------------------------------
# Service users with valid NHS numbers in the 999 range (never issued to real
# people). Modulus 11: weights 10..2 on the first nine digits, check digit
# 11 - (sum mod 11), 11 becomes 0, and 10 means the number is invalid, so
# those candidates are skipped (about 1 in 11, hence the 1.2x candidates).
# Adapt the column list here when the table changes.
perinatal_log "loading $rows service users (kept between runs)"
psql -X -q -v ON_ERROR_STOP=1 -v org="$PERINATAL_DEMO_ORG" -v team="$PERINATAL_DEMO_TEAM" -v rows="$rows" \
    "$PERINATAL_MIGRATE_DATABASE_URL" <<'SQL'
INSERT INTO service_users (organisation_id, nhs_number, given_name, family_name,
                           date_of_birth, perinatal_stage, estimated_due_date,
                           delivery_date, created_by)
SELECT :'org'::uuid, nhs_number, 'Bench', 'User ' || n,
       DATE '1980-01-01' + (n % 7300),
       stage,
       CASE WHEN stage = 'pregnant' THEN current_date + 1 + (n % 250) END,
       CASE WHEN stage = 'postnatal' THEN current_date - (n % 365) END,
       'bench'
FROM (
    SELECT n, base || (CASE 11 - weighted % 11 WHEN 11 THEN 0 ELSE 11 - weighted % 11 END) AS nhs_number,
           (ARRAY['pregnant', 'postnatal', 'pre_conception'])[1 + n % 3] AS stage
    FROM (
        SELECT n, base,
               substr(base, 1, 1)::int * 10 + substr(base, 2, 1)::int * 9
             + substr(base, 3, 1)::int * 8 + substr(base, 4, 1)::int * 7
             + substr(base, 5, 1)::int * 6 + substr(base, 6, 1)::int * 5
             + substr(base, 7, 1)::int * 4 + substr(base, 8, 1)::int * 3
             + substr(base, 9, 1)::int * 2 AS weighted
        FROM (SELECT n, (999000000 + n)::text AS base
              FROM generate_series(0, (:rows * 12 / 10) + 100) AS n) AS candidates
    ) AS weighted
    WHERE 11 - weighted % 11 <> 10
    ORDER BY n
    LIMIT :rows
) AS valid
ON CONFLICT DO NOTHING;

-- Scope: a clinician reads only women linked to one of its teams, so the
-- bench rows are registered with the demo team the token names.
INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason)
SELECT id, :'team'::uuid, organisation_id, 'registration' FROM service_users WHERE created_by = 'bench'
ON CONFLICT DO NOTHING;

ANALYZE service_users;
ANALYZE service_user_teams;
SQL

ids=$PERINATAL_STATE_DIR/bench-ids.txt
psql -X -At -v ON_ERROR_STOP=1 "$PERINATAL_MIGRATE_DATABASE_URL" \
    -c "SELECT id FROM service_users WHERE created_by = 'bench' ORDER BY nhs_number LIMIT $rows" >"$ids"
count=$(wc -l <"$ids")
((count > 0)) || perinatal_die "no bench rows in the database"

token=$(PERINATAL_TOKEN_TTL=3600 perinatal_token "$role")
export PERINATAL_BENCH_TOKEN=$token

# One request first: a benchmark of 401s or 404s would be meaningless, so
# stop before wrk when the first answer is not the expected one.
first=$(head -n 1 "$ids")
code=$(perinatal_curl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
    "$PERINATAL_BASE_URL/v1/service-users/$first" || true)
[[ $code == 200 ]] || perinatal_die "GET /v1/service-users/$first as $role answered $code, not 200: no benchmark"

out=$PERINATAL_STATE_DIR/log/wrk-$(date +%Y%m%dT%H%M%S).txt
perinatal_log "wrk -t$threads -c$connections -d$duration --latency ($count ids)"
bench_wrk -t"$threads" -c"$connections" -d"$duration" --latency --timeout 10s \
    -s "$repo/bench/read.lua" "$PERINATAL_BASE_URL" -- "$ids" >"$out"

bench_verify "$out" "read benchmark" || exit 1
figure() { bench_figure "$out" "$1"; }
cat <<RESULT

== read benchmark: GET /v1/service-users/{id}, $count rows, role $role ==
   wrk -t$threads -c$connections -d$duration against $PERINATAL_BASE_URL (TLS, nginx, FastCGI)
   every answer 200 ($(figure requests) checked), no socket errors
   requests/s   $(figure requests_per_s)
   p50          $(figure p50_ms) ms
   p99          $(figure p99_ms) ms
   steal        $(figure steal_pct) % of the machine's CPU time went to other guests (the hypervisor's)
   full output  $out
RESULT
