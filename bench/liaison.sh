#!/usr/bin/env bash
# bench/liaison.sh: the liaison update benchmark (issue 12, point 3).
# Starts its own stack (state .run/bench-liaison, port 28601) with a
# DURABLE PostgreSQL (fsync and synchronous_commit on), loads 20,000 women
# (kept between runs), then drives POST /v1/liaison-updates through nginx +
# TLS at 32 connections with four valid liaison tokens (four sending
# systems): every request a new update (its own sender record id), half
# about a known woman (attached at once), half about an NHS number the
# service does not know (held unmatched), one in ten with a safeguarding
# concern (an alert when she is known). Target >= 1,000 updates/s. Every
# answer must be 202: any other status, or a socket error, fails the script
# and no figure is printed; and every 202 must be a stored update.
#
# Settings: DURATION (20s), PERINATAL_BENCH_CONNECTIONS (32),
# PERINATAL_SKIP_BUILD=1, PERINATAL_SKIP_PACKAGES=1, PERINATAL_BENCH_KEEP=1.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
export PERINATAL_STATE_DIR=${PERINATAL_STATE_DIR:-$repo/.run/bench-liaison}
export PERINATAL_HTTPS_PORT=${PERINATAL_HTTPS_PORT:-28601}
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

have=$(db -At -c "SELECT count(*) FROM service_users WHERE created_by = 'bench-liaison'")
if ((have < 20000)); then
    perinatal_log "loading 20,000 women (once)"
    db <<'SQL'
SET synchronous_commit = off;
-- Women with NHS numbers in the unissued 997 range (modulus 11 valid).
INSERT INTO service_users (organisation_id, nhs_number, given_name, family_name, date_of_birth,
                           perinatal_stage, delivery_date, created_by)
SELECT :'org', base || (CASE 11 - w % 11 WHEN 11 THEN 0 ELSE 11 - w % 11 END), 'Bench',
       'Liaison ' || n, DATE '1985-01-01' + (n % 7000), 'postnatal',
       current_date - (n % 300), 'bench-liaison'
FROM (SELECT n, base,
             substr(base, 1, 1)::int * 10 + substr(base, 2, 1)::int * 9
           + substr(base, 3, 1)::int * 8 + substr(base, 4, 1)::int * 7
           + substr(base, 5, 1)::int * 6 + substr(base, 6, 1)::int * 5
           + substr(base, 7, 1)::int * 4 + substr(base, 8, 1)::int * 3
           + substr(base, 9, 1)::int * 2 AS w
      FROM (SELECT n, (997000000 + n)::text AS base FROM generate_series(0, 22500) n) c) x
WHERE 11 - w % 11 <> 10
ON CONFLICT DO NOTHING;
ANALYZE service_users;
SQL
fi

nhs=$PERINATAL_STATE_DIR/bench-liaison-nhs.txt
tokens=$PERINATAL_STATE_DIR/bench-liaison-tokens.txt
db -At -c "SELECT nhs_number FROM service_users WHERE created_by = 'bench-liaison'" >"$nhs"
: >"$tokens"
for n in 1 2 3 4; do
    PERINATAL_TOKEN_TTL=3600 perinatal_token liaison --sub "bench-hv-system-$n" >>"$tokens"
done

# CPU time (clock ticks) of this stack's processes: PostgreSQL, nginx and
# the application with all their children (not wrk, the client). On a
# machine shared with other work the requests/s figure is what was left
# over; CPU per update says what the stack itself costs.
stack_ticks() {
    local roots=() pid total=0
    for f in "$PERINATAL_PGDATA/postmaster.pid" "$PERINATAL_NGINX_DIR/nginx.pid" \
        "$PERINATAL_PID_DIR/api.pid"; do
        [[ -s $f ]] && roots+=("$(head -n 1 "$f")")
    done
    for pid in $(ps -e -o pid=,ppid= | awk -v r=" ${roots[*]} " '
        { parent[$1] = $2 }
        END { for (p in parent) { q = p; while (q > 1) { if (index(r, " " q " ")) { print p; break }
                                                     q = parent[q] } } }'); do
        [[ -r /proc/$pid/stat ]] || continue
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}

run=$(date +%Y%m%dT%H%M%S)
out=$PERINATAL_STATE_DIR/log/wrk-liaison-$run.txt
before=$(db -At -c "SELECT count(*) FROM liaison_updates")
ticks_before=$(stack_ticks)
perinatal_log "wrk post liaison updates: -t2 -c$connections -d$duration"
bench_wrk -t2 -c"$connections" -d"$duration" --latency --timeout 10s \
    -s "$repo/bench/liaison.lua" "$PERINATAL_BASE_URL" -- "$nhs" "$tokens" "$run" >"$out"
ticks_after=$(stack_ticks)
bench_verify "$out" "liaison updates"
after=$(db -At -c "SELECT count(*) FROM liaison_updates")
requests=$(bench_figure "$out" requests)
# Every 202 is an update stored (nothing else writes them meanwhile); the
# requests still in flight when wrk stopped may add up to one per connection.
if ((after - before < requests || after - before > requests + connections)); then
    perinatal_log "FAILED: $requests answers 202 but $((after - before)) updates stored; see $out"
    exit 1
fi
matched=$(db -At -c "SELECT count(*) FROM liaison_updates WHERE sender_record_id LIKE 'B-$run-%' AND service_user_id IS NOT NULL")
alerts=$(db -At -c "SELECT count(*) FROM alerts a JOIN liaison_updates l ON l.id = a.source_id WHERE l.sender_record_id LIKE 'B-$run-%'")
hz=$(getconf CLK_TCK)
cpu_ms=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$hz" -v n="$requests" \
    'BEGIN { printf "%.2f", 1000 * t / hz / n }')
capacity=$(awk -v ms="$cpu_ms" -v cores="$(nproc)" 'BEGIN { printf "%.0f", cores * 1000 / ms }')
echo
echo "== liaison update benchmark: $after updates ($matched of this run attached, $alerts alerts), durable commits =="
printf '   %-8s %3s connections   requests/s %6s   p50 %6s ms   p99 %6s ms   all %s answers 202; steal %s %%\n' \
    post "$connections" "$(bench_figure "$out" requests_per_s)" "$(bench_figure "$out" p50_ms)" \
    "$(bench_figure "$out" p99_ms)" "$requests" "$(bench_figure "$out" steal_pct)"
printf '   the stack used %s ms of CPU per update (PostgreSQL, nginx, the application;\n' "$cpu_ms"
printf '   the processes that ended during the run are not counted): %s updates/s on %s idle cores\n' \
    "$capacity" "$(nproc)"
