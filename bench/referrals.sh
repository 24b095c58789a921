#!/usr/bin/env bash
# bench/referrals.sh: the referral volume benchmark (issue: referrals).
# Starts its own stack (state .run/bench-referrals, port 28444) with a
# DURABLE PostgreSQL (fsync and synchronous_commit on, unlike read.sh), loads
# 1,000,000 referrals received over three years across 20 teams, each with
# its workflow history (kept between runs), then drives through nginx + TLS:
#   1. GET /v1/referrals?overdue=true&team=<one of 20>   (target p99 < 20 ms)
#   2. POST /v1/referrals, each a durable transaction    (target >= 1500/s)
# and prints requests/s, p50 and p99 for each. Localhost only, bounded.
#
# Settings: DURATION (20s), PERINATAL_BENCH_CONNECTIONS (32),
# PERINATAL_BENCH_REFERRALS (1000000), PERINATAL_SKIP_BUILD=1,
# PERINATAL_SKIP_PACKAGES=1, PERINATAL_BENCH_KEEP=1, PERINATAL_BENCH_LOAD_ONLY=1
# (load the data, then stop: bench/reports.sh reuses this loader).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
export PERINATAL_STATE_DIR=${PERINATAL_STATE_DIR:-$repo/.run/bench-referrals}
export PERINATAL_HTTPS_PORT=${PERINATAL_HTTPS_PORT:-28444}
export PERINATAL_RATE_LIMIT=${PERINATAL_RATE_LIMIT:-100000r/s}
export PERINATAL_RATE_BURST=${PERINATAL_RATE_BURST:-100000}
export PERINATAL_PG_FAST=0 # the write figure must be for durable commits

duration=${DURATION:-20s}
connections=${PERINATAL_BENCH_CONNECTIONS:-32}
total=${PERINATAL_BENCH_REFERRALS:-1000000}
[[ $duration =~ ^[0-9]+[smh]?$ ]] || { echo "DURATION: e.g. 20s" >&2; exit 2; }
if ! [[ $total =~ ^[0-9]+$ ]] || ((total < 1000 || total > 5000000)); then
    echo "PERINATAL_BENCH_REFERRALS: 1000..5000000" >&2
    exit 2
fi

# shellcheck source=lib.sh
source "$repo/bench/lib.sh"
bench_start_stack

db() { psql -X -q -v ON_ERROR_STOP=1 -v org="$PERINATAL_DEMO_ORG" -v total="$total" "$PERINATAL_MIGRATE_DATABASE_URL" "$@"; }

have=$(db -At -c "SELECT count(*) FROM referrals WHERE submitted_by = 'bench'")
if ((have < total)); then
    perinatal_log "loading $total referrals with their histories (once; a few minutes)"
    db <<'SQL'
-- The loader itself need not wait for each flush; the benchmark does.
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
BEGIN;
-- 20 teams (perinatal community and MMHS), each with two clinicians.
INSERT INTO teams (id, organisation_id, name, type, created_by)
SELECT ('00000000-0000-4000-8000-0000000010' || lpad(to_hex(n), 2, '0'))::uuid, :'org',
       'Bench team ' || n, (ARRAY['perinatal_community', 'mmhs'])[1 + n % 2], 'bench'
FROM generate_series(1, 20) n ON CONFLICT DO NOTHING;
INSERT INTO staff (id, organisation_id, team_id, name, profession, created_by)
SELECT ('00000000-0000-4000-8000-0000000020' || lpad(to_hex(n), 2, '0'))::uuid, :'org',
       ('00000000-0000-4000-8000-0000000010' || lpad(to_hex(1 + n % 20), 2, '0'))::uuid,
       'Bench clinician ' || n, 'nurse', 'bench'
FROM generate_series(1, 40) n ON CONFLICT DO NOTHING;
-- 300,000 women (NHS numbers in the unissued 998 range, modulus 11 valid).
INSERT INTO service_users (organisation_id, nhs_number, given_name, family_name, date_of_birth,
                           perinatal_stage, delivery_date, created_by)
SELECT :'org', base || (CASE 11 - w % 11 WHEN 11 THEN 0 ELSE 11 - w % 11 END), 'Bench',
       'Referral ' || n, DATE '1982-01-01' + (n % 7000), 'postnatal',
       current_date - (n % 700), 'bench-referrals'
FROM (SELECT n, base,
             substr(base, 1, 1)::int * 10 + substr(base, 2, 1)::int * 9
           + substr(base, 3, 1)::int * 8 + substr(base, 4, 1)::int * 7
           + substr(base, 5, 1)::int * 6 + substr(base, 6, 1)::int * 5
           + substr(base, 7, 1)::int * 4 + substr(base, 8, 1)::int * 3
           + substr(base, 9, 1)::int * 2 AS w
      FROM (SELECT n, (998000000 + n)::text AS base FROM generate_series(0, 340000) n) c) x
WHERE 11 - w % 11 <> 10
ON CONFLICT DO NOTHING;
COMMIT;

-- Referrals over three years. Older ones mostly closed by an outcome; the
-- last weeks hold the open ones; a few dozen per team are open and late.
CREATE TEMP TABLE women AS
SELECT row_number() OVER (ORDER BY id) AS k, id FROM service_users
WHERE created_by = 'bench-referrals';
CREATE TEMP TABLE gen AS
SELECT n,
       now() - (random() * interval '1095 days') AS received_at,
       CASE WHEN n % 10 = 0 THEN 'emergency' ELSE 'routine' END AS priority,
       ('00000000-0000-4000-8000-0000000010' || lpad(to_hex(1 + n % 20), 2, '0'))::uuid AS team_id,
       ('00000000-0000-4000-8000-0000000020' || lpad(to_hex(1 + n % 40), 2, '0'))::uuid AS clinician,
       random() AS dice
FROM generate_series(1, :total - (SELECT count(*) FROM referrals WHERE submitted_by = 'bench')) n;
INSERT INTO referrals (organisation_id, service_user_id, team_id, source, channel, received_at,
    priority, criteria, reason, referrer_name, due_at, responded_at, flag_discuss_individually,
    flag_discuss_with_camhs, flag_offer_joint_working, status, pathway, allocated_clinician_id,
    signposted_to, referred_to, closed_reason, submitted_by, submitted_by_role,
    source_code)
SELECT :'org', w.id, g.team_id,
       (ARRAY['gp', 'midwife', 'health_visitor', 'self', 'cmht', 'family'])[1 + g.n % 6],
       (ARRAY['online_form', 'telephone', 'letter', 'electronic'])[1 + g.n % 4],
       g.received_at, g.priority, ARRAY['previous_perinatal_illness'], 'Bench referral',
       'Dr Bench', referral_due_at(g.received_at, g.priority),
       -- Answered: nearly all, 5 % late; the newest and a few older ones not yet.
       CASE WHEN s.status IN ('received') AND g.dice < 0.9 THEN NULL
            ELSE g.received_at + CASE WHEN g.dice < 0.05 THEN interval '30 days'
                 WHEN g.priority = 'emergency' THEN interval '2 hours'
                 ELSE interval '10 days' END END,
       false, false, false, s.status,
       CASE WHEN s.status IN ('accepted', 'discharged') THEN 'perinatal' END,
       CASE WHEN s.status IN ('accepted', 'discharged') THEN g.clinician END,
       CASE WHEN s.status = 'signposted' THEN 'Steps2Wellbeing' END,
       CASE WHEN s.status = 'referred_on' THEN 'CMHT' END,
       CASE WHEN s.status IN ('declined', 'withdrawn') THEN 'Bench' END,
       'bench', 'clinician',
       referral_source_code((ARRAY['gp', 'midwife', 'health_visitor', 'self', 'cmht',
           'family'])[1 + g.n % 6], 'clinician')
FROM gen g
JOIN women w ON w.k = 1 + g.n % (SELECT count(*) FROM women)
CROSS JOIN LATERAL (SELECT CASE
    WHEN g.received_at > now() - interval '14 days' THEN
        (ARRAY['received', 'triaged', 'mdt_review'])[1 + g.n % 3]
    WHEN g.received_at > now() - interval '60 days' AND g.dice < 0.01 THEN 'received'
    WHEN g.dice < 0.45 THEN 'discharged'
    WHEN g.dice < 0.60 THEN 'signposted'
    WHEN g.dice < 0.70 THEN 'referred_on'
    WHEN g.dice < 0.78 THEN 'declined'
    WHEN g.dice < 0.86 THEN 'withdrawn'
    ELSE 'accepted' END AS status) s;

-- Each discharge with its discharge plan (db/019), as the step requires:
-- written as a plan from before plans were records (the free text), which
-- a discharged referral may have. Without the trigger that moves the
-- referral's version (a row update each: minutes for 450,000 plans), in
-- this transaction only; nothing has read these referrals yet.
BEGIN;
ALTER TABLE discharge_plans DISABLE TRIGGER discharge_plans_touch_referral;
INSERT INTO discharge_plans (id, organisation_id, service_user_id, team_id, summary, migrated,
    created_by)
SELECT r.id, r.organisation_id, r.service_user_id, r.team_id, 'Bench discharge', true, 'bench'
FROM referrals r
WHERE r.submitted_by = 'bench' AND r.status = 'discharged'
    AND NOT EXISTS (SELECT 1 FROM discharge_plans d WHERE d.id = r.id);
ALTER TABLE discharge_plans ENABLE TRIGGER discharge_plans_touch_referral;
COMMIT;

ANALYZE teams; ANALYZE staff; ANALYZE service_users; ANALYZE referrals;
SQL
fi
# Histories on their own, so that a load that stopped before them (or an
# earlier version of this script) is completed rather than left without.
if [[ $(db -At -c "SELECT count(*) FROM (SELECT FROM workflow_transitions WHERE workflow = 'referral' AND by_sub = 'bench' LIMIT 1) t") == 0 ]]; then
    perinatal_log "loading the referrals' workflow histories and the report facts they make (once)"
    db <<'SQL'
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
-- All or nothing, so that the check above (any bench history at all) means
-- the histories are complete.
BEGIN;
-- The triggers that keep the reports' facts (db/020, db/028) work a row
-- at a time, and each acceptance rebuilds her caseload islands: 4.4
-- million steps took more than 22 minutes that way. They are off for
-- this load (in this transaction only) and the facts are made below in
-- one pass each, with the statements their migrations backfilled with.
ALTER TABLE workflow_transitions DISABLE TRIGGER report_caseload_follow_step,
    DISABLE TRIGGER report_episodes_follow_step;
ALTER TABLE report_caseload_spans DISABLE TRIGGER report_caseload_islands_follow;
-- Histories: the path each referral took to its status.
INSERT INTO workflow_transitions (workflow, record_id, from_state, to_state, at, by_sub, by_role)
SELECT 'referral', r.id, p.from_status, p.to_status, r.received_at + p.step * interval '2 days',
       'bench', 'clinician'
FROM referrals r
JOIN (VALUES
    ('received', 0, NULL, 'received'),
    ('triaged', 0, NULL, 'received'), ('triaged', 1, 'received', 'triaged'),
    ('mdt_review', 0, NULL, 'received'), ('mdt_review', 1, 'received', 'triaged'),
    ('mdt_review', 2, 'triaged', 'mdt_review')) AS p(final, step, from_status, to_status)
    ON p.final = r.status
WHERE r.submitted_by = 'bench'
  AND NOT EXISTS (SELECT 1 FROM workflow_transitions t WHERE t.workflow = 'referral' AND t.record_id = r.id);
INSERT INTO workflow_transitions (workflow, record_id, from_state, to_state, at, by_sub, by_role)
SELECT 'referral', r.id, p.from_status, p.to_status, r.received_at + p.step * interval '2 days',
       'bench', 'clinician'
FROM referrals r
CROSS JOIN (VALUES (0, NULL, 'received'), (1, 'received', 'triaged'),
                   (2, 'triaged', 'mdt_review')) AS p(step, from_status, to_status)
WHERE r.submitted_by = 'bench'
  AND r.status NOT IN ('received', 'triaged', 'mdt_review')
  AND NOT EXISTS (SELECT 1 FROM workflow_transitions t WHERE t.workflow = 'referral' AND t.record_id = r.id);
INSERT INTO workflow_transitions (workflow, record_id, from_state, to_state, at, by_sub, by_role)
SELECT 'referral', r.id, 'mdt_review', CASE WHEN r.status = 'discharged' THEN 'accepted' ELSE r.status END,
       r.received_at + interval '6 days', 'bench', 'clinician'
FROM referrals r
WHERE r.submitted_by = 'bench' AND r.status NOT IN ('received', 'triaged', 'mdt_review')
  AND NOT EXISTS (SELECT 1 FROM workflow_transitions t WHERE t.workflow = 'referral'
                  AND t.record_id = r.id AND t.from_state = 'mdt_review');
INSERT INTO workflow_transitions (workflow, record_id, from_state, to_state, at, by_sub, by_role)
SELECT 'referral', r.id, 'accepted', 'discharged', r.received_at + interval '120 days', 'bench', 'clinician'
FROM referrals r
WHERE r.submitted_by = 'bench' AND r.status = 'discharged'
  AND NOT EXISTS (SELECT 1 FROM workflow_transitions t WHERE t.workflow = 'referral'
                  AND t.record_id = r.id AND t.to_state = 'discharged');
-- The planner must see the steps just written (autovacuum cannot, inside
-- this transaction): without it the joins below ran for many minutes.
ANALYZE workflow_transitions;
-- Caseload spans (db/020): first acceptance to the first step out of it.
INSERT INTO report_caseload_spans (referral_id, organisation_id, service_user_id, accepted_at,
    closed_at, voided)
SELECT r.id, r.organisation_id, r.service_user_id, a.at, c.at, r.voided_at IS NOT NULL
FROM (SELECT record_id, min(at) AS at FROM workflow_transitions
      WHERE workflow = 'referral' AND to_state = 'accepted'
          AND from_state IS DISTINCT FROM 'accepted' AND by_sub = 'bench'
      GROUP BY record_id) a
JOIN referrals r ON r.id = a.record_id
LEFT JOIN (SELECT record_id, min(at) AS at FROM workflow_transitions
           WHERE workflow = 'referral' AND from_state = 'accepted' AND to_state <> 'accepted'
               AND by_sub = 'bench'
           GROUP BY record_id) c ON c.record_id = a.record_id
ON CONFLICT (referral_id) DO NOTHING;
-- Episodes (db/028): first acceptance, last discharge.
INSERT INTO report_episodes (referral_id, organisation_id, service_user_id, accepted_at,
    discharged_at, voided)
SELECT r.id, r.organisation_id, r.service_user_id, x.accepted_at, x.discharged_at,
    r.voided_at IS NOT NULL
FROM (SELECT record_id, min(at) FILTER (WHERE to_state = 'accepted') AS accepted_at,
          max(at) FILTER (WHERE to_state = 'discharged') AS discharged_at
      FROM workflow_transitions
      WHERE workflow = 'referral' AND to_state IN ('accepted', 'discharged') AND by_sub = 'bench'
      GROUP BY record_id) x
JOIN referrals r ON r.id = x.record_id
ON CONFLICT (referral_id) DO UPDATE
    SET accepted_at = least(report_episodes.accepted_at, EXCLUDED.accepted_at),
        discharged_at = greatest(report_episodes.discharged_at, EXCLUDED.discharged_at);
-- Caseload islands (db/028): every woman's, from her spans as they now stand.
DELETE FROM report_caseload_islands;
INSERT INTO report_caseload_islands SELECT * FROM report_caseload_islands_of(NULL, NULL);
ALTER TABLE workflow_transitions ENABLE TRIGGER report_caseload_follow_step,
    ENABLE TRIGGER report_episodes_follow_step;
ALTER TABLE report_caseload_spans ENABLE TRIGGER report_caseload_islands_follow;
COMMIT;
ANALYZE workflow_transitions; ANALYZE report_caseload_spans; ANALYZE report_episodes;
ANALYZE report_caseload_islands;
SQL
fi
# The team links the application makes with every referral (referral_insert
# links the woman to the team she is referred to): without them no woman is
# in a clinician's scope and every POST is a 422. Also mends a database
# loaded by an earlier version of this script, which made none.
db <<'SQL'
SET synchronous_commit = off;
INSERT INTO service_user_teams (service_user_id, team_id, organisation_id, reason)
SELECT DISTINCT r.service_user_id, r.team_id, r.organisation_id, 'referral'
FROM referrals r
WHERE r.submitted_by = 'bench'
  AND NOT EXISTS (SELECT 1 FROM service_user_teams l
                  JOIN service_users s ON s.id = l.service_user_id
                  WHERE s.created_by = 'bench-referrals')
ON CONFLICT DO NOTHING;
ANALYZE service_user_teams;
SQL
# MH6's cohort (db/027): women admitted to a mother and baby unit, their
# partners with her consent to involve them, and the support offered them.
# About 2,000 admissions a quarter over the three years (a real unit has
# some 25): every fifteenth bench woman once, each with a partner (a third
# with a second), consent recorded the day before admission, and offers of
# Group I to IV items during the stay, some accepted.
if [[ $(db -At -c "SELECT count(*) FROM (SELECT FROM mbu_admissions WHERE created_by = 'bench' LIMIT 1) t") == 0 ]]; then
    perinatal_log "loading MBU admissions, partners, consents and offers (once)"
    db <<'SQL'
SET synchronous_commit = off;
BEGIN;
INSERT INTO teams (id, organisation_id, name, type, created_by)
VALUES ('00000000-0000-4000-8000-000000001030', :'org', 'Bench mother and baby unit', 'mbu', 'bench')
ON CONFLICT DO NOTHING;
CREATE TEMP TABLE stays AS
SELECT s.id AS woman, s.organisation_id AS org, s.k,
       -- Those admitted in pregnancy (odd k, below) before her delivery
       -- (db/039 refuses a stay in pregnancy after it).
       CASE WHEN s.k % 2 = 0 THEN current_date - 1095 + (s.k * 7919 % 1095)::int
           ELSE least(current_date - 1095 + (s.k * 7919 % 1095)::int,
                      s.delivery_date - 1 - (s.k % 60)::int) END AS admitted_on,
       -- Community clinicians only (odd staff numbers: their teams are
       -- perinatal community teams) lead the care.
       ('00000000-0000-4000-8000-0000000020' || lpad(to_hex(1 + 2 * (s.k % 20)), 2, '0'))::uuid AS lead
FROM (SELECT id, organisation_id, delivery_date, row_number() OVER (ORDER BY id) AS k
      FROM service_users WHERE created_by = 'bench-referrals') s
WHERE s.k % 15 = 0;
-- Half admitted with their baby (MH11's cohort), half in pregnancy.
CREATE TEMP TABLE stay_infants AS
SELECT gen_random_uuid() AS id, t.woman, t.org, t.admitted_on - 10 AS born
FROM stays t WHERE t.k % 2 = 0;
INSERT INTO infants (id, organisation_id, service_user_id, date_of_birth, created_by)
SELECT i.id, i.org, i.woman, i.born, 'bench' FROM stay_infants i;
INSERT INTO mbu_admissions (organisation_id, service_user_id, unit_team_id, admitted_on,
    discharged_on, admitted_with, infant_id, lead_professional_id, status, created_by)
SELECT t.org, t.woman, '00000000-0000-4000-8000-000000001030', t.admitted_on,
       CASE WHEN t.admitted_on + 42 <= current_date THEN t.admitted_on + 42 END,
       CASE WHEN i.id IS NULL THEN 'pregnancy' ELSE 'baby' END, i.id, t.lead,
       CASE WHEN t.admitted_on + 42 <= current_date THEN 'discharged' ELSE 'admitted' END, 'bench'
FROM stays t LEFT JOIN stay_infants i ON i.woman = t.woman;
CREATE TEMP TABLE bench_partners AS
SELECT gen_random_uuid() AS id, t.org, t.woman, t.admitted_on, n
FROM stays t CROSS JOIN generate_series(1, 2) n
WHERE n = 1 OR t.k % 3 = 0;
INSERT INTO partners (id, organisation_id, service_user_id, name, relationship, created_by)
SELECT p.id, p.org, p.woman, 'Bench partner ' || p.n,
       CASE p.n WHEN 1 THEN 'partner' ELSE 'parent' END, 'bench'
FROM bench_partners p;
INSERT INTO consents (organisation_id, service_user_id, partner_id, scope, decision, decided_on,
    created_by)
SELECT p.org, p.woman, p.id, 'partner_involvement', 'given', p.admitted_on - 1, 'bench'
FROM bench_partners p;
INSERT INTO partner_offers (organisation_id, service_user_id, partner_id, support_type, mh6_item,
    offered_on, accepted_on, created_by)
SELECT p.org, p.woman, p.id,
       (ARRAY['emotional', 'practical', 'informational'])[1 + (i.n + p.n) % 3], i.code,
       p.admitted_on + i.n,
       CASE WHEN (i.n + p.n) % 2 = 0 AND p.admitted_on + i.n < current_date
           THEN p.admitted_on + i.n + 1 END, 'bench'
FROM bench_partners p
JOIN (SELECT code, row_number() OVER (ORDER BY mh6_group, code)::int AS n FROM mh6_items) i
    -- Every partner some of Group I; most all of it and more.
    ON i.n <= 3 + (hashtext(p.id::text) & 7) * 2
WHERE p.admitted_on + i.n <= current_date;
COMMIT;
ANALYZE infants; ANALYZE mbu_admissions; ANALYZE partners; ANALYZE consents; ANALYZE partner_offers;
SQL
fi
db -At -c "SELECT 'referrals: ' || count(*) || ', transitions: ' || (SELECT count(*) FROM workflow_transitions WHERE workflow = 'referral') || ', open and overdue: ' || (SELECT count(*) FROM referrals WHERE responded_at IS NULL AND status IN ('received','triaged','mdt_review') AND due_at < now()) FROM referrals" >&2

teams=$PERINATAL_STATE_DIR/bench-teams.txt
ids=$PERINATAL_STATE_DIR/bench-women.txt
# The referral teams, not the bench mother and baby unit (a referral to it
# is refused: 422).
db -At -c "SELECT id FROM teams WHERE created_by = 'bench' AND type IN ('perinatal_community', 'mmhs') ORDER BY id" >"$teams"
# Women already referred to a bench team: in the token's scope, as a woman
# must be for a clinician to refer her.
db -At -c "SELECT DISTINCT l.service_user_id FROM service_user_teams l JOIN service_users s ON s.id = l.service_user_id WHERE s.created_by = 'bench-referrals' ORDER BY 1 LIMIT 20000" >"$ids"
[[ -s $ids ]] || perinatal_die "no bench women linked to a bench team"
[[ ${PERINATAL_BENCH_LOAD_ONLY:-0} != 1 ]] || exit 0
team_args=()
while read -r t; do team_args+=(--team "$t"); done <"$teams"
token=$(PERINATAL_TOKEN_TTL=3600 perinatal_token clinician "${team_args[@]}")
export PERINATAL_BENCH_TOKEN=$token

# Each run is checked (bench_verify: every answer the expected status, no
# socket errors); the figures are printed only once all runs passed.
results=()
failed=0
run() {
    local mode=$1 conns=$2 out
    out=$PERINATAL_STATE_DIR/log/wrk-$mode-$conns-$(date +%Y%m%dT%H%M%S).txt
    perinatal_log "wrk $mode: -t2 -c$conns -d$duration"
    bench_wrk -t2 -c"$conns" -d"$duration" --latency --timeout 10s \
        -s "$repo/bench/referrals.lua" "$PERINATAL_BASE_URL" -- "$mode" "$teams" "$ids" >"$out"
    if ! bench_verify "$out" "$mode at $conns connections"; then
        failed=1
        return 0
    fi
    results+=("$(printf '   %-8s %3s connections   requests/s %6s   p50 %6s ms   p99 %6s ms   (%s answers checked; steal %s %%)' \
        "$mode" "$conns" "$(bench_figure "$out" requests_per_s)" "$(bench_figure "$out" p50_ms)" \
        "$(bench_figure "$out" p99_ms)" "$(bench_figure "$out" requests)" \
        "$(bench_figure "$out" steal_pct)")")
}
# What the overdue lists hold before the runs. The POST runs of earlier
# uses of this database added referrals, a tenth of them emergencies that
# are past due 4 hours later, so a database used before has longer lists
# than a fresh load: compare list figures of like counts.
data=$(db -At -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE submitted_by <> 'bench'),
    count(*) FILTER (WHERE referral_on_clock(r) AND r.due_at < now()) FROM referrals r")
read -r all_referrals posted past_due <<<"$data"
# The overdue list twice: a few duty clinicians at once (its latency), then
# as many requests as the machine takes (its throughput; each answer holds
# up to 50 summaries and writes an audit row naming their women).
run overdue 4
run overdue "$connections"
run post "$connections"
((failed == 0)) || perinatal_die "a run had unexpected answers (above): no figures"
echo
echo "== referral benchmark: $all_referrals referrals ($posted of them from earlier POST runs), $past_due past due on the clock, 20 teams, durable commits =="
printf '%s\n' "${results[@]}"
