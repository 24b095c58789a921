# shellcheck shell=bash
# bench/lib.sh: what every benchmark shares, sourced after it has set its
# state directory and port: the stack's functions, a stop on exit (unless
# PERINATAL_BENCH_KEEP=1 and all went well), and the start-up.

# shellcheck source=../scripts/lib.sh
source "$repo/scripts/lib.sh"
perinatal_config

# shellcheck disable=SC2317  # called by the EXIT trap
bench_on_exit() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ ${PERINATAL_BENCH_KEEP:-0} == 1 && $rc == 0 ]]; then
        perinatal_log "stack left running: PERINATAL_STATE_DIR=$PERINATAL_STATE_DIR scripts/down"
    else
        perinatal_stop_all || true
    fi
    exit "$rc"
}

bench_start_stack() {
    trap bench_on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    [[ ${PERINATAL_SKIP_PACKAGES:-0} == 1 ]] || perinatal_ensure_packages
    [[ ${PERINATAL_SKIP_BUILD:-0} == 1 ]] || perinatal_build "$PERINATAL_BUILD_DIR"
    perinatal_setup
    perinatal_start_services
}

# bench_figure <wrk-output> <name>: one "BENCH name: value" of a wrk run.
bench_figure() { sed -n "s/^BENCH $2: //p" "$1"; }

# bench_verify <wrk-output> <what>: a figure is printed only for a run where
# every answer counted had the expected status (the Lua scripts check each
# one), no socket error happened and some requests were made. Otherwise it
# says why and fails, so an error path is never reported as a throughput.
bench_verify() {
    local out=$1 what=$2 requests unexpected errors
    requests=$(bench_figure "$out" requests)
    unexpected=$(bench_figure "$out" unexpected)
    errors=$(bench_figure "$out" socket_errors)
    if [[ -z $requests || -z $unexpected || -z $errors ]]; then
        tail -n 20 "$out" >&2
        perinatal_log "$what: wrk printed no figures (above); no result"
        return 1
    fi
    if ((requests == 0 || unexpected != 0 || errors != 0)); then
        perinatal_log "$what: $unexpected of $requests answers had an unexpected status" \
            "($(bench_figure "$out" unexpected_statuses | sed 's/^ //')), $errors socket errors;" \
            "no figure is reported (full output $out; see the application log)"
        return 1
    fi
}
