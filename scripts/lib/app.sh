# shellcheck shell=bash
# scripts/lib/app.sh: The application (perinatal-api): start and stop.
# Sourced by scripts/lib.sh (source that, not this).

perinatal_app_running() { perinatal_pid_alive "$PERINATAL_PID_DIR/api.pid"; }

perinatal_app_start() {
    local pidf=$PERINATAL_PID_DIR/api.pid i
    [[ -x $PERINATAL_API_BIN ]] || perinatal_die "$PERINATAL_API_BIN not built"
    perinatal_app_stop
    # Our app is not running, so a socket left at the path is stale (a
    # crash, SIGKILL); libfcgi would silently replace it anyway.
    rm -f "$PERINATAL_LISTEN"
    perinatal_log "starting ${PERINATAL_API_BIN#"$PERINATAL_REPO"/} (log ${PERINATAL_APP_LOG#"$PERINATAL_REPO"/})"
    local env=(
        PERINATAL_LISTEN="$PERINATAL_LISTEN"
        PERINATAL_SOCKET_MODE=0660
        PERINATAL_DATABASE_URL="$PERINATAL_DATABASE_URL"
        PERINATAL_MIGRATE_DATABASE_URL="$PERINATAL_MIGRATE_DATABASE_URL"
        PERINATAL_JWT_KEYS="$PERINATAL_TOKEN_KID=ES256:$PERINATAL_JWT_PUBLIC_KEY"
        PERINATAL_JWT_ISSUER="$PERINATAL_JWT_ISSUER"
        PERINATAL_JWT_AUDIENCE="$PERINATAL_JWT_AUDIENCE"
        # Sanitizer builds: report to the log and fail on the first error.
        ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1}"
        UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
    )
    [[ -n ${PERINATAL_WORKERS:-} ]] && env+=(PERINATAL_WORKERS="$PERINATAL_WORKERS")
    # Own session: a Ctrl-C in the terminal reaches scripts/up only, which
    # then stops everything in order.
    (perinatal_as_user setsid env "${env[@]}" "$PERINATAL_API_BIN") \
        </dev/null >>"$PERINATAL_APP_LOG" 2>&1 &
    echo $! >"$pidf"
    for ((i = 0; i < 300; i++)); do
        [[ -S $PERINATAL_LISTEN ]] && return 0
        perinatal_app_running || break
        sleep 0.1
    done
    tail -n 30 "$PERINATAL_APP_LOG" >&2
    perinatal_die "the application did not open $PERINATAL_LISTEN"
}

perinatal_app_stop() {
    perinatal_app_running || { rm -f "$PERINATAL_PID_DIR/api.pid"; return 0; }
    perinatal_log "stopping the application"
    perinatal_stop_pid "$PERINATAL_PID_DIR/api.pid" TERM "perinatal-api" 30 || true
}
