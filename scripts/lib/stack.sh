# shellcheck shell=bash
# scripts/lib/stack.sh: The whole stack: set-up, start and stop in order, readiness, status,
# demo tokens and the sanitizer log check.
# Sourced by scripts/lib.sh (source that, not this).

perinatal_curl() {
    curl -sS --cacert "$PERINATAL_TLS_CERT" --max-time 5 "$@"
}

# Polls /readyz until it answers 200 (bounded, default 60 s).
perinatal_wait_ready() {
    local timeout=${1:-60} i code
    for ((i = 0; i < timeout * 2; i++)); do
        code=$(perinatal_curl -o /dev/null -w '%{http_code}' "$PERINATAL_BASE_URL/readyz" 2>/dev/null || true)
        [[ $code == 200 ]] && return 0
        if ! perinatal_app_running; then
            tail -n 30 "$PERINATAL_APP_LOG" >&2
            perinatal_die "the application exited while starting"
        fi
        sleep 0.5
    done
    tail -n 20 "$PERINATAL_APP_LOG" >&2
    tail -n 10 "$PERINATAL_LOG_DIR/nginx-error.log" >&2 || true
    perinatal_die "$PERINATAL_BASE_URL/readyz did not answer 200 within ${timeout}s (last: ${code:-none})"
}

# Keys, certificate, cluster, roles, database, migrations and demo data.
perinatal_setup() {
    perinatal_prepare_dirs
    perinatal_ensure_keys
    perinatal_ensure_tls
    perinatal_pg_start
    perinatal_db_setup
}

perinatal_start_services() {
    perinatal_migrate
    perinatal_demo_data
    perinatal_save_settings
    perinatal_app_start
    perinatal_nginx_start
    perinatal_wait_ready "${PERINATAL_READY_TIMEOUT:-60}"
}

# Front to back: no new requests, finish the ones in flight, then the database.
perinatal_stop_all() {
    perinatal_nginx_stop
    perinatal_app_stop
    perinatal_pg_stop
}

perinatal_status() {
    local s
    perinatal_pg_running && s=running || s=stopped
    printf 'postgresql  %s  (%s)\n' "$s" "$PERINATAL_PGDATA"
    perinatal_app_running && s="running pid $(<"$PERINATAL_PID_DIR/api.pid")" || s=stopped
    printf 'api         %s  (%s)\n' "$s" "$PERINATAL_API_BIN"
    perinatal_nginx_running && s="running pid $(<"$PERINATAL_NGINX_DIR/nginx.pid")" || s=stopped
    printf 'nginx       %s  (%s)\n' "$s" "$PERINATAL_BASE_URL"
    s=$(perinatal_curl -o /dev/null -w '%{http_code}' "$PERINATAL_BASE_URL/readyz" 2>/dev/null || true)
    printf 'readyz      %s\n' "${s:-no answer}"
}

# perinatal_token <role> [extra perinatal-token args...]
perinatal_token() {
    local role=$1
    shift
    local args=(--role "$role" --org "$PERINATAL_DEMO_ORG" --sub "demo-$role" --ttl "${PERINATAL_TOKEN_TTL:-28800}")
    [[ $role == clinician ]] && args+=(--team "$PERINATAL_DEMO_TEAM")
    PERINATAL_TOKEN_KEY=$PERINATAL_TOKEN_KEY PERINATAL_TOKEN_KID=$PERINATAL_TOKEN_KID \
        PERINATAL_JWT_ISSUER=$PERINATAL_JWT_ISSUER PERINATAL_JWT_AUDIENCE=$PERINATAL_JWT_AUDIENCE \
        "$PERINATAL_TOKEN_BIN" "${args[@]}" "$@"
}

# Scans a sanitizer build's log; non-zero when it reports an error.
perinatal_check_sanitizer_log() {
    local log=$1
    [[ -f $log ]] || return 0
    if grep -En 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)' "$log" >&2; then
        perinatal_log "sanitizer errors in $log (above)"
        return 1
    fi
}

# Log rotation: each log is renamed with a time stamp, nginx reopens its logs
# (nginx -s reopen) and the application its file (SIGHUP), so no line is
# lost; PostgreSQL's log is switched by copy and truncate (pg_ctl -l opened
# it for appending). Rotated files older than the newest
# PERINATAL_LOG_KEEP (14) of each log are deleted. Run it daily from cron
# or a systemd timer (see README "Logs").
perinatal_rotate_logs() {
    local keep=${PERINATAL_LOG_KEEP:-14} stamp f base old
    [[ $keep =~ ^[0-9]+$ ]] || perinatal_die "PERINATAL_LOG_KEEP: '$keep' is not a number"
    stamp=$(date -u +%Y%m%dT%H%M%S%3NZ)
    for f in "$PERINATAL_LOG_DIR/nginx-access.log" "$PERINATAL_LOG_DIR/nginx-error.log" \
        "$PERINATAL_APP_LOG"; do
        [[ -s $f ]] && mv "$f" "$f.$stamp"
    done
    if [[ -s $PERINATAL_LOG_DIR/postgresql.log ]]; then
        cp -p "$PERINATAL_LOG_DIR/postgresql.log" "$PERINATAL_LOG_DIR/postgresql.log.$stamp"
        : >"$PERINATAL_LOG_DIR/postgresql.log"
    fi
    perinatal_nginx_log_files
    perinatal_app_log_file
    if perinatal_nginx_running; then perinatal_nginx -s reopen; fi
    perinatal_app_reopen_log
    for base in nginx-access.log nginx-error.log "$(basename "$PERINATAL_APP_LOG")" postgresql.log; do
        # Newest first by name (the stamps sort), everything past $keep goes.
        while IFS= read -r old; do
            rm -f -- "$old"
        done < <(find "$PERINATAL_LOG_DIR" -maxdepth 1 -type f -name "$base.*" | sort -r | tail -n +$((keep + 1)))
    done
    perinatal_secure_logs
    perinatal_log "logs rotated in $PERINATAL_LOG_DIR (suffix .$stamp, keeping $keep of each)"
}
