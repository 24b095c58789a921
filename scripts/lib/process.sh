# shellcheck shell=bash
# scripts/lib/process.sh: Processes by pid file: alive (not a zombie), and stopped with a bounded
# wait.
# Sourced by scripts/lib.sh (source that, not this).

# A process that exists and is not a zombie: a daemon whose parent is gone
# may never be reaped when PID 1 is not a real init (containers, sandboxes),
# and `kill -0` succeeds on a zombie.
perinatal_proc_live() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ -n $state && $state != Z* ]]
}

# The process a pid file names, alive. A pid file left by a reboot or a
# crash may name a pid given since to another process: that one started
# after the file was written, so it is not ours, and is never signalled.
# (60 s of slack: the wall clock may be stepped while ours runs; a pid is
# not given again that soon after a reboot.)
perinatal_pid_alive() {
    local f=$1 pid age written
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] && perinatal_proc_live "$pid" || return 1
    age=$(ps -o etimes= -p "$pid" 2>/dev/null) && written=$(stat -c %Y "$f") || return 1
    (($(date +%s) - age <= written + 60))
}

# Sends a signal and waits (bounded) for the process to go; SIGKILL after.
perinatal_stop_pid() {
    local f=$1 sig=$2 what=$3 timeout=${4:-30} pid i
    perinatal_pid_alive "$f" || { rm -f "$f"; return 0; }
    pid=$(<"$f")
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
        perinatal_proc_live "$pid" || { rm -f "$f"; return 0; }
        sleep 0.1
    done
    perinatal_log "$what (pid $pid) still running after ${timeout}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
    return 1
}

# One scripts/up or scripts/test at a time per state directory: a second
# would restart the first's processes, and stop them all on its way out if
# it failed. The claim is a pid file of the script, taken atomically
# (noclobber), and dropped by perinatal_release_state on exit; one left by
# a script that died is stale (perinatal_pid_alive) and taken over.
perinatal_claim_state() {
    local f=$PERINATAL_STATE_DIR/running.pid try
    for try in 1 2; do
        if (set -o noclobber; echo "$$" >"$f") 2>/dev/null; then
            PERINATAL_CLAIMED_STATE=$f
            return 0
        fi
        if perinatal_pid_alive "$f"; then
            perinatal_die "scripts/up or scripts/test (pid $(<"$f")) is already running for" \
                "$PERINATAL_STATE_DIR: stop it first (Ctrl-C), or set PERINATAL_STATE_DIR"
        fi
        ((try == 1)) && rm -f "$f"
    done
    perinatal_die "could not claim $PERINATAL_STATE_DIR (see $f)"
}

perinatal_release_state() {
    [[ -n ${PERINATAL_CLAIMED_STATE:-} ]] || return 0
    [[ $(cat "$PERINATAL_CLAIMED_STATE" 2>/dev/null) == "$$" ]] && rm -f "$PERINATAL_CLAIMED_STATE"
    PERINATAL_CLAIMED_STATE=
}
