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
