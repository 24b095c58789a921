# shellcheck shell=bash
# scripts/lib/app.sh: The application (perinatal-api): start, supervise, stop.
# Sourced by scripts/lib.sh (source that, not this).
#
# The application runs under a small supervisor (a background shell, pid in
# run/api-supervisor.pid) that starts it again when it dies other than by a
# stop: a crash, SIGKILL, or an exit status other than 0. A clean exit (after
# SIGTERM) ends the supervisor too. Five deaths within 10 s and it gives up,
# so a binary that cannot start does not loop for ever. run/api.pid is the
# application's own pid, rewritten at every start.

PERINATAL_APP_RESTART_DELAY=${PERINATAL_APP_RESTART_DELAY:-0.2}

perinatal_app_running() {
    perinatal_pid_alive "$PERINATAL_PID_DIR/api-supervisor.pid" ||
        perinatal_pid_alive "$PERINATAL_PID_DIR/api.pid"
}

# The log file the application appends to and reopens on SIGHUP (rotation):
# made here so that its owner (the run user) and mode (0640) are right
# whoever created it.
perinatal_app_log_file() {
    touch "$PERINATAL_APP_LOG"
    chmod 0640 "$PERINATAL_APP_LOG"
    if perinatal_is_root; then chown "$PERINATAL_RUN_USER:" "$PERINATAL_APP_LOG"; fi
}

# Runs in the background (see perinatal_app_start); $1.. is the environment.
# shellcheck disable=SC2317  # reached through perinatal_app_start
perinatal_app_supervise() {
    local pidf=$PERINATAL_PID_DIR/api.pid rc pid now deaths=()
    # Not the terminal's: Ctrl-C reaches scripts/up, which stops us in order.
    trap '' HUP INT
    while :; do
        # Own session, as the run user; stderr (and the log file) to the log.
        (perinatal_as_user setsid env -u PERINATAL_MIGRATE_DATABASE_URL "$@" "$PERINATAL_API_BIN") \
            </dev/null >>"$PERINATAL_APP_LOG" 2>&1 &
        pid=$!
        echo "$pid" >"$pidf"
        rc=0
        wait "$pid" || rc=$?
        ((rc == 0)) && exit 0 # stopped on purpose
        now=$(date +%s)
        deaths+=("$now")
        ((${#deaths[@]} > 5)) && deaths=("${deaths[@]:1}")
        if ((${#deaths[@]} == 5 && now - deaths[0] < 10)); then
            printf '{"time":"%s","level":"error","component":"supervisor","message":"the application died 5 times in 10 s; not restarting"}\n' \
                "$(date -u +%FT%TZ)" >>"$PERINATAL_APP_LOG"
            exit 1
        fi
        printf '{"time":"%s","level":"error","component":"supervisor","message":"the application exited (status %s); restarting"}\n' \
            "$(date -u +%FT%TZ)" "$rc" >>"$PERINATAL_APP_LOG"
        sleep "$PERINATAL_APP_RESTART_DELAY"
        # Its socket is stale now (the application refuses a live one).
        rm -f "$PERINATAL_LISTEN"
    done
}

perinatal_app_start() {
    local i
    [[ -x $PERINATAL_API_BIN ]] || perinatal_die "$PERINATAL_API_BIN not built"
    perinatal_app_stop
    # Our app is not running, so a socket left at the path is stale (a
    # crash, SIGKILL); libfcgi would silently replace it anyway.
    rm -f "$PERINATAL_LISTEN" "$PERINATAL_PID_DIR/api.pid"
    perinatal_app_log_file
    perinatal_log "starting ${PERINATAL_API_BIN#"$PERINATAL_REPO"/} (log ${PERINATAL_APP_LOG#"$PERINATAL_REPO"/})"
    local env=(
        PERINATAL_LISTEN="$PERINATAL_LISTEN"
        PERINATAL_SOCKET_MODE=0660
        PERINATAL_LOG_FILE="$PERINATAL_APP_LOG"
        PERINATAL_DATABASE_URL="$PERINATAL_DATABASE_URL"
        PERINATAL_JWT_KEYS="$PERINATAL_TOKEN_KID=ES256:$PERINATAL_JWT_PUBLIC_KEY"
        PERINATAL_JWT_ISSUER="$PERINATAL_JWT_ISSUER"
        PERINATAL_JWT_AUDIENCE="$PERINATAL_JWT_AUDIENCE"
        # Sanitizer builds: report to the log and fail on the first error.
        ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1}"
        UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
    )
    [[ -n ${PERINATAL_WORKERS:-} ]] && env+=(PERINATAL_WORKERS="$PERINATAL_WORKERS")
    [[ -n ${PERINATAL_FCGI_TIMEOUT_S:-} ]] && env+=(PERINATAL_FCGI_TIMEOUT_S="$PERINATAL_FCGI_TIMEOUT_S")
    # Background jobs of a script ignore SIGINT; all its descriptors go to
    # the log, so a caller reading our output is not held open.
    (perinatal_app_supervise "${env[@]}") </dev/null >>"$PERINATAL_APP_LOG" 2>&1 &
    echo $! >"$PERINATAL_PID_DIR/api-supervisor.pid"
    for ((i = 0; i < 300; i++)); do
        [[ -S $PERINATAL_LISTEN ]] && return 0
        perinatal_app_running || break
        sleep 0.1
    done
    tail -n 30 "$PERINATAL_APP_LOG" >&2
    perinatal_die "the application did not open $PERINATAL_LISTEN"
}

perinatal_app_stop() {
    # The supervisor first, so that it does not start the application again.
    perinatal_stop_pid "$PERINATAL_PID_DIR/api-supervisor.pid" TERM "the application's supervisor" 5 || true
    perinatal_pid_alive "$PERINATAL_PID_DIR/api.pid" || { rm -f "$PERINATAL_PID_DIR/api.pid"; return 0; }
    perinatal_log "stopping the application"
    perinatal_stop_pid "$PERINATAL_PID_DIR/api.pid" TERM "perinatal-api" 30 || true
}

# Asks the application to reopen its log file (after rotation).
perinatal_app_reopen_log() {
    perinatal_pid_alive "$PERINATAL_PID_DIR/api.pid" || return 0
    kill -HUP "$(<"$PERINATAL_PID_DIR/api.pid")"
}
