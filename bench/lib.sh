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

# bench_cpu_ticks: the machine's steal time and all its CPU time so far
# (clock ticks over every CPU, /proc/stat).
bench_cpu_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print $9, t }' /proc/stat; }

# bench_wrk <wrk arguments...>: runs wrk, then prints "BENCH steal_pct: N":
# the share of the machine's CPU time that the hypervisor gave to other
# guests during the run (steal). A run with much steal had less of the
# machine than one with little: compare runs of like steal.
bench_wrk() {
    local before after rc=0
    before=$(bench_cpu_ticks)
    wrk "$@" || rc=$?
    after=$(bench_cpu_ticks)
    awk -v b="$before" -v a="$after" 'BEGIN { split(b, x); split(a, y); t = y[2] - x[2]
        printf "BENCH steal_pct: %.0f\n", (t > 0 ? 100 * (y[1] - x[1]) / t : 0) }'
    return "$rc"
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
