#!/usr/bin/env bash
# bench/care_plans.sh: the care plan read benchmark (issue 13, point 9).
# Starts its own stack (state .run/bench-care-plans, port 28604, durable
# PostgreSQL as bench/read.sh), loads 20,000 women registered with the demo
# team, each with a care plan (three goals, a safety plan), four
# interventions at different steps of their lifecycle and a partner with
# her consent to involve him (kept between runs),
# and mints a clinician token of the demo team. Then, in the same run and
# through nginx + TLS, it drives with wrk (read.sh's approach)
#   GET /v1/service-users/{id}   the service-user read (bench/read.sh's), and
#   GET /v1/care-plans/{id}      the plan WITH its interventions and partners, one answer
#                                built by one SQL statement,
# alternating them twice (DURATION each) so that both see the same machine,
# and prints each rate and the care-plan read's share of the service-user
# read's (target >= 90%). Every answer must be 200 with no socket error, or
# no figure is printed.
#
# Settings: DURATION (15s), PERINATAL_BENCH_THREADS (2),
# PERINATAL_BENCH_CONNECTIONS (32), PERINATAL_SKIP_BUILD=1,
# PERINATAL_SKIP_PACKAGES=1, PERINATAL_BENCH_KEEP=1.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
export PERINATAL_STATE_DIR=${PERINATAL_STATE_DIR:-$repo/.run/bench-care-plans}
export PERINATAL_HTTPS_PORT=${PERINATAL_HTTPS_PORT:-28604}
export PERINATAL_RATE_LIMIT=${PERINATAL_RATE_LIMIT:-100000r/s}
export PERINATAL_RATE_BURST=${PERINATAL_RATE_BURST:-100000}
# Durable, as read.sh: every read's audit row survives a crash.
export PERINATAL_PG_FAST=0

duration=${DURATION:-15s}
threads=${PERINATAL_BENCH_THREADS:-2}
connections=${PERINATAL_BENCH_CONNECTIONS:-32}
[[ $duration =~ ^[0-9]+[smh]?$ ]] || { echo "DURATION: e.g. 15s" >&2; exit 2; }
[[ $connections =~ ^[0-9]+$ ]] || { echo "PERINATAL_BENCH_CONNECTIONS: a number" >&2; exit 2; }
[[ $threads =~ ^[0-9]+$ ]] || { echo "PERINATAL_BENCH_THREADS: a number" >&2; exit 2; }

# shellcheck source=lib.sh
source "$repo/bench/lib.sh"
bench_start_stack

db() {
    psql -X -q -v ON_ERROR_STOP=1 -v org="$PERINATAL_DEMO_ORG" -v team="$PERINATAL_DEMO_TEAM" \
        "$PERINATAL_MIGRATE_DATABASE_URL" "$@"
}

have=$(db -At -c "SELECT count(*) FROM care_plans WHERE created_by = 'bench-care-plans'")
if ((have < 20000)); then
    perinatal_log "loading 20,000 women with a care plan and 4 interventions each (once)"
    db <<'SQL'
SET synchronous_commit = off;
BEGIN;
-- Women with NHS numbers in the unissued 996 range (modulus 11 valid),
-- registered with the demo team (a clinician of it reads them).
INSERT INTO service_users (organisation_id, nhs_number, given_name, family_name, date_of_birth,
                           perinatal_stage, delivery_date, created_by)
SELECT :'org', base || (CASE 11 - w % 11 WHEN 11 THEN 0 ELSE 11 - w % 11 END), 'Bench',
       'Plan ' || n, DATE '1985-01-01' + (n % 7000), 'postnatal', current_date - (n % 300),
       'bench-care-plans'
FROM (SELECT n, base,
             substr(base, 1, 1)::int * 10 + substr(base, 2, 1)::int * 9
           + substr(base, 3, 1)::int * 8 + substr(base, 4, 1)::int * 7
           + substr(base, 5, 1)::int * 6 + substr(base, 6, 1)::int * 5
           + substr(base, 7, 1)::int * 4 + substr(base, 8, 1)::int * 3
           + substr(base, 9, 1)::int * 2 AS w
      FROM (SELECT n, (996000000 + n)::text AS base FROM generate_series(0, 22500) n) c) x
WHERE 11 - w % 11 <> 10
ON CONFLICT DO NOTHING;
CREATE TEMP TABLE women AS
SELECT id FROM service_users WHERE created_by = 'bench-care-plans' ORDER BY id LIMIT 20000;
INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason)
SELECT id, :'team', :'org', 'registration' FROM women ON CONFLICT DO NOTHING;
-- One plan each (the care coordinator is the demo team's first member of
-- staff); the trigger keeps its first version.
INSERT INTO care_plans (organisation_id, service_user_id, team_id, care_coordinator_id, goals,
    review_date, safety_plan, created_by, updated_by)
SELECT :'org', w.id, :'team',
       (SELECT s.id FROM staff s WHERE s.team_id = :'team' AND s.active ORDER BY s.id LIMIT 1),
       ARRAY['To feel close to my baby', 'To sleep through the night again',
             'To go back to work part time'],
       current_date + (row_number() OVER (ORDER BY w.id))::int % 120 - 20,
       '{"warning_signs": ["Not sleeping for two nights", "Withdrawing from family"],
         "coping_steps": ["Walk with the baby", "Ring my sister"],
         "people_and_places": ["My sister Jo", "The children''s centre"],
         "professional_contacts": [{"name": "Care coordinator", "contact": "01305 111111"}],
         "crisis_route": {"service": "crisis_team", "contact": "0800 000 0000"},
         "co_produced": {"with_woman": true, "others": ["Her partner"]}}'::jsonb,
       'bench-care-plans', 'bench-care-plans'
FROM women w;
-- Four interventions per plan, at different steps.
INSERT INTO care_plan_interventions (organisation_id, care_plan_id, service_user_id, code, kind,
    status, assessment_date, offered_on, accepted_on, started_on, steps, created_by)
SELECT p.organisation_id, p.id, p.service_user_id, v.code, v.kind, v.status,
       CASE WHEN v.kind = 'psychological_therapy' THEN current_date - 40 END,
       current_date - 35, CASE WHEN v.status <> 'offered' THEN current_date - 30 END,
       CASE WHEN v.status = 'started' THEN current_date - 20 END,
       jsonb_build_object('offered', jsonb_build_object('on', current_date - 35,
           'staff_id', p.care_coordinator_id, 'team_id', p.team_id,
           'recorded_by', 'bench-care-plans', 'recorded_at', now())),
       'bench-care-plans'
FROM care_plans p
CROSS JOIN (VALUES ('cbt', 'psychological_therapy', 'started'),
                   ('baby_massage', 'parent_infant', 'accepted'),
                   ('medication_review', 'medication', 'offered'),
                   ('occupational_therapy', 'occupational_therapy', 'started'))
    AS v(code, kind, status)
WHERE p.created_by = 'bench-care-plans';
COMMIT;
ANALYZE service_users; ANALYZE service_user_teams; ANALYZE care_plans;
ANALYZE care_plan_interventions;
SQL
fi

# Each woman's partner, with her consent to involve him given (the plan read
# carries her partners, issue 13 point 9). Loaded once, also into a database
# whose plans were loaded before partners were part of the read.
partners=$(db -At -c "SELECT count(*) FROM partners WHERE created_by = 'bench-care-plans'")
if ((partners == 0)); then
    perinatal_log "loading a partner with consent given for each of the 20,000 women (once)"
    db <<'SQL'
SET synchronous_commit = off;
BEGIN;
INSERT INTO partners (organisation_id, service_user_id, name, relationship, telephone, created_by)
SELECT p.organisation_id, p.service_user_id, 'Sam Bench', 'partner', '07700 900123',
       'bench-care-plans'
FROM care_plans p WHERE p.created_by = 'bench-care-plans';
INSERT INTO consents (organisation_id, service_user_id, partner_id, scope, decision, decided_on,
    created_by)
SELECT x.organisation_id, x.service_user_id, x.id, 'partner_involvement', 'given',
       current_date - 30, 'bench-care-plans'
FROM partners x WHERE x.created_by = 'bench-care-plans';
COMMIT;
ANALYZE partners; ANALYZE consents;
SQL
fi

women=$PERINATAL_STATE_DIR/bench-care-plan-women.txt
plans=$PERINATAL_STATE_DIR/bench-care-plan-ids.txt
db -At -c "SELECT service_user_id FROM care_plans WHERE created_by = 'bench-care-plans'
    ORDER BY id" >"$women"
db -At -c "SELECT id FROM care_plans WHERE created_by = 'bench-care-plans' ORDER BY id" >"$plans"
count=$(wc -l <"$plans")
((count > 0)) || perinatal_die "no bench care plans in the database"

token=$(PERINATAL_TOKEN_TTL=3600 perinatal_token clinician)
export PERINATAL_BENCH_TOKEN=$token

# One request of each first: a benchmark of 401s or 404s means nothing.
for probe in "/v1/service-users/$(head -n 1 "$women")" "/v1/care-plans/$(head -n 1 "$plans")"; do
    code=$(perinatal_curl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
        "$PERINATAL_BASE_URL$probe" || true)
    [[ $code == 200 ]] || perinatal_die "GET $probe answered $code, not 200: no benchmark"
done
interventions=$(perinatal_curl -H "Authorization: Bearer $token" \
    "$PERINATAL_BASE_URL/v1/care-plans/$(head -n 1 "$plans")" | grep -o '"code"' | wc -l)
((interventions == 4)) || perinatal_die "the plan read carries $interventions interventions, not 4"
consented=$(perinatal_curl -H "Authorization: Bearer $token" \
    "$PERINATAL_BASE_URL/v1/care-plans/$(head -n 1 "$plans")" | grep -o '"consent_in_force" *: *true' | wc -l)
((consented == 1)) || perinatal_die "the plan read carries $consented consenting partners, not 1"

# run <name> <ids> <prefix> <seconds>: one wrk run; prints its output file.
run() {
    local out
    out=$PERINATAL_STATE_DIR/log/wrk-$1-$(date +%Y%m%dT%H%M%S).txt
    bench_wrk -t"$threads" -c"$connections" -d"$4" --latency --timeout 10s \
        -s "$repo/bench/care_plans.lua" "$PERINATAL_BASE_URL" -- "$2" "$3" >"$out"
    bench_verify "$out" "$1 read" || exit 1
    echo "$out"
}
figure() { bench_figure "$1" "$2"; }

perinatal_log "warming up (3s each)"
run warm-su "$women" /v1/service-users/ 3s >/dev/null
run warm-cp "$plans" /v1/care-plans/ 3s >/dev/null
results=()
for round in 1 2; do
    perinatal_log "round $round: wrk -t$threads -c$connections -d$duration, service users then care plans"
    results+=("$(run su "$women" /v1/service-users/ "$duration")")
    results+=("$(run cp "$plans" /v1/care-plans/ "$duration")")
done

su_total=0
cp_total=0
echo
echo "== care plan read benchmark: $count plans with 4 interventions and a partner each, role clinician =="
echo "   wrk -t$threads -c$connections -d$duration per run against $PERINATAL_BASE_URL (TLS, nginx, FastCGI),"
echo "   alternating; every answer 200, no socket errors"
for i in 0 1 2 3; do
    f=${results[$i]}
    rate=$(figure "$f" requests_per_s)
    if ((i % 2 == 0)); then
        what="GET /v1/service-users/{id}"
        su_total=$((su_total + rate))
    else
        what="GET /v1/care-plans/{id}   "
        cp_total=$((cp_total + rate))
    fi
    printf '   round %d  %s  requests/s %6s   p50 %6s ms   p99 %6s ms   steal %s %%\n' $((i / 2 + 1)) \
        "$what" "$rate" "$(figure "$f" p50_ms)" "$(figure "$f" p99_ms)" "$(figure "$f" steal_pct)"
done
printf '   care-plan read / service-user read: %d%% (target >= 90%%)\n' \
    $((100 * cp_total / su_total))
