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
