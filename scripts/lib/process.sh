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

perinatal_pid_alive() {
    local f=$1 pid
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] && perinatal_proc_live "$pid"
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
